//! The timelapse on the site's pages (issue 11.1), through real HTTP and in Chromium:
//! - a timelapse day's album page offers **Make a video** (and no other album does); its plain
//!   form, without JavaScript, starts the job and comes back to the day;
//! - in Chromium, that button makes the MP4 with the progress shown live, then links it;
//! - in Chromium, the live page's switch turns the timelapse on and off, and the choice is saved;
//! - in Chromium, the live page says why the timelapse paused (the disk guard could not free space).

mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use common::browser::Browser;
use common::{have_tool, request, start, TestServer};
use serde_json::Value;

const DAY: &str = "2026-01-05";

/// One Chromium at a time (as in gallery_browser.rs: two at once on a loaded 2-core machine time
/// out chromedriver's renderer messages).
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner())
}

/// `n` distinct photos in the timelapse day folder `DAY`, and the gallery told of them.
fn make_day(server: &TestServer, n: usize) -> PathBuf {
    let dir = common::make_timelapse_day(&server.pic, DAY, n);
    server.refresh_gallery();
    dir
}

fn page(server: &TestServer, path: &str) -> String {
    let r = request(server.addr, "GET", path, &[], b"");
    assert_eq!(r.status, 200, "{path}");
    String::from_utf8(r.body).unwrap()
}

fn mp4s(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".mp4"))
        .collect()
}

#[test]
fn only_a_day_album_offers_its_video_and_the_plain_form_comes_back_to_it() {
    let server = start(|_| {});
    make_day(&server, 3);
    std::fs::create_dir_all(server.pic.join("holiday")).unwrap();
    image::RgbImage::new(8, 8)
        .save(server.pic.join("holiday/a.jpg"))
        .unwrap();
    server.refresh_gallery();

    let day = page(&server, &format!("/albums/timelapse/{DAY}"));
    assert!(
        day.contains(&format!("data-timelapse-video=\"{DAY}\"")),
        "the day's control: {day}"
    );
    assert!(
        day.contains(&format!("action=\"/api/timelapse/video?day={DAY}\"")),
        "{day}"
    );
    assert!(
        day.contains("timelapse."),
        "timelapse.js on the page: {day}"
    );
    for other in ["/albums/timelapse", "/albums/holiday", "/photos"] {
        let html = page(&server, other);
        assert!(
            !html.contains("data-timelapse-video"),
            "{other} is not a day: {html}"
        );
    }

    if !have_tool("ffmpeg", "the album page's Make a video form") {
        return;
    }
    // The form as a browser without JavaScript sends it: 303 back to the day's page.
    let r = request(
        server.addr,
        "POST",
        &format!("/api/timelapse/video?day={DAY}"),
        &[("Content-Type", "application/x-www-form-urlencoded")],
        b"",
    );
    assert_eq!(r.status, 303, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.headers["location"], format!("/albums/timelapse/{DAY}"));
    // It started that day's job (its run to the end and its events are timelapse.rs's tests).
    let r = request(server.addr, "GET", "/api/timelapse", &[], b"");
    let t: Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(t["video"]["day"], DAY, "{t}");
    assert_eq!(t["video"]["total"], 3, "{t}");
    assert!(
        t["video"]["state"] == "running" || t["video"]["state"] == "done",
        "{t}"
    );
}

#[test]
fn the_album_button_makes_the_video_with_live_progress() {
    if !have_tool("ffmpeg", "the album page's Make a video button") {
        return;
    }
    let _one = one_at_a_time();
    // ffmpeg at the video's own pace: 50 photos at 25 fps take two seconds, long enough for the
    // page to show progress.
    let server = start(|c| c.timelapse_video_realtime = true);
    let dir = make_day(&server, 50);
    let Some(b) = Browser::start() else { return };
    b.goto(&server.url(&format!("/albums/timelapse/{DAY}")));
    let wired = b.wait_for(
        "document.readyState === 'complete' && \
         !!document.querySelector('[data-timelapse-video][data-wired]')",
        Duration::from_secs(20),
    );
    assert_eq!(wired, true, "timelapse.js wired the day's control");
    // Record what the progress bar shows while the job runs.
    b.run(
        "window.seen = { bar: 0, text: '' }; \
         var el = document.querySelector('[data-timelapse-video]'); \
         new MutationObserver(function () { \
           var bar = el.querySelector('progress'); \
           if (!bar.hidden) window.seen.bar = Math.max(window.seen.bar, bar.value); \
           var t = el.querySelector('.timelapse-video-status').textContent; \
           if (t.indexOf('making the video') === 0) window.seen.text = t; \
         }).observe(el, { subtree: true, attributes: true, childList: true, characterData: true }); \
         return true;",
    );
    b.click("[data-video=\"make\"]");
    let ready = b.wait_for(
        "(function () { var a = document.querySelector('.timelapse-video-status a'); \
           return !!a && a.textContent === 'video ready'; })()",
        Duration::from_secs(60),
    );
    assert_eq!(ready, true, "the page links the finished video");
    let seen = b.run("return window.seen;");
    assert!(seen["bar"].as_f64() > Some(0.0), "progress shown: {seen}");
    assert!(
        seen["text"].as_str().unwrap().ends_with("of 50 photos"),
        "{seen}"
    );
    assert_eq!(mp4s(&dir), [format!("timelapse-{DAY}.mp4")]);
    // The link is the day's MP4.
    let href = b.run("return document.querySelector('.timelapse-video-status a').href;");
    let path = href
        .as_str()
        .unwrap()
        .split_once(&server.addr.to_string())
        .unwrap()
        .1;
    let r = request(server.addr, "GET", path, &[], b"");
    assert_eq!(r.status, 200, "{path}");
    assert_eq!(r.headers["content-type"], "video/mp4");
    assert_eq!(
        r.body,
        std::fs::read(dir.join(format!("timelapse-{DAY}.mp4"))).unwrap()
    );
}

#[test]
fn the_live_page_switch_turns_the_timelapse_on_and_off_and_saves_it() {
    let _one = one_at_a_time();
    let server = start(|_| {});
    let Some(b) = Browser::start() else { return };
    b.goto(&server.url("/live"));
    let off = b.wait_for(
        "(function () { var s = document.querySelector('[data-timelapse=\"status\"]'); \
           return !!s && s.textContent === 'off'; })()",
        Duration::from_secs(20),
    );
    assert_eq!(off, true, "the box shows the timelapse is off");
    let state = |server: &TestServer| -> Value {
        let r = request(server.addr, "GET", "/api/timelapse", &[], b"");
        serde_json::from_slice(&r.body).unwrap()
    };
    assert_eq!(state(&server)["enabled"], false);

    // Choosing an interval in the list switches it on at once (no Set button needed).
    b.click("[data-timelapse=\"every\"]");
    b.click("[data-timelapse=\"every\"] option[value=\"10s\"]");
    let on = b.wait_for(
        "document.querySelector('[data-timelapse=\"status\"]').textContent\
           .indexOf('on, a photo every 10s') === 0",
        Duration::from_secs(20),
    );
    assert_eq!(on, true, "the status says it is on");
    let t = state(&server);
    assert_eq!(
        (t["enabled"].clone(), t["every"].clone()),
        (true.into(), "10s".into()),
        "{t}"
    );
    let saved = server.pic.parent().unwrap().join("pistream-timelapse.json");
    let file = std::fs::read_to_string(&saved).expect("the choice is saved");
    assert!(file.contains("10s"), "{file}");

    // And off again.
    b.click("[data-timelapse=\"every\"] option[value=\"off\"]");
    let off = b.wait_for(
        "document.querySelector('[data-timelapse=\"status\"]').textContent === 'off'",
        Duration::from_secs(20),
    );
    assert_eq!(off, true, "the status says it is off");
    assert_eq!(state(&server)["enabled"], false);
}

#[test]
fn the_live_page_says_why_the_timelapse_paused() {
    let _one = one_at_a_time();
    let server = start(|c| {
        c.timelapse = pistream::timelapse::settings::parse_every("1s").unwrap();
        // More than any disk here has free: the guard cannot win, so the timelapse pauses.
        c.min_free_space = u64::MAX / 2;
    });
    server.wait_state(Duration::from_secs(30), |s| {
        s["timelapse"]["paused"].is_string()
    });
    let Some(b) = Browser::start() else { return };
    b.goto(&server.url("/live"));
    let shown = b.wait_for(
        "(function () { var s = document.querySelector('[data-timelapse=\"status\"]'); \
           return !!s && s.classList.contains('paused') ? s.textContent : false; })()",
        Duration::from_secs(20),
    );
    let text = shown.as_str().expect("the status shows the pause");
    assert!(text.starts_with("Timelapse paused"), "{text}");
    assert!(text.contains("--min-free-space"), "{text}");
}
