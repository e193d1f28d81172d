//! What is done to each captured buffer before it leaves the capture thread: MJPEG frames are checked
//! for completeness (truncated ones are dropped) and get the standard Huffman table when the camera
//! left it out; raw frames are checked for length and delivered as they are. One copy out of the
//! device's buffer, into the frame's shared `Arc<[u8]>`, so the buffer can be re-queued at once.

use std::sync::Arc;

use pistream_camera::PixelFormat;

/// Why a buffer was not delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dropped {
    /// MJPEG without SOI/EOI or under 128 bytes: a USB transfer cut short.
    TruncatedJpeg,
    /// A raw frame with fewer bytes than its size needs.
    ShortRaw { got: usize, need: usize },
}

/// The bytes to deliver for one captured buffer of `format` at `width` x `height`.
pub fn prepare(
    buffer: &[u8],
    format: PixelFormat,
    width: u32,
    height: u32,
) -> Result<Arc<[u8]>, Dropped> {
    match format.frame_len(width, height) {
        None => {
            if pistream_jpeg::is_complete(buffer) {
                Ok(pistream_jpeg::insert_default_huffman_tables(buffer))
            } else {
                Err(Dropped::TruncatedJpeg)
            }
        }
        Some(need) if buffer.len() >= need => Ok(Arc::from(&buffer[..need])),
        Some(need) => Err(Dropped::ShortRaw {
            got: buffer.len(),
            need,
        }),
    }
}
