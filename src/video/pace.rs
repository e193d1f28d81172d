//! A capped viewer's pacing (`/stream?fps=N`): when its next frame may start, and what
//! wakes it then.
//!
//! Separate from [`crate::video::stream`] because it is its own concept (a schedule of slots that
//! keeps any 1 s window to at most N frames, shared by every viewer with the same cap) and is
//! tested on its own with replayed frame times, without a hub or a socket.
//!
//! Where every capped viewer's slots are counted from: viewers with the same cap share their slots
//! (the instants `PACE_EPOCH + k x interval`), so one timer expiry wakes all of them together, as a
//! published frame wakes the full-rate viewers. Slots of their own (one interval after each
//! viewer's last frame) woke the server once per viewer per frame, at scattered instants. Measured
//! with 200 viewers of each kind (docs/BENCHMARKS.md "A frame-rate-capped viewer"): `?fps=5`
//! viewers cost 0.26-0.31x the send work of full-rate ones with slots of their own, 0.20-0.22x
//! with shared slots (a sixth of the frames).
//!
//! Each slot of a cap is then announced by one `Ticker` (a thread sleeping to the slot and
//! notifying an [`Event`]) shared by all the viewers with that cap, instead of each viewer arming a
//! reactor timer of its own at every slot (the reactor's work was 22 % of the server's samples
//! under 200 capped viewers). Measured side by side with the per-viewer timers (BENCHMARKS.md):
//! no difference that `/proc` resolves, 0.165 of a full-rate viewer's send work with the ticker,
//! 0.14-0.17 without, in the same quiet run.

use std::collections::HashMap;
use std::pin::Pin;
use std::sync::{Arc, OnceLock, Weak};
use std::task::Context;
use std::thread::Thread;
use std::time::{Duration, Instant};

use async_io::Timer;
use event_listener::{Event, EventListener};
use futures_lite::Future;
use parking_lot::Mutex;

/// Where every capped viewer's slots are counted from (see the module doc).
static PACE_EPOCH: once_cell::sync::Lazy<Instant> = once_cell::sync::Lazy::new(Instant::now);

/// The first shared slot at or after `t` for a cap of one frame per `interval`.
fn shared_slot(t: Instant, interval: Duration) -> Instant {
    let epoch = *PACE_EPOCH;
    let step = interval.as_nanos().max(1);
    let steps = t.saturating_duration_since(epoch).as_nanos().div_ceil(step);
    epoch + Duration::from_nanos(u64::try_from(steps * step).unwrap_or(u64::MAX))
}

/// The running tickers, one per interval in use. Weak: a ticker lives as long as its pacers.
static TICKERS: Mutex<Option<HashMap<Duration, Weak<Ticker>>>> = Mutex::new(None);

/// Announces every slot of one interval to all the pacers with that interval: one thread sleeps to
/// each slot and notifies [`Ticker::slot`]. It stops when its last pacer goes.
struct Ticker {
    interval: Duration,
    slot: Event,
    /// The ticker's thread, woken early when the ticker is dropped so that it ends at once.
    thread: OnceLock<Thread>,
}

impl Ticker {
    /// The ticker of `interval`, started if none runs; `None` when no thread can be started.
    fn shared(interval: Duration) -> Option<Arc<Ticker>> {
        let mut registry = TICKERS.lock();
        let tickers = registry.get_or_insert_with(HashMap::new);
        if let Some(ticker) = tickers.get(&interval).and_then(Weak::upgrade) {
            return Some(ticker);
        }
        let ticker = Arc::new(Ticker {
            interval,
            slot: Event::new(),
            thread: OnceLock::new(),
        });
        let weak = Arc::downgrade(&ticker);
        let spawned = std::thread::Builder::new()
            .name(format!("pace-{}ms", interval.as_millis()))
            .spawn(move || Ticker::run(&weak, interval));
        let Ok(thread) = spawned else {
            // The ticker's drop takes the registry's lock.
            drop(registry);
            return None;
        };
        let _ = ticker.thread.set(thread.thread().clone());
        tickers.insert(interval, Arc::downgrade(&ticker));
        Some(ticker)
    }

    /// The thread: sleeps to each slot and notifies it, until the ticker is gone. A slot missed
    /// (the thread late by a whole interval) is skipped, not announced late.
    fn run(ticker: &Weak<Ticker>, interval: Duration) {
        let mut slot = shared_slot(Instant::now(), interval);
        loop {
            let now = Instant::now();
            if now < slot {
                // Parked rather than slept: the ticker's drop unparks it to end it now.
                std::thread::park_timeout(slot - now);
                if ticker.strong_count() == 0 {
                    return;
                }
                continue;
            }
            match ticker.upgrade() {
                Some(ticker) => {
                    ticker.slot.notify(usize::MAX);
                }
                None => return,
            }
            slot = shared_slot((slot + interval).max(now), interval);
        }
    }
}

impl Drop for Ticker {
    fn drop(&mut self) {
        let mut tickers = TICKERS.lock();
        if let Some(tickers) = tickers.as_mut() {
            // A new ticker for the interval may already be there: remove only a dead one.
            if tickers
                .get(&self.interval)
                .is_some_and(|w| w.strong_count() == 0)
            {
                tickers.remove(&self.interval);
            }
        }
        if let Some(thread) = self.thread.get() {
            thread.unpark();
        }
    }
}

/// Slots for a viewer that wants at most one frame per `interval`.
pub(crate) struct Pacer {
    interval: Duration,
    /// When the next frame may start; `None` before the first.
    due: Option<Instant>,
    /// Wakes this pacer at its slots, with all the others of its interval.
    ticker: Option<Arc<Ticker>>,
    /// Registered with `ticker` while waiting for a slot.
    listener: Option<EventListener>,
    /// Only when no ticker thread could be started: a timer of its own.
    timer: Timer,
    /// What `timer` is set to, so a wake-up before it does not re-arm it.
    armed: Option<Instant>,
}

impl Pacer {
    /// A pacer for at most `fps` frames a second (`0` counts as 1).
    pub(crate) fn new(fps: u32) -> Pacer {
        Pacer::with_interval(Duration::from_secs(1) / fps.max(1))
    }

    fn with_interval(interval: Duration) -> Pacer {
        Pacer {
            interval,
            due: None,
            ticker: Ticker::shared(interval),
            listener: None,
            timer: Timer::never(),
            armed: None,
        }
    }

    /// Books the slot of a frame started `now`. The next slot is one interval after this one's due
    /// time (so a frame that waits a little for the camera does not push every later slot back),
    /// or after `now` when the viewer fell a whole interval behind, moved on to the first shared
    /// slot ([`shared_slot`]): slots stay at least an interval apart, so any window of `w` seconds
    /// holds at most `w / interval + 1` frames.
    pub(crate) fn sent(&mut self, now: Instant) {
        let due = self.due.unwrap_or(now);
        let next = due + self.interval;
        let next = if now < next {
            next
        } else {
            now + self.interval
        };
        self.due = Some(shared_slot(next, self.interval));
    }

    /// Whether the next slot is still ahead (`true`: wait; the ticker wakes this task when the slot
    /// comes).
    pub(crate) fn waiting(&mut self, cx: &mut Context<'_>) -> bool {
        let Some(ticker) = &self.ticker else {
            return self.waiting_on_own_timer(cx);
        };
        loop {
            if self.due.is_none_or(|d| Instant::now() >= d) {
                // Not waiting: not woken at the slots meanwhile either.
                self.listener = None;
                return false;
            }
            match self.listener.as_mut() {
                // Registered, then looked again (above): a slot announced in between is not lost.
                None => self.listener = Some(ticker.slot.listen()),
                Some(listener) => {
                    if Pin::new(listener).poll(cx).is_pending() {
                        return true;
                    }
                    self.listener = None;
                }
            }
        }
    }

    fn waiting_on_own_timer(&mut self, cx: &mut Context<'_>) -> bool {
        let Some(due) = self.due.filter(|d| Instant::now() < *d) else {
            return false;
        };
        if self.armed != Some(due) {
            self.timer.set_at(due);
            self.armed = Some(due);
        }
        Pin::new(&mut self.timer).poll(cx).is_pending()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Replays a camera's frame times through a pacer: the times at which frames were sent.
    fn paced(interval_ms: u64, frame_times_ms: impl Iterator<Item = u64>) -> Vec<u64> {
        let t0 = Instant::now();
        let mut pace = Pacer::with_interval(Duration::from_millis(interval_ms));
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
        let slot = shared_slot(Instant::now() + Duration::from_secs(1), interval);
        assert_eq!(shared_slot(slot, interval), slot, "a slot is its own slot");
        let (mut a, mut b) = (
            Pacer::with_interval(interval),
            Pacer::with_interval(interval),
        );
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

    fn ticker_of(interval: Duration) -> Option<Arc<Ticker>> {
        let tickers = TICKERS.lock();
        tickers.as_ref()?.get(&interval).and_then(Weak::upgrade)
    }

    #[test]
    fn pacers_with_the_same_cap_share_one_ticker_which_ends_with_them() {
        // Caps no other test uses: the registry is process-wide.
        let interval = Duration::from_secs(1) / 7;
        let (a, b) = (Pacer::new(7), Pacer::new(7));
        let (ta, tb) = (a.ticker.clone().unwrap(), b.ticker.clone().unwrap());
        assert!(Arc::ptr_eq(&ta, &tb), "one ticker for one cap");
        assert!(Arc::ptr_eq(&ta, &ticker_of(interval).unwrap()));
        let c = Pacer::new(11);
        assert!(
            !Arc::ptr_eq(&ta, c.ticker.as_ref().unwrap()),
            "another cap, another ticker"
        );
        drop((ta, tb, a));
        assert!(ticker_of(interval).is_some(), "b still holds it");
        drop(b);
        assert!(ticker_of(interval).is_none(), "gone with its last pacer");
        let again = Pacer::new(7);
        assert!(
            ticker_of(interval).is_some_and(|t| Arc::ptr_eq(&t, again.ticker.as_ref().unwrap()))
        );
        drop(c);
    }

    #[test]
    fn a_waiting_pacer_is_woken_at_its_slot() {
        let mut pace = Pacer::new(13);
        pace.sent(Instant::now());
        let due = pace.due.unwrap();
        let waited = futures_lite::future::block_on(futures_lite::future::or(
            async {
                futures_lite::future::poll_fn(|cx| {
                    if pace.waiting(cx) {
                        std::task::Poll::Pending
                    } else {
                        std::task::Poll::Ready(true)
                    }
                })
                .await
            },
            async {
                // Only a guard against hanging: the slot is ~77 ms away.
                Timer::after(Duration::from_secs(30)).await;
                false
            },
        ));
        assert!(waited, "the ticker never woke the pacer");
        assert!(Instant::now() >= due);
        assert!(pace.listener.is_none(), "not registered once the slot came");
    }

    #[test]
    fn a_camera_slower_than_the_cap_is_not_slowed_further() {
        // 4 fps camera, 10 fps cap: every frame goes out.
        let sent = paced(100, (0..40).map(|i| i * 250));
        assert_eq!(sent.len(), 40);
    }
}
