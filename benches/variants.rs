//! Stream variants from photographic frames (`tests/fixtures/frames`), measured in **CPU time of the
//! whole process** (all threads: the JPEG decoder may use a thread per colour component), since what
//! a variant costs the server is CPU, not latency. Side by side in one run:
//! - `old_full_decode`: what pistream did before — a full-size decode with `image`, then the area
//!   filter from RGB, then encode;
//! - `dct_scaled`: the current path — DCT-domain scaled decode to YCbCr, then at most a small area
//!   step, then encode from YCbCr.
//!
//! Cases: a 640x480 JPEG source to 320 wide (exact 1/2), to 250 wide (1/2, then 320 to 250), and at
//! full size with quality 40 only; a 1280x720 JPEG source to 320; a 1280x720 YUYV source to 320.
//! With `--features turbojpeg`, each case also with libjpeg-turbo (`turbo`: DCT-scaled decode to
//! YUV planes, encode from planes). Run: `cargo bench --bench variants [--features turbojpeg]`. Short (10 samples, ~3 s a case) for a shared 2-core machine.
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
