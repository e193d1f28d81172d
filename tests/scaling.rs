//! Growing past one machine (docs/SCALING.md) with Debian's ffmpeg and nginx, running the shipped
//! `deploy/scaling/hls.sh` and `deploy/scaling/nginx.conf` (their port, upstream and folders
//! substituted): one ffmpeg pull from pistream writes HLS, its playlist lists segments that decode
//! as H.264, 50 concurrent HLS readers through nginx cost pistream exactly one viewer, pages are
//! answered from nginx's cache and the live stream passes through unbuffered. Several instances
//! under path prefixes: scaling_prefixes.rs.

mod common;

use std::net::SocketAddr;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use common::nginx::{self, free_port};
use common::*;

fn shipped(name: &str) -> String {
    let path = format!("{}/deploy/scaling/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// `deploy/scaling/nginx.conf` with the test's port, upstream and folders.
fn scaling_conf(dir: &Path, port: u16, upstream: SocketAddr) -> String {
    let d = dir.display();
    let mut conf = shipped("nginx.conf");
    for (from, to) in [
        ("listen 80;", format!("listen 127.0.0.1:{port};")),
        (
            "proxy_pass http://127.0.0.1:8080;",
            format!("proxy_pass http://{upstream};"),
        ),
        ("root /var/www;", format!("root {d}/www;")),
        ("/var/cache/nginx/pistream", format!("{d}/cache")),
    ] {
        assert!(
            conf.contains(from),
            "deploy/scaling/nginx.conf no longer says `{from}`"
        );
        conf = conf.replace(from, &to);
    }
    nginx::main_conf(dir, &conf)
}

/// The segment names a playlist lists, oldest first.
fn segments(playlist: &str) -> Vec<String> {
    playlist
        .lines()
        .filter(|l| !l.starts_with('#') && l.ends_with(".ts"))
        .map(str::to_string)
        .collect()
}

fn viewers(server: &TestServer) -> u64 {
    server.state()["viewers"].as_u64().expect("viewers")
}

#[test]
fn one_ffmpeg_pull_feeds_fifty_hls_readers_through_nginx() {
    let why = "HLS through ffmpeg and nginx (tests/scaling.rs)";
    if !have_tool("ffmpeg", why) || !have_tool("ffprobe", why) || !have_tool("nginx", why) {
        return;
    }
    let server = start(|c| c.fps = 10.0);
    let dir = tempfile::tempdir().unwrap();
    let hls = dir.path().join("www/hls/cam1");
    let ffmpeg_log = dir.path().join("ffmpeg.log");
    let _ffmpeg = Killed(
        Command::new("sh")
            .arg(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/deploy/scaling/hls.sh"
            ))
            .arg(format!("http://{}", server.addr))
            .arg(&hls)
            .arg("10")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&ffmpeg_log).unwrap())
            .spawn()
            .expect("sh runs hls.sh"),
    );
    let port = free_port();
    let _nginx = nginx::start(
        dir.path(),
        &scaling_conf(dir.path(), port, server.addr),
        port,
    );
    let proxy: SocketAddr = ([127, 0, 0, 1], port).into();

    // A playlist with three segments appears (2 s each: some seconds on a loaded machine).
    let playlist_file = hls.join("live.m3u8");
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let listed = std::fs::read_to_string(&playlist_file).unwrap_or_default();
        if segments(&listed).len() >= 3 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no playlist with 3 segments; ffmpeg said: {}",
            std::fs::read_to_string(&ffmpeg_log).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    assert_eq!(viewers(&server), 1, "ffmpeg is pistream's one viewer");

    // Through nginx: the playlist, and a segment that decodes as 320x240 H.264.
    let r = request(proxy, "GET", "/hls/cam1/live.m3u8", &[], b"");
    assert_eq!(r.status, 200);
    assert_eq!(
        r.headers["content-type"], "application/vnd.apple.mpegurl",
        "players want the HLS type"
    );
    let playlist = String::from_utf8(r.body).unwrap();
    assert!(playlist.starts_with("#EXTM3U"), "{playlist}");
    assert!(playlist.contains("#EXT-X-TARGETDURATION:"), "{playlist}");
    let first = &segments(&playlist)[0];
    let r = request(proxy, "GET", &format!("/hls/cam1/{first}"), &[], b"");
    assert_eq!(r.status, 200, "{first}");
    assert_eq!(r.headers["content-type"], "video/mp2t");
    let segment = dir.path().join("segment.ts");
    std::fs::write(&segment, &r.body).unwrap();
    let probe = Command::new("ffprobe")
        .args(["-v", "error", "-count_frames", "-select_streams", "v:0"])
        .args([
            "-show_entries",
            "stream=codec_name,width,height,nb_read_frames",
        ])
        .args(["-of", "default=noprint_wrappers=1"])
        .arg(&segment)
        .output()
        .unwrap();
    let probed = String::from_utf8_lossy(&probe.stdout);
    assert!(probe.status.success(), "{probed}");
    for want in ["codec_name=h264", "width=320", "height=240"] {
        assert!(probed.lines().any(|l| l == want), "{want} in {probed}");
    }
    let frames: u32 = probed
        .lines()
        .find_map(|l| l.strip_prefix("nb_read_frames="))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    assert!(frames >= 5, "a 2 s segment at 10 fps has frames: {probed}");
    let decoded = Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(&segment)
        .args(["-f", "null", "-"])
        .output()
        .unwrap();
    assert!(
        decoded.status.success() && decoded.stderr.is_empty(),
        "the segment decodes cleanly: {}",
        String::from_utf8_lossy(&decoded.stderr)
    );

    // 50 readers at once, each following the playlist three times and reading its newest
    // segments, as players do.
    let start_line = Arc::new(Barrier::new(51));
    let readers: Vec<_> = (0..50)
        .map(|_| {
            let start_line = start_line.clone();
            std::thread::spawn(move || {
                start_line.wait();
                let mut bytes = 0;
                for _ in 0..3 {
                    let r = request(proxy, "GET", "/hls/cam1/live.m3u8", &[], b"");
                    assert_eq!(r.status, 200);
                    let listed = segments(&String::from_utf8(r.body).unwrap());
                    for name in listed.iter().rev().take(2) {
                        let r = request(proxy, "GET", &format!("/hls/cam1/{name}"), &[], b"");
                        // A segment can be deleted between the playlist and its read.
                        assert!([200, 404].contains(&r.status), "{name}: {}", r.status);
                        if r.status == 200 {
                            assert_eq!(r.body.first(), Some(&0x47), "MPEG-TS sync byte");
                            bytes += r.body.len();
                        }
                    }
                }
                bytes
            })
        })
        .collect();
    start_line.wait();
    let mut during = Vec::new();
    while readers.iter().any(|r| !r.is_finished()) {
        during.push(viewers(&server));
        std::thread::sleep(Duration::from_millis(50));
    }
    let read: usize = readers.into_iter().map(|r| r.join().unwrap()).sum();
    assert!(read > 50 * 1000, "the readers got segments: {read} bytes");
    during.push(viewers(&server));
    assert!(
        during.iter().all(|&v| v == 1),
        "pistream saw exactly one viewer while 50 read HLS: {during:?}"
    );

    // (a) Pages come from nginx's cache; the live stream passes through at once, as a second
    // viewer.
    let first = request(proxy, "GET", "/", &[], b"");
    assert_eq!(first.status, 200);
    let again = request(proxy, "GET", "/", &[], b"");
    assert_eq!(again.status, 200);
    assert_eq!(
        again.headers.get("x-cache-status").map(String::as_str),
        Some("HIT"),
        "the second page view is nginx's"
    );
    // HTTP/1.0: nginx passes the endless body on as it is (to 1.1 clients it would re-chunk it).
    let mut live = MjpegClient::open(proxy, "/stream", true);
    let part = live.next_part().expect("a frame through nginx");
    assert_eq!(decode(&part.jpeg), (320, 240));
    assert_eq!(
        server
            .wait_state(Duration::from_secs(30), |s| s["viewers"] == 2)
            .get("viewers")
            .and_then(|v| v.as_u64()),
        Some(2)
    );
}
