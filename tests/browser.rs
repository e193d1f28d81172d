//! In a real browser (Debian's chromium driven by chromedriver over WebDriver): the live page shows
//! a moving picture (the `<img>` decodes and its pixels change over time), Take photo then the
//! gallery shows the new photo, a photo someone else takes appears on an open gallery page (SSE),
//! and delete removes it. WebDriver is plain HTTP + JSON, so a small client here does the talking.
//! Without chromium/chromedriver the tests print a loud SKIPPED notice; `.ci/run` installs both.

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::browser::Browser;
use serde_json::{json, Value};

fn server() -> common::TestServer {
    common::start(|c| c.watch = pistream::config::WatchMode::Native)
}

#[test]
fn live_page_shows_a_moving_picture() {
    let s = server();
    let Some(b) = Browser::start() else { return };
    b.goto(&s.url("/live"));
    // Draw the <img> to a canvas now and again until the pixels differ (or 15 s pass).
    let result = b.run_async(
        r#"
        var img = document.getElementById('stream');
        function pixels() {
          var c = document.createElement('canvas');
          c.width = img.naturalWidth; c.height = img.naturalHeight;
          var ctx = c.getContext('2d');
          ctx.drawImage(img, 0, 0);
          var d = ctx.getImageData(0, 0, c.width, c.height).data, sum = 0;
          for (var i = 0; i < d.length; i += 7) sum = (sum * 31 + d[i]) % 1000000007;
          return sum;
        }
        var start = Date.now(), first = null;
        (function look() {
          if (img.naturalWidth > 0) {
            var now = pixels();
            if (first === null) first = now;
            else if (now !== first) return done({ moving: true, w: img.naturalWidth, h: img.naturalHeight });
          }
          if (Date.now() - start > 15000) return done({ moving: false, w: img.naturalWidth, first: first });
          setTimeout(look, 100);
        })();
        "#,
    );
    assert_eq!(result["moving"], true, "{result}");
    assert_eq!(
        (result["w"].as_u64(), result["h"].as_u64()),
        (Some(320), Some(240)),
        "{result}"
    );
    // The stats line is filled from /api/state.
    let viewers = b.wait_for(
        "+document.querySelector('[data-stat=viewers]').textContent >= 1",
        Duration::from_secs(10),
    );
    assert_eq!(viewers, true, "viewer count shown");

    // Shrink asks the server for an 80% variant: 256 pixels snap down the ladder to 160.
    b.run("document.querySelector('[data-action=shrink]').click();");
    let src = b.run("return document.getElementById('stream').getAttribute('src');");
    assert_eq!(src, "/stream?scale=80", "{src}");
    let shrunk = b.wait_for(
        "document.getElementById('stream').naturalWidth === 160",
        Duration::from_secs(15),
    );
    assert_eq!(shrunk, true, "the shrunk variant decodes");
    b.run("document.querySelector('[data-action=lower]').click();");
    let src = b.run("return document.getElementById('stream').getAttribute('src');");
    assert_eq!(src, "/stream?scale=80&quality=64", "{src}");
    b.run("document.querySelector('[data-action=reset]').click();");
    let src = b.run("return document.getElementById('stream').getAttribute('src');");
    assert_eq!(src, "/stream", "{src}");
    // A frame rate for a poor network: the same stream, capped for this viewer, still moving.
    b.run(
        "var s = document.querySelector('[data-control=fps]'); s.value = '5'; \
         s.dispatchEvent(new Event('change'));",
    );
    let src = b.run("return document.getElementById('stream').getAttribute('src');");
    assert_eq!(src, "/stream?fps=5", "{src}");
    let loaded = b.wait_for(
        "document.getElementById('stream').naturalWidth === 320",
        Duration::from_secs(15),
    );
    assert_eq!(loaded, true, "the capped stream decodes");
    let shown = b.run("return document.querySelector('[data-stat=view]').textContent;");
    assert!(shown.as_str().unwrap_or("").contains("5 fps"), "{shown}");
}

#[test]
fn take_photo_then_the_gallery_shows_it_and_delete_removes_it() {
    let s = server();
    let Some(b) = Browser::start() else { return };
    b.goto(&s.url("/live"));
    b.run("document.querySelector('form.take-photo button').click();");
    let name = b.wait_for(
        "document.querySelector('.photo-result a img') && document.querySelector('.photo-result a img').alt",
        Duration::from_secs(20),
    );
    let name = name
        .as_str()
        .unwrap_or_else(|| panic!("no photo shown on the live page: {name}"))
        .to_string();
    assert!(s.pic.join(&name).is_file(), "{name} saved");

    b.goto(&s.url("/photos"));
    let card = format!("document.querySelector('.card[data-name=\"{name}\"]') !== null");
    // The watcher may not have refreshed the gallery yet; the page reloads itself when it does.
    assert_eq!(
        b.wait_for(&card, Duration::from_secs(15)),
        true,
        "the new photo is in the gallery"
    );

    // Someone else takes a photo: the open gallery page shows it without anyone reloading.
    let other = common::take_photo(s.addr);
    assert_eq!(other.status, 201);
    let cards = b.wait_for(
        "document.querySelectorAll('.card').length >= 2",
        Duration::from_secs(15),
    );
    assert_eq!(cards, true, "a photo taken elsewhere appears over SSE");

    // Delete the first photo: confirm, then the card goes and so does exactly that file.
    b.run("window.confirm = function () { return true; };");
    b.run(&format!(
        "document.querySelector('.card[data-name=\"{name}\"] form.delete button').click();"
    ));
    let gone = format!("document.querySelector('.card[data-name=\"{name}\"]') === null");
    assert_eq!(b.wait_for(&gone, Duration::from_secs(15)), true);
    let deadline = Instant::now() + Duration::from_secs(5);
    while s.pic.join(&name).exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(!s.pic.join(&name).exists(), "file deleted");
    let left: Vec<_> = std::fs::read_dir(&s.pic)
        .unwrap()
        .flatten()
        .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
        .collect();
    assert_eq!(left.len(), 1, "exactly one photo was deleted");
    b.goto(&s.url("/photos"));
    assert_eq!(
        b.run(&format!(
            "return document.querySelector('.card[data-name=\"{name}\"]') === null;"
        )),
        true
    );
}

/// The mean luma of the live `<img>`, drawn to a canvas; `done(number)` when it has decoded.
const LUMA_JS: &str = r#"
  function luma() {
    var img = document.getElementById('stream');
    if (!img.naturalWidth) return null;
    var c = document.createElement('canvas');
    c.width = img.naturalWidth; c.height = img.naturalHeight;
    var ctx = c.getContext('2d');
    ctx.drawImage(img, 0, 0);
    var d = ctx.getImageData(0, 0, c.width, c.height).data, sum = 0, n = 0;
    for (var i = 0; i < d.length; i += 16) { sum += 0.299 * d[i] + 0.587 * d[i + 1] + 0.114 * d[i + 2]; n++; }
    return sum / n;
  }
"#;

#[test]
fn camera_section_slider_changes_the_live_picture_and_is_remembered() {
    let s = server();
    let Some(b) = Browser::start() else { return };
    b.goto(&s.url("/live"));
    let ready = b.wait_for(
        "document.querySelector('#camera[data-ready] input[name=brightness]') !== null && document.getElementById('stream').naturalWidth > 0",
        Duration::from_secs(20),
    );
    assert_eq!(ready, true, "the Camera section shows a brightness slider");
    let before = b.run(&format!("{LUMA_JS} return luma();"));
    let before = before.as_f64().expect("a luma");

    // Drag the brightness slider from its middle to its right end with a real pointer.
    let slider = b.cmd(
        "POST",
        "/element",
        json!({ "using": "css selector", "value": "#camera input[name=brightness]" }),
    );
    let id = slider["element-6066-11e4-a52e-4f735466cecf"].clone();
    let width = b.run("return document.querySelector('#camera input[name=brightness]').getBoundingClientRect().width;");
    let half = (width.as_f64().expect("a width") / 2.0).floor() as i64;
    b.cmd(
        "POST",
        "/actions",
        json!({ "actions": [{
            "type": "pointer", "id": "mouse", "parameters": { "pointerType": "mouse" },
            "actions": [
                { "type": "pointerMove", "origin": { "element-6066-11e4-a52e-4f735466cecf": id }, "x": 0, "y": 0 },
                { "type": "pointerDown", "button": 0 },
                { "type": "pointerMove", "origin": "pointer", "x": half / 2, "y": 0, "duration": 100 },
                { "type": "pointerMove", "origin": "pointer", "x": half / 2 + 20, "y": 0, "duration": 100 },
                { "type": "pointerUp", "button": 0 }
            ]
        }]}),
    );
    let moved = b.run("return +document.querySelector('#camera input[name=brightness]').value;");
    assert!(moved.as_i64().unwrap_or(0) > 40, "slider at {moved}");

    // The picture brightens: the next frames carry the new brightness.
    let result = b.run_async(&format!(
        r#"{LUMA_JS}
        var start = Date.now();
        (function look() {{
          var now = luma();
          if (now !== null && now > {before} + 25) return done({{ brighter: true, luma: now }});
          if (Date.now() - start > 20000) return done({{ brighter: false, luma: now }});
          setTimeout(look, 100);
        }})();"#
    ));
    assert_eq!(result["brighter"], true, "before {before}: {result}");

    // The server has the value the slider shows, and a reloaded page shows it again.
    let shown = moved.as_i64().unwrap();
    let r = common::request(s.addr, "GET", "/api/controls", &[], b"");
    let list: Value = serde_json::from_slice(&r.body).unwrap();
    let server_value = list["controls"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "brightness")
        .map(|c| c["value"].clone());
    assert_eq!(server_value, Some(json!(shown)), "{list}");

    // A menu: Black & White takes the colour out of the picture.
    b.run(
        "var m = document.querySelector('#camera select[name=color_effects]'); \
         m.value = '1'; m.dispatchEvent(new Event('change'));",
    );
    let grey = b.run_async(
        r#"
        var img = document.getElementById('stream'), start = Date.now();
        (function look() {
          var c = document.createElement('canvas');
          c.width = img.naturalWidth; c.height = img.naturalHeight;
          var ctx = c.getContext('2d'); ctx.drawImage(img, 0, 0);
          var d = ctx.getImageData(0, 0, c.width, c.height).data, colour = 0, n = 0;
          for (var i = 0; i < d.length; i += 16) { colour += Math.abs(d[i] - d[i + 1]) + Math.abs(d[i + 1] - d[i + 2]); n++; }
          if (colour / n < 6) return done({ grey: true, colour: colour / n });
          if (Date.now() - start > 20000) return done({ grey: false, colour: colour / n });
          setTimeout(look, 100);
        })();"#,
    );
    assert_eq!(grey["grey"], true, "{grey}");

    b.goto(&s.url("/live"));
    let again = b.wait_for(
        &format!("document.querySelector('#camera[data-ready] input[name=brightness]') !== null && +document.querySelector('#camera input[name=brightness]').value === {shown}"),
        Duration::from_secs(20),
    );
    assert_eq!(again, true, "the reloaded page shows the saved brightness");
}

/// The theme's scripts under `--base-path /cam1` (a child process: the base path is one per
/// process): the live picture and its variants, the viewer count, the camera controls and a photo
/// taken from the page all go to `/cam1/...`, and an open page reloads through `/cam1/events` when
/// its markdown changes.
#[test]
fn under_a_base_path_the_scripts_stay_under_it() {
    let dir = tempfile::tempdir().unwrap();
    let content = dir.path().join("content");
    std::fs::create_dir_all(&content).unwrap();
    std::fs::write(content.join("about.md"), "# About\n\nfirst version\n").unwrap();
    let (child, addr) = common::spawn_for_banner(
        Command::new(env!("CARGO_BIN_EXE_pistream"))
            .args([
                "--bind",
                "127.0.0.1:0",
                "--base-path",
                "/cam1",
                "--fps",
                "20",
            ])
            .args(["--width", "320", "--height", "240"])
            .arg("--pic")
            .arg(dir.path().join("pic"))
            .arg("--content")
            .arg(&content),
    );
    let _child = common::Killed(child);
    let base = format!("http://{addr}/cam1");
    let Some(b) = Browser::start() else { return };

    b.goto(&format!("{base}/live"));
    assert_eq!(
        b.wait_for(
            "document.getElementById('stream').naturalWidth === 320",
            Duration::from_secs(15)
        ),
        true,
        "the live picture loads from /cam1/stream"
    );
    b.run("document.querySelector('[data-action=shrink]').click();");
    let src = b.run("return document.getElementById('stream').getAttribute('src');");
    assert_eq!(src, "/cam1/stream?scale=80", "{src}");
    assert_eq!(
        b.wait_for(
            "document.getElementById('stream').naturalWidth === 160",
            Duration::from_secs(15)
        ),
        true,
        "the variant loads"
    );
    let path = b.run("return location.pathname + location.search;");
    assert_eq!(path, "/cam1/live?scale=80", "the address bar follows");
    assert_eq!(
        b.wait_for(
            "+document.querySelector('[data-stat=viewers]').textContent >= 1",
            Duration::from_secs(10)
        ),
        true,
        "the viewer count comes from /cam1/api/state"
    );
    assert_eq!(
        b.wait_for(
            "document.querySelectorAll('#camera input, #camera select').length > 0",
            Duration::from_secs(10)
        ),
        true,
        "the camera controls come from /cam1/api/controls"
    );
    b.run("document.querySelector('form.take-photo button').click();");
    let href = b.wait_for(
        "document.querySelector('.photo-result a') && document.querySelector('.photo-result a').getAttribute('href')",
        Duration::from_secs(20),
    );
    assert!(
        href.as_str().unwrap_or("").starts_with("/cam1/photos/"),
        "{href}"
    );

    // Page events: the open page reloads when its source changes.
    // Which URL the page's script opened its event stream on (pistream would also answer
    // /events without the prefix, so only the browser can tell): EventSource is wrapped before
    // any script of the next page runs.
    b.cmd(
        "POST",
        "/goog/cdp/execute",
        json!({ "cmd": "Page.addScriptToEvaluateOnNewDocument", "params": { "source":
            "window.opened = []; var Real = window.EventSource; \
             window.EventSource = function (u, o) { window.opened.push(u); return new Real(u, o); };"
        }}),
    );
    b.goto(&format!("{base}/pages/about"));
    let opened = b.wait_for(
        "window.opened.length && window.opened",
        Duration::from_secs(10),
    );
    let urls = opened.as_array().expect("the page opened an event stream");
    assert_eq!(urls.len(), 1, "{opened}");
    assert!(
        urls[0].as_str().unwrap_or("").starts_with("/cam1/events"),
        "{opened}"
    );
    b.run("window.notReloaded = true;");
    std::fs::write(content.join("about.md"), "# About\n\nsecond version\n").unwrap();
    assert_eq!(
        b.wait_for(
            "!window.notReloaded && document.body.textContent.indexOf('second version') >= 0",
            Duration::from_secs(20)
        ),
        true,
        "the page reloaded through /cam1/events"
    );
}

/// A server whose content folder holds the page `name.md` with `text`.
fn server_with_page(name: &str, text: &str) -> common::TestServer {
    let (name, text) = (name.to_string(), text.to_string());
    common::start(move |c| {
        std::fs::write(c.content.join(format!("{name}.md")), text).unwrap();
        c.watch = pistream::config::WatchMode::Native;
    })
}

#[test]
fn the_header_search_box_finds_chinese_text() {
    let s = server_with_page("garden", "# 花园\n\n我们的摄像头在花园里，每天拍照。\n");
    let Some(b) = Browser::start() else { return };
    b.goto(&s.url("/live"));
    // Type into the box in the header and press Enter, as a person would.
    let input = b.cmd(
        "POST",
        "/element",
        json!({ "using": "css selector", "value": "header form[role=search] input[name=q]" }),
    );
    let id = input["element-6066-11e4-a52e-4f735466cecf"]
        .as_str()
        .expect("the header has a search box")
        .to_string();
    b.cmd(
        "POST",
        &format!("/element/{id}/value"),
        json!({ "text": "摄像头\u{E007}" }),
    );
    let found = b.wait_for(
        "location.pathname === '/search' && document.querySelector('.result mark') !== null",
        Duration::from_secs(15),
    );
    assert_eq!(found, true, "the results page shows a highlighted hit");
    let result = b.run(
        "var r = document.querySelector('.result'); \
         return { mark: r.querySelector('mark').textContent, \
                  href: r.querySelector('a.result-title').getAttribute('href'), \
                  box: document.querySelector('header input[name=q]').value, \
                  count: document.querySelectorAll('.result').length };",
    );
    assert_eq!(result["mark"], "摄像头", "{result}");
    assert_eq!(result["href"], "/pages/garden", "{result}");
    assert_eq!(result["box"], "摄像头", "the box keeps the query: {result}");
    assert_eq!(result["count"], 1, "{result}");
    b.run("document.querySelector('.result a.result-title').click();");
    assert_eq!(
        b.wait_for(
            "location.pathname === '/pages/garden'",
            Duration::from_secs(15)
        ),
        true,
        "the result leads to the page"
    );
}

#[test]
fn a_snapshot_embed_shows_a_new_picture_every_second() {
    let s = server_with_page(
        "cam",
        "# Cam\n\n```pistream\nshow = snapshot\nevery = 1\n```\n",
    );
    let Some(b) = Browser::start() else { return };
    b.goto(&s.url("/pages/cam"));
    let first = b.wait_for(
        "document.querySelector('img[data-refresh]').naturalWidth > 0 && document.querySelector('img[data-refresh]').src",
        Duration::from_secs(15),
    );
    let first = first.as_str().expect("the snapshot loads").to_string();
    // (On a loaded machine the first refresh may already have happened.)
    assert!(first.contains("/snapshot.jpg"), "{first}");
    // Twice more: each refresh loads a new picture and swaps it in.
    let mut seen = first;
    for _ in 0..2 {
        let next = b.wait_for(
            &format!(
                "(function () {{ var i = document.querySelector('img[data-refresh]'); \
                 return i.src !== {seen:?} && i.complete && i.naturalWidth === 320 && i.src; }})()"
            ),
            Duration::from_secs(15),
        );
        let next = next.as_str().expect("the src changed").to_string();
        assert!(next.contains("/snapshot.jpg?t="), "{next}");
        seen = next;
    }
}
