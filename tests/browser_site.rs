//! The site's pages in a real browser (chromium driven by chromedriver, common/browser.rs): under
//! `--base-path` every script, stream and event stays under the prefix, the header search box
//! finds Chinese text, and a snapshot embed shows a new picture every second. Without
//! chromium/chromedriver the tests print a loud SKIPPED notice; `.ci/run` installs both. The live
//! page and the gallery in the browser: browser.rs.

mod common;

use std::process::Command;
use std::time::Duration;

use common::browser::Browser;
use serde_json::json;

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
