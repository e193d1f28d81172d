//! `/healthz` and `/metrics` against a real server: the Prometheus exposition parses and its counters
//! follow what clients did (frames and bytes read, photos taken and deleted, requests by route and
//! status); `/healthz` turns 503 while the camera fails longer than `--unhealthy-after` and back to
//! 200 when it returns. Behind auth both need the password unless `--metrics-public` opens them
//! (and only them).

mod common;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use common::{request, start, MjpegClient, TestServer};

/// `/metrics` parsed: `name{labels}` -> value. Checks the format as it goes: every sample line is a
/// name, optional labels and a number, and every name was declared by a `# TYPE` line.
fn metrics(server: &TestServer) -> HashMap<String, f64> {
    let r = request(server.addr, "GET", "/metrics", &[], b"");
    assert_eq!(r.status, 200);
    assert!(r.headers["content-type"].starts_with("text/plain; version=0.0.4"));
    let text = String::from_utf8(r.body).unwrap();
    let mut typed = Vec::new();
    let mut out = HashMap::new();
    for line in text.lines() {
        if let Some(t) = line.strip_prefix("# TYPE ") {
            typed.push(t.split(' ').next().unwrap().to_string());
            continue;
        }
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        let (key, value) = line.rsplit_once(' ').expect(line);
        let name = key.split('{').next().unwrap();
        assert!(
            typed.iter().any(|t| name.starts_with(t.as_str())),
            "{name} has a # TYPE line"
        );
        out.insert(key.to_string(), value.parse::<f64>().expect(line));
    }
    out
}

fn wait_metrics(
    server: &TestServer,
    ok: impl Fn(&HashMap<String, f64>) -> bool,
) -> HashMap<String, f64> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let m = metrics(server);
        if ok(&m) || Instant::now() > deadline {
            return m;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn metrics_follow_what_clients_do() {
    let server = start(|_| {});
    let mut viewer = MjpegClient::open(server.addr, "/stream", false);
    let mut part_bytes = 0;
    for _ in 0..5 {
        let p = viewer.next_part().unwrap();
        part_bytes += p.jpeg.len();
    }
    let m = wait_metrics(&server, |m| m["pistream_viewers"] == 1.0);
    assert_eq!(m["pistream_viewers"], 1.0);
    assert!(m["pistream_frames_sent_total"] >= 5.0, "{m:?}");
    // Parts can repeat a frame (a slow first frame is sent again each second), so fewer captured.
    assert!(m["pistream_frames_captured_total"] >= 1.0);
    assert!(m["pistream_stream_bytes_sent_total"] >= part_bytes as f64);
    assert!(m["pistream_encode_seconds_count"] >= 1.0);
    assert_eq!(m["pistream_camera_online"], 1.0);
    assert_eq!(m["pistream_camera_opens_total"], 1.0);
    drop(viewer);

    let taken = common::take_photo(server.addr);
    assert_eq!(taken.status, 201);
    let photo = taken.json();
    let name = photo["name"].as_str().unwrap();
    let gone = request(
        server.addr,
        "POST",
        &format!("/photos/{name}/delete"),
        &[("Accept", "application/json")],
        b"",
    );
    assert_eq!(gone.status, 200);
    assert_eq!(
        request(server.addr, "GET", "/no/such/page", &[], b"").status,
        404
    );

    let m = wait_metrics(&server, |m| m["pistream_viewers"] == 0.0);
    assert_eq!(m["pistream_viewers"], 0.0, "the viewer left");
    assert_eq!(m["pistream_photos_taken_total"], 1.0);
    assert_eq!(m["pistream_photos_deleted_total"], 1.0);
    let count = |route: &str, status: u16| {
        m.get(&format!(
            "pistream_http_requests_total{{route=\"{route}\",status=\"{status}\"}}"
        ))
        .copied()
    };
    assert_eq!(count("/stream", 200), Some(1.0));
    assert_eq!(count("/photos", 201), Some(1.0));
    assert_eq!(count("/photos/*", 200), Some(1.0));
    assert_eq!(count("unmatched", 404), Some(1.0));
}

fn healthz(server: &TestServer) -> (u16, serde_json::Value) {
    let r = request(server.addr, "GET", "/healthz", &[], b"");
    (r.status, serde_json::from_slice(&r.body).expect("JSON"))
}

fn wait_healthz(server: &TestServer, status: u16) -> (u16, serde_json::Value) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let h = healthz(server);
        if h.0 == status || Instant::now() > deadline {
            return h;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn healthz_is_503_while_the_camera_fails_too_long_and_200_again_after() {
    let server = start(|c| c.unhealthy_after = 0.5);
    let (status, body) = healthz(&server);
    assert_eq!(status, 200, "idle is healthy: {body}");
    assert_eq!(body["camera"]["backend"], "mock");
    assert_eq!(body["camera"]["running"], false);

    let mut viewer = MjpegClient::open(server.addr, "/stream", false);
    viewer.next_part().unwrap();
    assert_eq!(healthz(&server).0, 200);

    server.control.vanish();
    let (status, body) = wait_healthz(&server, 503);
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["status"], "failing");
    assert!(
        body["reason"].as_str().unwrap().contains("failing"),
        "{body}"
    );
    assert_eq!(body["camera"]["online"], false);
    assert!(body["camera"]["failing_for_secs"].as_f64().unwrap() >= 0.5);
    // Viewers stay connected and get NO SIGNAL meanwhile.
    let part = (0..50)
        .map(|_| viewer.next_part().unwrap())
        .find(|p| p.no_signal());
    assert!(part.is_some());

    server.control.reappear();
    let (status, body) = wait_healthz(&server, 200);
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["camera"]["online"], true);
    let m = metrics(&server);
    assert!(m["pistream_capture_faults_total"] >= 1.0);
    assert!(m["pistream_capture_restarts_total"] >= 1.0);
}

/// With auth on, /metrics and /healthz need the password like every route; `--metrics-public` opens
/// them (GET and HEAD) and nothing else.
#[test]
fn metrics_follow_auth_unless_metrics_public() {
    let closed = start(|c| c.auth = Some("ann:s3cret".into()));
    for path in ["/metrics", "/healthz"] {
        for method in ["GET", "HEAD"] {
            let r = request(closed.addr, method, path, &[], b"");
            assert_eq!(r.status, 401, "{method} {path} without --metrics-public");
        }
    }
    drop(closed);

    let open = start(|c| {
        c.auth = Some("ann:s3cret".into());
        c.metrics_public = true;
    });
    let m = metrics(&open);
    assert!(
        m.keys().any(|k| k.starts_with("pistream_")),
        "the exposition has pistream's metrics: {m:?}"
    );
    assert_eq!(healthz(&open).0, 200);
    assert_eq!(request(open.addr, "HEAD", "/metrics", &[], b"").status, 200);
    // Everything else stays closed, also other methods on the opened paths.
    for (method, path) in [
        ("GET", "/"),
        ("GET", "/api/state"),
        ("GET", "/snapshot.jpg"),
        ("GET", "/stream"),
        ("GET", "/metrics/x"),
        ("GET", "/healthzz"),
        ("POST", "/metrics"),
        ("POST", "/healthz"),
        ("POST", "/photos"),
    ] {
        let r = request(open.addr, method, path, &[], b"");
        assert_eq!(r.status, 401, "{method} {path} with --metrics-public");
    }
}
