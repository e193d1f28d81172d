//! Server-Sent Events for tests: open a stream the way a page's `EventSource` does and read it up to
//! a line. One copy for every test that waits on `/events` or a job's event stream: a stream is
//! open (its subscription exists) once its `: connected` greeting has arrived, so nothing published
//! after `open` returns can be missed.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// Opens the event stream at `path` (`Accept: text/event-stream`), checks it answers 200 and reads
/// up to its greeting; returns the stream and the response's headers (names lowercased).
pub fn open(addr: SocketAddr, path: &str) -> (BufReader<TcpStream>, HashMap<String, String>) {
    let mut sock = TcpStream::connect(addr).unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    write!(
        sock,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nAccept: text/event-stream\r\n\r\n"
    )
    .unwrap();
    let mut r = BufReader::new(sock);
    let (_, status, headers) = super::read_head(&mut r).unwrap();
    assert_eq!(status, 200, "{path}");
    read_until(&mut r, ": connected");
    (r, headers)
}

/// Reads lines until one contains `wanted`; panics if the stream ends first.
pub fn read_until(r: &mut impl BufRead, wanted: &str) {
    let mut line = String::new();
    while !line.contains(wanted) {
        line.clear();
        assert!(
            r.read_line(&mut line).unwrap() > 0,
            "stream ended before {wanted:?}"
        );
    }
}
