//! Parsing a recorded MJPEG stream into frames, bytes unchanged, with the shared splitter
//! ([`pistream_jpeg::MjpegSplitter`], also used by the exec backend on a child's stdout). Two layouts
//! are accepted:
//! - a `multipart/x-mixed-replace` body as saved by `curl http://host/stream > rec.mjpeg` from any MJPEG
//!   server (also with the HTTP response head in front, as `curl -i` saves it): any boundary, parts with
//!   or without `Content-Length`, an optional `X-Timestamp` header (seconds, for recorded timing);
//! - a bare concatenation of JPEGs (each found by walking its markers from SOI to EOI).
//!
//! A recording stopped with Ctrl-C usually ends in a partial frame: incomplete frames are dropped with a
//! log line, never delivered.

use pistream_jpeg::MjpegSplitter;

use crate::frame::ReplayFrame;

/// Every complete frame of the recording, in order.
pub(crate) fn parse(data: &[u8]) -> Vec<ReplayFrame> {
    let (parts, mut dropped) = MjpegSplitter::split_all(data);
    let mut frames = Vec::with_capacity(parts.len());
    for part in parts {
        match ReplayFrame::from_jpeg(&part.jpeg, part.timestamp) {
            Some(frame) => frames.push(frame),
            None => dropped += 1,
        }
    }
    if dropped > 0 {
        log::warn!("replay: dropped {dropped} incomplete or unreadable frame(s) of the recording");
    }
    frames
}
