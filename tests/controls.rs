//! Camera controls over real HTTP with the mock camera: `GET /api/controls` lists them, `POST` sets
//! one (JSON or form fields) and the picture changes; unknown names, wrong types and out-of-range
//! values get clear errors and change nothing; values are saved to the controls file and applied
//! again after a camera fault and after a server restart (the mock forgets its values at every open,
//! as a replugged camera does, so only the server's re-apply can bring them back).

mod common;

use std::path::Path;
use std::time::Duration;

use common::controls::{control, get_controls, post_json};
use serde_json::{json, Value};

fn server(controls_file: &Path) -> common::TestServer {
    let file = controls_file.to_path_buf();
    common::start(move |c| c.controls_file = Some(file))
}

/// Mean luma and mean colourfulness (|R-G| + |G-B|) of a fresh snapshot.
fn picture(s: &common::TestServer) -> (f64, f64) {
    let r = common::request(s.addr, "GET", "/snapshot.jpg", &[], b"");
    assert_eq!(r.status, 200);
    let img = image::load_from_memory(&r.body).expect("decodes").to_rgb8();
    let n = (img.width() * img.height()) as f64;
    let (mut luma, mut colour) = (0.0, 0.0);
    for p in img.pixels() {
        let [r, g, b] = p.0.map(f64::from);
        luma += 0.299 * r + 0.587 * g + 0.114 * b;
        colour += (r - g).abs() + (g - b).abs();
    }
    (luma / n, colour / n)
}

#[test]
fn lists_sets_and_the_picture_changes() {
    let dir = tempfile::tempdir().unwrap();
    let s = server(&dir.path().join("controls.json"));
    let list = get_controls(&s);
    assert_eq!(list["camera"], "mock");
    let b = control(&list, "brightness");
    assert_eq!(
        (
            &b["type"],
            &b["min"],
            &b["max"],
            &b["step"],
            &b["default"],
            &b["value"]
        ),
        (
            &json!("int"),
            &json!(-64),
            &json!(64),
            &json!(1),
            &json!(0),
            &json!(0)
        )
    );
    let fx = control(&list, "color_effects");
    assert_eq!(fx["type"], "menu");
    assert_eq!(fx["menu"][2], json!({ "value": 2, "label": "Sepia" }));
    assert_eq!(control(&list, "horizontal_flip")["value"], false);

    let (luma0, colour0) = picture(&s);
    let (status, reply) = post_json(&s, json!({ "name": "brightness", "value": 60 }));
    assert_eq!(status, 200, "{reply}");
    assert_eq!(
        (&reply["name"], &reply["value"]),
        (&json!("brightness"), &json!(60))
    );
    let (luma1, _) = picture(&s);
    assert!(luma1 > luma0 + 30.0, "brighter: {luma0:.1} -> {luma1:.1}");

    // Form fields, and a menu item named by its label.
    let r = common::request(
        s.addr,
        "POST",
        "/api/controls",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        b"name=color_effects&value=Black+%26+White",
    );
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let reply: Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(reply["value"], 1);
    let (_, colour1) = picture(&s);
    assert!(
        colour1 < colour0 / 4.0,
        "black and white: colour {colour0:.1} -> {colour1:.1}"
    );
    let (status, reply) = post_json(&s, json!({ "name": "horizontal_flip", "value": true }));
    assert_eq!((status, &reply["value"]), (200, &json!(true)), "{reply}");
    assert_eq!(control(&get_controls(&s), "brightness")["value"], 60);
}

#[test]
fn bad_requests_get_clear_errors_and_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("controls.json");
    let s = server(&file);
    let (status, reply) = post_json(&s, json!({ "name": "hue", "value": 1 }));
    assert_eq!(status, 404, "{reply}");
    let e = reply["error"].as_str().unwrap();
    assert!(e.contains("\"hue\"") && e.contains("brightness"), "{e}");

    for (body, words) in [
        (json!({ "name": "brightness", "value": 65 }), "-64 to 64"),
        (
            json!({ "name": "brightness", "value": "bright" }),
            "whole number",
        ),
        (
            json!({ "name": "horizontal_flip", "value": 2 }),
            "on or off",
        ),
        (
            json!({ "name": "color_effects", "value": 9 }),
            "3 (Negative)",
        ),
        (json!({ "name": "brightness" }), "no value"),
    ] {
        let (status, reply) = post_json(&s, body.clone());
        assert_eq!(status, 400, "{body}: {reply}");
        let e = reply["error"].as_str().unwrap();
        assert!(e.contains(words), "{body}: {e}");
    }
    let r = common::request(
        s.addr,
        "POST",
        "/api/controls",
        &[("Content-Type", "application/json")],
        b"{not json",
    );
    assert_eq!(r.status, 400);
    assert_eq!(control(&get_controls(&s), "brightness")["value"], 0);
    assert!(!file.exists(), "nothing was saved");
}

#[test]
fn saved_values_come_back_after_a_fault_and_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("controls.json");
    let mut s = server(&file);
    for (name, value) in [
        ("brightness", json!(-50)),
        ("color_effects", json!("Negative")),
    ] {
        let (status, reply) = post_json(&s, json!({ "name": name, "value": value }));
        assert_eq!(status, 200, "{reply}");
    }
    let saved: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(
        saved["cameras"]["mock"],
        json!({ "brightness": -50, "color_effects": 3 })
    );
    let (dark, _) = picture(&s);

    // Unplug and replug: the camera reopens (and, being a mock, forgets), the server re-applies.
    let _viewer = common::MjpegClient::open(s.addr, "/stream", false);
    let opens = s.control.opens();
    s.control.vanish();
    let st = s.wait_state(Duration::from_secs(20), |st| st["online"] == false);
    assert_eq!(st["online"], false, "{st}");
    s.control.reappear();
    let st = s.wait_state(Duration::from_secs(30), |st| st["online"] == true);
    assert_eq!(st["online"], true, "{st}");
    assert!(s.control.opens() > opens, "the camera was reopened");
    let list = get_controls(&s);
    assert_eq!(control(&list, "brightness")["value"], -50);
    assert_eq!(control(&list, "color_effects")["value"], 3);
    let (after_fault, _) = picture(&s);
    assert!(
        (after_fault - dark).abs() < 20.0,
        "{dark:.1} vs {after_fault:.1}"
    );
    drop(_viewer);
    assert!(s.stop(), "server stops");

    // A new server with the same file: the values are applied when its camera opens.
    let s = server(&file);
    let list = get_controls(&s);
    assert_eq!(control(&list, "brightness")["value"], -50);
    assert_eq!(control(&list, "color_effects")["value"], 3);
    let (after_restart, _) = picture(&s);
    assert!(
        (after_restart - dark).abs() < 20.0,
        "{dark:.1} vs {after_restart:.1}"
    );
}
