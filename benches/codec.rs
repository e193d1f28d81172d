//! JPEG encoders side by side in one run (issue 9.7): the default `FastEncoder`, `ImageEncoder`
//! (the `image` crate) and, built with `--features turbojpeg`, pistream's `TurboEncoder` and
//! libjpeg-turbo itself (the `turbojpeg` crate called directly: the library's own speed), at
//! 640x480, 1280x720 and 1920x1080, from YUYV and from RGB, quality 80, 4:2:0 (`image` writes 4:4:4:
//! it has no other mode). libjpeg-turbo has no YUYV input: from YUYV its time is the compression of
//! 4:2:0 planes split beforehand, outside the timing (`TurboEncoder` splits them itself). The YUYV
//! frames also run taken as limited range (`yuyv_limited`, most webcams: the encoders expand the
//! samples to full range; libjpeg-turbo's planes are expanded beforehand; no `image`). The frames
//! are photographs (`$PISTREAM_BENCH_FRAMES` or the repository's two, see
//! `benches/common/photos.rs`), upscaled to each size, cycled one per iteration.
//!
//! Time is **CPU time of the process** per frame (every encoder here runs on the calling thread):
//! on a shared machine it moves far less than wall time. Besides time, the bench prints
//! (`quality:` lines) for each case the mean JPEG size and the luma PSNR of the decoded JPEG against
//! the source's luma, so speed is never bought with quality; and the default encoder's size **at
//! libjpeg-turbo's luma PSNR**: its quality stepped from 80 until two neighbours bracket the PSNR
//! libjpeg-turbo reaches at q80, its size interpolated between them.
//!
//! Run all columns in one run:
//! `PISTREAM_BENCH_FRAMES=../shared/frames cargo bench --features turbojpeg --bench codec`.
//! Unix only (the CPU-time clock); elsewhere it says so and measures nothing.

#[cfg(unix)]
#[path = "codec/measured.rs"]
mod measured;

#[cfg(unix)]
fn main() {
    measured::run();
}

#[cfg(not(unix))]
fn main() {
    eprintln!(
        "benches/codec: SKIPPED: it measures the process's CPU time (clock_gettime), which only \
         Unix offers"
    );
}
