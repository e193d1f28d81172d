//! What `/healthz`, `/metrics` and the systemd watchdog need from the capture stage beyond its
//! `/api/state` counters: since when capture has been failing, when it last made progress (a frame
//! or a NO SIGNAL frame published), how often the camera faulted and was reopened, the bytes sent to
//! viewers and how long encoding takes. Atomics and one histogram: cheap enough to touch per frame.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::{Duration, Instant};

use once_cell::sync::Lazy;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};

/// The zero of the millisecond clocks below (0 itself means "never").
static EPOCH: Lazy<Instant> = Lazy::new(Instant::now);

fn now_ms() -> u64 {
    EPOCH.elapsed().as_millis() as u64 + 1
}

fn since(ms: u64) -> Duration {
    Duration::from_millis(now_ms().saturating_sub(ms))
}

/// The capture stage's health record. Written by the capture thread and viewers, read by anyone.
pub struct CaptureVitals {
    /// Camera errors, stalls and failed opens.
    pub faults: AtomicU64,
    /// Successful camera opens (on demand, and after faults).
    pub opens: AtomicU64,
    /// Opens that recovered from a fault: the camera restarted.
    pub restarts: AtomicU64,
    /// Stream bytes written to viewers (whole parts: head, JPEG, boundary).
    pub bytes_sent: AtomicU64,
    /// Seconds spent turning a camera frame into the JPEG viewers get.
    pub encode_seconds: Histogram,
    /// When the current run of faults began (0: not failing).
    failing_since_ms: AtomicU64,
    /// When capture last published anything, or started.
    progress_ms: AtomicU64,
}

impl Default for CaptureVitals {
    fn default() -> CaptureVitals {
        CaptureVitals {
            faults: AtomicU64::new(0),
            opens: AtomicU64::new(0),
            restarts: AtomicU64::new(0),
            bytes_sent: AtomicU64::new(0),
            // 0.5 ms .. ~1 s: a 640x480 encode takes a few ms on a desktop, tens on a Pi.
            encode_seconds: Histogram::new(exponential_buckets(0.0005, 2.0, 12)),
            failing_since_ms: AtomicU64::new(0),
            progress_ms: AtomicU64::new(now_ms()),
        }
    }
}

impl CaptureVitals {
    /// The capture thread started (it has made no frame yet, but it is not stuck either).
    pub fn started(&self) {
        self.progress_ms.store(now_ms(), Relaxed);
    }

    /// The camera opened.
    pub fn opened(&self) {
        self.opens.fetch_add(1, Relaxed);
        if self.failing_since_ms.load(Relaxed) != 0 {
            self.restarts.fetch_add(1, Relaxed);
        }
        self.progress_ms.store(now_ms(), Relaxed);
    }

    /// A live frame was published: capture works.
    pub fn frame(&self, encode: Duration) {
        self.encode_seconds.observe(encode.as_secs_f64());
        self.failing_since_ms.store(0, Relaxed);
        self.progress_ms.store(now_ms(), Relaxed);
    }

    /// The camera failed (a NO SIGNAL frame follows).
    pub fn fault(&self) {
        self.faults.fetch_add(1, Relaxed);
        let _ = self
            .failing_since_ms
            .compare_exchange(0, now_ms(), Relaxed, Relaxed);
        self.progress_ms.store(now_ms(), Relaxed);
    }

    /// Capture stopped because nobody watches: its state is unknown until the next viewer, not
    /// failing. (A health check must not open the camera: that would keep it on forever.)
    pub fn stopped(&self) {
        self.failing_since_ms.store(0, Relaxed);
    }

    /// How long capture has been failing without a good frame, if it is failing.
    pub fn failing_for(&self) -> Option<Duration> {
        match self.failing_since_ms.load(Relaxed) {
            0 => None,
            ms => Some(since(ms)),
        }
    }

    /// How long since capture last published anything (or started). Meaningful while capture runs:
    /// a long time means the capture thread is stuck (a driver call that never returns).
    pub fn since_progress(&self) -> Duration {
        since(self.progress_ms.load(Relaxed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_good_frame_ends_a_failure_and_a_reopen_counts_as_a_restart() {
        let v = CaptureVitals::default();
        v.opened();
        assert_eq!(v.restarts.load(Relaxed), 0, "a first open is no restart");
        assert!(v.failing_for().is_none());
        v.fault();
        v.fault();
        assert_eq!(v.faults.load(Relaxed), 2);
        assert!(v.failing_for().is_some());
        v.opened();
        assert_eq!(v.restarts.load(Relaxed), 1);
        v.frame(Duration::from_millis(3));
        assert!(v.failing_for().is_none());
        v.fault();
        v.stopped();
        assert!(v.failing_for().is_none(), "idle is not failing");
    }
}
