//! Raw frames to JPEG. TEMPORARY interface placeholder written by the lead so the crate compiles;
//! engineer "a" replaces this file with the real encoder (same function names).
use std::sync::Arc;

use pistream_camera::{Frame, PixelFormat};

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct EncodeError(pub String);

pub fn to_jpeg(frame: &Frame, quality: u8) -> Result<Arc<[u8]>, EncodeError> {
    if frame.format == PixelFormat::Jpeg {
        return Ok(frame.data.clone());
    }
    Err(EncodeError(format!(
        "placeholder cannot encode {} quality {quality}",
        frame.format
    )))
}

pub fn no_signal_frame(width: u32, height: u32, _reason: &str) -> Frame {
    Frame::new(
        PixelFormat::Yuyv,
        width,
        height,
        vec![16u8; (width * height * 2) as usize],
    )
}

pub fn variant(frame: &Frame, _width: Option<u32>, quality: u8) -> Result<Vec<u8>, EncodeError> {
    to_jpeg(frame, quality).map(|a| a.to_vec())
}
