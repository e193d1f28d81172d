//! The live-reload event fan-out behind `/events` (Server-Sent Events).
//!
//! The site publishes short event names (`page:<slug>`, `site`, `theme`; the app adds `gallery`
//! when photos change); every open page holds one subscription and reloads itself when a name it
//! cares about arrives. Like the frame
//! hub, the bus keeps no per-subscriber queue: one short ring of recent events, a sequence number and
//! a wake-up. A subscriber that falls more than a ring behind simply misses the oldest names, which
//! is harmless for reload hints. [`SseStream`] is a hand-written `AsyncBufRead` (Send + Sync + Unpin,
//! as the HTTP edge's body reader must be) that writes each event the moment it is published and a
//! keep-alive comment every [`KEEPALIVE`] so proxies keep the connection and dead peers are found.

use parking_lot::Mutex;
use std::collections::VecDeque;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use async_io::Timer;
use event_listener::{Event, EventListener, Listener};
use futures_lite::{AsyncBufRead, AsyncRead, Stream};

use crate::bufread::poll_read_from_buf;

/// How often an idle SSE connection gets a comment line.
pub const KEEPALIVE: Duration = Duration::from_secs(15);
/// How many recent events the bus remembers for subscribers that are between two reads.
const RING: usize = 64;

/// The publish side: cheap to clone behind an `Arc`, safe to call from any thread.
#[derive(Default)]
pub struct EventBus {
    state: Mutex<BusState>,
    wake: Event,
}

#[derive(Default)]
struct BusState {
    /// Sequence number of the last event published (0 = none yet).
    last: u64,
    recent: VecDeque<(u64, Arc<str>)>,
    closed: bool,
}

impl EventBus {
    pub fn new() -> Arc<EventBus> {
        Arc::new(EventBus::default())
    }

    /// Tells every subscriber about `name` (e.g. `page:setup`).
    pub fn publish(&self, name: &str) {
        let mut st = self.state.lock();
        if st.closed {
            return;
        }
        st.last += 1;
        let seq = st.last;
        st.recent.push_back((seq, Arc::from(name)));
        while st.recent.len() > RING {
            st.recent.pop_front();
        }
        drop(st);
        log::debug!("site event {name}");
        self.wake.notify(usize::MAX);
    }

    /// Ends every subscription (server shutdown): readers return EOF.
    pub fn close(&self) {
        self.state.lock().closed = true;
        self.wake.notify(usize::MAX);
    }

    /// The sequence number of the last event published (0 before the first).
    pub fn last(&self) -> u64 {
        self.state.lock().last
    }

    /// A blocking subscription that sees events published from now on.
    pub fn subscribe(self: &Arc<Self>) -> Subscription {
        self.subscribe_since(None)
    }

    /// A subscription that sees events after number `since` (those still in the ring), or from
    /// now on. A `since` from the future (the server restarted) counts as now.
    pub fn subscribe_since(self: &Arc<Self>, since: Option<u64>) -> Subscription {
        let last = self.state.lock().last;
        Subscription {
            bus: self.clone(),
            seen: since.map_or(last, |s| s.min(last)),
        }
    }

    /// An SSE body that sees events after `since` (see [`EventBus::subscribe_since`]).
    pub fn sse(self: &Arc<Self>, since: Option<u64>) -> SseStream {
        self.sse_every(since, KEEPALIVE)
    }

    /// [`EventBus::sse`] with another keep-alive period (tests use a short one).
    pub fn sse_every(self: &Arc<Self>, since: Option<u64>, keepalive: Duration) -> SseStream {
        SseStream {
            sub: self.subscribe_since(since),
            buf: b"retry: 2000\n: connected\n\n".to_vec(),
            pos: 0,
            listener: None,
            keepalive,
            timer: Timer::after(keepalive),
        }
    }

    /// The next event after `seen`, or `Err(())` once closed and drained.
    fn next_after(&self, seen: u64) -> Result<Option<(u64, Arc<str>)>, ()> {
        let st = self.state.lock();
        if let Some((seq, name)) = st.recent.iter().find(|(seq, _)| *seq > seen) {
            return Ok(Some((*seq, name.clone())));
        }
        if st.closed {
            Err(())
        } else {
            Ok(None)
        }
    }
}

/// One subscriber's position in the event sequence.
pub struct Subscription {
    bus: Arc<EventBus>,
    seen: u64,
}

impl Subscription {
    /// The next event, waiting at most `timeout`; `None` on timeout or when the bus closed.
    pub fn recv_timeout(&mut self, timeout: Duration) -> Option<String> {
        let deadline = Instant::now() + timeout;
        loop {
            match self.bus.next_after(self.seen) {
                Ok(Some((seq, name))) => {
                    self.seen = seq;
                    return Some(name.to_string());
                }
                Err(()) => return None,
                Ok(None) => {}
            }
            // Listen, then look again: an event published between the look and the listen is not lost.
            let listener = self.bus.wake.listen();
            if let Ok(Some(_)) = self.bus.next_after(self.seen) {
                continue;
            }
            listener.wait_deadline(deadline)?;
        }
    }

    /// Waits until an event equal to `name` arrives (skipping others) or `timeout` passes.
    pub fn wait_for(&mut self, name: &str, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match self.recv_timeout(left) {
                Some(got) if got == name => return true,
                Some(_) => {}
                None => return false,
            }
        }
        false
    }
}

/// `text/event-stream` body: `data: <name>` per event, a comment every [`KEEPALIVE`].
pub struct SseStream {
    sub: Subscription,
    buf: Vec<u8>,
    pos: usize,
    listener: Option<EventListener>,
    keepalive: Duration,
    timer: Timer,
}

impl SseStream {
    /// Fills `buf` with what is due now; `Ready(false)` at end of stream.
    fn poll_refill(&mut self, cx: &mut Context<'_>) -> Poll<bool> {
        loop {
            match self.sub.bus.next_after(self.sub.seen) {
                Err(()) => return Poll::Ready(false),
                Ok(Some((seq, name))) => {
                    self.sub.seen = seq;
                    self.listener = None;
                    self.buf = format!("id: {seq}\ndata: {name}\n\n").into_bytes();
                    self.pos = 0;
                    self.timer.set_after(self.keepalive);
                    return Poll::Ready(true);
                }
                Ok(None) => {}
            }
            match self.listener.as_mut() {
                // First time round: listen, then re-check the ring before sleeping.
                None => self.listener = Some(self.sub.bus.wake.listen()),
                Some(l) => match Pin::new(l).poll(cx) {
                    Poll::Ready(()) => self.listener = None,
                    Poll::Pending => {
                        if Pin::new(&mut self.timer).poll_next(cx).is_ready() {
                            self.timer.set_after(self.keepalive);
                            self.buf = b": keepalive\n\n".to_vec();
                            self.pos = 0;
                            return Poll::Ready(true);
                        }
                        return Poll::Pending;
                    }
                },
            }
        }
    }
}

impl AsyncBufRead for SseStream {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        let this = self.get_mut();
        if this.pos >= this.buf.len() {
            match this.poll_refill(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(false) => return Poll::Ready(Ok(&[])),
                Poll::Ready(true) => {}
            }
        }
        Poll::Ready(Ok(&this.buf[this.pos..]))
    }

    fn consume(self: Pin<&mut Self>, amt: usize) {
        let this = self.get_mut();
        this.pos = (this.pos + amt).min(this.buf.len());
    }
}

impl AsyncRead for SseStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        out: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        poll_read_from_buf(self, cx, out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_lite::AsyncReadExt;

    fn assert_body_bounds<T: AsyncBufRead + Send + Sync + Unpin + 'static>(_: &T) {}

    #[test]
    fn subscribers_see_events_published_after_they_subscribed() {
        let bus = EventBus::new();
        bus.publish("before");
        let mut a = bus.subscribe();
        let mut b = bus.subscribe();
        bus.publish("page:setup");
        assert_eq!(
            a.recv_timeout(Duration::from_secs(5)).as_deref(),
            Some("page:setup")
        );
        assert_eq!(
            b.recv_timeout(Duration::from_secs(5)).as_deref(),
            Some("page:setup")
        );
        assert_eq!(a.recv_timeout(Duration::from_millis(20)), None);
    }

    #[test]
    fn a_late_subscriber_catches_up_from_the_number_its_page_was_rendered_at() {
        let bus = EventBus::new();
        bus.publish("page:a");
        let rendered_at = bus.last();
        bus.publish("gallery"); // published while the page was on its way
        let mut late = bus.subscribe_since(Some(rendered_at));
        assert_eq!(
            late.recv_timeout(Duration::from_secs(5)).as_deref(),
            Some("gallery")
        );
        let mut restarted = bus.subscribe_since(Some(1000));
        assert_eq!(restarted.recv_timeout(Duration::from_millis(20)), None);
    }

    #[test]
    fn a_waiting_subscriber_is_woken_from_another_thread() {
        let bus = EventBus::new();
        let mut sub = bus.subscribe();
        let publisher = {
            let bus = bus.clone();
            std::thread::spawn(move || {
                bus.publish("theme");
                bus.publish("gallery");
            })
        };
        assert!(sub.wait_for("gallery", Duration::from_secs(10)));
        publisher.join().unwrap();
    }

    #[test]
    fn sse_stream_frames_events_and_ends_on_close() {
        let bus = EventBus::new();
        let mut body = bus.sse(None);
        assert_body_bounds(&body);
        bus.publish("page:about");
        bus.close();
        let mut text = String::new();
        async_io::block_on(body.read_to_string(&mut text)).unwrap();
        assert!(text.starts_with("retry: 2000\n"), "{text}");
        assert!(text.contains("id: 1\ndata: page:about\n\n"), "{text}");
    }

    #[test]
    fn an_idle_sse_stream_sends_keepalive_comments() {
        let bus = EventBus::new();
        let mut body = bus.sse_every(None, Duration::from_millis(20));
        let mut hello = [0u8; 25];
        async_io::block_on(body.read_exact(&mut hello)).unwrap();
        let mut buf = [0u8; 64];
        let n = async_io::block_on(body.read(&mut buf)).unwrap();
        assert_eq!(&buf[..n], b": keepalive\n\n");
    }

    #[test]
    fn sse_stream_wakes_on_a_later_publish() {
        let bus = EventBus::new();
        let mut body = bus.sse(None);
        let mut hello = [0u8; 25];
        async_io::block_on(body.read_exact(&mut hello)).unwrap();
        let publisher = {
            let bus = bus.clone();
            std::thread::spawn(move || bus.publish("gallery"))
        };
        let mut buf = [0u8; 64];
        let n = async_io::block_on(body.read(&mut buf)).unwrap();
        publisher.join().unwrap();
        assert_eq!(&buf[..n], b"id: 1\ndata: gallery\n\n");
    }
}
