//! Cutting an MJPEG byte stream into frames, bytes unchanged, incrementally: bytes go in as they arrive
//! (a pipe from a camera program, or a whole recording at once) and every complete frame comes out as
//! soon as its last byte is in. Two layouts, told apart by what comes first:
//! - a `multipart/x-mixed-replace` body (what MJPEG servers send, `ffmpeg -f mpjpeg` writes and
//!   `curl http://host/stream > rec.mjpeg` saves, also with the HTTP response head in front): the first
//!   line starting with `--` is the boundary; parts with or without `Content-Length`, an optional
//!   `X-Timestamp` header (seconds);
//! - a bare concatenation of JPEGs (`ffmpeg -f mjpeg -`, `rpicam-vid --codec mjpeg -o -`, GStreamer's
//!   `jpegenc ! fdsink`): each found by walking its markers from SOI to EOI.
//!
//! Used by the replay backend (a whole file) and the exec backend (a child's stdout). Incomplete frames
//! are held until more bytes come; [`MjpegSplitter::finish`] counts what the stream ended inside of.
//! Cost per frame: the frame's bytes are walked once (the walk starts only when an `FF D9` has arrived
//! since the last attempt), and buffered bytes are moved at most about once.

use std::ops::Range;
use std::time::Duration;

use crate::markers::jpeg_len;

/// A frame in the making may not grow past this (a stream that never ends a JPEG is not buffered
/// forever): the bytes are dropped and the search starts again after them.
pub const MAX_FRAME_LEN: usize = 32 << 20;

/// Part headers longer than this are not headers.
const MAX_HEAD_LEN: usize = 16 << 10;

/// One frame cut from the stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SplitFrame {
    /// The JPEG, bytes as they came.
    pub jpeg: Vec<u8>,
    /// The part's `X-Timestamp` (multipart streams that carry one).
    pub timestamp: Option<Duration>,
}

#[derive(Debug, Clone, PartialEq)]
enum Layout {
    /// Not known yet: waiting for a boundary line or a JPEG start.
    Detect,
    Concatenated,
    Multipart {
        delimiter: Vec<u8>,
        phase: Phase,
    },
}

#[derive(Debug, Clone, PartialEq)]
enum Phase {
    /// Looking for the next `--boundary` line from `pos`.
    Delimiter,
    /// At a part's header block.
    Head,
    /// The part's body starts `head` bytes after `pos`.
    Body {
        head: usize,
        len: Option<usize>,
        timestamp: Option<Duration>,
    },
    /// The closing `--boundary--` was seen: the rest is ignored.
    Closed,
}

enum Step {
    Frame(Range<usize>, Option<Duration>),
    /// An unreadable or oversized piece was skipped.
    Dropped,
    NeedMore,
}

/// Cuts frames out of an MJPEG byte stream. See the module documentation.
#[derive(Debug)]
pub struct MjpegSplitter {
    buf: Vec<u8>,
    /// Where the unconsumed bytes start.
    pos: usize,
    /// A JPEG end can only have arrived at or after this index: walking a frame is skipped until then.
    eoi_from: usize,
    layout: Layout,
    dropped: usize,
}

impl Default for MjpegSplitter {
    fn default() -> Self {
        MjpegSplitter::new()
    }
}

impl MjpegSplitter {
    pub fn new() -> MjpegSplitter {
        MjpegSplitter {
            buf: Vec::new(),
            pos: 0,
            eoi_from: 0,
            layout: Layout::Detect,
            dropped: 0,
        }
    }

    /// Every complete frame of a whole recording, and how many pieces were dropped (unreadable parts,
    /// the partial frame an interrupted recording ends with).
    pub fn split_all(data: &[u8]) -> (Vec<SplitFrame>, usize) {
        let mut s = MjpegSplitter::new();
        let mut frames = s.push(data);
        frames.extend(s.finish());
        (frames, s.dropped)
    }

    /// Takes more bytes; returns the frames they completed, in order.
    pub fn push(&mut self, bytes: &[u8]) -> Vec<SplitFrame> {
        // Move the unconsumed tail to the front once it is the smaller half: amortised, each byte is
        // moved about once.
        if self.pos > 0 && self.pos >= self.buf.len() / 2 {
            self.buf.drain(..self.pos);
            self.eoi_from = self.eoi_from.saturating_sub(self.pos);
            self.pos = 0;
        }
        // An EOI split across two reads: its FF may be the last byte we already had.
        self.eoi_from = self.eoi_from.min(self.buf.len().saturating_sub(1));
        self.buf.extend_from_slice(bytes);
        let mut frames = Vec::new();
        loop {
            match self.step() {
                Step::Frame(range, timestamp) => {
                    frames.push(SplitFrame {
                        jpeg: self.buf[range].to_vec(),
                        timestamp,
                    });
                    self.eoi_from = self.pos;
                }
                Step::Dropped => {
                    self.dropped += 1;
                    self.eoi_from = self.pos;
                }
                Step::NeedMore => break,
            }
        }
        self.eoi_from = self.eoi_from.max(self.buf.len().saturating_sub(1));
        frames
    }

    /// The stream ended: a frame still incomplete is counted as dropped. Returns nothing more (a
    /// complete frame has already come out of [`Self::push`]); the splitter starts afresh.
    pub fn finish(&mut self) -> Vec<SplitFrame> {
        let pending = match &self.layout {
            Layout::Detect => false,
            Layout::Concatenated => has_jpeg_start(&self.buf[self.pos..]),
            Layout::Multipart { phase, .. } => {
                matches!(phase, Phase::Head | Phase::Body { .. }) && self.pos < self.buf.len()
            }
        };
        if pending {
            self.dropped += 1;
        }
        let dropped = self.dropped;
        *self = MjpegSplitter::new();
        self.dropped = dropped;
        Vec::new()
    }

    /// Pieces skipped so far (unreadable parts, oversized or unfinished frames).
    pub fn dropped(&self) -> usize {
        self.dropped
    }

    /// Bytes held for a frame not complete yet.
    pub fn buffered(&self) -> usize {
        self.buf.len() - self.pos
    }

    fn step(&mut self) -> Step {
        let data = &self.buf[self.pos..];
        match &mut self.layout {
            Layout::Detect => match detect(data) {
                Some((layout, skip)) => {
                    self.layout = layout;
                    self.pos += skip;
                    self.step()
                }
                None => {
                    if data.len() > MAX_HEAD_LEN {
                        // Neither a boundary line nor a JPEG start: keep only a tail that could
                        // begin one.
                        self.pos = self.buf.len() - 2;
                    }
                    Step::NeedMore
                }
            },
            Layout::Concatenated => {
                let Some(start) = find(data, &[0xFF, 0xD8, 0xFF]) else {
                    self.pos = self.buf.len().saturating_sub(2).max(self.pos);
                    return Step::NeedMore;
                };
                self.pos += start;
                self.frame_by_markers(self.pos, None)
            }
            Layout::Multipart { delimiter, phase } => {
                let delimiter = delimiter.clone();
                let phase = phase.clone();
                self.multipart_step(&delimiter, phase)
            }
        }
    }

    /// A JPEG starting at `start` whose end its markers tell. Frames are consumed from `self.pos`.
    fn frame_by_markers(&mut self, start: usize, timestamp: Option<Duration>) -> Step {
        let eoi_seen = find(&self.buf[self.eoi_from.max(start)..], &[0xFF, 0xD9]).is_some();
        if eoi_seen {
            if let Some(n) = jpeg_len(&self.buf[start..]) {
                self.pos = start + n;
                return Step::Frame(start..start + n, timestamp);
            }
        }
        if self.buf.len() - start > MAX_FRAME_LEN {
            self.pos = start + 2;
            self.set_phase(Phase::Delimiter);
            return Step::Dropped;
        }
        Step::NeedMore
    }

    fn set_phase(&mut self, next: Phase) {
        if let Layout::Multipart { phase, .. } = &mut self.layout {
            *phase = next;
        }
    }

    fn multipart_step(&mut self, delimiter: &[u8], phase: Phase) -> Step {
        let data = &self.buf[self.pos..];
        match phase {
            Phase::Closed => {
                self.pos = self.buf.len();
                Step::NeedMore
            }
            Phase::Delimiter => {
                let Some(at) = find(data, delimiter) else {
                    self.pos += data.len().saturating_sub(delimiter.len());
                    return Step::NeedMore;
                };
                let after = &data[at + delimiter.len()..];
                if after.len() < 2 {
                    self.pos += at;
                    return Step::NeedMore;
                }
                if after.starts_with(b"--") {
                    self.set_phase(Phase::Closed);
                    return self.step();
                }
                let Some(nl) = find(after, b"\n") else {
                    self.pos += at;
                    return Step::NeedMore;
                };
                self.pos += at + delimiter.len() + nl + 1;
                self.set_phase(Phase::Head);
                self.step()
            }
            Phase::Head => match parse_part_head(data) {
                Some(Ok((head, len, timestamp))) => {
                    self.set_phase(Phase::Body {
                        head,
                        len,
                        timestamp,
                    });
                    self.step()
                }
                Some(Err(())) => {
                    self.set_phase(Phase::Delimiter);
                    Step::Dropped
                }
                None if data.len() > MAX_HEAD_LEN => {
                    self.set_phase(Phase::Delimiter);
                    Step::Dropped
                }
                None => Step::NeedMore,
            },
            Phase::Body {
                head,
                len,
                timestamp,
            } => {
                let body = self.pos + head;
                let step = match len {
                    Some(n) if n > MAX_FRAME_LEN => {
                        self.pos = body;
                        Step::Dropped
                    }
                    Some(n) if self.buf.len() >= body + n => {
                        self.pos = body + n;
                        Step::Frame(body..body + n, timestamp)
                    }
                    Some(_) => Step::NeedMore,
                    None => match self.frame_by_markers(body, timestamp) {
                        // Not a JPEG, or a broken one: once the next part has begun, skip it.
                        Step::NeedMore if find(&self.buf[body..], delimiter).is_some() => {
                            self.pos = body;
                            Step::Dropped
                        }
                        step => step,
                    },
                };
                if !matches!(step, Step::NeedMore) {
                    self.set_phase(Phase::Delimiter);
                }
                step
            }
        }
    }
}

/// The layout of a stream from its first bytes, and how many bytes precede its first frame or part.
fn detect(data: &[u8]) -> Option<(Layout, usize)> {
    if data.starts_with(&[0xFF, 0xD8]) {
        return Some((Layout::Concatenated, 0));
    }
    let jpeg_at = find(data, &[0xFF, 0xD8, 0xFF]);
    let mut line_start = 0;
    while let Some(nl) = find(&data[line_start..], b"\n") {
        let line_end = line_start + nl;
        if jpeg_at.is_some_and(|j| j < line_end) {
            break;
        }
        let line = &data[line_start..line_end];
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.starts_with(b"--") && line.len() > 2 {
            let layout = Layout::Multipart {
                delimiter: line.to_vec(),
                phase: Phase::Head,
            };
            return Some((layout, line_end + 1));
        }
        line_start = line_end + 1;
    }
    jpeg_at.map(|j| (Layout::Concatenated, j))
}

fn has_jpeg_start(data: &[u8]) -> bool {
    find(data, &[0xFF, 0xD8]).is_some()
}

/// A part's header block: its length (blank line included), `Content-Length`, `X-Timestamp`. `None`
/// while incomplete, `Some(Err)` when it is not a header block.
#[allow(clippy::type_complexity)]
fn parse_part_head(data: &[u8]) -> Option<Result<(usize, Option<usize>, Option<Duration>), ()>> {
    let mut headers = [httparse::EMPTY_HEADER; 32];
    let (len, headers) = match httparse::parse_headers(data, &mut headers) {
        Ok(httparse::Status::Complete(done)) => done,
        Ok(httparse::Status::Partial) => return None,
        Err(_) => return Some(Err(())),
    };
    let (mut content_length, mut timestamp) = (None, None);
    for h in headers {
        let value = std::str::from_utf8(h.value).unwrap_or("").trim();
        if h.name.eq_ignore_ascii_case("content-length") {
            content_length = value.parse().ok();
        } else if h.name.eq_ignore_ascii_case("x-timestamp") {
            timestamp = value
                .parse::<f64>()
                .ok()
                .and_then(|s| Duration::try_from_secs_f64(s).ok());
        }
    }
    Some(Ok((len, content_length, timestamp)))
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
#[path = "split_tests.rs"]
mod tests;
