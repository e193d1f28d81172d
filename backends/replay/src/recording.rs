//! Parsing a recorded MJPEG stream into frames, bytes unchanged. Two layouts are accepted:
//! - a `multipart/x-mixed-replace` body as saved by `curl http://host/stream > rec.mjpeg` from any MJPEG
//!   server (also with the HTTP response head in front, as `curl -i` saves it): any boundary, parts with
//!   or without `Content-Length`, an optional `X-Timestamp` header (seconds, for recorded timing);
//! - a bare concatenation of JPEGs (each found by walking its markers from SOI to EOI).
//!
//! A recording stopped with Ctrl-C usually ends in a partial frame: incomplete frames are dropped with a
//! log line, never delivered.

use std::time::Duration;

use crate::source::ReplayFrame;

/// Every complete frame of the recording, in order.
pub(crate) fn parse(data: &[u8]) -> Vec<ReplayFrame> {
    if data.starts_with(&[0xFF, 0xD8]) {
        return parse_concatenated(data);
    }
    match find_boundary(data) {
        Some((boundary, after)) => parse_multipart(data, &boundary, after),
        None => parse_concatenated(data),
    }
}

/// The first line that starts with `--` is the first boundary line (anything before it, such as an
/// HTTP response head, is skipped). Returns the delimiter (`--` + boundary) and where the part starts.
fn find_boundary(data: &[u8]) -> Option<(Vec<u8>, usize)> {
    let mut line_start = 0;
    while line_start < data.len() {
        let line_end = find(data, b"\n", line_start).unwrap_or(data.len());
        let line = trim_cr(&data[line_start..line_end]);
        if line.starts_with(b"--") && line.len() > 2 {
            return Some((line.to_vec(), (line_end + 1).min(data.len())));
        }
        line_start = line_end + 1;
    }
    None
}

fn trim_cr(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    haystack
        .get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

/// What the headers of one part say.
#[derive(Debug, Default, PartialEq)]
struct PartHead {
    content_length: Option<usize>,
    timestamp: Option<Duration>,
    /// Bytes the header block takes, blank line included.
    len: usize,
}

fn parse_part_head(data: &[u8]) -> Option<PartHead> {
    let mut headers = [httparse::EMPTY_HEADER; 32];
    let (len, headers) = match httparse::parse_headers(data, &mut headers) {
        Ok(httparse::Status::Complete(done)) => done,
        _ => return None,
    };
    let mut head = PartHead {
        len,
        ..PartHead::default()
    };
    for h in headers {
        let value = std::str::from_utf8(h.value).unwrap_or("").trim();
        if h.name.eq_ignore_ascii_case("content-length") {
            head.content_length = value.parse().ok();
        } else if h.name.eq_ignore_ascii_case("x-timestamp") {
            head.timestamp = value
                .parse::<f64>()
                .ok()
                .and_then(|s| Duration::try_from_secs_f64(s).ok());
        }
    }
    Some(head)
}

fn parse_multipart(data: &[u8], delimiter: &[u8], mut pos: usize) -> Vec<ReplayFrame> {
    let mut frames = Vec::new();
    let mut dropped = 0usize;
    while pos < data.len() {
        let Some(head) = parse_part_head(&data[pos..]) else {
            dropped += 1;
            break;
        };
        let body = pos + head.len;
        // Content-Length is authoritative when the recording holds that many bytes; otherwise the
        // JPEG's own markers say where it ends.
        let end = match head.content_length {
            Some(n) if body + n <= data.len() => Some(body + n),
            Some(_) => None,
            None => pistream_jpeg::jpeg_len(&data[body..]).map(|n| body + n),
        };
        match end.and_then(|end| ReplayFrame::from_jpeg(&data[body..end], head.timestamp)) {
            Some(frame) => frames.push(frame),
            None => dropped += 1,
        }
        let resume = end.unwrap_or(body);
        let Some(next) = find(data, delimiter, resume) else {
            break;
        };
        let after = next + delimiter.len();
        if data[after..].starts_with(b"--") {
            break; // closing delimiter
        }
        pos = find(data, b"\n", after).map_or(data.len(), |p| p + 1);
    }
    if dropped > 0 {
        log::warn!("replay: dropped {dropped} incomplete or unreadable part(s) of the recording");
    }
    frames
}

fn parse_concatenated(data: &[u8]) -> Vec<ReplayFrame> {
    let mut frames = Vec::new();
    let mut pos = 0;
    let mut dropped = 0usize;
    while let Some(start) = find(data, &[0xFF, 0xD8, 0xFF], pos) {
        match pistream_jpeg::jpeg_len(&data[start..]) {
            Some(n) => {
                match ReplayFrame::from_jpeg(&data[start..start + n], None) {
                    Some(frame) => frames.push(frame),
                    None => dropped += 1,
                }
                pos = start + n;
            }
            None => {
                dropped += 1;
                pos = start + 2;
            }
        }
    }
    if dropped > 0 {
        log::warn!("replay: dropped {dropped} incomplete JPEG(s) in the recording");
    }
    frames
}
