//! Taking photos over HTTP: fresh frames, unique names, complete files, no GET side effects.

mod common;

use std::collections::HashSet;
use std::time::Duration;

use common::*;

fn photo_files(server: &TestServer) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(&server.pic)
        .map(|d| {
            d.map(|e| e.unwrap().file_name().into_string().unwrap())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

#[test]
fn fifty_concurrent_photos_are_fifty_complete_distinct_files() {
    let server = start(|_| {});
    let addr = server.addr;
    let threads: Vec<_> = (0..50)
        .map(|_| std::thread::spawn(move || common::take_photo(addr)))
        .collect();
    let mut names = HashSet::new();
    for t in threads {
        let r = t.join().unwrap();
        assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
        let json = r.json();
        let name = json["name"].as_str().unwrap().to_string();
        assert_eq!(json["url"], format!("/photos/{name}"));
        assert!(names.insert(name), "names are unique");
    }
    let files: Vec<String> = photo_files(&server)
        .into_iter()
        .filter(|n| !n.starts_with('.'))
        .collect();
    assert_eq!(files.len(), 50, "{files:?}");
    for name in &files {
        assert!(names.contains(name), "{name} was reported");
        let re = name.trim_end_matches(".jpg");
        let parts: Vec<&str> = re.split('-').collect();
        assert!(
            parts.len() >= 3 && parts[0].len() == 8 && parts[1].len() == 6 && parts[2].len() == 3,
            "{name}"
        );
        let bytes = std::fs::read(server.pic.join(name)).unwrap();
        assert_eq!(decode(&bytes), (320, 240), "{name} is a complete JPEG");
    }
    let hidden: Vec<String> = photo_files(&server)
        .into_iter()
        .filter(|n| n.starts_with(".photo-"))
        .collect();
    assert!(hidden.is_empty(), "no temp file left behind: {hidden:?}");
}

#[test]
fn a_form_post_is_redirected_to_the_photo_page() {
    let server = start(|_| {});
    let r = request(server.addr, "POST", "/photos", &[], b"");
    assert_eq!(r.status, 303);
    let location = &r.headers["location"];
    assert!(
        location.starts_with("/photos/") && location.ends_with(".jpg"),
        "{location}"
    );
    assert_eq!(photo_files(&server).len(), 1);
}

#[test]
fn no_photo_and_a_reason_when_the_camera_is_gone() {
    let server = start(|_| {});
    server.control.vanish();
    let r = common::take_photo(server.addr);
    assert_eq!(r.status, 503);
    let json = r.json();
    assert!(json["error"].as_str().unwrap().contains("camera"), "{json}");
    assert!(
        photo_files(&server).iter().all(|n| n.starts_with('.')) || photo_files(&server).is_empty()
    );
}

#[test]
fn get_requests_take_no_photo() {
    let server = start(|_| {});
    for path in [
        "/photos",
        "/pic_now",
        "/snapshot.jpg",
        "/stream?x=1",
        "/api/state",
    ] {
        if path.starts_with("/stream") {
            let mut c = MjpegClient::open(server.addr, path, false);
            c.next_part().unwrap();
            continue;
        }
        let r = request(server.addr, "GET", path, &[], b"");
        assert!(r.status < 500, "{path}: {}", r.status);
    }
    assert!(
        photo_files(&server).is_empty(),
        "{:?}",
        photo_files(&server)
    );
}

#[test]
fn a_stalled_camera_still_sends_the_last_frame_about_every_second() {
    let server = start(|_| {});
    let mut c = MjpegClient::open(server.addr, "/stream", false);
    let mut last = c.next_part().unwrap().timestamp();
    server.control.stall(Duration::from_millis(1900));
    // During the stall the same frame comes again (same capture time): proxies stay open and a
    // viewer who left is noticed. The stall may start right after the frame already read.
    let mut repeated = false;
    let mut seen = vec![last];
    for _ in 0..100 {
        let t = c.next_part().unwrap().timestamp();
        seen.push(t);
        if t == last {
            repeated = true;
            break;
        }
        last = t;
    }
    if !repeated {
        let gaps: Vec<String> = seen
            .windows(2)
            .map(|w| format!("{:.0}", (w[1] - w[0]) * 1000.0))
            .collect();
        eprintln!("gaps between parts (ms): {}", gaps.join(" "));
    }
    assert!(repeated, "the last frame was sent again during the stall");
}
