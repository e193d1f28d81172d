//! Talking to systemd (`sd_notify(3)`, through the `sd-notify` crate): `READY=1` once the server
//! listens (the unit is `Type=notify`, so `systemctl start` returns when pistream can answer),
//! `STOPPING=1` on shutdown, and the watchdog ping while `WatchdogSec=` is set.
//!
//! The ping is earned, not timed: every half watchdog period pistream sends itself a real HTTP
//! request over TCP (`GET /healthz` on its own listening address) and pings only when an answer came
//! back and the capture thread is not stuck (see [`crate::health`]). A wedged executor, accept loop
//! or capture thread stops the pings, and systemd restarts the process. Outside systemd
//! (`NOTIFY_SOCKET` unset) all of this does nothing and runs no timer.

use std::io::{self, Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::Duration;

use futures_lite::StreamExt;
use sd_notify::NotifyState;

use crate::app::App;
use crate::health;

/// Tells systemd the server is up (`READY=1`) with a one-line status, and starts the watchdog task
/// when systemd asked for one.
pub fn ready(addr: SocketAddr, app: &Arc<App>) {
    let status = format!(
        "listening on http://{addr}, camera {}",
        app.capture.backend()
    );
    notify(&[NotifyState::Ready, NotifyState::Status(&status)]);
    if let Some(period) = sd_notify::watchdog_enabled() {
        let every = period / 2;
        log::info!("systemd watchdog: {period:?}; checking the server every {every:?}");
        async_std::task::spawn(watchdog(addr, app.clone(), every));
    }
}

/// Tells systemd the server is stopping (so a slow drain is not mistaken for a hang).
pub fn stopping() {
    notify(&[NotifyState::Stopping]);
}

fn notify(state: &[NotifyState]) {
    if let Err(e) = sd_notify::notify(state) {
        log::warn!("cannot notify systemd: {e}");
    }
}

async fn watchdog(addr: SocketAddr, app: Arc<App>, every: Duration) {
    let mut ticks = async_io::Timer::interval(every);
    let target = reachable(addr);
    loop {
        let answered = blocking::unblock(move || ask_healthz(target, every)).await;
        let health = health::check(&app, app.config.unhealthy_after());
        match answered {
            Ok(_) if !health.stuck => notify(&[NotifyState::Watchdog]),
            Ok(_) => log::error!(
                "watchdog not fed: {}",
                health.reason.as_deref().unwrap_or("capture is stuck")
            ),
            Err(e) => log::error!("watchdog not fed: the server did not answer itself: {e}"),
        }
        ticks.next().await;
    }
}

/// Where to reach a listener: a wildcard bind (`0.0.0.0`, `::`) is reached on loopback.
fn reachable(addr: SocketAddr) -> SocketAddr {
    match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => (Ipv4Addr::LOCALHOST, addr.port()).into(),
        IpAddr::V6(ip) if ip.is_unspecified() => (Ipv6Addr::LOCALHOST, addr.port()).into(),
        _ => addr,
    }
}

/// One real request to ourselves; any HTTP status line counts as an answer (behind auth it is 401,
/// and that too proves the server works).
fn ask_healthz(addr: SocketAddr, timeout: Duration) -> io::Result<u16> {
    let mut s = TcpStream::connect_timeout(&addr, timeout)?;
    s.set_read_timeout(Some(timeout))?;
    s.set_write_timeout(Some(timeout))?;
    s.write_all(
        format!("GET /healthz HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").as_bytes(),
    )?;
    let mut head = [0u8; 12];
    s.read_exact(&mut head)?;
    std::str::from_utf8(&head)
        .ok()
        .filter(|h| h.starts_with("HTTP/1."))
        .and_then(|h| h[9..12].parse().ok())
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "not an HTTP answer"))
}
