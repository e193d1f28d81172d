//! How long the mock camera takes to make one frame (render the test pattern and hand it out), at
//! the sizes the pipeline benchmark uses. It must stay far below an encode of the same frame, so
//! that a 1080p30 measurement measures the server, not the test camera.
//!
//! `cargo bench -p pistream-mock --bench render`

use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use pistream_camera::{Camera, CameraConfig};
use pistream_mock::MockCamera;

fn render(c: &mut Criterion) {
    let mut group = c.benchmark_group("mock_frame");
    group
        .sample_size(30)
        .measurement_time(Duration::from_secs(4));
    for (w, h) in [(640, 480), (1280, 720), (1920, 1080)] {
        let mut cam = MockCamera::new();
        let config = CameraConfig {
            width: w,
            height: h,
            // The highest rate the mock grants: its pacing never waits when a frame takes longer.
            fps: pistream_mock::MAX_FPS,
            device: None,
        };
        async_std::task::block_on(cam.open(&config)).expect("the mock opens");
        group.bench_function(BenchmarkId::from_parameter(format!("{w}x{h}")), |b| {
            b.iter(|| async_std::task::block_on(cam.next_frame()).expect("a frame"))
        });
    }
    group.finish();
}

criterion_group!(benches, render);
criterion_main!(benches);
