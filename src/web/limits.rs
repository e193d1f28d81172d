//! The HTTP edge's limits, so that no client can hold the server: how big and how slow a request
//! head and body may be, how long an idle keep-alive connection lives, how many connections one
//! address may hold, how many live viewers there are, and how long a socket may accept nothing
//! before its connection is dropped. Each comes from a flag (see [`crate::config::Config`]); each
//! refusal has its own status and a log line, and the log lines of a flood are thinned to one a
//! second per kind so the log cannot be the next thing to fill up.

use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_lite::future;
use parking_lot::Mutex;

use crate::config::Config;

/// Limits of one server, from its flags.
#[derive(Debug, Clone)]
pub struct Limits {
    pub max_head: usize,
    pub head_timeout: Duration,
    pub max_body: u64,
    pub body_timeout: Duration,
    pub keep_alive: Duration,
    pub stall: Duration,
    pub max_per_client: usize,
    pub max_viewers: usize,
}

impl Limits {
    pub fn from_config(c: &Config) -> Limits {
        Limits {
            max_head: c.max_head_bytes as usize,
            head_timeout: Duration::from_secs_f64(c.head_timeout),
            max_body: c.max_body_bytes,
            body_timeout: Duration::from_secs_f64(c.body_timeout),
            keep_alive: Duration::from_secs_f64(c.keep_alive_timeout),
            stall: Duration::from_secs_f64(c.stall_timeout),
            max_per_client: c.max_connections_per_client,
            max_viewers: c.max_viewers,
        }
    }
}

/// `fut`, or `Err(TimedOut)` once `limit` has passed.
pub async fn within<T>(limit: Duration, fut: impl Future<Output = io::Result<T>>) -> io::Result<T> {
    future::or(fut, async {
        async_io::Timer::after(limit).await;
        Err(io::ErrorKind::TimedOut.into())
    })
    .await
}

/// Open connections per client address.
#[derive(Default)]
pub struct PerClient {
    open: Mutex<HashMap<IpAddr, usize>>,
}

/// One counted connection; uncounted when dropped.
pub struct ClientSlot {
    table: Arc<PerClient>,
    ip: IpAddr,
}

impl PerClient {
    /// A slot for one more connection from `ip`, or `None` when it already holds `max` (0: no limit).
    pub fn admit(self: &Arc<Self>, ip: IpAddr, max: usize) -> Option<ClientSlot> {
        let mut open = self.open.lock();
        let n = open.entry(ip).or_insert(0);
        if max > 0 && *n >= max {
            return None;
        }
        *n += 1;
        Some(ClientSlot {
            table: self.clone(),
            ip,
        })
    }
}

impl Drop for ClientSlot {
    fn drop(&mut self) {
        let mut open = self.table.open.lock();
        if let Some(n) = open.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                open.remove(&self.ip);
            }
        }
    }
}

/// Live video viewers, bounded by `--max-viewers`.
pub struct ViewerSlots {
    max: usize,
    open: AtomicUsize,
}

/// One viewer's place; freed when its stream ends.
pub struct ViewerSlot(Arc<ViewerSlots>);

impl ViewerSlots {
    pub fn new(max: usize) -> Arc<ViewerSlots> {
        Arc::new(ViewerSlots {
            max,
            open: AtomicUsize::new(0),
        })
    }

    /// A place for one more viewer, or `None` when `max` are watching.
    pub fn take(self: &Arc<Self>) -> Option<ViewerSlot> {
        self.open
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
                (n < self.max).then_some(n + 1)
            })
            .ok()
            .map(|_| ViewerSlot(self.clone()))
    }
}

impl Drop for ViewerSlot {
    fn drop(&mut self) {
        self.0.open.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Logs at most one line a second for its kind of event, counting the ones it left out.
pub struct ThinLog {
    last_ms: AtomicU64,
    skipped: AtomicU64,
}

static EPOCH: once_cell::sync::Lazy<Instant> = once_cell::sync::Lazy::new(Instant::now);

impl ThinLog {
    pub const fn new() -> ThinLog {
        ThinLog {
            last_ms: AtomicU64::new(0),
            skipped: AtomicU64::new(0),
        }
    }

    /// Logs `message()` at info unless a line of this kind went out in the last second.
    pub fn info(&self, message: impl FnOnce() -> String) {
        let now = EPOCH.elapsed().as_millis() as u64 + 1000;
        let last = self.last_ms.load(Ordering::Relaxed);
        if now.saturating_sub(last) < 1000
            || self
                .last_ms
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_err()
        {
            self.skipped.fetch_add(1, Ordering::Relaxed);
            return;
        }
        match self.skipped.swap(0, Ordering::Relaxed) {
            0 => log::info!("{}", message()),
            n => log::info!("{} ({n} more like it in the last second)", message()),
        }
    }
}

impl Default for ThinLog {
    fn default() -> Self {
        ThinLog::new()
    }
}
