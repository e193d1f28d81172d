//! What the soak's workers do, each step one random act: view a stream (and maybe cut it off
//! mid-frame), take and delete photos, edit and read pages, set a control, inject a camera fault;
//! and the tally of what they did.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering::SeqCst};
use std::time::Duration;

use serde_json::{json, Value};

/// Counters of what the load did.
#[derive(Default)]
pub struct Tally {
    pub viewers: AtomicU64,
    pub parts: AtomicU64,
    pub cut_mid_frame: AtomicU64,
    pub photos: AtomicU64,
    pub deletes: AtomicU64,
    pub page_edits: AtomicU64,
    pub page_reads: AtomicU64,
    pub control_sets: AtomicU64,
    pub faults: AtomicU64,
}

/// A small xorshift generator: every worker its own seed, no dependency.
pub struct Rng(pub u64);

impl Rng {
    pub fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

pub const STREAMS: &[&str] = &[
    "/stream",
    "/stream?width=160",
    "/stream?width=320&quality=40",
    "/stream?scale=50",
    "/stream?fps=5",
    "/stream?width=160&fps=2",
];

/// A viewer that joins, reads a few frames (checking each part's framing and JPEG markers), and
/// leaves — politely, or by dropping the connection in the middle of a frame.
pub fn viewer(s: &crate::common::TestServer, rng: &mut Rng, tally: &Tally) {
    let path = STREAMS[rng.below(STREAMS.len() as u64) as usize];
    if rng.below(4) == 0 {
        // Cut off mid-frame: read the head and part of the first frame, then vanish.
        let mut sock = TcpStream::connect(s.addr).expect("connect");
        sock.set_read_timeout(Some(Duration::from_secs(20)))
            .unwrap();
        write!(sock, "GET {path} HTTP/1.1\r\nHost: {}\r\n\r\n", s.addr).unwrap();
        let mut buf = vec![0u8; 600 + rng.below(4000) as usize];
        let _ = sock.read_exact(&mut buf);
        tally.cut_mid_frame.fetch_add(1, SeqCst);
        return;
    }
    let mut client = crate::common::MjpegClient::open(s.addr, path, rng.below(8) == 0);
    tally.viewers.fetch_add(1, SeqCst);
    for _ in 0..1 + rng.below(12) {
        match client.next_part() {
            Ok(part) => {
                assert_eq!(
                    &part.jpeg[..2],
                    b"\xff\xd8",
                    "{path}: a part starts with SOI"
                );
                assert_eq!(
                    &part.jpeg[part.jpeg.len() - 2..],
                    b"\xff\xd9",
                    "{path}: ends with EOI"
                );
                tally.parts.fetch_add(1, SeqCst);
            }
            // A stream ended by the server (it never does while serving) is a failure.
            Err(e) => panic!("{path}: the stream broke: {e}"),
        }
    }
}

/// Takes a photo; deletes every other one through the gallery route.
pub fn photographer(s: &crate::common::TestServer, rng: &mut Rng, tally: &Tally) {
    let r = crate::common::request(
        s.addr,
        "POST",
        "/photos",
        &[("Accept", "application/json"), ("Origin", &s.url(""))],
        b"",
    );
    match r.status {
        201 => {
            tally.photos.fetch_add(1, SeqCst);
            let reply: Value = serde_json::from_slice(&r.body).expect("JSON");
            let name = reply["name"].as_str().expect("a name").to_string();
            if rng.below(2) == 0 {
                let r = crate::common::request(
                    s.addr,
                    "POST",
                    &format!("/photos/{name}/delete"),
                    &[("Accept", "application/json"), ("Origin", &s.url(""))],
                    b"",
                );
                assert!(r.status < 400, "delete {name}: {}", r.status_line);
                tally.deletes.fetch_add(1, SeqCst);
            }
        }
        // The camera is down (a fault being injected): the photo is refused, in words.
        503 => {}
        other => panic!("POST /photos: {other} {}", String::from_utf8_lossy(&r.body)),
    }
}

/// Rewrites a page and reads pages back; the watcher swaps the site in, so a read shows some edit.
pub fn editor(s: &crate::common::TestServer, content: &Path, rng: &mut Rng, tally: &Tally, n: u64) {
    let page = rng.below(3);
    let path = content.join(format!("soak{page}.md"));
    let tmp = content.join(format!(".soak{page}.tmp"));
    std::fs::write(&tmp, format!("# Soak page {page}\n\nEdit number {n}.\n")).unwrap();
    std::fs::rename(&tmp, &path).unwrap();
    tally.page_edits.fetch_add(1, SeqCst);
    let r = crate::common::request(s.addr, "GET", &format!("/pages/soak{page}"), &[], b"");
    // Before the watcher saw the first version the page does not exist yet.
    if r.status == 200 {
        let body = String::from_utf8_lossy(&r.body);
        assert!(body.contains("Edit number"), "a rendered edit: {body}");
        tally.page_reads.fetch_add(1, SeqCst);
    } else {
        assert_eq!(r.status, 404, "{}", r.status_line);
    }
}

pub fn control_setter(s: &crate::common::TestServer, rng: &mut Rng, tally: &Tally) {
    let body = json!({ "name": "brightness", "value": rng.below(129) as i64 - 64 }).to_string();
    let r = crate::common::request(
        s.addr,
        "POST",
        "/api/controls",
        &[("Content-Type", "application/json"), ("Origin", &s.url(""))],
        body.as_bytes(),
    );
    // 503: the camera is down (a fault being injected), said in words.
    assert!(
        r.status == 200 || r.status == 503,
        "{} {}",
        r.status_line,
        String::from_utf8_lossy(&r.body)
    );
    tally.control_sets.fetch_add(1, SeqCst);
}

/// One fault after another; after each, the camera must deliver again (the server healed it)
/// before the next.
pub fn saboteur(s: &crate::common::TestServer, round: u64, tally: &Tally) {
    let c = &s.control;
    let before = c.frames_delivered();
    match round % 5 {
        0 => {
            c.fail_every(7);
            std::thread::sleep(Duration::from_millis(400));
            c.fail_every(0);
        }
        1 => c.stall(Duration::from_millis(1500)),
        2 => c.panic_next(),
        3 => {
            c.vanish();
            std::thread::sleep(Duration::from_millis(600));
            c.reappear();
        }
        _ => c.hang(Duration::from_secs(3)),
    }
    tally.faults.fetch_add(1, SeqCst);
    // Viewers keep the camera wanted; without one (between viewers) it may rest closed.
    let healed = c.wait_until(
        |c| c.frames_delivered() > before + 20,
        Duration::from_secs(30),
    );
    assert!(
        healed || !c.is_open(),
        "the camera did not come back after fault {round}"
    );
}
