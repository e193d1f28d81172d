//! Errors have one home (src/web/errors.rs): every route's failures — and the edge's cross-site
//! and login refusals — answer a browser with the themed error page, a JSON client with
//! `{"error": ...}` and anyone else with a line of text, with the same status and message.

mod common;

use common::*;

const BROWSER: (&str, &str) = ("Accept", "text/html,application/xhtml+xml,*/*;q=0.8");
const JSON: (&str, &str) = ("Accept", "application/json");

/// A request's extra headers.
type Headers = Vec<(&'static str, &'static str)>;

/// One failing request of each kind: method, path, extra headers, the status, a word of the
/// message.
fn failures() -> Vec<(&'static str, &'static str, Headers, u16, &'static str)> {
    vec![
        ("GET", "/no/such/route", vec![], 404, "Nothing at"),
        ("GET", "/pages/nope", vec![], 404, "no page"),
        ("GET", "/pic/nope.jpg", vec![], 404, "no such photo"),
        (
            "GET",
            "/thumbs/..%2fx.jpg",
            vec![],
            400,
            "not a valid photo name",
        ),
        ("GET", "/photos/nope.jpg", vec![], 404, "no such photo"),
        ("GET", "/theme/nope.css", vec![], 404, "No theme file"),
        ("GET", "/content/nope.png", vec![], 404, "No file"),
        ("GET", "/stream?width=abc", vec![], 400, "whole number"),
        ("GET", "/photos?page=x", vec![], 400, "whole number"),
        (
            "POST",
            "/photos/nope.jpg/delete",
            vec![],
            404,
            "no such photo",
        ),
        ("PUT", "/photos", vec![], 405, "not allowed"),
        (
            "POST",
            "/photos",
            vec![("Origin", "http://evil.example")],
            403,
            "evil.example",
        ),
    ]
}

#[test]
fn every_error_in_the_clients_own_form() {
    let server = start(|_| {});
    for (method, path, headers, status, word) in failures() {
        let with = |accept: Option<(&'static str, &'static str)>| {
            let mut h = headers.clone();
            h.extend(accept);
            request(server.addr, method, path, &h, b"")
        };
        let case = format!("{method} {path}");

        let page = with(Some(BROWSER));
        assert_eq!(page.status, status, "{case}");
        assert!(
            page.headers["content-type"].starts_with("text/html"),
            "{case}"
        );
        let body = String::from_utf8_lossy(&page.body);
        assert!(
            body.contains("class=\"text error\""),
            "{case}: themed\n{body}"
        );
        assert!(body.contains(word), "{case}: {word}\n{body}");

        let json = with(Some(JSON));
        assert_eq!(json.status, status, "{case}");
        assert_eq!(json.headers["content-type"], "application/json", "{case}");
        let v: serde_json::Value = serde_json::from_slice(&json.body).expect("JSON");
        let message = v["error"].as_str().expect("an error message");
        assert!(message.contains(word), "{case}: {message}");

        let text = with(None);
        assert_eq!(text.status, status, "{case}");
        assert!(
            text.headers["content-type"].starts_with("text/plain"),
            "{case}"
        );
        let body = String::from_utf8_lossy(&text.body);
        assert!(
            body.contains(word) && body.ends_with('\n'),
            "{case}: {body}"
        );
        assert_eq!(body, format!("{message}\n"), "{case}: one message");

        if status == 405 {
            for r in [&page, &json, &text] {
                assert_eq!(r.headers["allow"], "GET, HEAD, POST", "{case}");
            }
        }
    }
}

#[test]
fn an_api_path_answers_json_by_default() {
    let server = start(|_| {});
    let r = request(
        server.addr,
        "POST",
        "/api/controls",
        &[("Content-Type", "application/json")],
        br#"{"name":"no-such-control","value":1}"#,
    );
    assert_eq!(r.status, 404);
    let v: serde_json::Value = serde_json::from_slice(&r.body).expect("JSON");
    assert!(v["error"].as_str().is_some(), "{v}");
}

#[test]
fn login_limits_and_unavailable_cameras_are_themed_too() {
    let server = start(|c| c.auth = Some("ann:secret".into()));
    // Failed logins until the limit answers 429: themed for a browser, with Retry-After.
    let wrong = ("Authorization", "Basic YW5uOndyb25n");
    let limited = (0..50)
        .map(|_| request(server.addr, "GET", "/", &[wrong, BROWSER], b""))
        .find(|r| r.status == 429)
        .expect("the login limit answers 429");
    assert!(limited.headers.contains_key("retry-after"));
    let body = String::from_utf8_lossy(&limited.body);
    assert!(body.contains("class=\"text error\""), "themed 429: {body}");
    assert!(body.contains("too many failed logins"), "{body}");

    // A camera that cannot start: 503 with Retry-After, as JSON for a script that asks.
    let server = start(|_| {});
    let app = server.running.as_ref().unwrap().app.clone();
    app.capture.threads.inject_failure(true);
    let r = request(server.addr, "GET", "/snapshot.jpg", &[JSON], b"");
    assert_eq!(r.status, 503);
    assert!(r.headers.contains_key("retry-after"));
    let v: serde_json::Value = serde_json::from_slice(&r.body).expect("JSON");
    assert!(
        v["error"].as_str().unwrap().contains("capture thread"),
        "{v}"
    );
}
