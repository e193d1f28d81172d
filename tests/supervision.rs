//! Supervision of the capture stage: a camera backend that panics, or hangs in a blocking call,
//! costs viewers a NO SIGNAL frame and a moment, never the stream. Each test watches a real viewer
//! over a socket through the fault and back.

mod common;

use std::time::Duration;

use common::{decode, request, start, MjpegClient};

/// Reads parts until `want(no_signal)` holds, at most `max` parts; the part's JPEG must decode.
fn read_until(c: &mut MjpegClient, max: usize, want: impl Fn(bool) -> bool) -> bool {
    for _ in 0..max {
        let p = c.next_part().expect("the stream goes on");
        decode(&p.jpeg);
        if want(p.no_signal()) {
            return true;
        }
    }
    false
}

#[test]
fn a_panicking_camera_shows_no_signal_and_capture_restarts() {
    let server = start(|_| {});
    let mut c = MjpegClient::open(server.addr, "/stream", false);
    assert!(!c.next_part().unwrap().no_signal());
    let opens = server.control.opens();
    server.control.panic_next();
    assert!(
        read_until(&mut c, 400, |no_signal| no_signal),
        "viewers see NO SIGNAL after the panic"
    );
    assert_eq!(server.state()["capture_restarts"], 1);
    assert!(
        read_until(&mut c, 400, |no_signal| !no_signal),
        "live video comes back on the same connection"
    );
    assert!(server.control.opens() > opens, "a fresh camera was opened");
    // And new requests are served: the capture did not stay "running" without a thread.
    let r = request(server.addr, "GET", "/snapshot.jpg", &[], b"");
    assert_eq!(r.status, 200);
}

#[test]
fn panics_again_and_again_keep_the_server_serving() {
    let server = start(|_| {});
    let mut c = MjpegClient::open(server.addr, "/stream", false);
    for _ in 0..3 {
        server.control.panic_next();
        assert!(read_until(&mut c, 400, |no_signal| no_signal));
        assert!(read_until(&mut c, 400, |no_signal| !no_signal));
    }
    assert_eq!(server.state()["capture_restarts"], 3);
    drop(c);
    // Once nobody watches, capture ends as usual, and starts again on demand.
    let r = request(server.addr, "GET", "/snapshot.jpg", &[], b"");
    assert_eq!(r.status, 200);
}

#[test]
fn a_camera_hung_in_a_blocking_call_is_given_up_and_reopened() {
    let server = start(|c| c.hang_timeout = 1.0);
    let mut c = MjpegClient::open(server.addr, "/stream", false);
    assert!(!c.next_part().unwrap().no_signal());
    let opens = server.control.opens();
    // Far longer than the test: only the watchdog can end it.
    server.control.hang(Duration::from_secs(120));
    assert!(
        read_until(&mut c, 400, |no_signal| no_signal),
        "viewers see NO SIGNAL once the hang is noticed"
    );
    assert_eq!(server.state()["capture_restarts"], 1);
    assert!(
        read_until(&mut c, 400, |no_signal| !no_signal),
        "a new camera delivers on the same connection"
    );
    assert!(server.control.opens() > opens);
}

#[test]
fn the_file_watcher_survives_a_panic_while_rebuilding() {
    use pistream::config::WatchMode;
    use pistream::watcher::{self, Roots};
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{mpsc, Arc};

    let dir = tempfile::tempdir().unwrap();
    let pic = dir.path().join("pic");
    std::fs::create_dir_all(&pic).unwrap();
    let calls = Arc::new(AtomicUsize::new(0));
    let seen = calls.clone();
    let (tx, rx) = mpsc::channel();
    let tx = std::sync::Mutex::new(tx);
    let _watching = watcher::start(
        Roots::new(None, Some(&pic), None),
        WatchMode::Native,
        move |change| {
            let n = seen.fetch_add(1, Ordering::SeqCst);
            let _ = tx.lock().unwrap().send(n);
            if n == 0 {
                panic!("gallery refresh bug");
            }
            let _ = change;
        },
    )
    .unwrap();
    std::fs::write(pic.join("20240101-120000-000.jpg"), b"one").unwrap();
    assert_eq!(
        rx.recv_timeout(Duration::from_secs(30)),
        Ok(0),
        "first change seen"
    );
    // The first handling panicked; the watcher must still see the next change.
    std::fs::write(pic.join("20240101-120000-001.jpg"), b"two").unwrap();
    assert_eq!(
        rx.recv_timeout(Duration::from_secs(30)),
        Ok(1),
        "the watcher died with the panic"
    );
    assert!(calls.load(Ordering::SeqCst) >= 2);
}
