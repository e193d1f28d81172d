//! One viewer's MJPEG body: an `AsyncBufRead` that hands out slices of the hub's shared frames, so the
//! HTTP edge writes each frame with one socket write and nothing is copied per viewer.
//!
//! The reader always sends the *newest* frame when its socket is ready again and counts the ones it
//! skipped. With no new frame for [`RESEND_AFTER`], it sends the last one again: that keeps proxies
//! from timing out and finds viewers who left while the camera stalled. It starts the camera lazily,
//! on the first read, so a `HEAD` request (whose body is never read) costs nothing.
//!
//! A viewer may ask for at most N frames a second (`/stream?fps=N`, for poor networks): the reader
//! then takes a frame only when the viewer's next slot is due, sleeping on a timer in between (no
//! wake-up per published frame), and sends the newest frame at that moment. Frames in between are
//! skipped, never queued, and nothing is encoded for it: it reads the same hub as everyone else.

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

/// Where every capped viewer's slots are counted from. Viewers with the same cap share their slots
/// (the instants `PACE_EPOCH + k x interval`), so one timer expiry wakes all of them together, as a
/// published frame wakes the full-rate viewers. Slots of their own (one interval after each
/// viewer's last frame) woke the server once per viewer per frame, at scattered instants. Measured
/// with 200 viewers of each kind (docs/BENCHMARKS.md "A frame-rate-capped viewer"): `?fps=5`
/// viewers cost 0.26-0.31x the send work of full-rate ones with slots of their own, 0.20-0.22x
/// with shared slots (a sixth of the frames).
static PACE_EPOCH: once_cell::sync::Lazy<Instant> = once_cell::sync::Lazy::new(Instant::now);

/// The first shared slot at or after `t` for a cap of one frame per `interval`.
fn shared_slot(t: Instant, interval: Duration) -> Instant {
    let epoch = *PACE_EPOCH;
    let step = interval.as_nanos().max(1);
    let steps = t.saturating_duration_since(epoch).as_nanos().div_ceil(step);
    epoch + Duration::from_nanos(u64::try_from(steps * step).unwrap_or(u64::MAX))
}

/// Slots for a viewer that wants at most one frame per `interval`.
struct Pacer {
    interval: Duration,
    /// When the next frame may start; `None` before the first.
    due: Option<Instant>,
    timer: Timer,
    /// What `timer` is set to, so a wake-up before it does not re-arm it.
    armed: Option<Instant>,
}

impl Pacer {
    /// Books the slot of a frame started `now`. The next slot is one interval after this one's due
    /// time (so a frame that waits a little for the camera does not push every later slot back),
    /// or after `now` when the viewer fell a whole interval behind, moved on to the first shared
    /// slot ([`shared_slot`]): slots stay at least an interval apart, so any window of `w` seconds
    /// holds at most `w / interval + 1` frames.
    fn sent(&mut self, now: Instant) {
        let due = self.due.unwrap_or(now);
        let next = due + self.interval;
        let next = if now < next {
            next
        } else {
            now + self.interval
        };
        self.due = Some(shared_slot(next, self.interval));
    }
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
            pace: fps.map(|n| Pacer {
                interval: Duration::from_secs(1) / n.max(1),
                due: None,
                timer: Timer::never(),
                armed: None,
            }),
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

    /// With a frame-rate cap whose next slot is not due yet: arms the pace timer and says whether
    /// it is still pending (`true`: wait; the timer wakes this task when the slot comes).
    fn waiting_for_slot(&mut self, cx: &mut Context<'_>) -> bool {
        let Some(pace) = &mut self.pace else {
            return false;
        };
        let Some(due) = pace.due.filter(|d| Instant::now() < *d) else {
            return false;
        };
        if pace.armed != Some(due) {
            pace.timer.set_at(due);
            pace.armed = Some(due);
        }
        Pin::new(&mut pace.timer).poll(cx).is_pending()
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Replays a camera's frame times through a pacer: the times at which frames were sent.
    fn paced(interval_ms: u64, frame_times_ms: impl Iterator<Item = u64>) -> Vec<u64> {
        let t0 = Instant::now();
        let mut pace = Pacer {
            interval: Duration::from_millis(interval_ms),
            due: None,
            timer: Timer::never(),
            armed: None,
        };
        let mut sent = Vec::new();
        for t in frame_times_ms {
            let now = t0 + Duration::from_millis(t);
            if pace.due.is_none_or(|d| now >= d) {
                pace.sent(now);
                sent.push(t);
            }
        }
        sent
    }

    fn most_in_any_window(sent: &[u64], window_ms: u64) -> usize {
        (0..sent.len())
            .map(|i| {
                sent[i..]
                    .iter()
                    .take_while(|&&t| t < sent[i] + window_ms)
                    .count()
            })
            .max()
            .unwrap_or(0)
    }

    #[test]
    fn a_capped_viewer_gets_at_most_its_rate_in_any_window() {
        // 30 fps camera, 5 fps viewer, 10 s: 50 frames, never 6 within one second.
        let sent = paced(200, (0..300).map(|i| i * 100 / 3));
        assert!((49..=51).contains(&sent.len()), "{}", sent.len());
        assert_eq!(most_in_any_window(&sent, 1000), 5);
        // Jittery frames (every 45 or 25 ms): still at most 5 in any second.
        let jitter = (0..400u64).scan(0, |t, i| {
            *t += if i % 2 == 0 { 45 } else { 25 };
            Some(*t)
        });
        assert!(most_in_any_window(&paced(200, jitter), 1000) <= 6);
    }

    #[test]
    fn a_stall_does_not_buy_a_burst() {
        // Frames stop for 2 s, then resume at 30 fps: the viewer gets one frame, then its rate.
        let times = (0..30)
            .map(|i| i * 33)
            .chain((0..60).map(|i| 3000 + i * 33));
        let sent = paced(200, times);
        let after: Vec<u64> = sent.iter().copied().filter(|&t| t >= 3000).collect();
        assert!(after.windows(2).all(|w| w[1] - w[0] >= 198), "{after:?}");
    }

    #[test]
    fn viewers_with_the_same_cap_share_their_slots() {
        // Two 5 fps viewers whose first frames went out 70 ms apart, within one shared slot's
        // interval: from then on their slots are the same instants, one interval apart.
        let interval = Duration::from_millis(200);
        let pacer = || Pacer {
            interval,
            due: None,
            timer: Timer::never(),
            armed: None,
        };
        let slot = shared_slot(Instant::now() + Duration::from_secs(1), interval);
        assert_eq!(shared_slot(slot, interval), slot, "a slot is its own slot");
        let (mut a, mut b) = (pacer(), pacer());
        a.sent(slot - Duration::from_millis(190));
        b.sent(slot - Duration::from_millis(120));
        assert_eq!(a.due, Some(slot + interval));
        assert_eq!(b.due, Some(slot + interval));
        // Each sends a little late; the next slot is still the shared one.
        a.sent(slot + interval + Duration::from_millis(5));
        b.sent(slot + interval + Duration::from_millis(30));
        assert_eq!(a.due, Some(slot + 2 * interval));
        assert_eq!(b.due, Some(slot + 2 * interval));
    }

    #[test]
    fn a_camera_slower_than_the_cap_is_not_slowed_further() {
        // 4 fps camera, 10 fps cap: every frame goes out.
        let sent = paced(100, (0..40).map(|i| i * 250));
        assert_eq!(sent.len(), 40);
    }
}
