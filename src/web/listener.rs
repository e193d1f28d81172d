//! The accept loop, our own rather than tide's: it sets the socket options streaming needs, treats a
//! viewer leaving as normal (tide's listener logs every disconnect at ERROR), hands each connection to
//! [`super::http1`], and stops cleanly on shutdown.

use std::io;
use std::net::{SocketAddr, TcpListener as StdListener};
use std::sync::Arc;
use std::time::Duration;

use async_std::net::{TcpListener, TcpStream};
use futures_lite::future;
use socket2::{Domain, Socket, Type};

use super::limits::ThinLog;
use super::shutdown::Shutdown;
use super::{http1, Edge};

/// Pending connections the kernel queues for us: 200 viewers arriving at once must not wait for a
/// SYN retry (mjpg-streamer's backlog of 10 made some wait ~1 s).
const LISTEN_BACKLOG: i32 = 1024;

/// Unsent bytes a socket may hold before it stops accepting writes. Without a cap the kernel buffers
/// seconds of video for a slow viewer (measured: 13–16 s at 256 KB/s); 16 KiB kept it under ~0.5 s.
#[cfg(target_os = "linux")]
const NOTSENT_LOWAT: libc::c_int = 16 * 1024;

/// Binds `addr` with our backlog. Port 0 picks a free port (tests).
pub fn bind(addr: SocketAddr) -> io::Result<TcpListener> {
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, None)?;
    socket.set_reuse_address(true)?;
    socket.bind(&addr.into())?;
    socket.listen(LISTEN_BACKLOG)?;
    socket.set_nonblocking(true)?;
    Ok(TcpListener::from(StdListener::from(socket)))
}

/// Accepts connections until shutdown, serving each on its own task.
pub async fn accept_loop(listener: TcpListener, edge: Arc<Edge>, shutdown: Arc<Shutdown>) {
    loop {
        let accepted = future::or(async { Some(listener.accept().await) }, async {
            shutdown.stopped().await;
            None
        })
        .await;
        let (stream, peer) = match accepted {
            None => break,
            Some(Ok(pair)) => pair,
            Some(Err(e)) => {
                // Out of file descriptors, or a connection reset before we took it: log, breathe,
                // go on. Never a reason to stop serving.
                log::warn!("accept failed: {e}");
                if out_of_descriptors(&e) {
                    async_io::Timer::after(Duration::from_millis(100)).await;
                }
                continue;
            }
        };
        let Some(slot) = edge.clients.admit(peer.ip(), edge.limits.max_per_client) else {
            async_std::task::spawn(refuse_busy_client(stream, peer, edge.limits.max_per_client));
            continue;
        };
        configure(&stream, edge.limits.stall);
        let guard = shutdown.track_connection();
        let edge = edge.clone();
        let shutdown = shutdown.clone();
        async_std::task::spawn(async move {
            let _guards = (guard, slot);
            if let Err(e) = http1::serve(stream, peer, &edge, &shutdown).await {
                log::debug!("connection from {peer} ended: {e}");
            }
        });
    }
    log::debug!("accept loop stopped");
}

static BUSY_CLIENT_LOG: ThinLog = ThinLog::new();

/// 429 to a client address that already holds `--max-connections-per-client` connections. The
/// request is read first (briefly) so that closing does not reset the connection under the reply.
async fn refuse_busy_client(mut stream: TcpStream, peer: SocketAddr, max: usize) {
    use futures_lite::{AsyncReadExt, AsyncWriteExt};
    BUSY_CLIENT_LOG.info(|| format!("429 to {peer}: already {max} connections from that address"));
    let reply = async {
        let mut scratch = [0u8; 4096];
        let _ = stream.read(&mut scratch).await?;
        let body = "too many connections from your address\n";
        let head = format!(
            "HTTP/1.1 429 Too Many Requests\r\ncontent-type: text/plain; charset=utf-8\r\nretry-after: 5\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        );
        stream.write_all(head.as_bytes()).await
    };
    let _ = super::limits::within(Duration::from_secs(2), reply).await;
}

/// Whether accepting failed because the process or the system ran out of file descriptors.
#[cfg(unix)]
fn out_of_descriptors(e: &io::Error) -> bool {
    matches!(e.raw_os_error(), Some(libc::EMFILE) | Some(libc::ENFILE))
}

/// Whether accepting failed because the process ran out of sockets (`WSAEMFILE`, 10024).
#[cfg(not(unix))]
fn out_of_descriptors(e: &io::Error) -> bool {
    e.raw_os_error() == Some(10024)
}

/// Per-connection socket options. Nagle stays on: TCP_NODELAY raised the CPU cost of 200 viewers by
/// ~80% for no gain, since each frame goes out in one large write anyway. TCP_USER_TIMEOUT makes
/// the kernel give up on a peer that acknowledges nothing for the stall timeout (a pulled cable),
/// alongside the write-progress deadline in [`super::http1`].
#[cfg(target_os = "linux")]
fn configure(stream: &TcpStream, stall: Duration) {
    use std::os::fd::AsRawFd;
    let fd = stream.as_raw_fd();
    let user_timeout = stall.as_millis().min(libc::c_int::MAX as u128) as libc::c_int;
    for (name, option, value) in [
        ("TCP_NOTSENT_LOWAT", libc::TCP_NOTSENT_LOWAT, NOTSENT_LOWAT),
        ("TCP_USER_TIMEOUT", libc::TCP_USER_TIMEOUT, user_timeout),
    ] {
        // SAFETY: `fd` is a live socket owned by `stream`; the option value is a c_int as the
        // kernel expects.
        let rc = unsafe {
            libc::setsockopt(
                fd,
                libc::IPPROTO_TCP,
                option,
                &value as *const libc::c_int as *const libc::c_void,
                std::mem::size_of::<libc::c_int>() as libc::socklen_t,
            )
        };
        if rc != 0 {
            log::debug!("{name}: {}", io::Error::last_os_error());
        }
    }
}

/// Elsewhere (Windows, macOS) the kernel's send buffer and retransmission limits are left as they
/// are: a slow viewer may see older video than on Linux, and a pulled cable is noticed by the
/// write-progress deadline alone — never a broken stream.
#[cfg(not(target_os = "linux"))]
fn configure(_stream: &TcpStream, _stall: Duration) {}
