//! HTTP/1.0 and HTTP/1.1 on one connection: parse a request head (httparse), let tide's router answer
//! it (`Server::respond`), write the response ourselves.
//!
//! Why not async-h1: it closes HTTP/1.0 connections without a byte (the original pystream was tested by
//! typing `GET /video_feed HTTP/1.0` by hand) and writes bodies of unknown length as 8 KiB chunks. Here a
//! body of known length gets `Content-Length`; a body of unknown length (MJPEG, SSE) is close-delimited
//! — valid in both HTTP versions and readable by every client — and each slice its reader yields
//! (one whole frame for MJPEG) goes out in one write, straight away.

//!
//! Every request passes [`super::gate`] before a route sees it, and every read and write is bounded
//! by [`super::limits`]: head size and time (431, 408), body size and time (413, 408), idle
//! keep-alive, and a write-progress deadline that drops a client whose socket accepts nothing.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use async_std::net::TcpStream;
use futures_lite::{future, AsyncBufReadExt, AsyncReadExt, AsyncWriteExt};
use http_types::{Method, Request, Response, StatusCode, Url, Version};

use super::errors;
use super::gate::Refusal;
use super::limits::{within, Limits, ThinLog};
use super::listener::Shutdown;
use super::Edge;

/// Bodies up to this size are written with their head in one write.
const SMALL_BODY: usize = 64 * 1024;

static HEAD_LIMITS_LOG: ThinLog = ThinLog::new();
static BODY_LIMITS_LOG: ThinLog = ThinLog::new();
static STALL_LOG: ThinLog = ThinLog::new();

/// A request head that could not be read.
enum HeadError {
    /// The peer closed, shutdown began, or the keep-alive timeout passed: close quietly.
    Gone,
    Reject(StatusCode, &'static str),
}

/// Bytes read from the socket but not used yet: the rest of a head, a body, a pipelined request.
struct Incoming {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl Incoming {
    /// Reads more from the socket into `buf`; false at end of stream.
    async fn fill(&mut self) -> io::Result<bool> {
        let mut chunk = [0u8; 4096];
        let n = self.stream.read(&mut chunk).await?;
        self.buf.extend_from_slice(&chunk[..n]);
        Ok(n > 0)
    }

    /// Takes exactly `n` bytes (a request body).
    async fn take(&mut self, n: usize) -> io::Result<Vec<u8>> {
        while self.buf.len() < n {
            if !self.fill().await? {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
        }
        let rest = self.buf.split_off(n);
        Ok(std::mem::replace(&mut self.buf, rest))
    }

    /// Reads up to the blank line that ends a request head and returns the head. Waits `idle` for
    /// its first byte (then closes quietly: an idle keep-alive connection); from there the whole
    /// head must come within the head timeout (else 408: a client trickling bytes to hold us).
    async fn head(
        &mut self,
        shutdown: &Shutdown,
        limits: &Limits,
        idle: Duration,
    ) -> Result<Vec<u8>, HeadError> {
        if self.buf.is_empty() {
            // Shutdown closes idle keep-alive connections, but never cuts a request being read.
            let first = async {
                match self.fill().await {
                    Ok(true) => Ok(()),
                    Ok(false) | Err(_) => Err(HeadError::Gone),
                }
            };
            future::or(first, async {
                future::or(
                    async {
                        async_io::Timer::after(idle).await;
                    },
                    shutdown.stopped(),
                )
                .await;
                Err(HeadError::Gone)
            })
            .await?;
        }
        let max_head = limits.max_head;
        let read = async {
            let mut searched = 0;
            loop {
                let end = find_head_end(&self.buf[searched..]).map(|e| searched + e);
                if end.unwrap_or(self.buf.len()) > max_head {
                    return Err(HeadError::Reject(
                        StatusCode::RequestHeaderFieldsTooLarge,
                        "request head too large\n",
                    ));
                }
                if let Some(end) = end {
                    let rest = self.buf.split_off(end);
                    return Ok(std::mem::replace(&mut self.buf, rest));
                }
                searched = self.buf.len().saturating_sub(3);
                match self.fill().await {
                    Ok(true) => {}
                    Ok(false) | Err(_) => return Err(HeadError::Gone),
                }
            }
        };
        future::or(read, async {
            async_io::Timer::after(limits.head_timeout).await;
            Err(HeadError::Reject(
                StatusCode::RequestTimeout,
                "request head not received in time\n",
            ))
        })
        .await
    }
}

/// Serves requests on one connection until it closes.
pub async fn serve(
    stream: TcpStream,
    peer: SocketAddr,
    edge: &Edge,
    shutdown: &Shutdown,
) -> io::Result<()> {
    let result = serve_requests(stream, peer, edge, shutdown).await;
    if let Err(e) = &result {
        if e.kind() == io::ErrorKind::TimedOut {
            STALL_LOG.info(|| {
                format!(
                    "client {peer} accepted nothing for {:?}: connection dropped",
                    edge.limits.stall
                )
            });
        }
    }
    result
}

async fn serve_requests(
    stream: TcpStream,
    peer: SocketAddr,
    edge: &Edge,
    shutdown: &Shutdown,
) -> io::Result<()> {
    let limits = &edge.limits;
    let local = stream.local_addr()?;
    let mut writer = Out {
        stream: stream.clone(),
        stall: limits.stall,
    };
    let mut incoming = Incoming {
        stream,
        buf: Vec::new(),
    };
    // The first request may take the head timeout to start; later ones the keep-alive timeout.
    let mut idle = limits.head_timeout;
    loop {
        let head = match incoming.head(shutdown, limits, idle).await {
            Ok(head) => head,
            Err(HeadError::Gone) => return Ok(()),
            Err(HeadError::Reject(status, why)) => {
                HEAD_LIMITS_LOG.info(|| format!("{} to {peer}: {}", status as u16, why.trim()));
                return write_simple(&mut writer, Version::Http1_1, status, why).await;
            }
        };
        idle = limits.keep_alive;
        let Parsed {
            mut request,
            body_len,
            expect_continue,
            keep_alive,
        } = match parse(&head, peer, local) {
            Ok(p) => p,
            Err(Rejected {
                status,
                text,
                allow: None,
            }) => return write_simple(&mut writer, Version::Http1_1, status, text).await,
            Err(Rejected {
                status,
                text,
                allow: Some(allow),
            }) => {
                let mut res = Response::new(status);
                res.insert_header("Allow", allow);
                res.set_body(text);
                res.set_content_type(http_types::mime::PLAIN);
                write_response(&mut writer, Version::Http1_1, res, false, false).await?;
                return Ok(());
            }
        };
        let version = request.version().unwrap_or(Version::Http1_1);
        if body_len > limits.max_body {
            BODY_LIMITS_LOG.info(|| format!("413 to {peer}: a body of {body_len} bytes"));
            return write_simple(
                &mut writer,
                version,
                StatusCode::PayloadTooLarge,
                "request body too large\n",
            )
            .await;
        }
        // Refused before its body is read: a stranger cannot make us buffer anything.
        if let Some(refusal) = edge.gate.admit(&request, peer.ip()).await {
            let refusal = match refusal {
                Refusal::Answer(res) => *res,
                Refusal::Error(e) => errors::render(
                    &e,
                    errors::Wants::of(&request),
                    &edge.server.state().site.site(),
                )
                .into(),
            };
            let head_only = request.method() == Method::Head;
            let keep_alive = keep_alive && body_len == 0 && !shutdown.is_stopping();
            if write_response(&mut writer, version, refusal, head_only, keep_alive).await? {
                continue;
            }
            return Ok(());
        }
        if body_len > 0 {
            let body_len = body_len as usize; // at most max_body
            if expect_continue && incoming.buf.len() < body_len {
                writer.send(b"HTTP/1.1 100 Continue\r\n\r\n").await?;
            }
            match within(limits.body_timeout, incoming.take(body_len)).await {
                Ok(body) => request.set_body(body),
                Err(e) if e.kind() == io::ErrorKind::TimedOut => {
                    BODY_LIMITS_LOG.info(|| format!("408 to {peer}: body not received in time"));
                    return write_simple(
                        &mut writer,
                        version,
                        StatusCode::RequestTimeout,
                        "request body not received in time\n",
                    )
                    .await;
                }
                Err(e) => return Err(e),
            }
        }
        let head_only = request.method() == Method::Head;
        let cors = edge.gate.origins.cors_headers(&request);
        let mut response: Response = match edge.server.respond(request).await {
            Ok(r) => r,
            Err(e) => {
                log::error!("handler error: {e}");
                return write_simple(
                    &mut writer,
                    version,
                    StatusCode::InternalServerError,
                    "internal error\n",
                )
                .await;
            }
        };
        for (name, value) in cors.into_iter().flatten() {
            response.insert_header(name, value);
        }
        let keep_alive = keep_alive && !shutdown.is_stopping();
        if !write_response(&mut writer, version, response, head_only, keep_alive).await? {
            return Ok(());
        }
    }
}

/// The writing half of a connection. Every write must make progress within the stall timeout:
/// a client whose socket accepts nothing that long (a viewer that stopped reading, a dead link)
/// loses its connection, and with it its stream.
struct Out {
    stream: TcpStream,
    stall: Duration,
}

impl Out {
    async fn send(&mut self, mut bytes: &[u8]) -> io::Result<()> {
        while !bytes.is_empty() {
            let n = within(self.stall, self.stream.write(bytes)).await?;
            if n == 0 {
                return Err(io::ErrorKind::WriteZero.into());
            }
            bytes = &bytes[n..];
        }
        Ok(())
    }
}

fn find_head_end(bytes: &[u8]) -> Option<usize> {
    bytes
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|p| p + 4)
}

struct Parsed {
    request: Request,
    body_len: u64,
    expect_continue: bool,
    keep_alive: bool,
}

/// A request refused before routing: its status, the text, and for a 405 the `Allow` value.
struct Rejected {
    status: StatusCode,
    text: &'static str,
    allow: Option<&'static str>,
}

impl Rejected {
    fn plain(status: StatusCode, text: &'static str) -> Rejected {
        Rejected {
            status,
            text,
            allow: None,
        }
    }
}

fn parse(head: &[u8], peer: SocketAddr, local: SocketAddr) -> Result<Parsed, Rejected> {
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut req = httparse::Request::new(&mut headers);
    match req.parse(head) {
        Ok(httparse::Status::Complete(_)) => {}
        Ok(httparse::Status::Partial) | Err(_) => {
            return Err(Rejected::plain(
                StatusCode::BadRequest,
                "malformed request\n",
            ))
        }
    }
    let version = match req.version {
        Some(0) => Version::Http1_0,
        _ => Version::Http1_1,
    };
    // A method we do not know is one no route has: 405 with the methods this path takes.
    let method: Method = req.method.unwrap_or("").parse().map_err(|_| Rejected {
        status: StatusCode::MethodNotAllowed,
        text: "method not allowed\n",
        allow: Some(super::allow::methods_for(req.path.unwrap_or("/"))),
    })?;
    let path = req.path.unwrap_or("/");
    if !path.starts_with('/') {
        return Err(Rejected::plain(
            StatusCode::BadRequest,
            "request target must be a path\n",
        ));
    }
    let host = req
        .headers
        .iter()
        .find(|h| h.name.eq_ignore_ascii_case("host"))
        .and_then(|h| std::str::from_utf8(h.value).ok())
        // Only host-name characters: a `/` or `@` here would change the path the router sees.
        .filter(|h| {
            !h.is_empty()
                && h.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b".-:[]_".contains(&b))
        })
        .map(str::to_string)
        .unwrap_or_else(|| local.to_string());
    let url = Url::parse(&format!("http://{host}{path}"))
        .or_else(|_| Url::parse(&format!("http://{local}{path}")))
        .map_err(|_| Rejected::plain(StatusCode::BadRequest, "bad request target\n"))?;
    let mut request = Request::new(method, url);
    request.set_version(Some(version));
    request.set_peer_addr(Some(peer));
    request.set_local_addr(Some(local));
    let mut body_len: u64 = 0;
    let mut expect_continue = false;
    let mut connection_close = false;
    for h in req.headers.iter() {
        let Ok(value) = std::str::from_utf8(h.value) else {
            continue;
        };
        let name = h.name.to_ascii_lowercase();
        match name.as_str() {
            "content-length" => {
                body_len = value
                    .trim()
                    .parse()
                    .map_err(|_| Rejected::plain(StatusCode::BadRequest, "bad Content-Length\n"))?
            }
            "transfer-encoding" => {
                return Err(Rejected::plain(
                    StatusCode::LengthRequired,
                    "chunked request bodies are not accepted: send Content-Length\n",
                ))
            }
            "expect" => expect_continue = value.eq_ignore_ascii_case("100-continue"),
            "connection" => {
                let v = value.to_ascii_lowercase();
                connection_close |= v.contains("close");
            }
            _ => {}
        }
        if value.is_ascii() {
            request.append_header(name.as_str(), value);
        }
    }
    // HTTP/1.1 keeps the connection unless told otherwise; for HTTP/1.0 we always close (a hand-typed
    // request expects the server to hang up when done, as the original did).
    let keep_alive = version == Version::Http1_1 && !connection_close;
    Ok(Parsed {
        request,
        body_len,
        expect_continue,
        keep_alive,
    })
}

/// Writes `response`. Returns whether the connection may serve another request.
async fn write_response(
    writer: &mut Out,
    version: Version,
    mut response: Response,
    head_only: bool,
    keep_alive: bool,
) -> io::Result<bool> {
    let mut body = response.take_body();
    // 1xx, 204 and 304 have no body, and no Content-Length that would contradict the resource's.
    let status = response.status() as u16;
    let bodiless = status < 200 || status == 204 || status == 304;
    let len = if bodiless { Some(0) } else { body.len() };
    let keep_alive = keep_alive && len.is_some();
    let mut head = status_line(version, response.status());
    for (name, values) in response.iter() {
        let name = name.as_str();
        // Framing is ours to say, and so is the clock (`Date` comes with the status line).
        if ["content-length", "transfer-encoding", "connection", "date"].contains(&name) {
            continue;
        }
        for v in values.iter() {
            head.push_str(&format!("{name}: {v}\r\n"));
        }
    }
    if response.header("content-type").is_none() && len != Some(0) {
        head.push_str(&format!("content-type: {}\r\n", body.mime()));
    }
    if let Some(len) = len.filter(|_| !bodiless) {
        head.push_str(&format!("content-length: {len}\r\n"));
    }
    head.push_str(if keep_alive {
        ""
    } else {
        "connection: close\r\n"
    });
    head.push_str("\r\n");
    let mut out = head.into_bytes();
    match len {
        _ if head_only || bodiless => writer.send(&out).await?,
        Some(n) if n <= SMALL_BODY => {
            body.read_to_end(&mut out).await?;
            writer.send(&out).await?;
        }
        _ => {
            writer.send(&out).await?;
            loop {
                let chunk = body.fill_buf().await?;
                if chunk.is_empty() {
                    break;
                }
                writer.send(chunk).await?;
                let n = chunk.len();
                body.consume(n);
            }
        }
    }
    Ok(keep_alive)
}

/// The status line and the `Date` header, which starts every response we write — streams, errors
/// and 304s included: RFC 9110 §6.6.1 asks it of an origin server with a clock (IMF-fixdate).
fn status_line(version: Version, status: StatusCode) -> String {
    let v = if version == Version::Http1_0 {
        "HTTP/1.0"
    } else {
        "HTTP/1.1"
    };
    format!(
        "{v} {} {}\r\ndate: {}\r\n",
        status as u16,
        status.canonical_reason(),
        httpdate::fmt_http_date(std::time::SystemTime::now())
    )
}

async fn write_simple(
    writer: &mut Out,
    version: Version,
    status: StatusCode,
    text: &str,
) -> io::Result<()> {
    let head = status_line(version, status);
    let msg = format!(
        "{head}content-type: text/plain; charset=utf-8\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{text}",
        text.len()
    );
    writer.send(msg.as_bytes()).await
}
