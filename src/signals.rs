//! The requests to stop that the server obeys: SIGTERM and SIGINT on Unix (signal-hook), Ctrl-C,
//! Ctrl-Break and closing the console window on Windows (ctrlc) — which is also what service wrappers
//! such as NSSM or WinSW send when the service is stopped. Caught from [`TerminationSignals::listen`]
//! on, so register before announcing the server: a signal that arrives earlier would kill the process
//! instead of stopping it gracefully.

use std::io;

/// A stream of stop requests; the server shuts down gracefully at the first one.
pub struct TerminationSignals(imp::Inner);

impl TerminationSignals {
    /// Starts catching the stop requests.
    pub fn listen() -> io::Result<TerminationSignals> {
        imp::listen().map(TerminationSignals)
    }

    /// Waits for the first stop request and says which it was. Later ones are caught and ignored
    /// while the server drains (a few seconds at most).
    pub async fn next(&mut self) -> String {
        imp::next(&mut self.0).await
    }
}

#[cfg(unix)]
mod imp {
    use std::io;

    use futures_lite::StreamExt;
    use signal_hook::consts::{SIGINT, SIGTERM};
    use signal_hook_async_std::Signals;

    pub(super) type Inner = Signals;

    pub(super) fn listen() -> io::Result<Signals> {
        Signals::new([SIGTERM, SIGINT])
    }

    pub(super) async fn next(signals: &mut Signals) -> String {
        let sig = signals.next().await;
        signals.handle().close();
        match sig {
            Some(SIGTERM) => "SIGTERM".into(),
            Some(SIGINT) => "SIGINT".into(),
            Some(n) => format!("signal {n}"),
            None => "signal stream closed".into(),
        }
    }
}

#[cfg(not(unix))]
mod imp {
    use std::io;
    use std::sync::atomic::{AtomicBool, Ordering};

    use event_listener::Event;

    static STOP: AtomicBool = AtomicBool::new(false);
    static EVENT: Event = Event::new();

    pub(super) struct Inner;

    pub(super) fn listen() -> io::Result<Inner> {
        ctrlc::set_handler(|| {
            STOP.store(true, Ordering::SeqCst);
            EVENT.notify(usize::MAX);
        })
        .map_err(io::Error::other)?;
        Ok(Inner)
    }

    pub(super) async fn next(_: &mut Inner) -> String {
        loop {
            if STOP.load(Ordering::SeqCst) {
                return "Ctrl-C (or a stop from the console or service wrapper)".into();
            }
            let listener = EVENT.listen();
            if STOP.load(Ordering::SeqCst) {
                continue;
            }
            listener.await;
        }
    }
}
