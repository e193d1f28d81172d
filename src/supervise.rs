//! Supervision of the long-running stages (capture, variant encoders, the file watcher): a panic in a
//! stage is caught, logged once with its message, and the stage starts again after a backoff, so one
//! bug or one hostile input never stops video until a restart.
//!
//! "Logged once": Rust's default panic hook prints every panic to stderr, and the supervisor logs it
//! again with what it does about it. [`install_panic_hook`] keeps the default hook for ordinary
//! threads but silences it while a supervised stage runs, handing the message and location to the
//! supervisor instead, which logs one `error` line.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;
use std::time::Duration;

thread_local! {
    /// Set while a supervised stage runs on this thread.
    static SUPERVISED: Cell<bool> = const { Cell::new(false) };
    /// Where the last caught panic of this thread happened.
    static LOCATION: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Routes panics of supervised stages to their supervisor instead of stderr. Idempotent; the server
/// calls it at start, and [`catch`] does too, so a stage is never logged twice.
pub fn install_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if SUPERVISED.with(Cell::get) {
                let at = info
                    .location()
                    .map(|l| format!("{}:{}", l.file(), l.line()));
                LOCATION.with(|l| *l.borrow_mut() = at);
            } else {
                previous(info);
            }
        }));
    });
}

/// A caught panic: its message and where it happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Panicked {
    pub message: String,
    pub location: Option<String>,
}

impl std::fmt::Display for Panicked {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.location {
            Some(at) => write!(f, "{} (at {at})", self.message),
            None => f.write_str(&self.message),
        }
    }
}

/// The text a panic was raised with (`panic!("...")` gives a `&str` or a `String`).
pub fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic without a message".to_string()
    }
}

/// Runs `stage`, catching a panic. The caller logs and restarts.
pub fn catch<T>(stage: impl FnOnce() -> T) -> Result<T, Panicked> {
    install_panic_hook();
    let was = SUPERVISED.with(|s| s.replace(true));
    let result = panic::catch_unwind(AssertUnwindSafe(stage));
    SUPERVISED.with(|s| s.set(was));
    result.map_err(|payload| Panicked {
        message: panic_message(payload.as_ref()),
        location: LOCATION.with(|l| l.borrow_mut().take()),
    })
}

/// What a stage says when it returns normally.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Its work is over (nobody needs it): the supervisor ends too.
    Done,
}

/// Runs `stage` until it returns, restarting it after each panic: the panic is logged once (as
/// `error`, with its message), `on_panic` shows it to users (a NO SIGNAL frame), and the restart
/// waits a [`Backoff`], during which `pause` may say the stage is no longer wanted (then this returns).
pub fn restarting(
    name: &str,
    mut stage: impl FnMut() -> Exit,
    mut on_panic: impl FnMut(&Panicked),
    mut pause: impl FnMut(Duration) -> Wanted,
) {
    let mut backoff = Backoff::new();
    loop {
        match catch(&mut stage) {
            Ok(Exit::Done) => return,
            Err(p) => {
                let wait = backoff.next_pause();
                log::error!("{name} crashed: {p}; restarting in {wait:?}");
                on_panic(&p);
                if pause(wait) == Wanted::No {
                    return;
                }
            }
        }
    }
}

/// Whether a stage is still needed after a pause.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wanted {
    Yes,
    No,
}

/// Retry pauses: 250 ms doubling to 5 s.
#[derive(Debug)]
pub struct Backoff(Duration);

impl Backoff {
    const FIRST: Duration = Duration::from_millis(250);
    /// The longest pause between retries.
    pub const MAX: Duration = Duration::from_secs(5);
    pub fn new() -> Backoff {
        Backoff(Self::FIRST)
    }
    pub fn reset(&mut self) {
        self.0 = Self::FIRST;
    }
    pub fn next_pause(&mut self) -> Duration {
        let now = self.0;
        self.0 = (self.0 * 2).min(Self::MAX);
        now
    }
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff::new()
    }
}

/// Starts the threads of one stage. A spawn can fail (the system is out of threads or memory, a
/// cgroup's `pids.max`): callers turn that into a 503 for the one request that asked, never a panic.
/// Tests make spawns fail on purpose with [`Spawner::inject_failure`].
#[derive(Debug, Default)]
pub struct Spawner {
    fail: std::sync::atomic::AtomicBool,
}

impl Spawner {
    /// Runs `f` on a new thread called `name`.
    pub fn spawn(&self, name: &str, f: impl FnOnce() + Send + 'static) -> std::io::Result<()> {
        self.spawn_joinable(name, f).map(drop)
    }

    /// Runs `f` on a new thread called `name`, which the caller joins.
    pub fn spawn_joinable(
        &self,
        name: &str,
        f: impl FnOnce() + Send + 'static,
    ) -> std::io::Result<std::thread::JoinHandle<()>> {
        if self.fail.load(std::sync::atomic::Ordering::Relaxed) {
            return Err(std::io::Error::new(
                std::io::ErrorKind::WouldBlock,
                "Resource temporarily unavailable (injected)",
            ));
        }
        std::thread::Builder::new().name(name.into()).spawn(f)
    }

    /// From now on every spawn fails (`true`) or works again (`false`): for tests of the 503 path.
    #[doc(hidden)]
    pub fn inject_failure(&self, on: bool) {
        self.fail.store(on, std::sync::atomic::Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_to_a_ceiling_and_resets() {
        let mut b = Backoff::new();
        let seq: Vec<_> = (0..7).map(|_| b.next_pause().as_millis()).collect();
        assert_eq!(seq, [250, 500, 1000, 2000, 4000, 5000, 5000]);
        b.reset();
        assert_eq!(b.next_pause().as_millis(), 250);
    }

    #[test]
    fn catch_returns_the_message_and_where() {
        let p = catch(|| -> u32 { panic!("bad frame {}", 7) }).unwrap_err();
        assert_eq!(p.message, "bad frame 7");
        assert!(p.location.unwrap().contains("supervise.rs"));
        assert_eq!(catch(|| 5), Ok(5));
    }

    #[test]
    fn a_panicking_stage_restarts_with_backoff_until_it_is_done() {
        let mut runs = 0;
        let mut seen = Vec::new();
        let mut pauses = Vec::new();
        restarting(
            "test stage",
            || {
                runs += 1;
                if runs < 4 {
                    panic!("run {runs}");
                }
                Exit::Done
            },
            |p| seen.push(p.message.clone()),
            |d| {
                pauses.push(d.as_millis());
                Wanted::Yes
            },
        );
        assert_eq!(runs, 4);
        assert_eq!(seen, ["run 1", "run 2", "run 3"]);
        assert_eq!(pauses, [250, 500, 1000]);
    }

    #[test]
    fn an_unwanted_stage_is_not_restarted() {
        let mut runs = 0;
        restarting(
            "test stage",
            || -> Exit {
                runs += 1;
                panic!("always")
            },
            |_| {},
            |_| Wanted::No,
        );
        assert_eq!(runs, 1);
    }
}
