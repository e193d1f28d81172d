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
pub mod planes;
pub mod rgb_split;
pub mod rotate;
pub mod scale;
#[cfg(feature = "turbojpeg")]
pub mod turbo;
#[cfg(feature = "turbojpeg")]
pub mod turbo_scale;
#[cfg(feature = "turbojpeg")]
mod turbo_strips;
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
        // A JPEG's sides are 16-bit; YUYV needs whole pixel pairs.
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
pub(crate) mod tests;
