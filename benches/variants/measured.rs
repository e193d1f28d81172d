//! The variants bench itself (Unix: it reads the process's CPU-time clock). See `benches/variants.rs`.

use std::time::Duration;

use criterion::{criterion_group, BenchmarkId, Criterion};
use pistream::video::encode::{to_jpeg, variant, Codec, Conversion};
use pistream_camera::{Frame, PixelFormat};

#[path = "../common/cpu.rs"]
mod cpu;
#[path = "../common/photos.rs"]
mod photos;
use cpu::ProcessCpu;

/// One frame per iteration, cycling through `frames`.
fn cycle<'a>(frames: &'a [Frame]) -> impl FnMut() -> &'a Frame + 'a {
    let mut i = 0;
    move || {
        i = (i + 1) % frames.len();
        &frames[i]
    }
}

/// What variants cost before the DCT-scaled path: a full decode, then the raw-frame variant.
fn old_full_decode(jpeg: &Frame, width: Option<u32>, quality: u8) -> usize {
    let rgb = photos::decode_rgb(&jpeg.data);
    variant(&photos::rgb_frame(&rgb), &Conversion::NONE, width, quality)
        .expect("encodes")
        .len()
}

fn variant_len(frame: &Frame, width: Option<u32>, quality: u8) -> usize {
    variant(frame, &Conversion::NONE, width, quality)
        .expect("encodes")
        .len()
}

/// A bench case: source, case name, the source's frames, variant width, quality.
type Case<'a> = (&'a str, &'a str, &'a [Frame], Option<u32>, u8);

/// The upscaled photographs: at most this many (each costs a Lanczos3 resize to make).
const UPSCALED: usize = 10;

fn sources(c: &mut Criterion<ProcessCpu>) {
    let mut group = c.benchmark_group("variant_cpu");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    let jpegs = photos::photo_jpegs(usize::MAX);
    let jpeg640: Vec<Frame> = jpegs
        .iter()
        .map(|j| Frame::new(PixelFormat::Jpeg, 640, 480, j.clone()))
        .collect();
    let big: Vec<image::RgbImage> = jpegs
        .iter()
        .take(UPSCALED)
        .map(|j| photos::photo_rgb(j, 1280, 720))
        .collect();
    let jpeg720: Vec<Frame> = big
        .iter()
        .map(|img| {
            let jpeg = to_jpeg(&photos::rgb_frame(img), &Conversion::NONE, 80).expect("encodes");
            Frame::new(PixelFormat::Jpeg, 1280, 720, jpeg)
        })
        .collect();
    let yuyv720: Vec<Frame> = big.iter().map(photos::yuyv_frame).collect();
    println!(
        "variant_cpu: {} photographs from {} (640x480 JPEG), {} of them upscaled to 1280x720",
        jpeg640.len(),
        photos::photo_dir().display(),
        big.len()
    );
    // Each source's first case is its reference: what a full-size frame costs on the same path,
    // measured in the same run.
    let cases: [Case; 9] = [
        ("jpeg640x480", "full_q40", &jpeg640, None, 40),
        ("jpeg640x480", "to_320_q80", &jpeg640, Some(320), 80),
        ("jpeg640x480", "to_250_q80", &jpeg640, Some(250), 80),
        ("jpeg1280x720", "full_q40", &jpeg720, None, 40),
        ("jpeg1280x720", "to_320_q80", &jpeg720, Some(320), 80),
        ("yuyv1280x720", "full_q80", &yuyv720, None, 80),
        ("yuyv1280x720", "to_320_q80", &yuyv720, Some(320), 80),
        ("yuyv1280x720", "to_640_q80", &yuyv720, Some(640), 80),
        (
            "jpeg640x480",
            "old_full_decode_to_320_q80",
            &jpeg640,
            Some(320),
            80,
        ),
    ];
    for (source, case, frames, width, quality) in cases {
        let mut next = cycle(frames);
        group.bench_function(BenchmarkId::new(source, case), |b| {
            if case.starts_with("old_") {
                b.iter(|| old_full_decode(next(), width, quality))
            } else {
                b.iter(|| variant_len(next(), width, quality))
            }
        });
        if case.starts_with("old_") {
            continue;
        }
        // The same case by the other codecs of this build (libjpeg-turbo with --features
        // turbojpeg: its DCT-scaled decode to YUV planes, then its encode).
        for codec in Codec::compiled_in().into_iter().skip(1) {
            let id = BenchmarkId::new(source, format!("{case}_{}", codec.name()));
            group.bench_function(id, |b| {
                b.iter(|| {
                    codec
                        .variant(next(), &Conversion::NONE, width, quality)
                        .expect("encodes")
                        .len()
                })
            });
        }
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().with_measurement(ProcessCpu);
    targets = sources
}

/// What `criterion_main!` would be, callable from the bench's `main`.
pub fn run() {
    benches();
    Criterion::default().configure_from_args().final_summary();
}
