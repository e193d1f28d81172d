//! Capture on demand: viewers and snapshot takers hold a [`Demand`] while they need frames; the first
//! starts the capture thread, and `idle_timeout` after the last is dropped the thread closes the
//! camera and ends. Shutdown stops it for good. The capture thread asks here whether to go on, and
//! sleeps its retry pauses here, woken early when demand changes.

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::{CaptureService, Unavailable};

pub(super) struct DemandState {
    pub(super) users: usize,
    pub(super) running: bool,
    pub(super) last_left: Instant,
    pub(super) shutting_down: bool,
}

/// Keeps the camera running while held. Dropping the last one starts the idle countdown.
pub struct Demand {
    service: Arc<CaptureService>,
}

impl Drop for Demand {
    fn drop(&mut self) {
        let mut st = self.service.demand.lock();
        st.users -= 1;
        if st.users == 0 {
            st.last_left = Instant::now();
        }
        self.service.demand_changed.notify_all();
    }
}

impl CaptureService {
    /// Asks for frames: starts the capture thread if it is not running. When that thread cannot be
    /// started no frames come for this demand (a reader times out with a reason); the next demand
    /// tries again. Request handlers use [`Self::try_demand`] to answer 503 instead.
    pub fn demand(self: &Arc<Self>) -> Demand {
        self.try_demand().unwrap_or_else(|e| {
            log::error!("{e}");
            let mut st = self.demand.lock();
            st.users += 1;
            Demand {
                service: self.clone(),
            }
        })
    }

    /// Asks for frames; fails when the capture thread is needed and cannot be started (out of
    /// threads): the caller fails its one request with 503.
    pub fn try_demand(self: &Arc<Self>) -> Result<Demand, Unavailable> {
        let mut st = self.demand.lock();
        if !st.running && !st.shutting_down {
            let me = self.clone();
            self.threads
                .spawn("capture", move || me.run())
                .map_err(|e| Unavailable(format!("cannot start the capture thread: {e}")))?;
            st.running = true;
        }
        st.users += 1;
        self.demand_changed.notify_all();
        Ok(Demand {
            service: self.clone(),
        })
    }

    /// Whether the capture thread is running (the camera open or being retried).
    pub fn is_running(&self) -> bool {
        self.demand.lock().running
    }

    /// Stops capture for good and ends every stream (server shutdown).
    pub fn shutdown(&self) {
        self.demand.lock().shutting_down = true;
        self.demand_changed.notify_all();
        self.hub.close();
    }

    /// Waits until the capture thread has closed the camera and ended (after [`Self::shutdown`]).
    pub fn wait_stopped(&self, timeout: Duration) -> bool {
        let mut st = self.demand.lock();
        self.demand_changed
            .wait_while_for(&mut st, |s| s.running, timeout);
        !st.running
    }

    /// Whether capture should go on: somebody wants frames, or the last left less than
    /// `idle_timeout` ago.
    pub(super) fn wanted(&self) -> bool {
        let st = self.demand.lock();
        !st.shutting_down && (st.users > 0 || st.last_left.elapsed() < self.options.idle_timeout)
    }

    /// Waits `pause` (a retry backoff) but returns early when demand changes, so an idle or shutting
    /// down server does not sit out the whole backoff.
    pub(super) fn sleep_unless_unwanted(&self, pause: Duration) {
        let deadline = Instant::now() + pause;
        let mut st = self.demand.lock();
        while !st.shutting_down {
            let now = Instant::now();
            if now >= deadline {
                break;
            }
            // With nobody left, wake at the idle deadline to close up.
            let wait = if st.users == 0 {
                let idle_end = st.last_left + self.options.idle_timeout;
                (deadline.min(idle_end)).saturating_duration_since(now)
            } else {
                deadline - now
            };
            if wait.is_zero() {
                break;
            }
            self.demand_changed.wait_for(&mut st, wait);
        }
    }
}
