//! The capture pipeline at full speed (issue 9.1, 9.7): the mock camera at 1920x1080 YUYV, unpaced,
//! through capture, encode and publish, as time per published frame. Three designs side by side in
//! one run: `inline` (capture and encode one after the other on one thread: the design before the
//! pipeline), and the pipeline with 1 and 2 encoder threads. Frames that the pipeline drops (a newer
//! one came first) do not count: only what viewers could get does. Delivered fps and server CPU at
//! 1080p30 with real viewers are in docs/BENCHMARKS.md ("Encode pipeline"), from `pistream-load`.
//!
//! Run: `cargo bench --bench pipeline`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use pistream::video::capture::{CaptureOptions, CaptureService};
use pistream::video::encode::{Conversion, Encoder, FastEncoder, Orientation};
use pistream::video::hub::Next;
use pistream_camera::{Camera, CameraConfig};
use pistream_mock::MockCamera;

const QUALITY: u8 = 80;

fn camera() -> CameraConfig {
    CameraConfig {
        width: 1920,
        height: 1080,
        // The highest rate the mock grants: it never waits, the pipeline sets the pace.
        fps: pistream_mock::MAX_FPS,
        device: None,
    }
}

fn pipeline(c: &mut Criterion) {
    let mut group = c.benchmark_group("pipeline_1080p_per_published_frame");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(8));

    group.bench_function(BenchmarkId::from_parameter("inline"), |b| {
        let mut cam = MockCamera::new();
        async_std::task::block_on(cam.open(&camera())).expect("the mock opens");
        let mut out = Vec::new();
        b.iter(|| {
            let frame = async_std::task::block_on(cam.next_frame()).expect("a frame");
            out.clear();
            FastEncoder::new()
                .encode(&frame, &Conversion::NONE, QUALITY, &mut out)
                .expect("encodes");
            std::hint::black_box(Arc::<[u8]>::from(&out[..]));
        })
    });

    for workers in [1usize, 2] {
        group.bench_function(
            BenchmarkId::from_parameter(format!("{workers}_workers")),
            |b| {
                let options = CaptureOptions {
                    camera: camera(),
                    quality: QUALITY,
                    idle_timeout: Duration::from_secs(60),
                    encode_workers: workers,
                    hang_timeout: Duration::from_secs(60),
                    yuv_range: None,
                    orientation: Orientation::default(),
                    codec: Default::default(),
                };
                let service = CaptureService::new(
                    Box::new(|| Ok(Box::new(MockCamera::new()) as Box<dyn Camera>)),
                    options,
                )
                .expect("the service starts");
                let _demand = service.demand();
                let hub = service.hub();
                let mut seen = 0;
                // Counts published frames by the hub's sequence numbers (a reader may skip some).
                let mut wait_frames = |n: u64| {
                    let target = seen + n;
                    while seen < target {
                        match hub.next_after_blocking(seen, Duration::from_secs(30)) {
                            Next::Frame((seq, _)) => seen = seq,
                            _ => panic!("no frame from the pipeline"),
                        }
                    }
                };
                wait_frames(5); // warmed up: camera open, workers started
                b.iter_custom(|iters| {
                    let start = Instant::now();
                    wait_frames(iters);
                    start.elapsed()
                });
                service.shutdown();
                assert!(service.wait_stopped(Duration::from_secs(30)));
            },
        );
    }
    group.finish();
}

criterion_group!(benches, pipeline);
criterion_main!(benches);
