//! Routes of the timelapse. Thin: each turns a request into a call on [`crate::timelapse`].
//!
//! - `GET /api/timelapse`: the state, the day folders and the video job.
//! - `POST /api/timelapse`: switch, from `{"every": "30s"}` (or `"off"`) or the form field
//!   `every=30s`; JSON back, or 303 to the live page for a plain form.
//! - `POST /api/timelapse/video?day=YYYY-MM-DD[&fps=N]`: make a day's video (202; 409 while
//!   another is being made; 503 without ffmpeg); a plain form post gets 303 to the day's album.
//! - `GET /api/timelapse/video/events`: the job's statuses as Server-Sent Events (`?since=N` or
//!   `Last-Event-ID` to resume; `video_events` in `GET /api/timelapse` is the number to start at).
//! - `POST /api/timelapse/video/cancel`: stop the job (409 when none runs).
//! - `GET /api/timelapse/video?day=YYYY-MM-DD`: the day's MP4 (ranges, for seeking).
//!
//! Login and the cross-site check are the edge's ([`super::gate`]), as for taking photos.

use async_std::task::spawn_blocking;
use serde_json::{json, Value};
use tide::{Response, StatusCode};

use super::conditional::{file_response, Preconditions, Validators};
use super::control_routes::reply;
use super::errors::HttpError;
use super::site_routes::sse;
use super::{Request, Server};
use crate::timelapse::{retention, video};
use crate::urls;

/// The frame rate of a day's video unless `?fps=` says otherwise.
const DEFAULT_FPS: u32 = 25;

pub fn register(server: &mut Server) {
    server.at("/api/timelapse").get(show).post(switch);
    server
        .at("/api/timelapse/video")
        .get(video_file)
        .post(make_video);
    server.at("/api/timelapse/video/events").get(video_events);
    server.at("/api/timelapse/video/cancel").post(cancel_video);
}

async fn show(req: Request) -> tide::Result {
    let tl = req.state().timelapse.clone();
    let days = {
        let tl = tl.clone();
        spawn_blocking(move || tl.days()).await?
    };
    let mut body = serde_json::to_value(tl.state())?;
    body["days"] = serde_json::to_value(days)?;
    body["video"] = serde_json::to_value(tl.video.status())?;
    body["video_events"] = json!(tl.video.events.last());
    Ok(reply(StatusCode::Ok, body))
}

async fn switch(mut req: Request) -> tide::Result {
    let content_type = header(&req, "content-type");
    let wants_json = header(&req, "accept").contains("json") || content_type.contains("json");
    let body = req.body_bytes().await?;
    let every = every_of(&content_type, &body).map_err(HttpError::bad_request)?;
    let tl = req.state().timelapse.clone();
    let state = spawn_blocking(move || tl.switch(&every))
        .await
        .map_err(HttpError::from)?;
    if wants_json {
        return Ok(reply(StatusCode::Ok, serde_json::to_value(state)?));
    }
    let mut res = Response::new(StatusCode::SeeOther);
    res.insert_header("Location", urls::live("").as_str());
    Ok(res)
}

/// The interval a switch asks for: `{"every": "30s"}` or the form field `every=30s`.
fn every_of(content_type: &str, body: &[u8]) -> Result<String, String> {
    const HOW: &str = "send {\"every\": \"30s\"} (or \"off\") as JSON, or the form field every=30s";
    let every = if content_type.contains("json") || body.trim_ascii_start().starts_with(b"{") {
        let v: Value = serde_json::from_slice(body)
            .map_err(|e| format!("the body is not JSON ({e}): {HOW}"))?;
        v.get("every").and_then(Value::as_str).map(str::to_owned)
    } else if content_type.is_empty()
        || content_type.starts_with("application/x-www-form-urlencoded")
    {
        form_urlencoded::parse(body)
            .find(|(k, _)| k == "every")
            .map(|(_, v)| v.into_owned())
    } else {
        return Err(format!("cannot read a {content_type} body: {HOW}"));
    };
    every.ok_or_else(|| format!("no interval: {HOW}"))
}

/// `?day=` (and `?fps=`) of a video request.
fn day_and_fps(req: &Request) -> Result<(String, u32), HttpError> {
    let mut day = None;
    let mut fps = DEFAULT_FPS;
    for (k, v) in req.url().query_pairs() {
        match &*k {
            "day" => day = Some(v.into_owned()),
            "fps" => {
                fps = v
                    .parse()
                    .ok()
                    .filter(|f| (1..=60).contains(f))
                    .ok_or_else(|| {
                        HttpError::bad_request("`fps` must be a whole number from 1 to 60")
                    })?
            }
            _ => {}
        }
    }
    let day = day.ok_or_else(|| HttpError::bad_request("which day? add ?day=YYYY-MM-DD"))?;
    Ok((day, fps))
}

async fn make_video(req: Request) -> tide::Result {
    let (day, fps) = day_and_fps(&req)?;
    // A page's plain form (no JavaScript) is answered with the day's page; API clients get JSON.
    let plain_form = header(&req, "content-type").starts_with("application/x-www-form-urlencoded")
        && !header(&req, "accept").contains("json");
    let jobs = req.state().timelapse.video.clone();
    let album = format!("{}/{day}", crate::timelapse::FOLDER);
    let status = spawn_blocking(move || jobs.start(&day, fps))
        .await
        .map_err(HttpError::from)?;
    if plain_form {
        let mut res = Response::new(StatusCode::SeeOther);
        res.insert_header("Location", urls::album(&album).as_str());
        return Ok(res);
    }
    let mut body = serde_json::to_value(status)?;
    body["events"] = json!(urls::at("/api/timelapse/video/events"));
    Ok(reply(StatusCode::Accepted, body))
}

async fn cancel_video(req: Request) -> tide::Result {
    let jobs = req.state().timelapse.video.clone();
    let status = spawn_blocking(move || jobs.cancel())
        .await
        .map_err(HttpError::from)?;
    Ok(reply(StatusCode::Ok, serde_json::to_value(status)?))
}

async fn video_events(req: Request) -> tide::Result {
    Ok(sse(&req, &req.state().timelapse.video.events))
}

async fn video_file(req: Request) -> tide::Result {
    let (day, _) = day_and_fps(&req)?;
    if retention::day_of(&day).is_none() {
        Err(HttpError::bad_request("`day` must be a date: YYYY-MM-DD"))?;
    }
    let path = req
        .state()
        .timelapse
        .root()
        .join(&day)
        .join(video::file_name(&day));
    let Ok(file) = async_std::fs::File::open(&path).await else {
        Err(HttpError::not_found(format!(
            "no video of {day} has been made"
        )))?
    };
    let meta = file.metadata().await?;
    let validators = Validators::file("", meta.len(), meta.modified()?);
    Ok(file_response(
        &Preconditions::of(&req),
        &validators,
        file,
        meta.len(),
        "video/mp4",
        "no-cache",
    )
    .await?)
}

fn header(req: &Request, name: &str) -> String {
    req.header(name)
        .map(|v| v.as_str().to_ascii_lowercase())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::every_of;

    #[test]
    fn json_and_form_bodies_give_the_interval() {
        assert_eq!(
            every_of("application/json", br#"{"every":"30s"}"#).as_deref(),
            Ok("30s")
        );
        assert_eq!(
            every_of("application/x-www-form-urlencoded", b"every=5m").as_deref(),
            Ok("5m")
        );
        assert_eq!(every_of("", b"every=off").as_deref(), Ok("off"));
        for (ct, body) in [
            ("application/json", &b"{}"[..]),
            ("application/json", b"{oops"),
            ("", b"interval=5m"),
            ("text/plain", b"5m"),
        ] {
            assert!(every_of(ct, body).unwrap_err().contains("every"), "{ct}");
        }
    }
}
