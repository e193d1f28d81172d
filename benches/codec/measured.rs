//! The codec bench itself (Unix: it reads the process's CPU-time clock). See `benches/codec.rs`.

use std::time::Duration;

use criterion::{BenchmarkId, Criterion};
#[cfg(feature = "turbojpeg")]
use pistream::video::encode::TurboEncoder;
use pistream::video::encode::{Conversion, Encoder, FastEncoder, ImageEncoder, Orientation};
use pistream_camera::{Frame, PixelFormat, YuvRange};

#[path = "../common/cpu.rs"]
mod cpu;
#[cfg(feature = "turbojpeg")]
mod libturbo;
#[path = "../common/photos.rs"]
mod photos;
mod quality;

use cpu::ProcessCpu;

const QUALITY: u8 = 80;
/// Photographs per size (each upscaled with Lanczos3 once, at start).
const PHOTOS: usize = 4;
const SIZES: [(u32, u32); 3] = [(640, 480), (1280, 720), (1920, 1080)];

/// An encoder under test: the JPEG of a frame at a quality is `out[..returned length]`.
type Encode = Box<dyn FnMut(&Frame, u8, &mut Vec<u8>) -> usize>;

/// One of pistream's encoders, writing into a reused buffer as the server does, reading YUYV
/// samples in `range`.
fn ours(encoder: impl Encoder + 'static, range: YuvRange) -> Encode {
    let conv = Conversion::new(range, Orientation::IDENTITY);
    Box::new(move |frame: &Frame, quality: u8, out: &mut Vec<u8>| {
        out.clear();
        encoder.encode(frame, &conv, quality, out).expect("encodes");
        out.len()
    })
}

/// The encoders of this build for frames of `format` (YUYV samples in `range`), by name; the
/// reference is last. `image` only for full range (it is no yardstick, and the slowest by far).
fn encoders(format: PixelFormat, range: YuvRange) -> Vec<(&'static str, Encode)> {
    #[allow(unused_mut)] // more with the turbojpeg feature
    let mut all = vec![("fast", ours(FastEncoder::new(), range))];
    if range == YuvRange::Full {
        all.push(("image", ours(ImageEncoder, range)));
    }
    #[cfg(feature = "turbojpeg")]
    {
        let mut lib = libturbo::LibTurbo::new();
        let encode: Encode = if format == PixelFormat::Rgb24 {
            Box::new(move |frame: &Frame, quality: u8, out: &mut Vec<u8>| {
                lib.encode_rgb(frame, quality, out)
            })
        } else {
            let mut planes = libturbo::Planes::default();
            Box::new(move |frame: &Frame, quality: u8, out: &mut Vec<u8>| {
                planes.fill(frame, range);
                lib.encode_planes(&planes, quality, out)
            })
        };
        all.push(("TurboEncoder", ours(TurboEncoder::new(), range)));
        all.push(("libjpeg-turbo", encode));
    }
    let _ = format;
    all
}

/// One frame per iteration, cycling through `frames`, through `encode`.
fn bench_encoder(
    group: &mut criterion::BenchmarkGroup<ProcessCpu>,
    id: BenchmarkId,
    frames: &[Frame],
    encode: &mut Encode,
) {
    let mut out = Vec::new();
    let mut i = 0;
    group.bench_function(id, |b| {
        b.iter(|| {
            i = (i + 1) % frames.len();
            encode(&frames[i], QUALITY, &mut out)
        })
    });
}

/// libjpeg-turbo compressing the 4:2:0 planes of `frames` (split, and expanded from `range`,
/// before the timing).
#[cfg(feature = "turbojpeg")]
fn bench_planes_given(
    group: &mut criterion::BenchmarkGroup<ProcessCpu>,
    id: BenchmarkId,
    frames: &[Frame],
    range: YuvRange,
) {
    let ready: Vec<libturbo::Planes> = frames
        .iter()
        .map(|f| {
            let mut p = libturbo::Planes::default();
            p.fill(f, range);
            p
        })
        .collect();
    let mut lib = libturbo::LibTurbo::new();
    let (mut out, mut i) = (Vec::new(), 0);
    group.bench_function(id, |b| {
        b.iter(|| {
            i = (i + 1) % ready.len();
            lib.encode_planes(&ready[i], QUALITY, &mut out)
        })
    });
}

/// Size and luma PSNR of every encoder at q80, and the default encoder's size at the reference's
/// PSNR, printed as `quality:` lines.
fn print_quality(
    case: &str,
    frames: &[Frame],
    range: YuvRange,
    encoders: &mut [(&'static str, Encode)],
) {
    let lumas: Vec<Vec<f64>> = frames
        .iter()
        .map(|f| quality::source_luma(f, range))
        .collect();
    let mut reference = None;
    for (name, encode) in encoders.iter_mut() {
        let s = quality::score(frames, &lumas, QUALITY, encode.as_mut());
        println!(
            "quality: {case} {name:>14} q{QUALITY}: {:>9.0} B  luma PSNR {:.2} dB",
            s.bytes, s.psnr
        );
        if *name == "libjpeg-turbo" {
            reference = Some(s);
        }
    }
    let Some(lib) = reference else { return };
    let fast = &mut encoders[0].1;
    match quality::bytes_at_psnr(frames, &lumas, lib.psnr, fast.as_mut()) {
        Some((q, bytes)) => println!(
            "quality: {case} fast at libjpeg-turbo's {:.2} dB: q{q:.1}, {bytes:.0} B = {:.3}x \
             libjpeg-turbo's bytes",
            lib.psnr,
            bytes / lib.bytes
        ),
        None => println!("quality: {case} fast never reaches {:.2} dB", lib.psnr),
    }
}

fn codecs(c: &mut Criterion<ProcessCpu>) {
    let jpegs = photos::photo_jpegs(PHOTOS);
    println!(
        "codec: {} photographs from {}, q{QUALITY}",
        jpegs.len(),
        photos::photo_dir().display()
    );
    let mut group = c.benchmark_group("codec_q80");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    for (w, h) in SIZES {
        let rgb: Vec<image::RgbImage> = jpegs.iter().map(|j| photos::photo_rgb(j, w, h)).collect();
        for (source, format, range) in photos::SOURCES {
            let frames = photos::frames(&rgb, format);
            let case = format!("{source}_{w}x{h}");
            let mut all = encoders(format, range);
            for (name, encode) in all.iter_mut() {
                let id = BenchmarkId::new(*name, &case);
                #[cfg(feature = "turbojpeg")]
                if *name == "libjpeg-turbo" && format == PixelFormat::Yuyv {
                    // The library's own speed: its compression of 4:2:0 planes split beforehand,
                    // outside the timing (it has no YUYV input; what splitting costs is in
                    // TurboEncoder's figure, which does it with SSE2).
                    bench_planes_given(&mut group, id, &frames, range);
                    continue;
                }
                bench_encoder(&mut group, id, &frames, encode);
            }
            print_quality(&case, &frames, range, &mut all);
        }
    }
    group.finish();
}

criterion::criterion_group! {
    name = benches;
    config = Criterion::default().with_measurement(ProcessCpu);
    targets = codecs
}

/// What `criterion_main!` would be, callable from the bench's `main`.
pub fn run() {
    benches();
    Criterion::default().configure_from_args().final_summary();
}
