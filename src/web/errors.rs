//! Errors in one place (miniserve's model): every failure a request can end in becomes one
//! [`HttpError`] — a status and the message its user reads — through the `From` impls below, the
//! one mapping from the core's error types to HTTP. Handlers return it with `?`; the
//! [`ErrorPages`] middleware and the edge's own refusals ([`render`]) answer it the way the client
//! reads: a browser (`Accept: text/html`) gets the theme's error page, an API client asking for
//! JSON gets `{"error": "..."}`, anyone else a line of text.
//!
//! Server faults (5xx from disk or a template) are logged here with their detail; the user reads
//! what happened in words, never a path or an OS error number unless it helps them.

use std::io;

use tide::{Middleware, Next, Response, StatusCode};

use super::{Request, State};
use crate::app::PhotoError;
use crate::gallery::GalleryError;
use crate::site::{SiteError, SiteView};
use crate::timelapse::video::VideoError;
use crate::timelapse::SwitchError;
use crate::video::capture::Unavailable;
use crate::video::controls::ControlFailure;
use pistream_camera::ControlError;

/// How long a client should wait before retrying a 503 about the camera.
const CAMERA_RETRY_SECS: u32 = 2;

/// What a request ended in: its status and the message its user reads.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct HttpError {
    pub status: StatusCode,
    pub message: String,
    /// Seconds for `Retry-After`.
    pub retry_after: Option<u32>,
}

impl HttpError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> HttpError {
        HttpError {
            status,
            message: message.into(),
            retry_after: None,
        }
    }

    pub fn bad_request(message: impl Into<String>) -> HttpError {
        HttpError::new(StatusCode::BadRequest, message)
    }

    pub fn not_found(message: impl Into<String>) -> HttpError {
        HttpError::new(StatusCode::NotFound, message)
    }

    /// 503 with `Retry-After`.
    pub fn unavailable(message: impl Into<String>, retry_after: u32) -> HttpError {
        HttpError {
            retry_after: Some(retry_after),
            ..HttpError::new(StatusCode::ServiceUnavailable, message)
        }
    }

    /// A 500 whose detail goes to the log; the user reads `message`.
    fn internal(detail: &dyn std::fmt::Display, message: &str) -> HttpError {
        log::error!("{detail}");
        HttpError::new(StatusCode::InternalServerError, message)
    }
}

impl From<GalleryError> for HttpError {
    fn from(e: GalleryError) -> HttpError {
        match e {
            GalleryError::BadName(_) => HttpError::bad_request(e.to_string()),
            GalleryError::NotFound(_) => HttpError::not_found(e.to_string()),
            GalleryError::TooMany(_) => HttpError::new(StatusCode::PayloadTooLarge, e.to_string()),
            GalleryError::Io(_) => HttpError::internal(&e, "The photo folder could not be read."),
        }
    }
}

impl From<Unavailable> for HttpError {
    fn from(e: Unavailable) -> HttpError {
        HttpError::unavailable(e.0, CAMERA_RETRY_SECS)
    }
}

impl From<PhotoError> for HttpError {
    fn from(e: PhotoError) -> HttpError {
        match e {
            PhotoError::CameraUnavailable(why) => {
                HttpError::unavailable(format!("no photo: {why}"), CAMERA_RETRY_SECS)
            }
            PhotoError::Save(ref io) if is_disk_full(io) => {
                log::error!("{e}");
                HttpError::new(
                    StatusCode::InsufficientStorage,
                    "The photo was not saved: the disk is full. Delete some photos and try again.",
                )
            }
            PhotoError::Save(ref io) if io.kind() == io::ErrorKind::ReadOnlyFilesystem => {
                HttpError::internal(
                    &e,
                    "The photo was not saved: the photo folder is read-only.",
                )
            }
            PhotoError::Save(ref io) if io.kind() == io::ErrorKind::PermissionDenied => {
                HttpError::internal(
                    &e,
                    "The photo was not saved: the server may not write to the photo folder.",
                )
            }
            PhotoError::Save(_) => HttpError::internal(&e, &e.to_string()),
        }
    }
}

/// ENOSPC or EDQUOT: no room for the file.
fn is_disk_full(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::StorageFull | io::ErrorKind::QuotaExceeded
    )
}

impl From<SiteError> for HttpError {
    fn from(e: SiteError) -> HttpError {
        match e {
            SiteError::BadPath(_) => HttpError::bad_request("Bad path."),
            SiteError::NotFound(what) => HttpError::not_found(format!("No file `{what}`.")),
            // A broken template or page: the readable error (file and line) is the message.
            SiteError::Template { .. } | SiteError::Data(_) | SiteError::BrokenPage(_) => {
                log::error!("render: {e}");
                HttpError::new(StatusCode::InternalServerError, e.to_string())
            }
            SiteError::Io { .. } | SiteError::NotEmpty(_) => {
                HttpError::internal(&e, "The file could not be read.")
            }
        }
    }
}

impl From<ControlFailure> for HttpError {
    fn from(e: ControlFailure) -> HttpError {
        let status = match &e {
            ControlFailure::Control(ControlError::Unknown { .. }) => StatusCode::NotFound,
            ControlFailure::Control(ControlError::Invalid(_)) => StatusCode::BadRequest,
            ControlFailure::Control(ControlError::Refused(_)) => StatusCode::Conflict,
            ControlFailure::Control(ControlError::NotOpen | ControlError::Device(_))
            | ControlFailure::Unavailable(_) => {
                return HttpError::unavailable(e.to_string(), CAMERA_RETRY_SECS)
            }
            ControlFailure::Save { .. } => {
                log::error!("{e}");
                StatusCode::InternalServerError
            }
        };
        HttpError::new(status, e.to_string())
    }
}

impl From<SwitchError> for HttpError {
    fn from(e: SwitchError) -> HttpError {
        match e {
            SwitchError::BadInterval(_) => HttpError::bad_request(e.to_string()),
            SwitchError::Save(_) => HttpError::internal(&e, &e.to_string()),
        }
    }
}

impl From<VideoError> for HttpError {
    fn from(e: VideoError) -> HttpError {
        let status = match &e {
            VideoError::BadDay(_) => StatusCode::BadRequest,
            VideoError::NoDay(_) | VideoError::NoPhotos(_) => StatusCode::NotFound,
            VideoError::Busy(_) | VideoError::NotRunning => StatusCode::Conflict,
            VideoError::NoFfmpeg(_) => StatusCode::ServiceUnavailable,
            VideoError::Start(_) => return HttpError::internal(&e, "ffmpeg could not be started."),
        };
        HttpError::new(status, e.to_string())
    }
}

/// The form of an error a client reads, from its `Accept`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wants {
    /// A browser: the themed error page.
    Html,
    /// An API client: `{"error": "..."}`.
    Json,
    /// Anyone else (curl, scripts): one line of text.
    Text,
}

impl Wants {
    /// From an `Accept` header's value; HTML wins when both are named (browsers list it first).
    pub fn from_accept(accept: Option<&str>) -> Wants {
        match accept {
            Some(a) if a.contains("text/html") => Wants::Html,
            Some(a) if a.contains("application/json") => Wants::Json,
            _ => Wants::Text,
        }
    }

    /// For a request: its `Accept`; failing that, JSON under `/api/` (an API's own form), else text.
    pub fn of(req: &http_types::Request) -> Wants {
        match Wants::from_accept(req.header("accept").map(|v| v.last().as_str())) {
            Wants::Text if req.url().path().starts_with("/api/") => Wants::Json,
            wants => wants,
        }
    }
}

/// The response for `err` in the form the client reads (`site` themes the HTML page).
pub fn render(err: &HttpError, wants: Wants, site: &SiteView) -> Response {
    let message = err.message.trim_end();
    let mut res = Response::new(err.status);
    match wants {
        Wants::Html => {
            res.set_body(site.render_error(err.status as u16, message));
            res.set_content_type(http_types::mime::HTML);
        }
        Wants::Json => {
            res.set_body(serde_json::json!({ "error": message }).to_string());
            res.set_content_type(http_types::mime::JSON);
        }
        Wants::Text => {
            res.set_body(format!("{message}\n"));
            res.set_content_type(http_types::mime::PLAIN);
        }
    }
    res.insert_header("Cache-Control", "no-store");
    if let Some(secs) = err.retry_after {
        res.insert_header("Retry-After", secs.to_string());
    }
    res
}

/// Renders every error a route ends in: an [`HttpError`] returned with `?`, any other error (a
/// 500, logged), and the router's own bodiless 404 and 405 (with `Allow`).
pub struct ErrorPages;

#[tide::utils::async_trait]
impl Middleware<State> for ErrorPages {
    async fn handle(&self, req: Request, next: Next<'_, State>) -> tide::Result {
        let wants = Wants::of(req.as_ref());
        let path = req.url().path().to_owned();
        let site = req.state().site.clone();
        let res = next.run(req).await;
        let status = res.status();
        if !(status.is_client_error() || status.is_server_error()) {
            return Ok(res);
        }
        let err = if let Some(e) = res.downcast_error::<HttpError>() {
            HttpError {
                status: e.status,
                message: e.message.clone(),
                retry_after: e.retry_after,
            }
        } else if let Some(e) = res.error() {
            log::error!("{status}: {e}");
            HttpError::new(status, "Something went wrong on the server.")
        } else if res.is_empty() == Some(true)
            || res.len().is_none() && res.content_type().is_none()
        {
            match status {
                StatusCode::NotFound => HttpError::not_found(format!("Nothing at `{path}`.")),
                StatusCode::MethodNotAllowed => HttpError::new(status, "Method not allowed here."),
                _ => HttpError::new(status, status.canonical_reason()),
            }
        } else {
            // A handler's own error body (JSON of /healthz, /api/controls): theirs to shape.
            return Ok(res);
        };
        let mut page = render(&err, wants, &site.site());
        for (name, values) in res.iter() {
            // Keep what tells the client how to go on (Content-Range of a 416, Location...).
            if !["content-type", "content-length", "cache-control"].contains(&name.as_str()) {
                for v in values.iter() {
                    page.append_header(name.clone(), v.clone());
                }
            }
        }
        if err.status == StatusCode::MethodNotAllowed {
            page.insert_header("Allow", super::allow::methods_for(&path));
        }
        Ok(page)
    }
}
