//! The variants bench itself (Unix: it reads the process's CPU-time clock). See `benches/variants.rs`.

use std::time::Duration;

use criterion::measurement::{Measurement, ValueFormatter};
use criterion::{criterion_group, BenchmarkId, Criterion, Throughput};
use pistream::video::encode::{pixels, to_jpeg, variant, Codec, Conversion};
use pistream_camera::{Frame, PixelFormat};

/// CPU time consumed by the whole process (every thread), in nanoseconds.
struct ProcessCpu;

fn process_cpu_ns() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec; the clock id is a constant the kernel knows.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "CLOCK_PROCESS_CPUTIME_ID");
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

impl Measurement for ProcessCpu {
    type Intermediate = u64;
    type Value = u64;
    fn start(&self) -> u64 {
        process_cpu_ns()
    }
    fn end(&self, start: u64) -> u64 {
        process_cpu_ns() - start
    }
    fn add(&self, a: &u64, b: &u64) -> u64 {
        a + b
    }
    fn zero(&self) -> u64 {
        0
    }
    fn to_f64(&self, v: &u64) -> f64 {
        *v as f64
    }
    fn formatter(&self) -> &dyn ValueFormatter {
        &CpuFormatter
    }
}

/// Shows CPU nanoseconds as "ms cpu" (or "µs cpu").
struct CpuFormatter;

impl ValueFormatter for CpuFormatter {
    fn scale_values(&self, typical: f64, values: &mut [f64]) -> &'static str {
        let (factor, unit) = if typical < 1e6 {
            (1e-3, "µs cpu")
        } else {
            (1e-6, "ms cpu")
        };
        values.iter_mut().for_each(|v| *v *= factor);
        unit
    }
    fn scale_throughputs(&self, typical: f64, _: &Throughput, values: &mut [f64]) -> &'static str {
        self.scale_values(typical, values)
    }
    fn scale_for_machines(&self, _: &mut [f64]) -> &'static str {
        "ns"
    }
}

fn fixture(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/frames")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn decode_rgb(jpeg: &[u8]) -> image::RgbImage {
    image::load_from_memory_with_format(jpeg, image::ImageFormat::Jpeg)
        .expect("a JPEG")
        .to_rgb8()
}

/// The photo upscaled to `w` x `h` (Lanczos3), as RGB.
fn photo_rgb(w: u32, h: u32) -> image::RgbImage {
    let img = image::DynamicImage::from(decode_rgb(&fixture("frame000.jpg")));
    img.resize_exact(w, h, image::imageops::FilterType::Lanczos3)
        .to_rgb8()
}

fn rgb_frame(img: &image::RgbImage) -> Frame {
    Frame::new(
        PixelFormat::Rgb24,
        img.width(),
        img.height(),
        img.as_raw().clone(),
    )
}

fn yuyv_frame(img: &image::RgbImage) -> Frame {
    let (w, h) = img.dimensions();
    let mut yuyv = vec![0u8; (w * h * 2) as usize];
    let (mut y, mut cb, mut cr) = (
        vec![0; w as usize],
        vec![0; w as usize],
        vec![0; w as usize],
    );
    for (src, dst) in img
        .as_raw()
        .chunks_exact(w as usize * 3)
        .zip(yuyv.chunks_exact_mut(w as usize * 2))
    {
        pixels::rgb_row_to_ycbcr(src, &mut y, &mut cb, &mut cr);
        pixels::ycbcr_row_to_yuyv(&y, &cb, &cr, dst);
    }
    Frame::new(PixelFormat::Yuyv, w, h, yuyv)
}

/// What variants cost before the DCT-scaled path: a full decode, then the raw-frame variant.
fn old_full_decode(jpeg: &Frame, width: Option<u32>, quality: u8) -> usize {
    let rgb = decode_rgb(&jpeg.data);
    variant(&rgb_frame(&rgb), &Conversion::NONE, width, quality)
        .expect("encodes")
        .len()
}

fn jpeg_sources(c: &mut Criterion<ProcessCpu>) {
    let mut group = c.benchmark_group("variant_cpu");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    let jpeg640 = Frame::new(PixelFormat::Jpeg, 640, 480, fixture("frame000.jpg"));
    let big = photo_rgb(1280, 720);
    let jpeg720 = Frame::new(
        PixelFormat::Jpeg,
        1280,
        720,
        to_jpeg(&rgb_frame(&big), &Conversion::NONE, 80).expect("encodes"),
    );
    let cases: [(&str, &Frame, Option<u32>, u8); 4] = [
        ("jpeg640x480_to_320_q80", &jpeg640, Some(320), 80),
        ("jpeg640x480_to_250_q80", &jpeg640, Some(250), 80),
        ("jpeg640x480_q40", &jpeg640, None, 40),
        ("jpeg1280x720_to_320_q80", &jpeg720, Some(320), 80),
    ];
    for (name, frame, width, quality) in cases {
        group.bench_with_input(BenchmarkId::new("old_full_decode", name), frame, |b, f| {
            b.iter(|| old_full_decode(f, width, quality))
        });
        group.bench_with_input(BenchmarkId::new("dct_scaled", name), frame, |b, f| {
            b.iter(|| {
                variant(f, &Conversion::NONE, width, quality)
                    .expect("encodes")
                    .len()
            })
        });
        // libjpeg-turbo (with --features turbojpeg): scaled decode to YUV planes, then encode.
        for codec in Codec::compiled_in().into_iter().skip(1) {
            let id = BenchmarkId::new(codec.name(), name);
            group.bench_with_input(id, frame, |b, f| {
                b.iter(|| {
                    (codec.variant(f, &Conversion::NONE, width, quality))
                        .expect("encodes")
                        .len()
                })
            });
        }
    }
    let yuyv720 = yuyv_frame(&big);
    group.bench_function(BenchmarkId::new("area", "yuyv1280x720_to_320_q80"), |b| {
        b.iter(|| {
            variant(&yuyv720, &Conversion::NONE, Some(320), 80)
                .expect("encodes")
                .len()
        })
    });
    for codec in Codec::compiled_in().into_iter().skip(1) {
        let id = BenchmarkId::new(format!("area_{}", codec.name()), "yuyv1280x720_to_320_q80");
        group.bench_function(id, |b| {
            b.iter(|| {
                (codec.variant(&yuyv720, &Conversion::NONE, Some(320), 80))
                    .expect("encodes")
                    .len()
            })
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().with_measurement(ProcessCpu);
    targets = jpeg_sources
}

/// What `criterion_main!` would be, callable from the bench's `main`.
pub fn run() {
    benches();
    Criterion::default().configure_from_args().final_summary();
}
