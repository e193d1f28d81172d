//! A timelapse day made into an MP4 by the real ffmpeg, through real HTTP: progress over SSE, the
//! result checked with ffprobe, one job at a time, cancel (no temp file left), and clear answers to
//! bad requests. The schedule itself: timelapse.rs.

mod common;

use std::fs;
use std::io::BufRead;
use std::time::Duration;

use common::{have_tool, request, start};
use serde_json::Value;

const WAIT: Duration = Duration::from_secs(60);

/// Reads SSE `data:` lines as JSON until a job ends.
fn job_events(addr: std::net::SocketAddr) -> impl FnOnce() -> Vec<Value> {
    // The stream is open once its greeting arrived: events published from now on are seen.
    let (mut r, headers) = common::sse::open(addr, "/api/timelapse/video/events");
    assert_eq!(headers["content-type"], "text/event-stream");
    r.get_ref().set_read_timeout(Some(WAIT)).unwrap();
    move || {
        let mut events = Vec::new();
        loop {
            let mut line = String::new();
            if r.read_line(&mut line).unwrap() == 0 {
                panic!("the event stream ended: {events:?}");
            }
            if let Some(data) = line.strip_prefix("data: ") {
                let v: Value = serde_json::from_str(data.trim()).unwrap();
                let end = v["state"] != "running";
                events.push(v);
                if end {
                    return events;
                }
            }
        }
    }
}

#[test]
fn a_day_becomes_an_mp4_with_progress_over_sse() {
    if !have_tool("ffmpeg", "making a timelapse day into a video")
        || !have_tool("ffprobe", "checking the timelapse video")
    {
        return;
    }
    let server = start(|_| {});
    let dir = common::make_timelapse_day(&server.pic, "2026-01-05", 40);
    let events = job_events(server.addr);
    let r = request(
        server.addr,
        "POST",
        "/api/timelapse/video?day=2026-01-05",
        &[],
        b"",
    );
    assert_eq!(r.status, 202, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.json()["total"], 40);
    let events = events();
    let last = events.last().unwrap();
    assert_eq!(last["state"], "done", "{events:?}");
    assert!(
        events
            .iter()
            .any(|e| e["state"] == "running" && e["frame"].as_u64() > Some(0)),
        "progress from ffmpeg: {events:?}"
    );
    let file = server.pic.join(last["file"].as_str().unwrap());
    assert_eq!(file, dir.join("timelapse-2026-01-05.mp4"));
    let probe = std::process::Command::new("ffprobe")
        .args(["-v", "error", "-count_frames", "-select_streams", "v:0"])
        .args([
            "-show_entries",
            "stream=codec_name,width,height,nb_read_frames",
        ])
        .args(["-of", "default=noprint_wrappers=1"])
        .arg(&file)
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&probe.stdout);
    assert!(
        probe.status.success(),
        "{}",
        String::from_utf8_lossy(&probe.stderr)
    );
    for want in [
        "codec_name=h264",
        "width=320",
        "height=240",
        "nb_read_frames=40",
    ] {
        assert!(out.contains(want), "{want} in {out}");
    }
    assert!(
        common::file_names(&dir).iter().all(|n| !n.starts_with('.')),
        "no temp file"
    );
    // The page lists it and serves it.
    let r = request(server.addr, "GET", "/api/timelapse", &[], b"");
    assert_eq!(
        r.json()["days"][0]["video"],
        "timelapse/2026-01-05/timelapse-2026-01-05.mp4"
    );
    let r = request(
        server.addr,
        "GET",
        "/api/timelapse/video?day=2026-01-05",
        &[],
        b"",
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.headers["content-type"], "video/mp4");
    assert_eq!(r.body, fs::read(&file).unwrap());
}

#[test]
fn one_job_at_a_time_and_cancel_leaves_no_temp_file() {
    if !have_tool("ffmpeg", "cancelling a timelapse video") {
        return;
    }
    // Test-only: ffmpeg reads at the frame rate, so 100 photos at 5 fps take 20 s.
    let server = start(|c| c.timelapse_video_realtime = true);
    let dir = common::make_timelapse_day(&server.pic, "2026-01-05", 100);
    common::make_timelapse_day(&server.pic, "2026-01-06", 2);
    let events = job_events(server.addr);
    let path = "/api/timelapse/video?day=2026-01-05&fps=5";
    assert_eq!(request(server.addr, "POST", path, &[], b"").status, 202);
    let r = request(
        server.addr,
        "POST",
        "/api/timelapse/video?day=2026-01-06",
        &[],
        b"",
    );
    assert_eq!(r.status, 409);
    let msg = String::from_utf8_lossy(&r.body);
    assert!(
        msg.contains("2026-01-05") && msg.contains("cancel"),
        "{msg}"
    );
    let r = request(server.addr, "POST", "/api/timelapse/video/cancel", &[], b"");
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["state"], "cancelled");
    assert_eq!(events().last().unwrap()["state"], "cancelled");
    let left = common::file_names(&dir);
    assert!(
        left.iter()
            .all(|n| n.ends_with(".jpg") && !n.starts_with('.')),
        "no temp file, no video: {left:?}"
    );
    let r = request(server.addr, "POST", "/api/timelapse/video/cancel", &[], b"");
    assert_eq!(r.status, 409, "nothing left to cancel");
}

#[test]
fn bad_video_requests_get_clear_answers() {
    let server = start(|c| c.timelapse_ffmpeg = "pistream-no-such-ffmpeg".into());
    common::make_timelapse_day(&server.pic, "2026-01-05", 1);
    for (path, status) in [
        ("/api/timelapse/video", 400),
        ("/api/timelapse/video?day=../../etc", 400),
        ("/api/timelapse/video?day=2026-01-05&fps=0", 400),
        ("/api/timelapse/video?day=2020-01-01", 404),
    ] {
        let r = request(server.addr, "POST", path, &[], b"");
        assert_eq!(
            r.status,
            status,
            "{path}: {}",
            String::from_utf8_lossy(&r.body)
        );
    }
    let r = request(
        server.addr,
        "POST",
        "/api/timelapse/video?day=2026-01-05",
        &[],
        b"",
    );
    assert_eq!(r.status, 503);
    assert!(String::from_utf8_lossy(&r.body).contains("apt install ffmpeg"));
    let r = request(
        server.addr,
        "GET",
        "/api/timelapse/video?day=2026-01-05",
        &[],
        b"",
    );
    assert_eq!(r.status, 404, "no video made yet");
}
