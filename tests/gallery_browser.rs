//! The gallery in a real browser (issue 11.3/11.4), Chromium headless through chromedriver:
//! - the gallery, an album and the photo viewer at phone size (360x740, touch, 3x) and desktop
//!   size (1280x800), each in the light and the dark colour scheme: a screenshot of each under
//!   `target/screenshots/`, and layout facts asserted in the page — no horizontal scroll, every
//!   button and link-button at least 40 px tall, body text (and muted text) contrast >= 4.5:1;
//! - the viewer: arrow keys and swipes (CDP touch events) go to the older/newer photo, `?` shows
//!   the shortcuts, and a phone is shown the medium rendition, not the original file;
//! - multi-select: two photos picked in the grid, downloaded as one ZIP (the file Chromium saves
//!   is read back with the zip crate and compared with the disk), then deleted with one
//!   confirmation (the files are gone from the disk, the others stay).

mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use common::browser::Browser;
use serde_json::{json, Value};

const DAY: &str = "timelapse/2024-05-01";

/// One Chromium at a time: three at once on a loaded 2-core machine timed out chromedriver's
/// renderer messages (the viewer test passed alone, failed beside the other two).
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner())
}

/// A server with two top-level photos and a timelapse day of five pictures (f1..f5, f5 newest).
fn server() -> common::TestServer {
    // No watcher: pages must not reload themselves (over SSE) under the test's clicks.
    let s = common::start(|c| c.watch = pistream::config::WatchMode::Off);
    // Seven distinct pictures (a colour gradient each), 640x480.
    let work = tempfile::tempdir().unwrap();
    let jpegs: Vec<PathBuf> = (0..7u32)
        .map(|i| {
            let img = image::RgbImage::from_fn(640, 480, |x, y| {
                image::Rgb([(x / 3) as u8, (y / 2) as u8, (i * 36) as u8])
            });
            let path = work.path().join(format!("{i}.jpg"));
            img.save(&path).unwrap();
            path
        })
        .collect();
    let put = |src: &Path, name: &str, secs: u64| {
        let to = s.pic.join(name);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(src, &to).unwrap();
        let f = std::fs::File::options().write(true).open(&to).unwrap();
        f.set_modified(SystemTime::UNIX_EPOCH + Duration::from_secs(secs))
            .unwrap();
    };
    put(&jpegs[0], "20240101-120000-000.jpg", 1_700_100_000);
    put(&jpegs[1], "20240101-120500-000.jpg", 1_700_100_300);
    for i in 1..=5u64 {
        put(
            &jpegs[1 + i as usize],
            &format!("{DAY}/f{i}.jpg"),
            1_700_000_000 + i,
        );
    }
    s.running.as_ref().unwrap().app.gallery.refresh().unwrap();
    s
}

/// The page loaded and every image in view decoded (lazy ones below the fold need not be).
fn settle(b: &Browser) {
    let done = b.wait_for(
        "document.readyState === 'complete' && Array.prototype.every.call(document.images, \
         function (i) { return i.complete || i.getBoundingClientRect().top > innerHeight; })",
        Duration::from_secs(20),
    );
    assert_eq!(done, true, "the page loaded");
}

#[test]
fn phone_and_desktop_in_both_schemes_keep_their_layout() {
    let _one = one_at_a_time();
    let s = server();
    let pages = [
        ("gallery", s.url("/photos")),
        ("album", s.url(&format!("/albums/{DAY}"))),
        ("viewer", s.url(&format!("/photos/{DAY}/f3.jpg"))),
    ];
    common::browser::sweep_layouts(
        &pages,
        |b, _| settle(b),
        |_, _, m| {
            assert!(
                m["buttons"].as_u64() > Some(0),
                "its buttons were measured: {m}"
            )
        },
    );
}

fn path_now(b: &Browser) -> String {
    b.run("return decodeURIComponent(location.pathname);")
        .as_str()
        .unwrap_or_default()
        .to_string()
}

fn wait_path(b: &Browser, want: &str) {
    let expr = format!(
        "decodeURIComponent(location.pathname) === {want:?} && document.readyState === 'complete'"
    );
    let ok = b.wait_for(&expr, Duration::from_secs(15));
    assert_eq!(ok, true, "at {want}, not {}", path_now(b));
}

#[test]
fn the_viewer_moves_by_arrow_keys_and_swipes() {
    let _one = one_at_a_time();
    let s = server();
    let Some(b) = Browser::start() else { return };
    b.emulate(360, 740, true);
    b.goto(&s.url(&format!("/photos/{DAY}/f3.jpg")));
    settle(&b);
    // Newest first: → is the older photo (f2), ← the newer (f4).
    b.key("\u{E014}");
    wait_path(&b, &format!("/photos/{DAY}/f2.jpg"));
    b.key("\u{E012}");
    wait_path(&b, &format!("/photos/{DAY}/f3.jpg"));
    b.key("\u{E012}");
    wait_path(&b, &format!("/photos/{DAY}/f4.jpg"));
    // Swipes on the picture: to the left is the older photo, to the right the newer.
    let stage_center = || {
        settle(&b);
        let r = b.run(
            "var r = document.querySelector('.stage').getBoundingClientRect(); \
             return [r.left + r.width / 2, r.top + r.height / 2];",
        );
        (r[0].as_f64().unwrap(), r[1].as_f64().unwrap())
    };
    let (x, y) = stage_center();
    b.swipe((x + 100.0, y), (x - 100.0, y + 10.0));
    wait_path(&b, &format!("/photos/{DAY}/f3.jpg"));
    let (x, y) = stage_center();
    b.swipe((x - 100.0, y), (x + 100.0, y));
    wait_path(&b, &format!("/photos/{DAY}/f4.jpg"));
    // A mostly vertical move is a scroll, not a swipe.
    let (x, y) = stage_center();
    b.swipe((x, y - 100.0), (x + 30.0, y + 100.0));
    assert_eq!(b.run("return document.readyState;"), "complete");
    assert_eq!(path_now(&b), format!("/photos/{DAY}/f4.jpg"));
    // ? lists the shortcuts.
    assert_eq!(
        b.run("return document.getElementById('shortcuts').hidden;"),
        true
    );
    b.key("?");
    assert_eq!(
        b.run("return document.getElementById('shortcuts').hidden;"),
        false
    );
    // A phone is shown the medium rendition, not the original file.
    let src = b.wait_for(
        "document.getElementById('shown').complete && document.getElementById('shown').currentSrc",
        Duration::from_secs(20),
    );
    assert!(
        src.as_str()
            .unwrap_or("")
            .contains(&format!("/medium/{DAY}/f4.jpg")),
        "{src}"
    );
}

/// The `.zip` Chromium finished saving into `dir` (no `.crdownload` left).
fn downloaded(dir: &Path) -> Option<PathBuf> {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        let files: Vec<PathBuf> = std::fs::read_dir(dir)
            .ok()?
            .flatten()
            .map(|e| e.path())
            .collect();
        if !files
            .iter()
            .any(|p| p.to_string_lossy().ends_with(".crdownload"))
        {
            if let Some(zip) = files
                .iter()
                .find(|p| p.extension().is_some_and(|e| e == "zip"))
            {
                return Some(zip.clone());
            }
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    None
}

#[test]
fn multi_select_downloads_a_zip_and_deletes_with_one_confirmation() {
    let _one = one_at_a_time();
    let s = server();
    let Some(b) = Browser::start() else { return };
    let downloads = tempfile::tempdir().unwrap();
    b.cdp(
        "Browser.setDownloadBehavior",
        json!({ "behavior": "allow", "downloadPath": downloads.path().to_str().unwrap() }),
    );
    b.goto(&s.url(&format!("/albums/{DAY}")));
    settle(&b);
    let pick = |name: &str| format!(".card[data-name=\"{DAY}/{name}\"] .pick input");
    assert_eq!(
        b.run("return document.querySelector('[data-action=\"delete-selected\"]').disabled;"),
        true,
        "nothing selected: nothing to delete"
    );
    b.click(&pick("f2.jpg"));
    b.click(&pick("f4.jpg"));
    assert_eq!(
        b.run("return document.querySelector('.selected-count').textContent;"),
        "2 selected"
    );
    // Download the selection: the ZIP Chromium saves holds exactly those two files.
    b.click("[data-action=\"zip-selected\"]");
    let zip = downloaded(downloads.path()).expect("a ZIP was downloaded");
    let mut archive = zip::ZipArchive::new(std::fs::File::open(&zip).unwrap()).unwrap();
    let mut names: Vec<String> = archive
        .file_names()
        .map(|n| n.unwrap().to_string())
        .collect();
    names.sort();
    assert_eq!(names, ["f2.jpg", "f4.jpg"], "{}", zip.display());
    for name in &names {
        let mut f = archive.by_name(name).unwrap();
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut f, &mut bytes).unwrap();
        assert_eq!(
            bytes,
            std::fs::read(s.pic.join(DAY).join(name)).unwrap(),
            "{name}"
        );
    }
    // Delete them: one confirmation naming the count, one POST, the two files gone.
    b.click("[data-action=\"delete-selected\"]");
    let asked = b.dialog_text().expect("a confirmation");
    assert!(asked.contains("Delete 2 photos"), "{asked}");
    b.accept_dialog();
    let gone = b.wait_for(
        "document.querySelectorAll('.card').length === 3",
        Duration::from_secs(15),
    );
    assert_eq!(gone, true, "two cards went");
    for (name, kept) in [
        ("f1", true),
        ("f2", false),
        ("f3", true),
        ("f4", false),
        ("f5", true),
    ] {
        assert_eq!(
            s.pic.join(DAY).join(format!("{name}.jpg")).exists(),
            kept,
            "{name} on disk"
        );
    }
    // Cancelling the confirmation deletes nothing.
    b.click(&pick("f1.jpg"));
    b.click("[data-action=\"delete-selected\"]");
    assert!(b.dialog_text().is_some());
    b.cmd("POST", "/alert/dismiss", Value::Object(Default::default()));
    b.goto(&s.url(&format!("/albums/{DAY}")));
    settle(&b);
    assert_eq!(
        b.run("return document.querySelectorAll('.card').length;"),
        3
    );
    assert!(s.pic.join(DAY).join("f1.jpg").exists());
}
