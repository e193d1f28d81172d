//! The camera contract of pistream: the async [`Camera`] trait, the [`Frame`] a camera delivers, its
//! [`PixelFormat`], what a camera is asked for ([`CameraConfig`]) and what it grants ([`StreamInfo`]),
//! and [`CameraError`], the optional [`controls`] a camera exposes, [`pacing`], the deadline
//! schedule that backends keeping their own frame clock share, [`pool`], frame buffers reused once
//! their last holder drops them, and [`font`], the tiny bitmap font that draws text on YUYV frames
//! (the mock's clock, the server's NO SIGNAL frame). Nothing else: every backend crate depends on
//! this crate only, and the server knows cameras only through it.
//!
//! # Threading contract
//! The server drives one camera from one dedicated capture thread (never from the async executor that
//! serves HTTP), so a backend may do blocking or CPU-heavy work inside its `async fn`s. A backend whose
//! device call can block forever (V4L2's `VIDIOC_DQBUF`) should still run it on a thread of its own, so
//! that [`Camera::next_frame`] can give up with [`CameraError::Timeout`].

pub mod font;
pub mod pacing;
pub mod pool;

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

pub use async_trait::async_trait;

pub mod controls;
pub use controls::{CameraControls, ControlError, ControlInfo, ControlKind, MenuItem};

/// How the bytes of a [`Frame`] are laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PixelFormat {
    /// A complete baseline JPEG (what an MJPEG camera or a recording delivers): passed through unchanged.
    Jpeg,
    /// Packed YUV 4:2:2, `Y0 U Y1 V` per two pixels: 2 bytes a pixel (V4L2 `YUYV`).
    Yuyv,
    /// 8-bit RGB, 3 bytes a pixel.
    Rgb24,
    /// 8-bit BGRA, 4 bytes a pixel (Windows webcams through escapi); alpha is ignored.
    Bgra,
}

impl PixelFormat {
    /// Bytes one pixel takes, or `None` for compressed formats.
    pub fn bytes_per_pixel(self) -> Option<usize> {
        match self {
            PixelFormat::Jpeg => None,
            PixelFormat::Yuyv => Some(2),
            PixelFormat::Rgb24 => Some(3),
            PixelFormat::Bgra => Some(4),
        }
    }

    /// The bytes a raw frame of this size must have, or `None` for compressed formats.
    pub fn frame_len(self, width: u32, height: u32) -> Option<usize> {
        self.bytes_per_pixel()
            .map(|b| b * width as usize * height as usize)
    }
}

impl fmt::Display for PixelFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PixelFormat::Jpeg => "MJPEG",
            PixelFormat::Yuyv => "YUYV",
            PixelFormat::Rgb24 => "RGB24",
            PixelFormat::Bgra => "BGRA",
        })
    }
}

/// One picture from a camera. `data` is shared (`Arc`) so that handing a frame on copies nothing.
#[derive(Clone)]
pub struct Frame {
    pub format: PixelFormat,
    pub width: u32,
    pub height: u32,
    pub data: Arc<[u8]>,
    /// When the camera took it (wall clock), for `X-Timestamp` and photo metadata.
    pub captured_at: SystemTime,
}

impl Frame {
    /// A frame captured now.
    pub fn new(format: PixelFormat, width: u32, height: u32, data: impl Into<Arc<[u8]>>) -> Frame {
        Frame {
            format,
            width,
            height,
            data: data.into(),
            captured_at: SystemTime::now(),
        }
    }
}

impl fmt::Debug for Frame {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Frame")
            .field("format", &self.format)
            .field("width", &self.width)
            .field("height", &self.height)
            .field("bytes", &self.data.len())
            .finish()
    }
}

/// What the server asks a camera for. A backend grants the nearest it can and says so in [`StreamInfo`].
#[derive(Debug, Clone, PartialEq)]
pub struct CameraConfig {
    pub width: u32,
    pub height: u32,
    pub fps: f64,
    /// Backend-specific source: a device path (`/dev/video0`), a folder or file to replay, a camera index.
    pub device: Option<String>,
}

impl Default for CameraConfig {
    fn default() -> Self {
        CameraConfig {
            width: 640,
            height: 480,
            fps: 30.0,
            device: None,
        }
    }
}

/// The value range of a camera's YUV samples (V4L2's "quantization").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum YuvRange {
    /// Limited ("studio", "TV") range: luma 16-235, chroma 16-240. What most UVC webcams send.
    Limited,
    /// Full range: every sample 0-255, as JPEG (JFIF) itself stores YCbCr.
    Full,
}

impl fmt::Display for YuvRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            YuvRange::Limited => "limited",
            YuvRange::Full => "full",
        })
    }
}

/// What an opened camera actually delivers.
#[derive(Debug, Clone, PartialEq)]
pub struct StreamInfo {
    pub width: u32,
    pub height: u32,
    pub fps: f64,
    pub format: PixelFormat,
    /// A human line: device name, driver, what was negotiated.
    pub description: String,
    /// The range of the YUV samples when the backend knows it; `None`: it cannot tell (the server
    /// then takes YUYV as limited, what most cameras send). Meaningless for RGB, BGRA and JPEG.
    pub yuv_range: Option<YuvRange>,
}

/// One capture mode a device offers, for `pistream cameras`.
#[derive(Debug, Clone, PartialEq)]
pub struct Mode {
    pub format: PixelFormat,
    pub width: u32,
    pub height: u32,
    /// Frame rates offered at this size; empty when the device does not say.
    pub fps: Vec<f64>,
}

/// A device a backend can open, for `pistream cameras`.
#[derive(Debug, Clone, PartialEq)]
pub struct DeviceInfo {
    /// What to pass as `--device`.
    pub id: String,
    pub name: String,
    pub modes: Vec<Mode>,
}

/// Why a camera could not deliver. Every variant is a state the server shows (NO SIGNAL) and retries,
/// never a reason to crash.
#[derive(Debug, thiserror::Error)]
pub enum CameraError {
    #[error("no such camera {device:?}{}", available_list(.available))]
    NotFound {
        device: String,
        available: Vec<String>,
    },
    #[error("permission denied opening {device:?} (on Linux, add the user to the `video` group: sudo usermod -aG video $USER, then log in again)")]
    PermissionDenied { device: String },
    #[error("camera {device:?} is busy: another program is using it")]
    Busy { device: String },
    #[error("camera disconnected: {0}")]
    Disconnected(String),
    #[error("no frame from the camera within {0:?}")]
    Timeout(Duration),
    #[error("camera does not support {0}")]
    Unsupported(String),
    #[error("camera is not open")]
    NotOpen,
    #[error("camera I/O error: {0}")]
    Io(#[from] std::io::Error),
    #[error("{0}")]
    Other(String),
}

fn available_list(available: &[String]) -> String {
    if available.is_empty() {
        " (no cameras found)".to_string()
    } else {
        format!(" (available: {})", available.join(", "))
    }
}

/// A source of frames. Opened on demand by the server, asked for frames in a loop from one capture
/// thread, and closed when nobody watches. After [`Camera::close`] (or a failed [`Camera::open`]) the
/// server may call `open` again: that is how it retries after a fault.
#[async_trait]
pub trait Camera: Send {
    /// The backend's name as given to `--camera` (`mock`, `replay`, `v4l2`, `escapi`).
    fn backend(&self) -> &'static str;

    /// Opens the device and starts capture with the nearest mode to `config`.
    async fn open(&mut self, config: &CameraConfig) -> Result<StreamInfo, CameraError>;

    /// Waits for the next frame, paced by the camera (or by the backend at the granted fps).
    async fn next_frame(&mut self) -> Result<Frame, CameraError>;

    /// Stops capture and releases the device. Idempotent.
    async fn close(&mut self);

    /// Devices this backend can open, with their modes (for `pistream cameras`).
    fn devices(&self) -> Vec<DeviceInfo> {
        Vec::new()
    }

    /// The camera's controls, as a handle usable from other threads while this camera captures (see
    /// [`controls`]). `None`: the backend has no controls (the API lists none). Asked once, when the
    /// server starts: the handle lives as long as the camera object, across opens and closes.
    fn controls(&self) -> Option<Arc<dyn CameraControls>> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frame_len_follows_format() {
        assert_eq!(PixelFormat::Yuyv.frame_len(640, 480), Some(614_400));
        assert_eq!(PixelFormat::Bgra.frame_len(2, 2), Some(16));
        assert_eq!(PixelFormat::Jpeg.frame_len(2, 2), None);
    }

    #[test]
    fn not_found_lists_what_exists() {
        let e = CameraError::NotFound {
            device: "/dev/video3".into(),
            available: vec!["/dev/video0".into()],
        };
        assert_eq!(
            e.to_string(),
            "no such camera \"/dev/video3\" (available: /dev/video0)"
        );
    }
}
