//! In a real browser (Debian's chromium driven by chromedriver over WebDriver): the live page shows
//! a moving picture (the `<img>` decodes and its pixels change over time), Take photo then the
//! gallery shows the new photo, a photo someone else takes appears on an open gallery page (SSE),
//! and delete removes it; the camera section's slider changes the picture and is remembered.
//! WebDriver is plain HTTP + JSON, so a small client (common/browser.rs) does the talking. Without
//! chromium/chromedriver the tests print a loud SKIPPED notice; `.ci/run` installs both. The site's
//! pages in the browser: browser_site.rs.

mod common;

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
