//! The frame hub: one capture publishes, every viewer reads. It keeps only the newest encoded frame
//! (an `Arc`), a sequence number and a wake-up, so publishing costs the same for 1 or 1000 viewers and
//! a slow viewer simply finds a newer frame when it is ready again — there is no per-viewer queue to
//! grow and no per-viewer copy or encode.
//!
//! Each [`EncodedFrame`] carries its multipart part already framed (headers, JPEG, CRLF and the next
//! boundary), built once at publish time, so a viewer's socket write is one slice of shared memory.

use parking_lot::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use event_listener::{Event, EventListener};
use pistream_camera::Frame;

use crate::video::encode::Conversion;

/// The multipart boundary of every stream (the original pystream's, kept for old clients' sake).
pub const BOUNDARY: &str = "frame";
/// What a stream body starts with: the first boundary. Every part then ends with the next one.
pub const STREAM_PREAMBLE: &[u8] = b"--frame\r\n";

/// A JPEG ready to send, framed as a multipart part, plus the frame it was made from.
pub struct EncodedFrame {
    /// `Content-Type`, `Content-Length`, `X-Timestamp`, blank line, JPEG, CRLF, next boundary.
    part: Vec<u8>,
    jpeg_start: usize,
    jpeg_len: usize,
    /// The source frame (raw or JPEG), for variant encoders that scale it.
    pub source: Frame,
    /// How `source` was read and turned to make the JPEG: variants read it the same way.
    pub conversion: Conversion,
    /// False for the generated NO SIGNAL picture.
    pub live: bool,
}

impl EncodedFrame {
    /// Frames `jpeg` (made from `source` read through `conversion`) as a multipart part. The one
    /// copy of the JPEG a frame costs.
    pub fn new(jpeg: &[u8], source: Frame, conversion: Conversion, live: bool) -> EncodedFrame {
        // X-Timestamp (capture time) lets a client measure latency end to end; X-No-Signal marks the
        // generated picture shown while the camera is down.
        let head = format!(
            "Content-Type: image/jpeg\r\nContent-Length: {}\r\nX-Timestamp: {}\r\n{}\r\n",
            jpeg.len(),
            timestamp(source.captured_at),
            if live { "" } else { "X-No-Signal: 1\r\n" }
        );
        let tail = b"\r\n--frame\r\n";
        let mut part = Vec::with_capacity(head.len() + jpeg.len() + tail.len());
        part.extend_from_slice(head.as_bytes());
        part.extend_from_slice(jpeg);
        part.extend_from_slice(tail);
        EncodedFrame {
            jpeg_start: head.len(),
            jpeg_len: jpeg.len(),
            part,
            source,
            conversion,
            live,
        }
    }

    /// The picture's size as published: the source's, turned.
    pub fn size(&self) -> (u32, u32) {
        let (w, h) = (self.source.width, self.source.height);
        self.conversion.orientation.output_size(w, h)
    }

    /// The whole multipart part, as written to every viewer.
    pub fn part(&self) -> &[u8] {
        &self.part
    }

    /// The JPEG alone (snapshots, photos).
    pub fn jpeg(&self) -> &[u8] {
        &self.part[self.jpeg_start..self.jpeg_start + self.jpeg_len]
    }

    pub fn captured_at(&self) -> SystemTime {
        self.source.captured_at
    }
}

/// A capture time as `X-Timestamp` says it: Unix seconds with microseconds. Stream parts and
/// snapshots use the same text, so clients can compare them.
pub fn timestamp(t: SystemTime) -> String {
    let d = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    format!("{}.{:06}", d.as_secs(), d.subsec_micros())
}

/// A published frame and its sequence number (1 for the first frame; 0 means "nothing seen yet").
pub type Published = (u64, std::sync::Arc<EncodedFrame>);

/// What waiting for a frame gave.
pub enum Next {
    Frame(Published),
    TimedOut,
    Closed,
}

#[derive(Default)]
struct Slot {
    latest: Option<Published>,
    closed: bool,
}

/// Newest frame, sequence number, wake-up. Cheap to share behind an `Arc`.
#[derive(Default)]
pub struct FrameHub {
    slot: Mutex<Slot>,
    published: Event,
}

impl FrameHub {
    pub fn new() -> FrameHub {
        FrameHub::default()
    }

    /// Makes `frame` the newest and wakes every waiting viewer. O(1) in the number of viewers' frames:
    /// the wake-up is the only per-viewer cost.
    pub fn publish(&self, frame: std::sync::Arc<EncodedFrame>) -> u64 {
        let seq = {
            let mut slot = self.slot.lock();
            let seq = slot.latest.as_ref().map_or(0, |(s, _)| *s) + 1;
            slot.latest = Some((seq, frame));
            seq
        };
        self.published.notify(usize::MAX);
        seq
    }

    /// The newest frame, if any.
    pub fn latest(&self) -> Option<Published> {
        self.slot.lock().latest.clone()
    }

    /// The newest frame if it is newer than `seen`; `Err(())` once the hub is closed.
    pub fn newer_than(&self, seen: u64) -> Result<Option<Published>, Closed> {
        let slot = self.slot.lock();
        if slot.closed {
            return Err(Closed);
        }
        Ok(slot.latest.as_ref().filter(|(s, _)| *s > seen).cloned())
    }

    /// A wake-up for the next publish or close. Register it *before* checking [`FrameHub::newer_than`]
    /// again, so that a publish in between is not missed.
    pub fn listen(&self) -> EventListener {
        self.published.listen()
    }

    /// Waits up to `timeout` for a frame newer than `seen`.
    pub async fn next_after(&self, seen: u64, timeout: Duration) -> Next {
        let deadline = async_io::Timer::after(timeout);
        futures_lite::pin!(deadline);
        loop {
            match self.newer_than(seen) {
                Err(Closed) => return Next::Closed,
                Ok(Some(p)) => return Next::Frame(p),
                Ok(None) => {}
            }
            let listener = self.listen();
            match self.newer_than(seen) {
                Err(Closed) => return Next::Closed,
                Ok(Some(p)) => return Next::Frame(p),
                Ok(None) => {}
            }
            let woke = futures_lite::future::or(
                async {
                    listener.await;
                    true
                },
                async {
                    (&mut deadline).await;
                    false
                },
            )
            .await;
            if !woke {
                return Next::TimedOut;
            }
        }
    }

    /// Blocking form of [`FrameHub::next_after`], for threads that are not async tasks.
    pub fn next_after_blocking(&self, seen: u64, timeout: Duration) -> Next {
        async_io::block_on(self.next_after(seen, timeout))
    }

    /// Ends every stream: readers see the end of their body. Used at shutdown.
    pub fn close(&self) {
        self.slot.lock().closed = true;
        self.published.notify(usize::MAX);
    }
}

/// The hub was closed (the server is shutting down).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Closed;

#[cfg(test)]
mod tests {
    use super::*;
    use pistream_camera::PixelFormat;
    use std::sync::Arc;

    fn frame(bytes: &[u8]) -> Arc<EncodedFrame> {
        let src = Frame::new(PixelFormat::Jpeg, 1, 1, bytes.to_vec());
        Arc::new(EncodedFrame::new(bytes, src, Conversion::NONE, true))
    }

    #[test]
    fn part_is_framed_with_length_and_next_boundary() {
        let f = frame(b"\xff\xd8abc\xff\xd9");
        let part = std::str::from_utf8(&f.part()[..f.jpeg_start]).unwrap();
        assert!(part.starts_with("Content-Type: image/jpeg\r\nContent-Length: 7\r\n"));
        assert!(part.ends_with("\r\n\r\n"));
        assert_eq!(f.jpeg(), b"\xff\xd8abc\xff\xd9");
        assert!(f.part().ends_with(b"\xff\xd9\r\n--frame\r\n"));
    }

    #[test]
    fn readers_get_only_the_newest_frame() {
        let hub = FrameHub::new();
        assert!(hub.newer_than(0).unwrap().is_none());
        hub.publish(frame(b"one"));
        hub.publish(frame(b"two"));
        let (seq, f) = hub.newer_than(0).unwrap().unwrap();
        assert_eq!((seq, f.jpeg()), (2, &b"two"[..]));
        assert!(hub.newer_than(2).unwrap().is_none());
    }

    #[test]
    fn waiting_reader_wakes_on_publish_and_on_close() {
        let hub = Arc::new(FrameHub::new());
        let h = hub.clone();
        let t = std::thread::spawn(move || h.next_after_blocking(0, Duration::from_secs(30)));
        hub.publish(frame(b"x"));
        assert!(matches!(t.join().unwrap(), Next::Frame((1, _))));

        let h = hub.clone();
        let t = std::thread::spawn(move || h.next_after_blocking(1, Duration::from_secs(30)));
        hub.close();
        assert!(matches!(t.join().unwrap(), Next::Closed));
    }

    #[test]
    fn waiting_times_out_without_frames() {
        let hub = FrameHub::new();
        assert!(matches!(
            hub.next_after_blocking(0, Duration::from_millis(20)),
            Next::TimedOut
        ));
    }
}
