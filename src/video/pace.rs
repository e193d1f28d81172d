//! A capped viewer's pacing (`/stream?fps=N`): when its next frame may start, and the timer that
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

use std::pin::Pin;
use std::task::Context;
use std::time::{Duration, Instant};

use async_io::Timer;
use futures_lite::Future;

/// Where every capped viewer's slots are counted from (see the module doc).
static PACE_EPOCH: once_cell::sync::Lazy<Instant> = once_cell::sync::Lazy::new(Instant::now);

/// The first shared slot at or after `t` for a cap of one frame per `interval`.
fn shared_slot(t: Instant, interval: Duration) -> Instant {
    let epoch = *PACE_EPOCH;
    let step = interval.as_nanos().max(1);
    let steps = t.saturating_duration_since(epoch).as_nanos().div_ceil(step);
    epoch + Duration::from_nanos(u64::try_from(steps * step).unwrap_or(u64::MAX))
}

/// Slots for a viewer that wants at most one frame per `interval`.
pub(crate) struct Pacer {
    interval: Duration,
    /// When the next frame may start; `None` before the first.
    due: Option<Instant>,
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

    /// Whether the next slot is still ahead (`true`: wait; the timer wakes this task when the slot
    /// comes). Arms the timer for it.
    pub(crate) fn waiting(&mut self, cx: &mut Context<'_>) -> bool {
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

    #[test]
    fn a_camera_slower_than_the_cap_is_not_slowed_further() {
        // 4 fps camera, 10 fps cap: every frame goes out.
        let sent = paced(100, (0..40).map(|i| i * 250));
        assert_eq!(sent.len(), 40);
    }
}
