//! Hub fan-out: the cost of publishing one frame to 10, 100 and 1000 waiting viewers, each of which
//! wakes, takes the newest frame and goes back to waiting — everything but the socket write.
//! Run: `cargo bench --bench hub`.

use std::cell::Cell;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use pistream::video::encode::Conversion;
use pistream::video::hub::{EncodedFrame, FrameHub, Next};
use pistream_camera::{Frame, PixelFormat};

fn frame() -> Arc<EncodedFrame> {
    let jpeg = vec![0x55u8; 50_000];
    let source = Frame::new(PixelFormat::Jpeg, 640, 480, jpeg.clone());
    Arc::new(EncodedFrame::new(&jpeg, source, Conversion::NONE, true))
}

fn fan_out(c: &mut Criterion) {
    let mut group = c.benchmark_group("hub_publish_to_waiting_viewers");
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(3));
    for viewers in [10usize, 100, 1000] {
        group.bench_with_input(BenchmarkId::from_parameter(viewers), &viewers, |b, &n| {
            let hub = Rc::new(FrameHub::new());
            let ex = async_executor::LocalExecutor::new();
            let received = Rc::new(Cell::new(0usize));
            for _ in 0..n {
                let hub = hub.clone();
                let received = received.clone();
                ex.spawn(async move {
                    let mut seen = 0;
                    while let Next::Frame((seq, f)) =
                        hub.next_after(seen, Duration::from_secs(3600)).await
                    {
                        seen = seq;
                        std::hint::black_box(f.part().len());
                        received.set(received.get() + 1);
                    }
                })
                .detach();
            }
            while ex.try_tick() {}
            let f = frame();
            b.iter(|| {
                let target = received.get() + n;
                hub.publish(f.clone());
                while received.get() < target {
                    ex.try_tick();
                }
            });
            hub.close();
            while ex.try_tick() {}
        });
    }
    group.finish();
}

fn framing(c: &mut Criterion) {
    let jpeg = vec![0x55u8; 50_000];
    let source = Frame::new(PixelFormat::Jpeg, 640, 480, jpeg.clone());
    c.bench_function("frame_a_50KB_jpeg_as_a_multipart_part", |b| {
        b.iter(|| {
            EncodedFrame::new(
                std::hint::black_box(&jpeg),
                source.clone(),
                Conversion::NONE,
                true,
            )
        })
    });
}

criterion_group!(benches, fan_out, framing);
criterion_main!(benches);
