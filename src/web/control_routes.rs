//! `GET /api/controls` lists the camera's controls; `POST /api/controls` sets one, from a JSON body
//! `{"name": "brightness", "value": 40}` or the same as form fields, and answers the control's new
//! state. Thin: parsing and the JSON shape live here, everything else in
//! [`crate::video::controls`].
//!
//! Errors answer `{"error": "..."}`: unknown name 404, a value the control does not take 400, a value
//! the camera refuses now (a manual exposure while exposure is automatic) 409, camera not reachable
//! 503 (with `Retry-After`), the value set but not saved 500.

use pistream_camera::{ControlInfo, ControlKind};
use serde_json::{json, Value};
use tide::{Body, Response, StatusCode};

use super::errors::HttpError;
use super::{Request, Server};
use crate::app::FRESH_FRAME_WAIT;

pub fn register(server: &mut Server) {
    server.at("/api/controls").get(list).post(set);
}

async fn list(req: Request) -> tide::Result {
    let app = req.state();
    match app.controls.list(&app.capture, FRESH_FRAME_WAIT).await {
        Ok(list) => {
            let mut body = json!({
                "camera": app.capture.backend(),
                "controls": list.iter().map(control_json).collect::<Vec<_>>(),
            });
            if !app.controls.available() {
                body["note"] = json!(no_controls_note(app.capture.backend()));
            }
            Ok(reply(StatusCode::Ok, body))
        }
        Err(e) => Err(HttpError::from(e))?,
    }
}

async fn set(mut req: Request) -> tide::Result {
    let content_type = req
        .header("content-type")
        .map(|v| v.as_str().to_ascii_lowercase())
        .unwrap_or_default();
    let body = req.body_bytes().await?;
    let (name, value) = match parse_request(&content_type, &body) {
        Ok(asked) => asked,
        Err(why) => Err(HttpError::bad_request(why))?,
    };
    let app = req.state();
    match app
        .controls
        .set(&app.capture, FRESH_FRAME_WAIT, name, value)
        .await
    {
        Ok(info) => Ok(reply(StatusCode::Ok, control_json(&info))),
        Err(e) => Err(HttpError::from(e))?,
    }
}

/// The name and value a POST asks for: a JSON object, or form fields.
fn parse_request(content_type: &str, body: &[u8]) -> Result<(String, Value), String> {
    const HOW: &str = "send {\"name\": \"brightness\", \"value\": 40} as JSON, or the form fields name=brightness&value=40";
    let trimmed = body.trim_ascii_start();
    let fields: Value = if content_type.contains("json") || trimmed.starts_with(b"{") {
        serde_json::from_slice(body).map_err(|e| format!("the body is not JSON ({e}): {HOW}"))?
    } else if content_type.is_empty()
        || content_type.starts_with("application/x-www-form-urlencoded")
    {
        let pairs: serde_json::Map<String, Value> = form_urlencoded::parse(body)
            .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
            .collect();
        Value::Object(pairs)
    } else {
        return Err(format!("cannot read a {content_type} body: {HOW}"));
    };
    let name = fields
        .get("name")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .ok_or_else(|| format!("no control name: {HOW}"))?;
    let value = fields
        .get("value")
        .cloned()
        .ok_or_else(|| format!("no value for {name}: {HOW}"))?;
    Ok((name.to_string(), value))
}

/// A control as the API shows it: booleans as `true`/`false`, menus with their items.
fn control_json(c: &ControlInfo) -> Value {
    let value = |v: i64| match c.kind {
        ControlKind::Bool => json!(v != 0),
        _ => json!(v),
    };
    let mut out = json!({
        "name": c.name,
        "label": c.label,
        "type": c.kind.as_str(),
        "min": c.min,
        "max": c.max,
        "step": c.step,
        "default": value(c.default),
        "value": value(c.value),
        "inactive": c.inactive,
        "read_only": c.read_only,
    });
    if c.kind == ControlKind::Menu {
        out["menu"] = c
            .menu
            .iter()
            .map(|i| json!({ "value": i.value, "label": i.label }))
            .collect();
    }
    out
}

fn no_controls_note(backend: &str) -> String {
    if backend == "exec" {
        "an exec source's controls are set on its command line: see docs/PLATFORMS.md".into()
    } else {
        format!("the {backend} camera has no controls")
    }
}

/// A JSON answer that is never cached (also the timelapse routes').
pub(super) fn reply(status: StatusCode, body: Value) -> Response {
    let mut res = Response::new(status);
    res.set_body(Body::from_string(body.to_string()));
    res.set_content_type(http_types::mime::JSON);
    res.insert_header("Cache-Control", "no-store");
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_and_form_bodies_give_name_and_value() {
        let (n, v) =
            parse_request("application/json", br#"{"name":"brightness","value":40}"#).unwrap();
        assert_eq!((n.as_str(), v), ("brightness", json!(40)));
        let (n, v) = parse_request(
            "application/x-www-form-urlencoded",
            b"name=color_effects&value=Black+%26+White",
        )
        .unwrap();
        assert_eq!((n.as_str(), v), ("color_effects", json!("Black & White")));
    }

    #[test]
    fn bodies_without_name_or_value_say_how() {
        for (ct, body) in [
            ("application/json", &b"{\"value\": 1}"[..]),
            ("application/json", b"[1]"),
            ("application/json", b"{oops"),
            ("", b"name=brightness"),
            ("text/plain", b"brightness=4"),
        ] {
            let e = parse_request(ct, body).unwrap_err();
            assert!(e.contains("\"name\": \"brightness\""), "{ct} {e}");
        }
    }
}
