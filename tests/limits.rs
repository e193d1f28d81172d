//! The HTTP edge's limits on raw sockets: every way a client could hold a connection or the server
//! gets its own status (408, 413, 431, 429, 503) or a close, never a hang. Timeouts are set to a
//! second here so the tests are quick; the client side waits up to 20 s, so a server that does not
//! enforce a limit fails the test instead of passing by luck.

mod common;

use std::io::{BufReader, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::*;

fn connect(server: &TestServer) -> TcpStream {
    let s = TcpStream::connect(server.addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    s
}

fn status_of(s: TcpStream) -> u16 {
    let mut r = BufReader::new(s);
    read_head(&mut r).expect("a response").1
}

#[test]
fn a_body_that_never_comes_gets_408() {
    let server = start(|c| c.body_timeout = 1.0);
    let mut s = connect(&server);
    // The attack from the issue: announce 10 bytes, send none.
    s.write_all(b"POST /photos HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n")
        .unwrap();
    assert_eq!(status_of(s), 408);
    assert!(std::fs::read_dir(&server.pic).map_or(true, |mut d| d.next().is_none()));
}

#[test]
fn a_head_that_never_ends_gets_408() {
    let server = start(|c| c.head_timeout = 1.0);
    let mut s = connect(&server);
    s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n").unwrap();
    assert_eq!(status_of(s), 408);
}

#[test]
fn idle_keep_alive_connections_are_closed() {
    let server = start(|c| c.keep_alive_timeout = 1.0);
    let mut s = connect(&server);
    s.write_all(b"GET /api/state HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let mut r = BufReader::new(s);
    let (_, status, headers) = read_head(&mut r).unwrap();
    assert_eq!(status, 200);
    let mut body = vec![0; headers["content-length"].parse().unwrap()];
    r.read_exact(&mut body).unwrap();
    // Then nothing: the server hangs up (read returns 0) rather than waiting for ever.
    let mut rest = Vec::new();
    r.read_to_end(&mut rest)
        .expect("closed by the server, not timed out");
    assert!(rest.is_empty());
}

#[test]
fn sizes_beyond_the_flags_are_refused() {
    let server = start(|c| {
        c.max_head_bytes = 2048;
        c.max_body_bytes = 100;
    });
    let mut s = connect(&server);
    let long = "a".repeat(3000);
    s.write_all(format!("GET / HTTP/1.1\r\nHost: x\r\nX-Long: {long}\r\n\r\n").as_bytes())
        .unwrap();
    assert_eq!(status_of(s), 431);
    let r = request(server.addr, "POST", "/photos", &[], &[b'x'; 101]);
    assert_eq!(r.status, 413);
    let r = request(server.addr, "POST", "/photos", &[], &[b'x'; 100]);
    assert_eq!(r.status, 303, "at the limit is fine");
}

#[test]
fn viewers_past_the_limit_get_503_with_retry_after() {
    let server = start(|c| c.max_viewers = 2);
    let mut a = MjpegClient::open(server.addr, "/stream", false);
    let _b = MjpegClient::open(server.addr, "/video_feed?width=160", false);
    a.next_part().unwrap();
    let r = request(server.addr, "GET", "/stream", &[], b"");
    assert_eq!(r.status, 503);
    assert!(r.headers.contains_key("retry-after"));
    // Pages and snapshots are not viewers.
    assert_eq!(
        request(server.addr, "GET", "/snapshot.jpg", &[], b"").status,
        200
    );
    drop(a);
    // The place is freed when the server notices the viewer left (its next frame write fails).
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let s = connect(&server);
        let mut w = s.try_clone().unwrap();
        w.write_all(b"GET /stream HTTP/1.1\r\nHost: x\r\n\r\n")
            .unwrap();
        match status_of(s) {
            200 => break,
            503 if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(50)),
            other => panic!("a freed place was not given again: {other}"),
        }
    }
}

#[test]
fn connections_per_client_are_limited() {
    let server = start(|c| c.max_connections_per_client = 3);
    let held: Vec<TcpStream> = (0..3).map(|_| connect(&server)).collect();
    // The held ones are counted once accepted: wait until a 4th is refused.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let mut s = connect(&server);
        s.write_all(b"GET /api/state HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .unwrap();
        match status_of(s) {
            429 => break,
            200 if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(50)),
            other => panic!("a 4th connection was not refused: {other}"),
        }
    }
    drop(held);
    let deadline = Instant::now() + Duration::from_secs(20);
    while request(server.addr, "GET", "/api/state", &[], b"").status != 200 {
        assert!(
            Instant::now() < deadline,
            "freed connections are not given again"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A viewer whose socket accepts nothing (it stopped reading; its buffers are full) is dropped
/// after the stall timeout instead of holding its connection and its place for ever.
#[test]
fn a_viewer_that_stops_reading_is_dropped() {
    let server = start(|c| {
        c.stall_timeout = 1.0;
        c.width = 640;
        c.height = 480;
        c.quality = 95;
    });
    // A small receive buffer fills after a few frames.
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    socket.connect(&server.addr.into()).unwrap();
    let mut s: TcpStream = socket.into();
    s.write_all(b"GET /stream HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let state = server.wait_state(Duration::from_secs(20), |s| s["viewers"] == 1);
    assert_eq!(state["viewers"], 1);
    // Never read. The server must give up on it by itself.
    let state = server.wait_state(Duration::from_secs(30), |s| s["viewers"] == 0);
    assert_eq!(state["viewers"], 0, "the stalled viewer is still served");
    drop(s);
}
