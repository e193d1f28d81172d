//! The capture stage's watchdog: the camera is driven on a worker thread whose every camera call
//! (open, next frame, close) is timed through a [`Heartbeat`]. The supervising thread waits for the
//! worker to end, and gives it up when one call has lasted longer than the hang limit: a driver stuck
//! in a blocking call neither delivers nor errors, and no timeout inside the worker can fire while
//! its thread is blocked. An abandoned worker that ever wakes up sees [`Heartbeat::abandoned`] and
//! leaves without publishing anything.
//!
//! A panic on the worker is caught ([`crate::supervise::catch`]) and reported as
//! [`Outcome::Panicked`]. While the camera runs the supervisor wakes once per hang limit (seconds),
//! never while the server is idle: no worker runs then.

use parking_lot::{Condvar, Mutex};
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::supervise::{self, Panicked};

/// How a watched worker ended.
#[derive(Debug)]
pub enum Outcome<T> {
    /// It returned.
    Finished(T),
    /// It panicked.
    Panicked(Panicked),
    /// One camera call lasted longer than the limit; the worker was abandoned (its thread and whatever
    /// it holds are left to the stuck call).
    Hung(Duration),
    /// No thread could be started for it.
    NotStarted(std::io::Error),
}

struct Shared<T> {
    state: Mutex<State<T>>,
    changed: Condvar,
    abandoned: AtomicBool,
}

struct State<T> {
    in_call_since: Option<Instant>,
    result: Option<Result<T, Panicked>>,
}

/// The worker's side: marks camera calls and tells whether the worker was given up.
pub struct Heartbeat {
    shared: Arc<dyn Beat>,
}

trait Beat: Send + Sync {
    fn set_call(&self, since: Option<Instant>);
    fn abandoned(&self) -> bool;
}

impl<T: Send> Beat for Shared<T> {
    fn set_call(&self, since: Option<Instant>) {
        self.state.lock().in_call_since = since;
    }
    fn abandoned(&self) -> bool {
        self.abandoned.load(SeqCst)
    }
}

impl Heartbeat {
    /// A camera call begins: the hang clock runs until [`Heartbeat::leave`].
    pub fn enter(&self) {
        self.shared.set_call(Some(Instant::now()));
    }
    /// The camera call returned.
    pub fn leave(&self) {
        self.shared.set_call(None);
    }
    /// Whether the supervisor gave this worker up (it must stop publishing and return).
    pub fn abandoned(&self) -> bool {
        self.shared.abandoned()
    }
}

/// Runs `work` on a new thread called `name` and waits for it, unless one of its camera calls lasts
/// longer than `hang_after` or `give_up()` turns true while a call hangs (shutdown).
pub fn run_watched<T: Send + 'static>(
    name: &str,
    hang_after: Duration,
    give_up: impl Fn() -> bool,
    work: impl FnOnce(&Heartbeat) -> T + Send + 'static,
) -> Outcome<T> {
    let shared = Arc::new(Shared {
        state: Mutex::new(State {
            in_call_since: None,
            result: None,
        }),
        changed: Condvar::new(),
        abandoned: AtomicBool::new(false),
    });
    let theirs = shared.clone();
    let spawned = std::thread::Builder::new()
        .name(name.into())
        .spawn(move || {
            let beat = Heartbeat {
                shared: theirs.clone(),
            };
            let result = supervise::catch(|| work(&beat));
            theirs.state.lock().result = Some(result);
            theirs.changed.notify_all();
        });
    if let Err(e) = spawned {
        return Outcome::NotStarted(e);
    }
    let mut state = shared.state.lock();
    loop {
        if let Some(result) = state.result.take() {
            return match result {
                Ok(value) => Outcome::Finished(value),
                Err(p) => Outcome::Panicked(p),
            };
        }
        let wait = match state.in_call_since {
            Some(since) => {
                let stuck = since.elapsed();
                if stuck >= hang_after || (give_up() && stuck >= Duration::from_millis(500)) {
                    shared.abandoned.store(true, SeqCst);
                    return Outcome::Hung(stuck);
                }
                hang_after - stuck
            }
            None => hang_after,
        };
        // Bounded so that a shutdown is noticed within a second even during a long call.
        let wait = wait.min(Duration::from_secs(1));
        shared.changed.wait_for(&mut state, wait);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    const LONG: Duration = Duration::from_secs(60);

    #[test]
    fn a_worker_that_returns_is_finished() {
        let out = run_watched(
            "t",
            LONG,
            || false,
            |beat| {
                beat.enter();
                beat.leave();
                7
            },
        );
        assert!(matches!(out, Outcome::Finished(7)));
    }

    #[test]
    fn a_panic_is_caught_with_its_message() {
        let out = run_watched("t", LONG, || false, |_| -> u8 { panic!("driver bug") });
        match out {
            Outcome::Panicked(p) => assert_eq!(p.message, "driver bug"),
            other => panic!("expected a panic, got {other:?}"),
        }
    }

    #[test]
    fn a_call_that_never_returns_is_given_up_and_the_worker_learns_it() {
        let (release_tx, release_rx) = mpsc::channel::<()>();
        let (after_tx, after_rx) = mpsc::channel();
        let out = run_watched(
            "t",
            Duration::from_millis(300),
            || false,
            move |beat| {
                beat.enter();
                let _ = release_rx.recv(); // a driver stuck in a blocking call
                beat.leave();
                after_tx.send(beat.abandoned()).unwrap();
            },
        );
        assert!(matches!(out, Outcome::Hung(d) if d >= Duration::from_millis(300)));
        release_tx.send(()).unwrap();
        assert!(
            after_rx.recv_timeout(LONG).unwrap(),
            "the worker sees it was abandoned"
        );
    }

    #[test]
    fn a_long_wait_outside_camera_calls_is_not_a_hang() {
        let (tx, rx) = mpsc::channel::<()>();
        let waiter = std::thread::spawn(move || {
            run_watched(
                "t",
                Duration::from_millis(100),
                || false,
                move |_| {
                    let _ = rx.recv_timeout(Duration::from_millis(700)); // a backoff pause
                    "done"
                },
            )
        });
        let out = waiter.join().unwrap();
        drop(tx);
        assert!(matches!(out, Outcome::Finished("done")));
    }
}
