//! The camera under the live stream, on a real server with the mock camera: a camera that vanishes
//! or fails shows NO SIGNAL and recovers on the same connection, an idle camera closes and reopens
//! on demand, and raw frame buffers are reused while encoder threads end with the camera. The
//! stream itself: stream.rs.

mod common;

use std::time::Duration;

use common::*;

#[test]
fn a_vanished_camera_shows_no_signal_then_recovers() {
    let server = start(|_| {});
    let mut c = MjpegClient::open(server.addr, "/stream", false);
    assert!(!c.next_part().unwrap().no_signal());
    server.control.vanish();
    let mut saw_no_signal = false;
    for _ in 0..200 {
        let p = c.next_part().unwrap();
        if p.no_signal() {
            decode(&p.jpeg);
            saw_no_signal = true;
            break;
        }
    }
    assert!(
        saw_no_signal,
        "viewers see NO SIGNAL while the camera is gone"
    );
    assert_eq!(server.state()["online"], false);
    let r = request(server.addr, "GET", "/snapshot.jpg", &[], b"");
    assert_eq!(r.status, 503, "no snapshot without a camera");
    assert!(String::from_utf8_lossy(&r.body).contains("offline"));
    server.control.reappear();
    let mut recovered = false;
    for _ in 0..400 {
        if !c.next_part().unwrap().no_signal() {
            recovered = true;
            break;
        }
    }
    assert!(recovered, "video resumes on the same connection");
    assert_eq!(server.state()["online"], true);
}

#[test]
fn failing_frames_become_no_signal_and_capture_retries() {
    let server = start(|_| {});
    server.control.fail_every(5);
    let mut c = MjpegClient::open(server.addr, "/stream", false);
    let parts: Vec<_> = (0..40)
        .map(|_| c.next_part().unwrap().no_signal())
        .collect();
    assert!(parts.iter().any(|n| *n), "errors show as NO SIGNAL");
    assert!(
        parts.iter().rev().take(10).any(|n| !*n),
        "and live frames come back"
    );
    assert!(server.control.opens() > 1, "capture reopened the camera");
}

#[test]
fn the_camera_closes_after_the_idle_timeout_and_reopens_on_demand() {
    let server = start(|c| c.idle_timeout = 0.3);
    assert!(!server.control.is_open(), "nobody watching: camera closed");
    let mut c = MjpegClient::open(server.addr, "/stream", false);
    c.next_part().unwrap();
    assert!(server.control.is_open());
    drop(c);
    assert!(
        server
            .control
            .wait_until(|c| !c.is_open(), Duration::from_secs(15)),
        "camera closes when idle"
    );
    let state = server.wait_state(Duration::from_secs(5), |s| s["online"] == false);
    assert_eq!(state["online"], false);
    let r = request(server.addr, "GET", "/snapshot.jpg", &[], b"");
    assert_eq!(r.status, 200, "a request reopens it");
    assert_eq!(server.control.opens(), 2);
}

#[test]
fn raw_frame_buffers_are_reused_and_encoders_end_with_the_camera() {
    let server = start(|c| {
        c.idle_timeout = 0.3;
        c.encode_workers = Some(2);
    });
    let mut c = MjpegClient::open(server.addr, "/stream", false);
    for _ in 0..40 {
        c.next_part().unwrap();
    }
    let (reused, allocated) = server.control.frame_buffers();
    // The hub's frame, the one encoding, the next one and a viewer's: a handful, not one per frame.
    assert!(
        allocated <= pistream_camera::pool::DEFAULT_KEEP as u64 && reused >= 30,
        "{reused} buffers reused, {allocated} allocated"
    );
    let state = server.state();
    let workers = state["encode_workers"].as_u64().unwrap();
    assert!((1..=2).contains(&workers), "{state}");
    drop(c);
    // Idle close joins the encoder threads before capture counts as stopped.
    let state = server.wait_state(Duration::from_secs(15), |s| {
        s["online"] == false && s["encode_workers"] == 0
    });
    assert_eq!(state["encode_workers"], 0, "{state}");
    assert!(!server.control.is_open());
}
