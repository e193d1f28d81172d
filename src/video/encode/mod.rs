//! Raw frames to JPEG: the [`Encoder`] interface, the default [`FastEncoder`] (and libjpeg-turbo's
//! `TurboEncoder` with `--features turbojpeg`), the [`Codec`] a server uses (`--encoder`), whose
//! [`Codec::to_jpeg`] is what the capture task publishes, per-viewer [`variant`]s, and the
//! [`no_signal_frame`] shown while the camera is down. Plain Rust: no HTTP, no async; the caller
//! runs it off the executor.
//!
//! Every path takes the frame's [`Conversion`]: the range of its YUV samples and how the picture is
//! turned (`--yuv-range`, `--rotate`, `--flip`), applied while the pixels are read (see [`orient`]).
//! A camera that sends JPEG (MJPEG) is never re-encoded unless it must be turned: [`to_jpeg`] hands
//! its bytes on as they are; a turned one goes through [`Codec::rotate_jpeg`].

pub mod area;
pub mod codec;
pub mod decode;
pub mod fast;
pub mod image_enc;
#[cfg(feature = "turbojpeg")]
pub mod lossless;
pub mod orient;
pub mod pixels;
#[cfg(feature = "turbojpeg")]
pub mod planes;
pub mod rotate;
pub mod scale;
#[cfg(feature = "turbojpeg")]
pub mod turbo;
#[cfg(feature = "turbojpeg")]
pub mod turbo_scale;
#[cfg(feature = "turbojpeg")]
pub mod yuyv_split;

use std::cell::RefCell;
use std::sync::Arc;

use pistream_camera::{font, Frame, PixelFormat, YuvRange};

pub use codec::Codec;
pub use fast::{FastEncoder, Sampling};
pub use image_enc::ImageEncoder;
pub use orient::{Conversion, Orientation, Rotation};
pub use scale::{target_size, variant};
#[cfg(feature = "turbojpeg")]
pub use turbo::TurboEncoder;

/// Something that turns a raw frame into a baseline JPEG: [`FastEncoder`] (pure Rust), the opt-in
/// `TurboEncoder` (libjpeg-turbo, `--features turbojpeg`), and [`ImageEncoder`]
/// (benchmarks only). Which one a server uses is its [`Codec`].
pub trait Encoder: Send + Sync {
    /// A short name for logs and benchmarks.
    fn name(&self) -> &'static str;

    /// Appends the JPEG of `frame`, its pixels read and turned as `conv` says, at `quality`
    /// (1..=100) to `out`.
    fn encode(
        &self,
        frame: &Frame,
        conv: &Conversion,
        quality: u8,
        out: &mut Vec<u8>,
    ) -> Result<(), EncodeError>;
}

/// Why a frame could not be encoded. Bad input is an error, never a panic.
#[derive(Debug, thiserror::Error)]
pub enum EncodeError {
    #[error("a {width}x{height} {format} frame needs {expected} bytes, got {actual}")]
    BadLength {
        format: PixelFormat,
        width: u32,
        height: u32,
        expected: usize,
        actual: usize,
    },
    #[error("cannot encode: {0}")]
    Unsupported(String),
    #[error("cannot decode the JPEG frame: {0}")]
    Decode(String),
    #[error("JPEG encoding failed: {0}")]
    Encode(String),
    #[error("JPEG quality must be 1 to 100, got {0}")]
    Quality(u8),
}

pub(crate) fn check_quality(quality: u8) -> Result<(), EncodeError> {
    if (1..=100).contains(&quality) {
        Ok(())
    } else {
        Err(EncodeError::Quality(quality))
    }
}

/// Raw pixels whose size and length have been checked (the encoders' common input).
pub(crate) struct Raw<'a> {
    pub format: PixelFormat,
    pub width: u16,
    pub height: u16,
    pub data: &'a [u8],
}

impl<'a> Raw<'a> {
    pub fn new(
        format: PixelFormat,
        width: u32,
        height: u32,
        data: &'a [u8],
    ) -> Result<Self, EncodeError> {
        // jpeg-encoder takes 16-bit sides; YUYV needs whole pixel pairs.
        let (Ok(w), Ok(h)) = (u16::try_from(width), u16::try_from(height)) else {
            return Err(EncodeError::Unsupported(format!(
                "a {width}x{height} frame (at most 65535 a side)"
            )));
        };
        if w == 0 || h == 0 {
            return Err(EncodeError::Unsupported(format!(
                "an empty {width}x{height} frame"
            )));
        }
        let Some(expected) = format.frame_len(width, height) else {
            return Err(EncodeError::Unsupported(format!(
                "{format} is not raw pixels"
            )));
        };
        if format == PixelFormat::Yuyv && w % 2 == 1 {
            return Err(EncodeError::Unsupported(format!(
                "YUYV with an odd width ({width})"
            )));
        }
        if data.len() != expected {
            return Err(EncodeError::BadLength {
                format,
                width,
                height,
                expected,
                actual: data.len(),
            });
        }
        Ok(Raw {
            format,
            width: w,
            height: h,
            data,
        })
    }

    pub fn of(frame: &'a Frame) -> Result<Self, EncodeError> {
        Raw::new(frame.format, frame.width, frame.height, &frame.data)
    }

    /// The pixels, their YUYV samples read as `range`.
    pub fn pixels(&self, range: YuvRange) -> pixels::RawPixels<'a> {
        pixels::RawPixels {
            format: self.format,
            range,
            width: self.width.into(),
            height: self.height.into(),
            data: self.data,
        }
    }
}

thread_local! {
    /// Each encoding thread's output buffer, reused so that a frame costs one allocation (its `Arc`).
    static SCRATCH: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// Past this, a thread's scratch buffer is released after use (a one-off huge frame keeps no memory).
const SCRATCH_KEEP: usize = 4 << 20;

/// The JPEG of `frame` read and turned as `conv` says, by the default (pure Rust) [`Codec`]: see
/// [`Codec::to_jpeg`].
pub fn to_jpeg(frame: &Frame, conv: &Conversion, quality: u8) -> Result<Arc<[u8]>, EncodeError> {
    Codec::Rust.to_jpeg(frame, conv, quality)
}

/// What `encode` appends to this thread's scratch buffer, as a shared frame.
pub(crate) fn shared_from_scratch(
    encode: impl FnOnce(&mut Vec<u8>) -> Result<(), EncodeError>,
) -> Result<Arc<[u8]>, EncodeError> {
    SCRATCH.with_borrow_mut(|buf| {
        buf.clear();
        let jpeg = encode(buf).map(|()| Arc::from(&buf[..]));
        if buf.capacity() > SCRATCH_KEEP {
            *buf = Vec::new();
        }
        jpeg
    })
}

/// A dark "NO SIGNAL" frame (YUYV) of about `width` x `height` (width rounded up to even, sides kept
/// within 16..=8192) stating `reason` and the local time, for viewers while the camera is down.
pub fn no_signal_frame(width: u32, height: u32, reason: &str) -> Frame {
    let w = width.clamp(16, 8192).next_multiple_of(2);
    let h = height.clamp(16, 8192);
    let mut buf = vec![0u8; (w * h * 2) as usize];
    let title = "NO SIGNAL";
    let big = ((w * 7 / 10) / font::text_width(title, 1))
        .min(h / 5 / font::GLYPH_HEIGHT)
        .max(1);
    let small = (big / 3).max(1);
    let margin = font::ADVANCE * small;
    let max_chars = ((w.saturating_sub(2 * margin)) / (font::ADVANCE * small)).max(1) as usize;
    let time = chrono::Local::now().format("%Y-%m-%d %H:%M:%S").to_string();
    let mut lines: Vec<String> = wrap(reason, max_chars).into_iter().take(4).collect();
    lines.push(time);
    // The buffer was made for this size, so drawing cannot fail.
    let _ = font::fill_rect_yuyv(&mut buf, w, h, 0, 0, w, h, (24, 128, 128));
    let title_y = (h as i32) * 2 / 5 - font::text_height(big) as i32;
    let centred = |text: &str, scale| (w as i32 - font::text_width(text, scale) as i32) / 2;
    let _ = font::draw_text_yuyv(
        &mut buf,
        w,
        h,
        centred(title, big),
        title_y,
        big,
        title,
        235,
    );
    let mut y = title_y + (font::text_height(big) + 3 * font::text_height(small)) as i32;
    for line in &lines {
        let _ = font::draw_text_yuyv(&mut buf, w, h, centred(line, small), y, small, line, 190);
        y += (font::text_height(small) * 3 / 2) as i32;
    }
    Frame::new(PixelFormat::Yuyv, w, h, buf)
}

/// Splits `text` into lines of at most `max` characters, at spaces where possible.
fn wrap(text: &str, max: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let mut word: Vec<char> = word.chars().collect();
        loop {
            let len = line.chars().count();
            let room = if len == 0 {
                max
            } else {
                max.saturating_sub(len + 1)
            };
            if word.len() <= room {
                if len > 0 {
                    line.push(' ');
                }
                line.extend(&word);
                break;
            }
            if len > 0 {
                lines.push(std::mem::take(&mut line));
                continue;
            }
            // A word longer than a line: cut it.
            lines.push(word.drain(..max).collect());
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
pub(crate) mod tests {
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
        use pistream_camera::{Camera, CameraConfig};
        let mut cam = pistream_mock::MockCamera::new();
        let config = CameraConfig {
            width,
            height,
            fps: 1000.0,
            device: None,
        };
        async_std::task::block_on(async {
            cam.open(&config).await.unwrap();
            cam.next_frame().await.unwrap()
        })
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
}
