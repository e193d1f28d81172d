//! `--rotate` / `--flip` and `--yuv-range` per frame (issue 9.4, 9.6), side by side in one run:
//! - an MJPEG source (a photographic 640x480 frame from tests/fixtures/frames, and the same frame
//!   upscaled to 1280x720), turned by `rotate::rotate_jpeg` (full decode to YCbCr, encode turned)
//!   against the same decode and encode the right way up — what a turn costs beyond a re-encode,
//!   and what a turned MJPEG camera costs at all (upright, its frames pass through for free);
//! - a raw YUYV source (mock frames): the encode upright in full range, in limited range, and
//!   turned 90 and 180 degrees — the turn and the range are read in the one conversion pass.
//!
//! With `--features turbojpeg` each case also runs with libjpeg-turbo (`turbo_*`): an MJPEG frame
//! turned losslessly (DCT domain), a YUYV frame encoded from YUV planes, and the library alone on
//! planes split beforehand (`tj_planes_only`: what the split and the turn add on top;
//! `tj_planes_only_limited`: the planes of the limited-range case, expanded beforehand, which
//! compress a little slower: more contrast, more bits).
//!
//! Run: `cargo bench --bench rotate [--features turbojpeg]`. Kept short (10 samples, ~3 s a case)
//! for a shared machine.

use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use pistream::video::encode::rotate::rotate_jpeg;
use pistream::video::encode::{to_jpeg, Codec, Conversion, Orientation, Rotation};
use pistream_camera::{Frame, PixelFormat, YuvRange};

#[path = "common/mock.rs"]
mod mock;
use mock::mock_frame;

const QUALITY: u8 = 80;

fn turn(rotate: Rotation, flip_h: bool) -> Orientation {
    Orientation {
        rotate,
        flip_h,
        flip_v: false,
    }
}

/// The fixture photo at 640x480, and upscaled (Triangle) to 1280x720, both as q90 JPEGs.
fn photos() -> Vec<(String, Vec<u8>)> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/frames/frame000.jpg"
    );
    let small = std::fs::read(path).expect("fixture frame");
    let img = image::load_from_memory(&small).expect("decodes");
    let big = img.resize_exact(1280, 720, image::imageops::FilterType::Triangle);
    let rgb = big.to_rgb8();
    let frame = Frame::new(PixelFormat::Rgb24, 1280, 720, rgb.into_raw());
    let big = to_jpeg(&frame, &Conversion::NONE, 90).expect("encodes");
    vec![("640x480".into(), small), ("1280x720".into(), big.to_vec())]
}

fn mjpeg(c: &mut Criterion) {
    let mut group = c.benchmark_group("mjpeg_turn_q80");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    let cases = [
        ("upright_reencode", Orientation::IDENTITY),
        ("rotate90", turn(Rotation::R90, false)),
        ("rotate180", turn(Rotation::R180, false)),
        ("flip_h", turn(Rotation::R0, true)),
    ];
    for (size, jpeg) in photos() {
        for (name, orientation) in cases {
            let mut out = Vec::with_capacity(1 << 20);
            group.bench_with_input(BenchmarkId::new(name, &size), &jpeg, |b, jpeg| {
                b.iter(|| {
                    out.clear();
                    rotate_jpeg(jpeg, orientation, QUALITY, &mut out).expect("turns");
                    out.len()
                })
            });
            if orientation.is_identity() {
                continue;
            }
            for codec in Codec::compiled_in() {
                if codec == Codec::Rust {
                    continue;
                }
                let id = BenchmarkId::new(format!("{}_{name}", codec.name()), &size);
                group.bench_with_input(id, &jpeg, |b, jpeg| {
                    b.iter(|| {
                        out.clear();
                        (codec.rotate_jpeg(jpeg, orientation, QUALITY, &mut out)).expect("turns");
                        out.len()
                    })
                });
            }
        }
    }
    group.finish();
}

fn yuyv(c: &mut Criterion) {
    let mut group = c.benchmark_group("yuyv_encode_q80");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    let full = |o| Conversion::new(YuvRange::Full, o);
    let cases = [
        ("upright_full", full(Orientation::IDENTITY)),
        (
            "upright_limited",
            Conversion::new(YuvRange::Limited, Orientation::IDENTITY),
        ),
        ("rotate90", full(turn(Rotation::R90, false))),
        ("rotate180", full(turn(Rotation::R180, false))),
    ];
    for (w, h) in [(640, 480), (1280, 720)] {
        let frame = mock_frame(w, h);
        for (name, conv) in cases {
            for codec in Codec::compiled_in() {
                let name = if codec == Codec::Rust {
                    name.to_string()
                } else {
                    format!("{}_{name}", codec.name())
                };
                group.bench_with_input(
                    BenchmarkId::new(name, format!("{w}x{h}")),
                    &frame,
                    |b, f| b.iter(|| codec.to_jpeg(f, &conv, QUALITY).expect("encodes").len()),
                );
            }
        }
        #[cfg(feature = "turbojpeg")]
        for range in [YuvRange::Full, YuvRange::Limited] {
            library_alone(&mut group, &frame, range, w as usize, h as usize);
        }
    }
    group.finish();
}

/// libjpeg-turbo alone: the frame's YUYV (samples in `range`) split into 4:2:0 planes once,
/// outside the timing, by pistream's own split, then only `compress_yuv_planes` timed. What
/// `turbo_upright_full` (`_limited`) adds to it is the split.
#[cfg(feature = "turbojpeg")]
fn library_alone(
    group: &mut criterion::BenchmarkGroup<criterion::measurement::WallTime>,
    frame: &Frame,
    range: YuvRange,
    w: usize,
    h: usize,
) {
    use pistream::video::encode::yuyv_split::split_rows;
    let (mut y, mut u, mut v) = (vec![0u8; w * h], vec![0u8; w * h / 4], vec![0u8; w * h / 4]);
    let rows = frame.data.chunks_exact(w * 4);
    let planes = y
        .chunks_exact_mut(w * 2)
        .zip(u.chunks_exact_mut(w / 2).zip(v.chunks_exact_mut(w / 2)));
    for (src, (luma, (cb, cr))) in rows.zip(planes) {
        let (r0, r1) = src.split_at(w * 2);
        let (y0, y1) = luma.split_at_mut(w);
        split_rows(range, r0, r1, y0, Some(y1), cb, cr);
    }
    let image = turbojpeg::YuvPlanesImage {
        y_plane: &y[..],
        u_plane: &u[..],
        v_plane: &v[..],
        width: w,
        height: h,
        y_stride: w,
        u_stride: w / 2,
        v_stride: w / 2,
        subsamp: turbojpeg::Subsamp::Sub2x2,
    };
    let mut compressor = turbojpeg::Compressor::new().expect("a compressor");
    compressor.set_quality(QUALITY.into()).expect("quality");
    let name = match range {
        YuvRange::Full => "tj_planes_only",
        YuvRange::Limited => "tj_planes_only_limited",
    };
    group.bench_function(BenchmarkId::new(name, format!("{w}x{h}")), |b| {
        b.iter(|| {
            let jpeg = compressor
                .compress_yuv_planes_to_owned(&image)
                .expect("encodes");
            jpeg.len()
        })
    });
}

criterion_group!(benches, mjpeg, yuyv);
criterion_main!(benches);
