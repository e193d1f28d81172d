//! What one replayed frame costs the fan-out benchmarks that use the replay camera as their source:
//! `next_frame` with pacing out of the way (an fps so high that every frame is already due), over 50
//! generated 640x480 JPEGs. It should be a reference-count increment and a clock read.

use criterion::{criterion_group, criterion_main, Criterion};
use pistream_camera::{Camera, CameraConfig};
use pistream_replay::ReplayCamera;

fn frames_folder() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for i in 0..50u8 {
        let pixels: Vec<u8> = (0..640 * 480 * 3)
            .map(|p| (p as u8).wrapping_mul(i))
            .collect();
        let mut jpeg = Vec::new();
        jpeg_encoder::Encoder::new(&mut jpeg, 80)
            .encode(&pixels, 640, 480, jpeg_encoder::ColorType::Rgb)
            .expect("encode");
        std::fs::write(dir.path().join(format!("frame{i:03}.jpg")), jpeg).expect("write");
    }
    dir
}

fn bench(c: &mut Criterion) {
    let dir = frames_folder();
    let config = CameraConfig {
        fps: 1e9,
        device: Some(dir.path().display().to_string()),
        ..CameraConfig::default()
    };
    let mut cam = ReplayCamera::new();
    async_std::task::block_on(cam.open(&config)).expect("open");
    c.bench_function("replay next_frame 640x480", |b| {
        b.iter(|| async_std::task::block_on(cam.next_frame()).expect("frame"))
    });
    // The executor's share of the above: blocking on a future that is already ready.
    c.bench_function("block_on(ready) baseline", |b| {
        b.iter(|| async_std::task::block_on(async { 1u8 }))
    });
    c.bench_function("replay open 50 frames", |b| {
        b.iter(|| {
            let mut cam = ReplayCamera::new();
            async_std::task::block_on(cam.open(&config)).expect("open")
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
