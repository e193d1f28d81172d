//! Frame encoding: `FastEncoder` (pistream-jpeg's encoder core, YUYV split into planes, 4:2:0)
//! against `ImageEncoder` (the `image` crate, RGB 4:4:4) on mock-camera YUYV frames at 640x480,
//! 1280x720 and 1920x1080, quality 80; and a per-viewer variant (640x480 scaled to 320 wide, quality 80).
//! Run: `cargo bench --bench encode`. Kept short (10 samples, ~3 s a case) for a shared 2-core machine.

use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use pistream::video::encode::{variant, Conversion, Encoder, FastEncoder, ImageEncoder};

#[path = "common/mock.rs"]
mod mock;
use mock::mock_frame;

const QUALITY: u8 = 80;

fn encoders(c: &mut Criterion) {
    let mut group = c.benchmark_group("encode_q80");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    let encoders: [&dyn Encoder; 2] = [&FastEncoder::new(), &ImageEncoder];
    for (w, h) in [(640, 480), (1280, 720), (1920, 1080)] {
        let frame = mock_frame(w, h);
        group.throughput(Throughput::Elements(1));
        for enc in encoders {
            let mut out = Vec::with_capacity(1 << 20);
            group.bench_with_input(
                BenchmarkId::new(enc.name(), format!("{w}x{h}")),
                &frame,
                |b, frame| {
                    b.iter(|| {
                        out.clear();
                        enc.encode(frame, &Conversion::NONE, QUALITY, &mut out)
                            .expect("encodes");
                        out.len()
                    })
                },
            );
        }
    }
    group.finish();
}

fn variants(c: &mut Criterion) {
    let mut group = c.benchmark_group("variant");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    let frame = mock_frame(640, 480);
    group.bench_function("640x480_to_320_q80", |b| {
        b.iter(|| {
            variant(&frame, &Conversion::NONE, Some(320), QUALITY)
                .expect("scales")
                .len()
        })
    });
    group.finish();
}

criterion_group!(benches, encoders, variants);
criterion_main!(benches);
