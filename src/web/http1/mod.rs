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
//!
//! Here: the connection loop. Reading and parsing a request is `request.rs`, writing a response
//! `response.rs`.

mod request;
mod response;

use std::io;
use std::net::SocketAddr;

use async_std::net::TcpStream;
use http_types::{Method, Response, StatusCode, Version};

use super::errors;
use super::gate::Refusal;
use super::limits::{within, ThinLog};
use super::shutdown::Shutdown;
use super::Edge;
use request::{parse, HeadError, Incoming, Parsed, Rejected};
use response::{write_response, write_simple, Out};

static HEAD_LIMITS_LOG: ThinLog = ThinLog::new();
static BODY_LIMITS_LOG: ThinLog = ThinLog::new();
static STALL_LOG: ThinLog = ThinLog::new();

/// Parses `bytes` as one request head the way the connection loop does, for the fuzz targets:
/// `Err` carries the status it would be refused with (0: no complete head).
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub fn fuzz_parse_head(bytes: &[u8]) -> Result<(), u16> {
    let end = request::find_head_end(bytes).ok_or(0u16)?;
    let addr = SocketAddr::from(([127, 0, 0, 1], 8080));
    parse(&bytes[..end], addr, addr)
        .map(|_| ())
        .map_err(|r| r.status as u16)
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
