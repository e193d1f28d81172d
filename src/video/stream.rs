//! One viewer's MJPEG body: an `AsyncBufRead` that hands out slices of the hub's shared frames, so the
//! HTTP edge writes each frame with one socket write and nothing is copied per viewer.
//!
//! The reader always sends the *newest* frame when its socket is ready again and counts the ones it
//! skipped. With no new frame for [`RESEND_AFTER`], it sends the last one again: that keeps proxies
//! from timing out and finds viewers who left while the camera stalled. It starts the camera lazily,
//! on the first read, so a `HEAD` request (whose body is never read) costs nothing.
//!
//! A viewer may ask for at most N frames a second (`/stream?fps=N`, for poor networks): the reader
//! then takes a frame only when the viewer's next slot is due, waiting for it in between (no
//! wake-up per published frame), and sends the newest frame at that moment. Frames in between are
//! skipped, never queued, and nothing is encoded for it: it reads the same hub as everyone else.
//! The slots are [`crate::video::pace`]'s.

use std::io;
use std::pin::Pin;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use async_io::Timer;
use event_listener::EventListener;
use futures_lite::{AsyncBufRead, AsyncRead, Future};

use crate::bufread::poll_read_from_buf;
use crate::video::capture::{CaptureService, Demand};
use crate::video::hub::{EncodedFrame, FrameHub, STREAM_PREAMBLE};
use crate::video::pace::Pacer;
use crate::video::variants::Variant;

/// With no new frame for this long, the last one is sent again.
pub const RESEND_AFTER: Duration = Duration::from_secs(1);

/// Which frames a viewer gets. A request handler asks for the camera or joins the variant before
/// it answers (so that a thread that cannot start is a 503); [`Source::Main`] starts the camera on
/// the first read instead.
pub enum Source {
    /// The camera's own stream, started on the first read.
    Main,
    /// The camera's own stream, the camera already asked for.
    Demanded(Demand),
    /// A scaled or re-compressed variant, shared by all its viewers.
    Variant(Arc<Variant>),
}

/// Held while the stream is being read: the camera (or the variant encoder) stays on and the viewer
/// is counted.
struct Active {
    _demand: Option<Demand>,
    variant: Option<Arc<Variant>>,
    _viewer: ViewerCount,
}

/// The MJPEG body of one viewer.
pub struct MjpegReader {
    capture: Arc<CaptureService>,
    /// Taken into `active` on the first read.
    source: Option<Source>,
    active: Option<Active>,
    preamble_pos: usize,
    current: Option<Arc<EncodedFrame>>,
    pos: usize,
    seen: u64,
    listener: Option<EventListener>,
    /// When the frame being (or last) sent was started: the resend deadline counts from it.
    last_start: Instant,
    /// Fires at most about once a second; re-armed lazily so that a busy stream does not touch the
    /// reactor's timer wheel for every frame.
    resend: Timer,
    /// `?fps=N`: the viewer's frame rate cap.
    pace: Option<Pacer>,
    ended: bool,
}

impl MjpegReader {
    /// A reader that sends every frame it can.
    pub fn new(capture: Arc<CaptureService>, source: Source) -> MjpegReader {
        MjpegReader::with_fps(capture, source, None)
    }

    /// A reader that sends at most `fps` frames a second (`None`: no cap; `Some(0)` counts as 1).
    pub fn with_fps(capture: Arc<CaptureService>, source: Source, fps: Option<u32>) -> MjpegReader {
        MjpegReader {
            capture,
            source: Some(source),
            active: None,
            preamble_pos: 0,
            current: None,
            pos: 0,
            seen: 0,
            listener: None,
            last_start: Instant::now(),
            resend: Timer::never(),
            pace: fps.map(Pacer::new),
            ended: false,
        }
    }

    fn hub(&self) -> &FrameHub {
        match self.active.as_ref().and_then(|a| a.variant.as_ref()) {
            Some(v) => v.hub(),
            None => self.capture.hub(),
        }
    }

    /// First read: start the camera or join the variant, and count the viewer.
    fn activate(&mut self) {
        if self.active.is_some() {
            return;
        }
        let (demand, variant) = match self.source.take() {
            Some(Source::Demanded(demand)) => (Some(demand), None),
            Some(Source::Variant(variant)) => (None, Some(variant)),
            Some(Source::Main) | None => (Some(self.capture.demand()), None),
        };
        self.active = Some(Active {
            _demand: demand,
            variant,
            _viewer: ViewerCount::new(&self.capture),
        });
        self.resend.set_after(RESEND_AFTER);
    }

    /// Takes the newest frame if it is newer than the one sent last.
    fn take_newer(&mut self) -> Result<bool, ()> {
        match self.hub().newer_than(self.seen) {
            Err(_) => Err(()),
            Ok(None) => Ok(false),
            Ok(Some((seq, frame))) => {
                let stats = &self.capture.stats;
                if self.seen > 0 && seq > self.seen + 1 {
                    stats.frames_skipped.fetch_add(seq - self.seen - 1, Relaxed);
                }
                self.seen = seq;
                self.start_frame(frame);
                Ok(true)
            }
        }
    }

    fn start_frame(&mut self, frame: Arc<EncodedFrame>) {
        let stats = &self.capture.stats;
        stats.frames_sent.fetch_add(1, Relaxed);
        let part = frame.part().len() as u64;
        stats.vitals.bytes_sent.fetch_add(part, Relaxed);
        self.current = Some(frame);
        self.pos = 0;
        self.last_start = Instant::now();
        if let Some(pace) = &mut self.pace {
            pace.sent(self.last_start);
        }
    }

    /// With a frame-rate cap whose next slot is not due yet: says whether it is still pending
    /// (`true`: wait; the cap's shared ticker wakes this task when the slot comes).
    fn waiting_for_slot(&mut self, cx: &mut Context<'_>) -> bool {
        self.pace.as_mut().is_some_and(|pace| pace.waiting(cx))
    }
}

impl AsyncRead for MjpegReader {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        poll_read_from_buf(self, cx, buf)
    }
}

impl AsyncBufRead for MjpegReader {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        let this = self.get_mut();
        this.activate();
        loop {
            if this.ended {
                return Poll::Ready(Ok(&[]));
            }
            if this.preamble_pos < STREAM_PREAMBLE.len() {
                return Poll::Ready(Ok(&STREAM_PREAMBLE[this.preamble_pos..]));
            }
            let unsent = this.current.as_ref().map(|f| f.part().len() > this.pos);
            match unsent {
                Some(true) => {
                    let frame = this.current.as_ref().expect("checked above");
                    return Poll::Ready(Ok(&frame.part()[this.pos..]));
                }
                Some(false) => this.current = None,
                None => {}
            }
            if this.waiting_for_slot(cx) {
                // No frame-rate slot yet: no need to hear about frames published meanwhile.
                this.listener = None;
                return Poll::Pending;
            }
            match this.take_newer() {
                Err(()) => {
                    this.ended = true;
                    continue;
                }
                Ok(true) => {
                    this.listener = None;
                    continue;
                }
                Ok(false) => {}
            }
            // Register for the next publish, then look again: a publish in between is not lost.
            if this.listener.is_none() {
                this.listener = Some(this.hub().listen());
                continue;
            }
            if let Some(listener) = this.listener.as_mut() {
                if Pin::new(listener).poll(cx).is_ready() {
                    this.listener = None;
                    continue;
                }
            }
            if Pin::new(&mut this.resend).poll(cx).is_ready() {
                let due = this.last_start + RESEND_AFTER;
                if Instant::now() < due {
                    // Frames came since the timer was set: not due yet.
                    this.resend.set_at(due);
                    continue;
                }
                if let Some((_, frame)) = this.hub().latest() {
                    this.start_frame(frame);
                }
                this.resend.set_after(RESEND_AFTER);
                continue;
            }
            return Poll::Pending;
        }
    }

    fn consume(self: Pin<&mut Self>, amt: usize) {
        let this = self.get_mut();
        if this.preamble_pos < STREAM_PREAMBLE.len() {
            this.preamble_pos += amt;
        } else {
            this.pos += amt;
        }
    }
}

/// Counts a viewer in `/api/state` for as long as it lives.
struct ViewerCount(Arc<CaptureService>);

impl ViewerCount {
    fn new(capture: &Arc<CaptureService>) -> ViewerCount {
        capture.stats.viewers.fetch_add(1, Relaxed);
        ViewerCount(capture.clone())
    }
}

impl Drop for ViewerCount {
    fn drop(&mut self) {
        self.0.stats.viewers.fetch_sub(1, Relaxed);
    }
}
