//! [`MockControl`]: the fault knobs of the mock camera and what it has done, shared (`Arc`) between the
//! camera, which the server's capture thread owns, and a test, which turns knobs and watches.
//!
//! Knobs and counters are atomics so that neither side ever blocks the other. Every change of state
//! (open, close, a frame, an injected fault, a knob turned) fires an [`event_listener::Event`], so a test
//! waits for a condition with [`MockControl::wait_until`] (blocking) or
//! [`MockControl::wait_until_async`] instead of sleeping and hoping.

use parking_lot::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::SeqCst};
use std::time::{Duration, Instant};

use event_listener::{Event, Listener};
use pistream_camera::pool::PoolCounters;
use std::sync::Arc;

/// Shared knobs and observations of one (or several) [`crate::MockCamera`]s.
#[derive(Debug, Default)]
pub struct MockControl {
    fail_every: AtomicU64,
    /// Pending stall for the next `next_frame` call (taken once).
    stall: Mutex<Option<Duration>>,
    /// Pending blocking hang for the next `next_frame` call (taken once).
    hang: Mutex<Option<Duration>>,
    /// Whether the next `next_frame` call panics (taken once).
    panic_next: AtomicBool,
    vanished: AtomicBool,
    open: AtomicBool,
    opens: AtomicU64,
    frames: AtomicU64,
    calls: AtomicU64,
    injected: AtomicU64,
    /// Reuse of the frame buffers (the pattern renders into pooled buffers).
    buffers: Arc<PoolCounters>,
    changed: Event,
}

impl MockControl {
    /// Knobs all off, nothing observed yet.
    pub fn new() -> MockControl {
        MockControl::default()
    }

    /// Every `n`-th `next_frame` call (counted over the camera's life) fails with an error; 0 turns it off.
    pub fn fail_every(&self, n: u64) {
        self.fail_every.store(n, SeqCst);
        self.notify();
    }

    /// The next `next_frame` call waits `duration` before doing anything else: a stalled camera.
    pub fn stall(&self, duration: Duration) {
        *self.stall.lock() = Some(duration);
        self.notify();
    }

    /// The next `next_frame` call blocks its thread for `duration` without yielding: a driver stuck in
    /// a blocking call, which no async timeout can interrupt.
    pub fn hang(&self, duration: Duration) {
        *self.hang.lock() = Some(duration);
        self.notify();
    }

    /// The next `next_frame` call panics: a backend bug.
    pub fn panic_next(&self) {
        self.panic_next.store(true, SeqCst);
        self.notify();
    }

    /// Unplugs the camera: until [`MockControl::reappear`], `open` fails with `NotFound` and
    /// `next_frame` with `Disconnected`.
    pub fn vanish(&self) {
        self.vanished.store(true, SeqCst);
        self.notify();
    }

    /// Plugs the camera back in.
    pub fn reappear(&self) {
        self.vanished.store(false, SeqCst);
        self.notify();
    }

    /// Whether the camera is unplugged.
    pub fn is_vanished(&self) -> bool {
        self.vanished.load(SeqCst)
    }

    /// Whether the camera is open (opened and not closed since).
    pub fn is_open(&self) -> bool {
        self.open.load(SeqCst)
    }

    /// How many times `open` succeeded.
    pub fn opens(&self) -> u64 {
        self.opens.load(SeqCst)
    }

    /// How many frames `next_frame` delivered, over all opens.
    pub fn frames_delivered(&self) -> u64 {
        self.frames.load(SeqCst)
    }

    /// Frame buffers reused and newly allocated, over all opens: a pipeline that lets go of its
    /// frames keeps the allocations at a handful while the reuses grow with every frame.
    pub fn frame_buffers(&self) -> (u64, u64) {
        (
            self.buffers.reused.load(SeqCst),
            self.buffers.allocated.load(SeqCst),
        )
    }

    /// The counters the camera's frame pool counts into.
    pub(crate) fn buffer_counters(&self) -> Arc<PoolCounters> {
        self.buffers.clone()
    }

    /// How many errors `fail_every` injected.
    pub fn failures_injected(&self) -> u64 {
        self.injected.load(SeqCst)
    }

    /// Blocks until `predicate(self)` holds or `timeout` passes; returns whether it holds.
    /// Never call it from the thread that drives the camera.
    pub fn wait_until(&self, predicate: impl Fn(&MockControl) -> bool, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            // Listen before checking, so a change between the check and the wait is not missed.
            let listener = self.changed.listen();
            if predicate(self) {
                return true;
            }
            if listener.wait_deadline(deadline).is_none() {
                return predicate(self);
            }
        }
    }

    /// [`MockControl::wait_until`] for async code: waits without blocking the executor.
    pub async fn wait_until_async(
        &self,
        predicate: impl Fn(&MockControl) -> bool,
        timeout: Duration,
    ) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            let listener = self.changed.listen();
            if predicate(self) {
                return true;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if async_std::future::timeout(left, listener).await.is_err() {
                return predicate(self);
            }
        }
    }

    fn notify(&self) {
        self.changed.notify(usize::MAX);
    }

    // What the camera reports; crate-private so that only the camera changes observations.

    pub(crate) fn take_stall(&self) -> Option<Duration> {
        self.stall.lock().take()
    }

    pub(crate) fn take_hang(&self) -> Option<Duration> {
        self.hang.lock().take()
    }

    pub(crate) fn take_panic(&self) -> bool {
        self.panic_next.swap(false, SeqCst)
    }

    /// Counts a `next_frame` call and says whether this one must fail.
    pub(crate) fn call_should_fail(&self) -> bool {
        let call = self.calls.fetch_add(1, SeqCst) + 1;
        let n = self.fail_every.load(SeqCst);
        let fail = n > 0 && call.is_multiple_of(n);
        if fail {
            self.injected.fetch_add(1, SeqCst);
            self.notify();
        }
        fail
    }

    pub(crate) fn opened(&self) {
        self.open.store(true, SeqCst);
        self.opens.fetch_add(1, SeqCst);
        self.notify();
    }

    pub(crate) fn closed(&self) {
        if self.open.swap(false, SeqCst) {
            self.notify();
        }
    }

    pub(crate) fn delivered(&self) {
        self.frames.fetch_add(1, SeqCst);
        self.notify();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn wait_until_wakes_on_change_from_another_thread() {
        let c = Arc::new(MockControl::new());
        let c2 = c.clone();
        let t = std::thread::spawn(move || c2.opened());
        assert!(c.wait_until(|c| c.is_open() && c.opens() == 1, Duration::from_secs(10)));
        t.join().unwrap();
    }

    #[test]
    fn wait_until_times_out_false() {
        let c = MockControl::new();
        assert!(!c.wait_until(|c| c.is_open(), Duration::from_millis(20)));
    }

    #[test]
    fn fail_every_counts_calls() {
        let c = MockControl::new();
        c.fail_every(3);
        let fails: Vec<bool> = (0..6).map(|_| c.call_should_fail()).collect();
        assert_eq!(fails, [false, false, true, false, false, true]);
        assert_eq!(c.failures_injected(), 2);
        c.fail_every(0);
        assert!((0..10).all(|_| !c.call_should_fail()));
    }

    #[test]
    fn stall_is_taken_once() {
        let c = MockControl::new();
        c.stall(Duration::from_millis(5));
        assert_eq!(c.take_stall(), Some(Duration::from_millis(5)));
        assert_eq!(c.take_stall(), None);
    }
}
