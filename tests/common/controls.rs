//! `/api/controls` for tests: list the camera's controls, find one by name, set one. One copy for
//! the mock camera's tests (controls.rs) and the V4L2 backend's (v4l2_server.rs), which ask the
//! same API of different cameras.

use serde_json::Value;

use super::{request, TestServer};

/// `GET /api/controls`, checked to answer 200 with JSON.
pub fn get_controls(s: &TestServer) -> Value {
    let r = request(s.addr, "GET", "/api/controls", &[], b"");
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    r.json()
}

/// The control `name` of a listing; panics, showing the listing, when it has none.
pub fn control(list: &Value, name: &str) -> Value {
    list["controls"]
        .as_array()
        .expect("a list")
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("{name} in {list}"))
        .clone()
}

/// `POST /api/controls` with `body` of `content_type`: the status and the JSON reply.
pub fn post(s: &TestServer, content_type: &str, body: &[u8]) -> (u16, Value) {
    let r = request(
        s.addr,
        "POST",
        "/api/controls",
        &[("Content-Type", content_type)],
        body,
    );
    (r.status, r.json())
}

/// [`post`] of a JSON body.
pub fn post_json(s: &TestServer, body: Value) -> (u16, Value) {
    post(s, "application/json", body.to_string().as_bytes())
}
