//! Reading a request: the head (up to its blank line, bounded in size and time), its parse into an
//! http-types request (httparse), and a body of announced length.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use async_std::net::TcpStream;
use futures_lite::{future, AsyncReadExt};
use http_types::{Method, Request, StatusCode, Url, Version};

use crate::web::limits::Limits;
use crate::web::shutdown::Shutdown;

/// A request head that could not be read.
pub(super) enum HeadError {
    /// The peer closed, shutdown began, or the keep-alive timeout passed: close quietly.
    Gone,
    Reject(StatusCode, &'static str),
}

/// Bytes read from the socket but not used yet: the rest of a head, a body, a pipelined request.
pub(super) struct Incoming {
    pub(super) stream: TcpStream,
    pub(super) buf: Vec<u8>,
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
    pub(super) async fn take(&mut self, n: usize) -> io::Result<Vec<u8>> {
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
    pub(super) async fn head(
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

pub(super) fn find_head_end(bytes: &[u8]) -> Option<usize> {
    bytes
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|p| p + 4)
}

pub(super) struct Parsed {
    pub(super) request: Request,
    pub(super) body_len: u64,
    pub(super) expect_continue: bool,
    pub(super) keep_alive: bool,
}

/// A request refused before routing: its status, the text, and for a 405 the `Allow` value.
pub(super) struct Rejected {
    pub(super) status: StatusCode,
    pub(super) text: &'static str,
    pub(super) allow: Option<&'static str>,
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

pub(super) fn parse(head: &[u8], peer: SocketAddr, local: SocketAddr) -> Result<Parsed, Rejected> {
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
        allow: Some(crate::web::allow::methods_for(crate::urls::strip_base(
            req.path.unwrap_or("/"),
        ))),
    })?;
    let path = req.path.unwrap_or("/");
    if !path.starts_with('/') {
        return Err(Rejected::plain(
            StatusCode::BadRequest,
            "request target must be a path\n",
        ));
    }
    // Under --base-path the routes (and the gate) see the path without it.
    let path = crate::urls::strip_base(path);
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
