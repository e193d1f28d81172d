//! The live stream end to end, on a real server with the mock camera: framing, HTTP/1.0, HEAD, many
//! viewers, slow viewers, disconnect storms, snapshots, variants, frame-rate caps, real clients (curl,
//! ffmpeg). The camera under the stream (faults, idle close, buffers): stream_camera.rs.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::time::Duration;

use common::*;

#[test]
fn every_part_is_framed_and_decodes() {
    let server = start(|_| {});
    let mut c = MjpegClient::open(server.addr, "/stream", false);
    assert!(c.status_line.starts_with("HTTP/1.1 200"));
    assert!(c.headers["content-type"].starts_with("multipart/x-mixed-replace"));
    assert!(c.headers["cache-control"].contains("no-store"));
    assert!(
        !c.headers.contains_key("transfer-encoding"),
        "no chunking: {:?}",
        c.headers
    );
    let mut last = 0.0;
    let mut previous: Option<Vec<u8>> = None;
    for _ in 0..5 {
        let part = c.next_part().unwrap();
        assert_eq!(decode(&part.jpeg), (320, 240));
        assert!(part.timestamp() > last, "timestamps increase");
        last = part.timestamp();
        assert_ne!(
            previous.as_ref(),
            Some(&part.jpeg),
            "consecutive frames differ"
        );
        previous = Some(part.jpeg);
    }
}

#[test]
fn http10_request_typed_by_hand_gets_a_close_delimited_stream() {
    let server = start(|_| {});
    let mut c = MjpegClient::open(server.addr, "/video_feed", true);
    assert!(
        c.status_line.starts_with("HTTP/1.0 200"),
        "{}",
        c.status_line
    );
    assert!(!c.headers.contains_key("transfer-encoding"));
    assert!(!c.headers.contains_key("content-length"));
    for _ in 0..3 {
        let part = c.next_part().unwrap();
        decode(&part.jpeg);
    }
}

#[test]
fn head_answers_headers_only_and_starts_no_camera() {
    let server = start(|_| {});
    let r = request(server.addr, "HEAD", "/stream", &[], b"");
    assert_eq!(r.status, 200);
    assert!(r.headers["content-type"].starts_with("multipart/x-mixed-replace"));
    assert!(r.body.is_empty());
    assert_eq!(server.control.opens(), 0, "HEAD must not open the camera");
    assert_eq!(server.state()["viewers"], 0);
}

#[test]
fn several_viewers_see_the_same_frames() {
    let server = start(|_| {});
    let mut clients: Vec<_> = (0..3)
        .map(|_| MjpegClient::open(server.addr, "/stream", false))
        .collect();
    // Let every viewer catch up with the live edge, then compare what each saw next.
    let seen: Vec<Vec<(String, Vec<u8>)>> = clients
        .iter_mut()
        .map(|c| {
            (0..12)
                .map(|_| {
                    let p = c.next_part().unwrap();
                    (p.headers["x-timestamp"].clone(), p.jpeg)
                })
                .skip(2)
                .collect()
        })
        .collect();
    let first: std::collections::HashMap<_, _> = seen[0].iter().cloned().collect();
    for other in &seen[1..] {
        let mut common = 0;
        for (stamp, jpeg) in other {
            if let Some(j) = first.get(stamp) {
                assert_eq!(j, jpeg, "the same frame is the same bytes for every viewer");
                common += 1;
            }
        }
        assert!(
            common >= 5,
            "viewers share the frame sequence ({common} common of 10)"
        );
    }
    assert_eq!(server.control.opens(), 1, "one capture feeds every viewer");
}

#[test]
fn a_slow_viewer_skips_frames_without_holding_back_a_fast_one() {
    let server = start(|c| c.fps = 30.0);
    // The slow viewer: a tiny receive buffer, reads 4 KiB at a time with pauses (~80 KB/s).
    let slow = TcpStream::connect(server.addr).unwrap();
    socket2::SockRef::from(&slow)
        .set_recv_buffer_size(8 * 1024)
        .unwrap();
    let mut slow_c = MjpegClient::over(slow, server.addr, "/stream", false);
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let stop2 = stop.clone();
    let slow_thread = std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        let mut total = 0;
        while !stop2.load(std::sync::atomic::Ordering::Relaxed) {
            match slow_c.reader.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => total += n,
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        total
    });
    let mut fast = MjpegClient::open(server.addr, "/stream", false);
    fast.next_part().unwrap();
    let before = server.state()["frames_captured"].as_u64().unwrap();
    let n = 45;
    for _ in 0..n {
        fast.next_part().unwrap();
    }
    let after = server.state()["frames_captured"].as_u64().unwrap();
    // The fast viewer got (nearly) every frame captured meanwhile: the slow one did not hold it back.
    assert!(
        after - before <= n + 3,
        "fast viewer got {n} frames while {} were captured",
        after - before
    );
    let skipped = server.state()["frames_skipped"].as_u64().unwrap();
    assert!(
        skipped > 0,
        "the slow viewer skips frames instead of queueing them"
    );
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    drop(server);
    slow_thread.join().unwrap();
}

#[test]
fn a_disconnect_storm_leaves_no_viewer_fd_or_thread_behind() {
    let server = start(|_| {});
    // Warm up: the camera runs and the executor's threads exist.
    let mut warm = MjpegClient::open(server.addr, "/stream", false);
    warm.next_part().unwrap();
    let fds = open_fds();
    let threads_before = threads();
    for i in 0..1000 {
        let mut s = TcpStream::connect(server.addr).unwrap();
        s.write_all(b"GET /stream HTTP/1.1\r\nHost: x\r\n\r\n")
            .unwrap();
        let mut buf = vec![0u8; 1 + (i % 7) * 3000];
        let _ = s.read(&mut buf);
        // Abrupt: RST instead of FIN, in the middle of a frame.
        socket2::SockRef::from(&s)
            .set_linger(Some(Duration::ZERO))
            .unwrap();
        drop(s);
    }
    let state = server.wait_state(Duration::from_secs(20), |s| s["viewers"] == 1);
    assert_eq!(state["viewers"], 1, "only the warm viewer is left: {state}");
    // Each viewer's task notices its peer left on its next write; then its socket is closed.
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    // Threads too: the blocking pool grows under a loaded machine and lets idle threads go a
    // moment later.
    while (open_fds() > fds + 2 || threads() > threads_before + 2)
        && std::time::Instant::now() < deadline
    {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(open_fds() <= fds + 2, "fds {} -> {}", fds, open_fds());
    assert!(
        threads() <= threads_before + 2,
        "threads {} -> {}",
        threads_before,
        threads()
    );
    warm.next_part()
        .expect("the remaining viewer still streams");
}

#[test]
fn snapshot_is_newer_than_its_request() {
    let server = start(|_| {});
    for _ in 0..3 {
        let asked = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs_f64();
        let r = request(server.addr, "GET", "/snapshot.jpg", &[], b"");
        assert_eq!(r.status, 200);
        assert_eq!(r.headers["content-type"], "image/jpeg");
        decode(&r.body);
        let taken: f64 = r.headers["x-timestamp"].parse().unwrap();
        assert!(
            taken >= asked - 0.000_001,
            "captured {taken} after asked {asked}"
        );
    }
}

#[test]
fn stream_variants_are_shared_and_stop_with_their_last_viewer() {
    let server = start(|_| {});
    let mut a = MjpegClient::open(server.addr, "/stream?width=160&quality=40", false);
    let mut b = MjpegClient::open(server.addr, "/stream?scale=50&quality=40", false);
    assert_eq!(decode(&a.next_part().unwrap().jpeg), (160, 120));
    assert_eq!(decode(&b.next_part().unwrap().jpeg), (160, 120));
    assert_eq!(
        server.state()["variant_encoders"],
        1,
        "one encoder for one variant"
    );
    let r = request(server.addr, "GET", "/stream?quality=500", &[], b"");
    assert_eq!(r.status, 400);
    drop(a);
    drop(b);
    let app = &server.running.as_ref().unwrap().app;
    assert!(
        app.variants
            .wait_encoders_at_most(0, Duration::from_secs(15)),
        "encoder stops with its last viewer"
    );
}

#[test]
fn curl_reads_the_stream() {
    if !have_tool("curl", "streaming to curl") {
        return;
    }
    let server = start(|_| {});
    let out = Command::new("curl")
        .args(["-s", "--max-time", "2", "-o", "-", &server.url("/stream")])
        .output()
        .unwrap();
    let body = out.stdout;
    let parts = body.windows(9).filter(|w| w == b"--frame\r\n").count();
    assert!(parts >= 3, "curl got {parts} parts");
}

#[test]
fn ffmpeg_decodes_thirty_frames() {
    if !have_tool("ffmpeg", "decoding the stream with ffmpeg") {
        return;
    }
    let server = start(|c| c.fps = 30.0);
    let out = Command::new("ffmpeg")
        .args([
            "-hide_banner",
            "-nostdin",
            "-i",
            &server.url("/stream"),
            "-frames:v",
            "30",
            "-f",
            "null",
            "-",
        ])
        .output()
        .unwrap();
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "ffmpeg failed:\n{log}");
    assert!(
        log.contains("frame=   30") || log.contains("frame=30"),
        "30 frames decoded:\n{log}"
    );
    assert!(
        !log.to_lowercase().contains("error"),
        "no decode error:\n{log}"
    );
}

/// Reads parts from `c` for `window`; how many arrived.
fn parts_within(c: &mut MjpegClient, window: Duration) -> usize {
    let end = std::time::Instant::now() + window;
    let mut n = 0;
    while std::time::Instant::now() < end {
        c.next_part().unwrap();
        n += 1;
    }
    n
}

#[test]
fn a_viewer_capped_by_fps_gets_at_most_that_rate_from_the_shared_hubs() {
    // A small picture, so that even a debug build on a busy machine captures well above the caps.
    let server = start(|c| {
        c.fps = 30.0;
        (c.width, c.height) = (160, 120);
    });
    let mut full = MjpegClient::open(server.addr, "/stream", false);
    let mut capped = MjpegClient::open(server.addr, "/stream?fps=1", false);
    let mut variant = MjpegClient::open(server.addr, "/stream?quality=40", false);
    let mut capped_variant = MjpegClient::open(server.addr, "/stream?quality=40&fps=2", false);
    for c in [&mut full, &mut capped, &mut variant, &mut capped_variant] {
        c.next_part().unwrap(); // all running
    }
    // Full-rate readers run on their own threads, so that the capped ones are counted alone.
    let full_t = std::thread::spawn(move || parts_within(&mut full, Duration::from_secs(4)));
    let variant_t = std::thread::spawn(move || parts_within(&mut variant, Duration::from_secs(4)));
    let window = Duration::from_secs(3);
    let captured = || server.state()["frames_captured"].as_u64().unwrap();
    let before = captured();
    let capped_v_t = std::thread::spawn(move || {
        let n = parts_within(&mut capped_variant, window);
        (n, decode(&capped_variant.next_part().unwrap().jpeg))
    });
    let n_capped = parts_within(&mut capped, window);
    let (n_capped_v, size) = capped_v_t.join().unwrap();
    let during = captured() - before;
    let (n_full, n_variant) = (full_t.join().unwrap(), variant_t.join().unwrap());
    let counts = format!(
        "captured {during}, full {n_full}, variant {n_variant}, capped {n_capped}, capped variant {n_capped_v}"
    );
    eprintln!("{counts}");
    // At most N frames a second, plus one for the window's edge and one already on its way.
    assert!(n_capped <= 3 + 2, "fps=1: {counts}");
    assert!(n_capped_v <= 2 * 3 + 2, "fps=2 variant: {counts}");
    assert!(
        n_capped >= 1 && n_capped_v >= 1,
        "capped viewers still stream: {counts}"
    );
    assert_eq!(size, (160, 120));
    // The capped variant viewer shares the variant's one encoder; nothing is encoded for a cap.
    assert_eq!(server.state()["variant_encoders"], 1);
    let r = request(server.addr, "GET", "/stream?fps=0", &[], b"");
    assert_eq!(r.status, 400);
    assert!(String::from_utf8_lossy(&r.body).contains("`fps`"));
}
