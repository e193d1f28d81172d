//! Deadline pacing for backends that keep their own frame clock (replay, escapi): when each frame
//! is due. Pure arithmetic on `Instant`s (the backend sleeps or waits until the returned instant),
//! so the schedule is tested without clocks or sleeps.
//!
//! Frames are due one gap after the previous frame's *due time*, not after it was delivered, so
//! small delays do not accumulate into drift. When the consumer falls behind by more than a gap (a
//! stalled encoder, a suspended laptop), the schedule restarts from now instead of bursting out the
//! backlog.

use std::time::{Duration, Instant};

/// When the next frame is due; remembers only the previous due time.
#[derive(Debug, Default)]
pub struct Pacer {
    last_due: Option<Instant>,
}

impl Pacer {
    /// The instant the next frame is due, `gap` after the previous one (the first is due `now`).
    /// The gap may change from frame to frame (a recording's own timing).
    pub fn next_due(&mut self, now: Instant, gap: Duration) -> Instant {
        let due = match self.last_due {
            None => now,
            Some(last) => last + gap,
        };
        // Late by more than one gap: resynchronise rather than deliver a burst of overdue frames.
        let due = if now.saturating_duration_since(due) > gap {
            now
        } else {
            due
        };
        self.last_due = Some(due);
        due
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GAP: Duration = Duration::from_millis(100);

    #[test]
    fn first_frame_is_due_at_once_then_every_gap() {
        let t0 = Instant::now();
        let mut p = Pacer::default();
        assert_eq!(p.next_due(t0, GAP), t0);
        assert_eq!(p.next_due(t0 + GAP / 10, GAP), t0 + GAP);
        // Delivered a little late: the next deadline still follows the schedule (no drift).
        assert_eq!(p.next_due(t0 + GAP + GAP / 5, GAP), t0 + 2 * GAP);
    }

    #[test]
    fn a_slightly_late_consumer_catches_up_on_schedule() {
        let t0 = Instant::now();
        let mut p = Pacer::default();
        p.next_due(t0, GAP);
        let late = t0 + GAP + GAP / 2;
        assert_eq!(
            p.next_due(late, GAP),
            t0 + GAP,
            "due in the past: deliver now"
        );
        assert_eq!(p.next_due(late, GAP), t0 + 2 * GAP);
    }

    #[test]
    fn a_long_stall_resynchronises_instead_of_bursting() {
        let t0 = Instant::now();
        let mut p = Pacer::default();
        p.next_due(t0, GAP);
        let woke = t0 + 10 * GAP;
        assert_eq!(p.next_due(woke, GAP), woke);
        assert_eq!(p.next_due(woke, GAP), woke + GAP);
    }

    #[test]
    fn the_gap_may_change_between_frames() {
        let t0 = Instant::now();
        let mut p = Pacer::default();
        p.next_due(t0, GAP);
        assert_eq!(p.next_due(t0, GAP * 3), t0 + GAP * 3);
        assert_eq!(p.next_due(t0 + GAP * 3, GAP / 2), t0 + GAP * 3 + GAP / 2);
    }
}
