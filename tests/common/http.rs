//! A strict little HTTP/1.1 client for tests: one request per connection, written by hand on a raw
//! socket (the strictest client there is), the reply read whole; and the head reader the MJPEG and
//! SSE readers share.

use std::collections::HashMap;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// A complete response read from a connection the server closes or sizes.
pub struct Reply {
    pub status: u16,
    pub status_line: String,
    pub headers: HashMap<String, String>,
    pub body: Vec<u8>,
}

impl Reply {
    /// The body as JSON; panics, showing the status line and the body, when it is not.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            let body = String::from_utf8_lossy(&self.body);
            panic!("{e}: {}: {body}", self.status_line);
        })
    }
}

/// An `Authorization` header value for HTTP Basic with `user` and `password`.
pub fn basic(user: &str, password: &str) -> String {
    use base64::Engine;
    let token = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
    format!("Basic {token}")
}

/// `POST /photos` as a script sends it (`Accept: application/json`): the server takes a photo and
/// answers 201 with its name and file, or an error.
pub fn take_photo(addr: SocketAddr) -> Reply {
    request(
        addr,
        "POST",
        "/photos",
        &[("Accept", "application/json")],
        b"",
    )
}

/// One HTTP/1.1 request with `Connection: close`; reads the whole reply.
pub fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Reply {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let mut req = format!("{method} {path} HTTP/1.1\r\nConnection: close\r\n");
    if !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("host")) {
        req.push_str(&format!("Host: {addr}\r\n"));
    }
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    if !body.is_empty() || method == "POST" {
        req.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).unwrap();
    s.write_all(body).unwrap();
    let mut r = BufReader::new(s);
    let (status_line, status, headers) = read_head(&mut r).expect("response head");
    let mut body = Vec::new();
    if method != "HEAD" {
        match headers.get("content-length") {
            Some(n) => {
                body.resize(n.parse().unwrap(), 0);
                r.read_exact(&mut body).unwrap();
            }
            None => {
                r.read_to_end(&mut body).unwrap();
            }
        }
    }
    Reply {
        status,
        status_line,
        headers,
        body,
    }
}

/// Reads a response or part head: the first line and the headers (names lowercased).
pub fn read_head(r: &mut impl BufRead) -> io::Result<(String, u16, HashMap<String, String>)> {
    let mut first = String::new();
    if r.read_line(&mut first)? == 0 {
        return Err(io::ErrorKind::UnexpectedEof.into());
    }
    let status = first
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let headers = read_headers(r)?;
    Ok((first.trim_end().to_string(), status, headers))
}

pub(crate) fn read_headers(r: &mut impl BufRead) -> io::Result<HashMap<String, String>> {
    let mut headers = HashMap::new();
    loop {
        let mut line = String::new();
        if r.read_line(&mut line)? == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        let line = line.trim_end();
        if line.is_empty() {
            return Ok(headers);
        }
        let (k, v) = line.split_once(':').expect("header line");
        headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
    }
}
