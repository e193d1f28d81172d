//! The HTTP edge on raw sockets: keep-alive, pipelining, and clear errors for requests it refuses.

mod common;

use std::io::{BufReader, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use common::*;

fn connect(server: &TestServer) -> TcpStream {
    let s = TcpStream::connect(server.addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s
}

fn read_sized(
    r: &mut BufReader<TcpStream>,
) -> (u16, std::collections::HashMap<String, String>, Vec<u8>) {
    let (_, status, headers) = read_head(r).unwrap();
    let len: usize = headers
        .get("content-length")
        .map_or(0, |n| n.parse().unwrap());
    let mut body = vec![0; len];
    r.read_exact(&mut body).unwrap();
    (status, headers, body)
}

#[test]
fn keep_alive_and_pipelined_requests_are_answered_in_order() {
    let server = start(|_| {});
    let mut s = connect(&server);
    // Two requests in one write: the second must not be lost.
    s.write_all(b"GET /api/state HTTP/1.1\r\nHost: x\r\n\r\nGET /api/state?again HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    let mut r = BufReader::new(s.try_clone().unwrap());
    for _ in 0..2 {
        let (status, headers, body) = read_sized(&mut r);
        assert_eq!(status, 200);
        assert!(
            !headers.contains_key("connection"),
            "kept alive: {headers:?}"
        );
        let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(json["backend"], "mock");
    }
    // And a third on the same connection, later.
    s.write_all(b"GET /api/state HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let (status, headers, _) = read_sized(&mut r);
    assert_eq!(status, 200);
    assert_eq!(headers.get("connection").map(String::as_str), Some("close"));
}

#[test]
fn refused_requests_get_a_status_and_a_reason() {
    let server = start(|_| {});
    let cases: [(&[u8], u16); 4] = [
        (b"NONSENSE\r\n\r\n", 400),
        (b"GET http://elsewhere/ HTTP/1.1\r\nHost: x\r\n\r\n", 400),
        (
            b"POST /photos HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            411,
        ),
        (
            b"POST /photos HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999\r\n\r\n",
            413,
        ),
    ];
    for (req, want) in cases {
        let mut s = connect(&server);
        s.write_all(req).unwrap();
        let mut r = BufReader::new(s);
        let (status, _, body) = read_sized(&mut r);
        assert_eq!(status, want, "{}", String::from_utf8_lossy(req));
        assert!(!body.is_empty(), "a readable reason");
    }
    let mut s = connect(&server);
    let huge = format!("GET / HTTP/1.1\r\nX-Big: {}\r\n\r\n", "a".repeat(20_000));
    let _ = s.write_all(huge.as_bytes());
    let mut r = BufReader::new(s);
    assert_eq!(read_sized(&mut r).0, 431);
    assert!(
        server.pic.read_dir().map_or(0, |d| d.count()) == 0,
        "no refused POST took a photo"
    );
}

#[test]
fn not_modified_has_no_content_length() {
    let server = start(|_| {});
    let r = common::take_photo(server.addr);
    let json = r.json();
    let file = json["file"].as_str().unwrap();
    let first = request(server.addr, "GET", file, &[], b"");
    assert_eq!(first.status, 200);
    let etag = first.headers["etag"].clone();
    let again = request(server.addr, "GET", file, &[("If-None-Match", &etag)], b"");
    assert_eq!(again.status, 304);
    assert!(
        !again.headers.contains_key("content-length"),
        "{:?}",
        again.headers
    );
}

#[test]
fn a_strange_host_header_does_not_change_the_path() {
    let server = start(|_| {});
    for host in ["x/pic_list", "user@x", "x/../photos", ""] {
        let r = request(server.addr, "GET", "/api/state", &[("Host", host)], b"");
        assert_eq!(r.status, 200, "Host: {host}");
        let json: serde_json::Value = serde_json::from_slice(&r.body).expect("still /api/state");
        assert_eq!(json["backend"], "mock");
    }
}

/// Reads one response head from a raw socket and returns its `Date` header, checked to be an
/// IMF-fixdate near this machine's clock.
fn date_of(raw: &[u8], server: &TestServer) -> (u16, String) {
    let mut s = connect(server);
    s.write_all(raw).unwrap();
    let mut r = BufReader::new(s);
    let (_, status, headers) = read_head(&mut r).unwrap();
    let what = String::from_utf8_lossy(raw).into_owned();
    let date = headers
        .get("date")
        .unwrap_or_else(|| panic!("no Date on {status} for {what:?}: {headers:?}"))
        .clone();
    let parsed = httpdate::parse_http_date(&date).expect("an HTTP date");
    assert_eq!(
        httpdate::fmt_http_date(parsed),
        date,
        "IMF-fixdate, not another format"
    );
    let skew = match parsed.duration_since(std::time::SystemTime::now()) {
        Ok(ahead) => ahead,
        Err(behind) => behind.duration(),
    };
    assert!(
        skew < Duration::from_secs(3600),
        "{date} is the server's clock"
    );
    (status, date)
}

#[test]
fn every_response_carries_a_date() {
    let server = start(|_| {});
    let css = request(server.addr, "GET", "/theme/style.css", &[], b"");
    let etag = css.headers["etag"].clone();
    let not_modified =
        format!("GET /theme/style.css HTTP/1.1\r\nHost: x\r\nIf-None-Match: {etag}\r\n\r\n");
    let cases: [(&[u8], u16); 8] = [
        (b"GET /api/state HTTP/1.1\r\nHost: x\r\n\r\n", 200),
        (b"GET /api/state HTTP/1.0\r\n\r\n", 200),
        (b"HEAD /theme/style.css HTTP/1.1\r\nHost: x\r\n\r\n", 200),
        (not_modified.as_bytes(), 304),
        (b"GET /nothing-here HTTP/1.1\r\nHost: x\r\n\r\n", 404),
        (
            b"POST /photos HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n",
            411,
        ),
        (b"NONSENSE\r\n\r\n", 400),
        // A stream: the head goes out before the first frame, and carries the date too.
        (b"GET /stream HTTP/1.0\r\n\r\n", 200),
    ];
    for (raw, want) in cases {
        let (status, _) = date_of(raw, &server);
        assert_eq!(status, want, "{}", String::from_utf8_lossy(raw));
    }
    // Keep-alive: each response on one connection has its own Date.
    let mut s = connect(&server);
    s.write_all(b"GET /api/state HTTP/1.1\r\nHost: x\r\n\r\nGET /nope HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let mut r = BufReader::new(s);
    for want in [200, 404] {
        let (status, headers, _) = read_sized(&mut r);
        assert_eq!(status, want);
        assert!(headers.contains_key("date"), "{headers:?}");
    }
}
