//! Writing a response: status line and `Date`, headers, our own framing (`Content-Length` or
//! close-delimited), each write bounded by the stall timeout.

use std::io;
use std::time::Duration;

use async_std::net::TcpStream;
use futures_lite::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt};
use http_types::{Response, StatusCode, Version};

use crate::web::limits::within;

/// Bodies up to this size are written with their head in one write.
const SMALL_BODY: usize = 64 * 1024;

/// The writing half of a connection. Every write must make progress within the stall timeout:
/// a client whose socket accepts nothing that long (a viewer that stopped reading, a dead link)
/// loses its connection, and with it its stream.
pub(super) struct Out {
    pub(super) stream: TcpStream,
    pub(super) stall: Duration,
}

impl Out {
    pub(super) async fn send(&mut self, mut bytes: &[u8]) -> io::Result<()> {
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

/// Writes `response`. Returns whether the connection may serve another request.
pub(super) async fn write_response(
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

pub(super) async fn write_simple(
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
