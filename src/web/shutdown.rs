//! Stopping the server cleanly: one signal every part waits on (the accept loop, idle keep-alive
//! connections, streams), and a count of the connections still open so shutdown can wait for them
//! to drain. Its own module so that [`super::listener`] (which counts connections) and
//! [`super::http1`] (which stops reading on it) need not import each other.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use event_listener::Event;
use futures_lite::future;

/// Tells every part of the server to stop, and counts connections still open.
#[derive(Default)]
pub struct Shutdown {
    stopping: AtomicBool,
    stop: Event,
    open: AtomicUsize,
    closed: Event,
}

impl Shutdown {
    pub fn new() -> Arc<Shutdown> {
        Arc::new(Shutdown::default())
    }

    pub fn begin(&self) {
        self.stopping.store(true, Ordering::SeqCst);
        self.stop.notify(usize::MAX);
    }

    pub fn is_stopping(&self) -> bool {
        self.stopping.load(Ordering::SeqCst)
    }

    /// Resolves once shutdown has begun.
    pub async fn stopped(&self) {
        loop {
            if self.is_stopping() {
                return;
            }
            let listener = self.stop.listen();
            if self.is_stopping() {
                return;
            }
            listener.await;
        }
    }

    /// Counts one connection as open until the returned guard is dropped.
    pub fn track_connection(self: &Arc<Self>) -> OpenConnection {
        self.open.fetch_add(1, Ordering::SeqCst);
        OpenConnection(self.clone())
    }

    /// Connections open now.
    pub fn open_connections(&self) -> usize {
        self.open.load(Ordering::SeqCst)
    }

    /// Waits until every connection has ended, at most `timeout`; false if some are still open.
    pub async fn drained(&self, timeout: Duration) -> bool {
        let wait = async {
            loop {
                if self.open_connections() == 0 {
                    return true;
                }
                let listener = self.closed.listen();
                if self.open_connections() == 0 {
                    return true;
                }
                listener.await;
            }
        };
        future::or(wait, async {
            async_io::Timer::after(timeout).await;
            false
        })
        .await
    }
}

/// Counts one connection while it lives (see [`Shutdown::track_connection`]).
pub struct OpenConnection(Arc<Shutdown>);

impl Drop for OpenConnection {
    fn drop(&mut self) {
        self.0.open.fetch_sub(1, Ordering::SeqCst);
        self.0.closed.notify(usize::MAX);
    }
}
