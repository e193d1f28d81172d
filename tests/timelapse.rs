//! Timelapse through real HTTP: photos into dated folders on a schedule, switching from the page
//! (login and the cross-site check as for photos), the page's choice across restarts, retention and
//! the disk guard (never a photo taken by hand), and the camera closing between long intervals.
//! A day made into a video: timelapse_video.rs.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::{basic, request, start, TestServer};
use pistream::timelapse::settings::parse_every;
use serde_json::Value;

const WAIT: Duration = Duration::from_secs(60);

/// Polls `cond` until it holds or `WAIT` passes (files appear, folders go: no event to wait on).
fn wait_for(what: &str, cond: impl Fn() -> bool) {
    let deadline = Instant::now() + WAIT;
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn jpgs(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "jpg"))
        .collect();
    v.sort();
    v
}

fn metric(server: &TestServer, name: &str) -> f64 {
    let r = request(server.addr, "GET", "/metrics", &[], b"");
    let text = String::from_utf8(r.body).unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix(name).and_then(|v| v.strip_prefix(' ')))
        .unwrap_or_else(|| panic!("no {name} in /metrics:\n{text}"))
        .trim()
        .parse()
        .unwrap()
}

fn timelapse(server: &TestServer) -> Value {
    server.state()["timelapse"].clone()
}

/// Whether the page's timelapse choice has been saved (pistream-timelapse.json beside --pic).
fn choice_saved(server: &TestServer) -> bool {
    server
        .pic
        .parent()
        .unwrap()
        .join("pistream-timelapse.json")
        .exists()
}

fn every(s: &str) -> pistream::timelapse::settings::Every {
    parse_every(s).unwrap()
}

/// Today's folder (the one the newest photo went to: the date may turn while a test runs).
fn day_folder(server: &TestServer) -> PathBuf {
    let last = timelapse(server)["last_photo"]
        .as_str()
        .unwrap()
        .to_string();
    let day = Path::new(&last).parent().unwrap().to_path_buf();
    server.pic.join(day)
}

#[test]
fn every_second_a_photo_lands_in_todays_folder_and_the_gallery_is_unharmed() {
    let server = start(|c| {
        fs::create_dir_all(&c.pic).unwrap();
        fs::write(c.pic.join("by-hand.jpg"), common_jpeg()).unwrap();
        c.timelapse = every("1s");
    });
    wait_for("3 timelapse photos", || {
        timelapse(&server)["photos_taken"].as_u64() >= Some(3)
    });
    let dir = day_folder(&server);
    let day = dir.file_name().unwrap().to_str().unwrap().to_string();
    assert_eq!(dir.parent().unwrap(), server.pic.join("timelapse"));
    let photos = jpgs(&dir);
    assert!(photos.len() >= 3, "{photos:?}");
    for p in &photos {
        // Named by the writer from the photo's local time, on the folder's date.
        let name = p.file_name().unwrap().to_str().unwrap();
        assert_eq!(&name[..8], day.replace('-', ""), "{name} in {day}");
        assert_eq!(common::decode(&fs::read(p).unwrap()), (320, 240));
    }
    assert!(
        common::file_names(&dir).iter().all(|n| !n.starts_with('.')),
        "no temp files"
    );
    let state = timelapse(&server);
    assert_eq!(state["enabled"], true);
    assert_eq!(state["every"], "1s");
    assert_eq!(state["holding_camera"], true, "1 s keeps the camera open");
    assert!(metric(&server, "pistream_timelapse_photos_total") >= 3.0);
    // The camera stayed open between ticks.
    assert_eq!(metric(&server, "pistream_camera_opens_total"), 1.0);
    // The gallery still lists the hand photo, and no folder.
    let r = request(server.addr, "GET", "/photos", &[], b"");
    assert_eq!(r.status, 200);
    let page = String::from_utf8_lossy(&r.body);
    assert!(page.contains("by-hand.jpg"));
    assert!(!page.contains(">timelapse<") && !page.contains("/pic/timelapse"));
    // The API lists the day with its photos.
    let r = request(server.addr, "GET", "/api/timelapse", &[], b"");
    let body = r.json();
    assert_eq!(body["days"][0]["day"], day.as_str());
    assert!(body["days"][0]["photos"].as_u64() >= Some(3));
}

fn common_jpeg() -> Vec<u8> {
    fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/frames/frame000.jpg"))
        .unwrap()
}

#[test]
fn switching_needs_the_login_and_a_same_site_page() {
    let server = start(|c| c.auth = Some("ann:s3cret".into()));
    let auth = basic("ann", "s3cret");
    let own = format!("http://{}", server.addr);
    let body = br#"{"every": "1h"}"#;
    let ct = ("Content-Type", "application/json");
    let r = request(server.addr, "POST", "/api/timelapse", &[ct], body);
    assert_eq!(r.status, 401);
    let evil = [
        ("Authorization", auth.as_str()),
        ct,
        ("Origin", "http://evil.example"),
    ];
    let r = request(server.addr, "POST", "/api/timelapse", &evil, body);
    assert_eq!(r.status, 403);
    let look = [("Authorization", auth.as_str())];
    let r = request(server.addr, "GET", "/api/timelapse", &look, b"");
    assert_eq!(
        r.json()["enabled"],
        false,
        "refused requests switched nothing"
    );
    assert!(!choice_saved(&server));

    let ok = [
        ("Authorization", auth.as_str()),
        ct,
        ("Origin", own.as_str()),
    ];
    let r = request(server.addr, "POST", "/api/timelapse", &ok, body);
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.json()["every"], "1h");
    assert!(choice_saved(&server));
    // The live page's plain form (no JavaScript) goes back to the live page.
    let form = [
        ("Authorization", auth.as_str()),
        ("Content-Type", "application/x-www-form-urlencoded"),
    ];
    let r = request(server.addr, "POST", "/api/timelapse", &form, b"every=off");
    assert_eq!(r.status, 303);
    assert_eq!(r.headers["location"], "/live");
    let r = request(server.addr, "GET", "/api/timelapse", &look, b"");
    assert_eq!(r.json()["enabled"], false);
    // Bad intervals are refused in words.
    for bad in [
        &br#"{"every": "500ms"}"#[..],
        br#"{"every": "soon"}"#,
        b"{}",
    ] {
        let r = request(server.addr, "POST", "/api/timelapse", &ok, bad);
        assert_eq!(r.status, 400, "{}", String::from_utf8_lossy(bad));
        assert!(String::from_utf8_lossy(&r.body).contains("every") || r.body.len() > 10);
    }
}

#[test]
fn the_page_choice_survives_a_restart_until_the_flag_changes() {
    let dir = tempfile::tempdir().unwrap();
    let pic = dir.path().join("pic");
    let serve = |flag: &str| {
        let (pic, flag) = (pic.clone(), every(flag));
        start(move |c| {
            c.pic = pic;
            c.timelapse = flag;
        })
    };
    let mut server = serve("off");
    let ct = [("Content-Type", "application/json")];
    let r = request(
        server.addr,
        "POST",
        "/api/timelapse",
        &ct,
        br#"{"every":"1h"}"#,
    );
    assert_eq!(r.status, 200);
    assert!(server.stop());
    let mut server = serve("off");
    assert_eq!(timelapse(&server)["every"], "1h", "the page's choice wins");
    assert!(server.stop());
    let server = serve("5m");
    assert_eq!(timelapse(&server)["every"], "5m", "a changed flag wins");
    drop(server);
    let server = serve("off");
    assert_eq!(
        timelapse(&server)["every"],
        "off",
        "and the old choice is gone"
    );
}

/// Day folders in the past, each with a photo, and a photo taken by hand.
fn lay_out_days(pic: &Path, days: &[&str]) {
    for day in days {
        let dir = pic.join("timelapse").join(day);
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join("20200101-000000-000.jpg"), common_jpeg()).unwrap();
    }
    fs::write(pic.join("by-hand.jpg"), common_jpeg()).unwrap();
    fs::create_dir_all(pic.join("timelapse/not-a-day")).unwrap();
}

#[test]
fn keep_deletes_old_days_and_never_a_hand_photo() {
    let server = start(|c| {
        lay_out_days(&c.pic, &["2020-01-01", "2020-01-02"]);
        c.timelapse = every("1s");
        c.timelapse_keep = 2;
    });
    let root = server.pic.join("timelapse");
    wait_for("the old days to go", || {
        !root.join("2020-01-01").exists() && !root.join("2020-01-02").exists()
    });
    wait_for("a photo today", || {
        timelapse(&server)["photos_taken"].as_u64() >= Some(1)
    });
    assert!(server.pic.join("by-hand.jpg").exists());
    assert!(
        root.join("not-a-day").exists(),
        "other folders are left alone"
    );
    assert_eq!(
        metric(&server, "pistream_timelapse_days_deleted_total"),
        2.0
    );
}

#[test]
fn the_disk_guard_deletes_oldest_days_then_pauses() {
    let server = start(|c| {
        lay_out_days(&c.pic, &["2020-01-01", "2020-01-02"]);
        c.timelapse = every("1s");
        // More than any disk here has free: the guard must act, and cannot win.
        c.min_free_space = u64::MAX / 2;
    });
    let s = server.wait_state(WAIT, |s| s["timelapse"]["paused"].is_string());
    let why = s["timelapse"]["paused"]
        .as_str()
        .expect("paused, with a reason");
    assert!(why.contains("--min-free-space"), "{why}");
    let root = server.pic.join("timelapse");
    assert!(!root.join("2020-01-01").exists() && !root.join("2020-01-02").exists());
    assert_eq!(
        common::file_names(&root),
        ["not-a-day"],
        "no photo was taken while short"
    );
    assert!(
        server.pic.join("by-hand.jpg").exists(),
        "never a hand photo"
    );
    assert_eq!(s["timelapse"]["photos_taken"], 0);
    assert_eq!(
        metric(&server, "pistream_timelapse_days_deleted_total"),
        2.0
    );
}

#[test]
fn the_camera_closes_between_photos_of_long_intervals() {
    let server = start(|c| {
        c.timelapse = every("2s");
        // Test-only: "long" from 1 s (the default is 30 s), and close as soon as unwanted.
        c.timelapse_close_after = Duration::from_secs(1);
        c.idle_timeout = 0.0;
    });
    wait_for("3 photos", || {
        timelapse(&server)["photos_taken"].as_u64() >= Some(3)
    });
    // Each photo opened the camera anew: it was closed in between.
    assert!(metric(&server, "pistream_camera_opens_total") >= 3.0);
    server.wait_state(WAIT, |s| {
        s["timelapse"]["holding_camera"] == false && s["status"].as_str().unwrap().contains("idle")
    });
}
