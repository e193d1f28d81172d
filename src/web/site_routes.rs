//! Routes of the site: home (`/`), the live page (`/live`, old `/video_now`), markdown pages
//! (`/pages/*`, old `/about/*`), files pages link to (`/content/*`, conditional and ranged like
//! theme assets), search (`/search?q=`), theme assets (`/theme/*`) and live reload (`/events`,
//! SSE); the gallery's pages are in [`super::gallery_routes`]. Thin: each handler asks
//! [`crate::site`] and turns the
//! answer into HTTP; errors become pages in [`super::errors`].

use async_std::task::spawn_blocking;
use percent_encoding::percent_decode_str;
use tide::{Body, Response, StatusCode};

use super::conditional::{bytes_response, file_response, Preconditions, Validators};
use super::errors::HttpError;
use super::{Request, Server};
use crate::site::events::EventBus;
use crate::site::{search, LiveView, PhotoSource, Query, SiteError};
use std::sync::Arc;

pub fn register(server: &mut Server) {
    server.at("/").get(home);
    server.at("/live").get(live);
    server.at("/video_now").get(live);
    server.at("/pages/*path").get(page);
    server.at("/about/*path").get(page);
    server.at("/content/*path").get(content_file);
    server.at("/search").get(search_page);
    server.at("/theme/*path").get(theme_asset);
    server.at("/events").get(events);
}

fn html(status: StatusCode, body: String) -> Response {
    let mut res = Response::new(status);
    res.set_body(body);
    res.set_content_type(http_types::mime::HTML);
    // Pages change under hot reload: always revalidate.
    res.insert_header("Cache-Control", "no-cache");
    res
}

/// A rendered page; a template error becomes the readable error page (file and line).
fn rendered(result: Result<String, SiteError>) -> tide::Result {
    Ok(html(StatusCode::Ok, result.map_err(HttpError::from)?))
}

/// A whole number from the query, if given; a clear 400 message when it is not a number.
fn query_num(req: &Request, key: &str) -> Result<Option<u32>, String> {
    match req.url().query_pairs().find(|(k, _)| k == key) {
        None => Ok(None),
        Some((_, v)) => v
            .parse()
            .map(Some)
            .map_err(|_| format!("`{key}` must be a whole number, not `{v}`")),
    }
}

fn live_view(req: &Request) -> Result<LiveView, String> {
    Ok(LiveView {
        scale: query_num(req, "scale")?,
        quality: query_num(req, "quality")?,
    })
}

/// The decoded wildcard path of `/pages/*path` and the like.
fn wildcard(req: &Request) -> Option<String> {
    let raw = req.param("path").ok()?;
    percent_decode_str(raw.trim_end_matches('/'))
        .decode_utf8()
        .ok()
        .map(|s| s.into_owned())
}

async fn home(req: Request) -> tide::Result {
    let view = live_view(&req).map_err(HttpError::bad_request)?;
    let app = req.state();
    rendered(app.site.site().render_home(&view, app.gallery.as_ref()))
}

async fn live(req: Request) -> tide::Result {
    let view = live_view(&req).map_err(HttpError::bad_request)?;
    rendered(req.state().site.site().render_live(&view))
}

async fn page(req: Request) -> tide::Result {
    let slug = wildcard(&req).unwrap_or_default();
    let app = req.state();
    match app.site.site().render_page(&slug, app.gallery.as_ref()) {
        Some(result) => rendered(result),
        None => Err(HttpError::not_found(format!("There is no page `{slug}`.")))?,
    }
}

async fn content_file(req: Request) -> tide::Result {
    let rel = wildcard(&req).unwrap_or_default();
    let path = req.state().site.content_file(&rel).map_err(|e| match e {
        SiteError::BadPath(_) => HttpError::from(e),
        _ => HttpError::not_found(format!("No file `{rel}`.")),
    })?;
    let file = async_std::fs::File::open(&path).await?;
    let meta = file.metadata().await?;
    let validators = Validators::file("", meta.len(), meta.modified()?);
    let mime = mime_guess::from_path(&path).first_or_octet_stream();
    Ok(file_response(
        &Preconditions::of(&req),
        &validators,
        file,
        meta.len(),
        mime.essence_str(),
        "no-cache",
    )
    .await?)
}

/// `/search?q=`: a query longer than the search takes is a 400 that says so.
async fn search_page(req: Request) -> tide::Result {
    let q = req
        .url()
        .query_pairs()
        .find(|(k, _)| k == "q")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default();
    let query = Query::parse(&q).map_err(HttpError::bad_request)?;
    let app = req.state().clone();
    // Every page's text and every photo's name is looked at: keep it off the executor.
    let found = spawn_blocking(move || {
        let site = app.site.site();
        let photos = if query.is_empty() {
            Vec::new()
        } else {
            app.gallery.all()
        };
        let data = search::search(&query, &site.pages, photos.iter());
        site.render_search(data)
    })
    .await;
    rendered(found)
}

async fn theme_asset(req: Request) -> tide::Result {
    let site = req.state().site.site();
    let path = wildcard(&req).unwrap_or_default();
    let Some(asset) = site.theme.asset(&path) else {
        Err(HttpError::not_found(format!("No theme file `{path}`.")))?
    };
    let versioned = req
        .url()
        .query_pairs()
        .any(|(k, v)| k == "v" && asset.etag.starts_with(v.as_ref()));
    // A versioned URL names these exact bytes forever; a bare one must be revalidated.
    let cache_control = if versioned {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    let mime = mime_guess::from_path(&path).first_or_octet_stream();
    let essence = mime.essence_str();
    let content_type = if mime.type_() == mime_guess::mime::TEXT
        || essence == "application/javascript"
        || essence == "image/svg+xml"
    {
        format!("{essence}; charset=utf-8")
    } else {
        essence.to_string()
    };
    Ok(bytes_response(
        &Preconditions::of(&req),
        &Validators::tag(&asset.etag),
        asset.bytes.clone(),
        &content_type,
        cache_control,
    ))
}

/// Server-Sent Events: a body that yields each site event as it happens, and keep-alives.
async fn events(req: Request) -> tide::Result {
    Ok(sse(&req, req.state().site.events()))
}

/// An SSE response with `bus`'s events (also the timelapse video job's).
pub(super) fn sse(req: &Request, bus: &Arc<EventBus>) -> Response {
    let mut res = Response::new(StatusCode::Ok);
    res.insert_header("Content-Type", "text/event-stream");
    res.insert_header("Cache-Control", "no-store");
    res.insert_header("X-Accel-Buffering", "no");
    // Where to start: the browser's Last-Event-ID when it reconnects, else the number the page
    // was rendered at (`?since=N`), so nothing published in between is missed.
    let since = req
        .header("Last-Event-ID")
        .and_then(|v| v.as_str().trim().parse().ok())
        .or_else(|| {
            req.url()
                .query_pairs()
                .find(|(k, _)| k == "since")
                .and_then(|(_, v)| v.parse().ok())
        });
    res.set_body(Body::from_reader(bus.sse(since), None));
    res
}
