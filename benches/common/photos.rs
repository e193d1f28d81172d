//! Photographic frames for the benches that encode and scale what a camera sees: the 640x480 JPEGs
//! of `$PISTREAM_BENCH_FRAMES` (the team's 50 replay frames: `PISTREAM_BENCH_FRAMES=../shared/frames`),
//! or the two of `tests/fixtures/frames` when it is not set; and the same pictures at other sizes,
//! as RGB and YUYV frames. A bench cycles through them (one frame per iteration), so its figure is a
//! mean over real pictures, not one picture's luck.

#![allow(dead_code)] // each bench uses a part

use std::path::PathBuf;

use pistream::video::encode::pixels;
use pistream_camera::{Frame, PixelFormat, YuvRange};

/// Where the photographs are: `$PISTREAM_BENCH_FRAMES`, else the repository's two fixtures.
pub fn photo_dir() -> PathBuf {
    std::env::var_os("PISTREAM_BENCH_FRAMES")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/frames"))
}

/// At most `max` photographs (JPEG bytes), in name order.
pub fn photo_jpegs(max: usize) -> Vec<Vec<u8>> {
    let dir = photo_dir();
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x.eq_ignore_ascii_case("jpg")))
        .collect();
    paths.sort();
    paths.truncate(max);
    assert!(!paths.is_empty(), "no .jpg in {}", dir.display());
    paths
        .iter()
        .map(|p| std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display())))
        .collect()
}

/// A JPEG decoded to RGB (with `image`, as a viewer's browser would show it).
pub fn decode_rgb(jpeg: &[u8]) -> image::RgbImage {
    image::load_from_memory_with_format(jpeg, image::ImageFormat::Jpeg)
        .expect("a JPEG")
        .to_rgb8()
}

/// A photograph at `w` x `h` (Lanczos3; the aspect ratio is not kept: 4:3 photos become 16:9).
pub fn photo_rgb(jpeg: &[u8], w: u32, h: u32) -> image::RgbImage {
    let img = decode_rgb(jpeg);
    if img.dimensions() == (w, h) {
        return img;
    }
    image::DynamicImage::from(img)
        .resize_exact(w, h, image::imageops::FilterType::Lanczos3)
        .to_rgb8()
}

/// The sources the codec benches encode from, by name: YUYV in full range, the same YUYV samples
/// taken as limited range (what most webcams send: the encoders expand them), and RGB24.
pub const SOURCES: [(&str, PixelFormat, YuvRange); 3] = [
    ("yuyv", PixelFormat::Yuyv, YuvRange::Full),
    ("yuyv_limited", PixelFormat::Yuyv, YuvRange::Limited),
    ("rgb", PixelFormat::Rgb24, YuvRange::Full),
];

/// The pictures as frames of `format` (YUYV or RGB24).
pub fn frames(pictures: &[image::RgbImage], format: PixelFormat) -> Vec<Frame> {
    pictures
        .iter()
        .map(|img| match format {
            PixelFormat::Yuyv => yuyv_frame(img),
            _ => rgb_frame(img),
        })
        .collect()
}

/// An RGB picture as a raw RGB24 frame.
pub fn rgb_frame(img: &image::RgbImage) -> Frame {
    Frame::new(
        PixelFormat::Rgb24,
        img.width(),
        img.height(),
        img.as_raw().clone(),
    )
}

/// An RGB picture as a YUYV frame (full-range BT.601, each pixel pair's chroma averaged), what a
/// YUYV camera would have sent.
pub fn yuyv_frame(img: &image::RgbImage) -> Frame {
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
