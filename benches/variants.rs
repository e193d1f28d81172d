//! Stream variants from photographic frames, measured in **CPU time of the whole process** (all
//! threads: the JPEG decoder hands its last step to rayon's pool), since what a variant costs the
//! server is CPU, not latency. The frames are `$PISTREAM_BENCH_FRAMES` (the team's 50 replay frames:
//! `PISTREAM_BENCH_FRAMES=../shared/frames`) or the two of `tests/fixtures/frames`, cycled one per
//! iteration; the 1280x720 sources are the first ten of them upscaled (as q80 JPEG and as YUYV).
//!
//! Side by side in one run, per source: its reference (the full-size frame through the same path:
//! a full decode and a q40 encode for a JPEG source, the main stream's encode for YUYV), then the
//! variants: a 640x480 JPEG to 320 wide (an exact 1/2 DCT-scaled decode) and to 250 (1/2, then the
//! area filter 320 to 250); a 1280x720 JPEG to 320 (1/4); a 1280x720 YUYV frame to 320 and 640 (the
//! area filter on YUYV); and what a 320-wide variant cost before the DCT-scaled path (a full-size
//! decode with `image`, then the area filter from RGB).
//!
//! With `--features turbojpeg`, each case also with libjpeg-turbo (`_turbo`: its DCT-scaled decode
//! to YUV planes, encode from planes).
//!
//! Run: `PISTREAM_BENCH_FRAMES=../shared/frames cargo bench --bench variants [--features turbojpeg]`.
//! Short (10 samples, ~3 s a case) for a shared 2-core machine.
//!
//! The CPU time comes from `clock_gettime(CLOCK_PROCESS_CPUTIME_ID)`, which only Unix offers: on other
//! systems this bench says so and measures nothing.

#[cfg(unix)]
#[path = "variants/measured.rs"]
mod measured;

#[cfg(unix)]
fn main() {
    measured::run();
}

#[cfg(not(unix))]
fn main() {
    eprintln!(
        "benches/variants: SKIPPED: it measures the process's CPU time (clock_gettime), which only \
         Unix offers"
    );
}
