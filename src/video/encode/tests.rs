//! Test helpers of the encode wing (frames of one colour, the real mock camera's frames, random
//! bytes, decoding, PSNR) and the tests of `mod.rs` itself; shared by every encode module's tests.

use super::*;
use image::RgbImage;

/// A `width` x `height` frame of one colour in `format` (width even for YUYV).
pub fn flat_frame(format: PixelFormat, width: u32, height: u32, rgb: (u8, u8, u8)) -> Frame {
    let (r, g, b) = rgb;
    let (y, cb, cr) = pixels::rgb_to_ycbcr(r, g, b);
    let px: Vec<u8> = match format {
        PixelFormat::Yuyv => vec![y, cb, y, cr],
        PixelFormat::Rgb24 => vec![r, g, b],
        PixelFormat::Bgra => vec![b, g, r, 255],
        PixelFormat::Jpeg => unreachable!("not raw"),
    };
    let n = format.frame_len(width, height).unwrap() / px.len();
    Frame::new(format, width, height, px.repeat(n))
}

/// `n` pseudo-random bytes (xorshift: every value turns up, the same ones each run).
pub fn random_bytes(n: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 32) as u8
        })
        .collect()
}

/// Peak signal-to-noise ratio of two equally long sample buffers (RGB pictures' raw bytes,
/// luma planes), in dB.
pub fn psnr(a: &[u8], b: &[u8]) -> f64 {
    assert_eq!(a.len(), b.len(), "two pictures of one size");
    let mse = a
        .iter()
        .zip(b)
        .map(|(&x, &y)| (x as f64 - y as f64).powi(2))
        .sum::<f64>()
        / a.len() as f64;
    10.0 * (255.0f64.powi(2) / mse.max(1e-9)).log10()
}

pub fn decode(jpeg: &[u8]) -> RgbImage {
    image::load_from_memory_with_format(jpeg, image::ImageFormat::Jpeg)
        .expect("a valid JPEG")
        .to_rgb8()
}

/// A frame from the real mock camera.
pub fn mock_frame(width: u32, height: u32) -> Frame {
    pistream_mock::MockCamera::one_frame(width, height).expect("the mock delivers")
}

#[test]
fn jpeg_frames_pass_through_untouched() {
    let jpeg = to_jpeg(
        &flat_frame(PixelFormat::Rgb24, 16, 16, (1, 2, 3)),
        &Conversion::NONE,
        80,
    )
    .unwrap();
    let frame = Frame::new(PixelFormat::Jpeg, 16, 16, jpeg.clone());
    let out = to_jpeg(&frame, &Conversion::NONE, 10).unwrap();
    assert!(Arc::ptr_eq(&out, &frame.data));
    assert_eq!(out, jpeg);
}

#[test]
fn raw_frames_become_jpegs() {
    let jpeg = to_jpeg(&mock_frame(320, 240), &Conversion::NONE, 80).unwrap();
    assert_eq!(&jpeg[..2], [0xFF, 0xD8]);
    assert_eq!(&jpeg[jpeg.len() - 2..], [0xFF, 0xD9]);
    assert_eq!(decode(&jpeg).dimensions(), (320, 240));
}

#[test]
fn bad_frames_are_errors_not_panics() {
    let cases = [
        Frame::new(PixelFormat::Yuyv, 640, 480, vec![0u8; 1000]),
        Frame::new(PixelFormat::Bgra, 2, 2, vec![0u8; 17]),
        Frame::new(PixelFormat::Yuyv, 3, 2, vec![0u8; 12]),
        Frame::new(PixelFormat::Rgb24, 0, 0, Vec::<u8>::new()),
        Frame::new(PixelFormat::Rgb24, 70_000, 1, vec![0u8; 210_000]),
        Frame::new(PixelFormat::Bgra, u32::MAX, u32::MAX, vec![0u8; 4]),
    ];
    for frame in &cases {
        assert!(to_jpeg(frame, &Conversion::NONE, 80).is_err(), "{frame:?}");
        assert!(
            ImageEncoder
                .encode(frame, &Conversion::NONE, 80, &mut Vec::new())
                .is_err(),
            "{frame:?}"
        );
    }
    // The encoders themselves refuse JPEG input (only `to_jpeg` passes it through).
    let jpeg = Frame::new(PixelFormat::Jpeg, 16, 16, vec![0xFF, 0xD8]);
    assert!(FastEncoder::new()
        .encode(&jpeg, &Conversion::NONE, 80, &mut Vec::new())
        .is_err());
    let e = to_jpeg(&cases[0], &Conversion::NONE, 80).unwrap_err();
    assert_eq!(
        e.to_string(),
        "a 640x480 YUYV frame needs 614400 bytes, got 1000"
    );
    let ok = flat_frame(PixelFormat::Yuyv, 16, 16, (9, 9, 9));
    assert!(matches!(
        to_jpeg(&ok, &Conversion::NONE, 0),
        Err(EncodeError::Quality(0))
    ));
    assert!(matches!(
        to_jpeg(&ok, &Conversion::NONE, 101),
        Err(EncodeError::Quality(101))
    ));
}

#[test]
fn no_signal_frame_is_dark_with_text() {
    let f = no_signal_frame(641, 480, "camera disconnected: mock camera unplugged");
    assert_eq!((f.width, f.height, f.format), (642, 480, PixelFormat::Yuyv));
    let luma: Vec<u8> = f.data.iter().step_by(2).copied().collect();
    let lit = luma.iter().filter(|&&y| y > 150).count();
    assert!(lit > 1000, "{lit} text pixels");
    assert!(lit < luma.len() / 10, "mostly dark, {lit} lit");
    let other = no_signal_frame(641, 480, "no such camera");
    assert_ne!(f.data, other.data, "the reason is drawn");
    assert_eq!(
        decode(&to_jpeg(&f, &Conversion::NONE, 80).unwrap()).dimensions(),
        (642, 480)
    );
    // Degenerate sizes still give a valid frame.
    let tiny = no_signal_frame(0, 0, "");
    assert!(to_jpeg(&tiny, &Conversion::NONE, 80).is_ok());
}

#[test]
fn wrap_breaks_at_spaces_and_cuts_long_words() {
    assert_eq!(wrap("ab cd ef", 5), ["ab cd", "ef"]);
    assert_eq!(wrap("abcdefgh", 3), ["abc", "def", "gh"]);
    assert!(wrap("", 3).is_empty());
}
