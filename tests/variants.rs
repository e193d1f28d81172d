//! Stream variants under pressure (issue 8.3): requests snap to the width ladder and quality steps,
//! at most `--max-variants` encoders run however many distinct variants are asked for, and a thread
//! that cannot be started fails its one request with 503.

mod common;

use std::collections::BTreeSet;
use std::time::Duration;

use common::*;

#[test]
fn the_snapped_width_is_what_is_served() {
    let server = start(|c| {
        (c.width, c.height) = (640, 480);
        c.fps = 5.0;
    });
    for (query, size) in [
        ("width=500", (480, 360)),
        ("width=200&quality=40", (160, 120)),
        ("width=16", (160, 120)),
        ("scale=50", (320, 240)),
        ("width=7000&quality=30", (640, 480)),
    ] {
        let mut c = MjpegClient::open(server.addr, &format!("/stream?{query}"), false);
        assert_eq!(decode(&c.next_part().unwrap().jpeg), size, "{query}");
    }
}

#[test]
fn a_hundred_distinct_variants_start_at_most_the_cap_of_encoders() {
    let cap = pistream::config::Config::for_tests().max_variants;
    assert_eq!(cap, 4, "the default cap");
    // A 320x240 camera: two widths (160 and its own) times five quality steps, 9 variants.
    let server = start(|c| {
        c.max_viewers = 200;
        c.max_connections_per_client = 0;
    });
    // 100 widths from 16 to 7540 with 100 qualities: 100 distinct requests, all at once.
    let viewers: Vec<_> = (0..100u32)
        .map(|i| {
            let (addr, path) = (
                server.addr,
                format!("/stream?width={}&quality={}", 16 + i * 76, 1 + i),
            );
            std::thread::spawn(move || {
                let mut v = MjpegClient::open(addr, &path, false);
                let size = decode(&v.next_part().unwrap().jpeg);
                (v, size)
            })
        })
        .collect();
    let viewers: Vec<_> = viewers.into_iter().map(|t| t.join().unwrap()).collect();
    let state = server.state();
    assert_eq!(state["viewers"], 100, "{state}");
    assert_eq!(state["variant_encoders"], cap, "{state}");
    let widths: BTreeSet<u32> = viewers.iter().map(|(_, (w, _))| *w).collect();
    // Which widths appear depends on which requests the server saw first: four 320-wide ones can
    // fill the cap before any of the four 160-wide ones arrives, and those then get the nearest live
    // variant, 320 (a run under load did just that). Either way nothing off the ladder is served.
    assert!(
        widths.is_subset(&[160, 320].into()),
        "only ladder widths are served: {widths:?}"
    );
    for (_, (w, h)) in &viewers {
        assert_eq!(w * 3, h * 4, "{w}x{h} keeps the aspect");
    }
    let metrics = request(server.addr, "GET", "/metrics", &[], b"");
    let metrics = String::from_utf8_lossy(&metrics.body);
    let gauge = metrics
        .lines()
        .find(|l| l.starts_with("pistream_variant_encoders "))
        .unwrap_or_else(|| panic!("an encoder gauge in\n{metrics}"));
    assert_eq!(gauge, format!("pistream_variant_encoders {cap}"));
    drop(viewers);
    let app = &server.running.as_ref().unwrap().app;
    assert!(app
        .variants
        .wait_encoders_at_most(0, Duration::from_secs(15)));
}

#[test]
fn a_thread_that_cannot_start_fails_the_one_request_with_503() {
    let server = start(|_| {});
    let app = server.running.as_ref().unwrap().app.clone();

    app.capture.threads.inject_failure(true);
    for path in ["/stream", "/snapshot.jpg", "/stream?width=160"] {
        let r = request(server.addr, "GET", path, &[], b"");
        assert_eq!(r.status, 503, "{path}");
        assert!(r.headers.contains_key("retry-after"), "{path}");
        let body = String::from_utf8_lossy(&r.body);
        assert!(
            body.contains("cannot start the capture thread"),
            "{path}: {body}"
        );
    }
    app.capture.threads.inject_failure(false);

    app.variants.threads.inject_failure(true);
    let r = request(server.addr, "GET", "/stream?width=160", &[], b"");
    assert_eq!(r.status, 503);
    let body = String::from_utf8_lossy(&r.body);
    assert!(body.contains("cannot start a variant encoder"), "{body}");
    assert_eq!(server.state()["variant_encoders"], 0);
    // The main stream needs no new thread of its kind: it still plays.
    MjpegClient::open(server.addr, "/stream", false)
        .next_part()
        .unwrap();
    app.variants.threads.inject_failure(false);

    // Nothing stays broken: the next request gets its variant.
    let mut c = MjpegClient::open(server.addr, "/stream?width=160", false);
    assert_eq!(decode(&c.next_part().unwrap().jpeg), (160, 120));
    assert_eq!(server.state()["variant_encoders"], 1);
}
