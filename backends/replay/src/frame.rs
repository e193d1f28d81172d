//! One frame the replay camera delivers. [`crate::source`] loads folders and files and hands
//! recordings to [`crate::recording`]; both make frames of this type, which lives here so that the
//! parser does not import its caller.

use std::sync::Arc;
use std::time::Duration;

/// One frame ready to deliver: its JPEG bytes, size from its SOF header, and for recordings the
/// `X-Timestamp` it was recorded with (if the recording had one).
#[derive(Debug, Clone)]
pub(crate) struct ReplayFrame {
    pub data: Arc<[u8]>,
    pub width: u32,
    pub height: u32,
    pub timestamp: Option<Duration>,
}

impl ReplayFrame {
    /// A frame from JPEG bytes, or `None` when they carry no readable frame header.
    pub(crate) fn from_jpeg(bytes: &[u8], timestamp: Option<Duration>) -> Option<ReplayFrame> {
        let (width, height) = pistream_jpeg::dimensions(bytes)?;
        Some(ReplayFrame {
            data: Arc::from(bytes),
            width,
            height,
            timestamp,
        })
    }
}
