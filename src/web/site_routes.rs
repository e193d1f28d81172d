//! Routes of the site: home (`/`), the live page (`/live`, old `/video_now`), markdown pages
//! (`/pages/*`, old `/about/*`), files pages link to (`/content/*`, conditional and ranged like
//! theme assets), the gallery (`/photos`, old
//! `/pic_list`) and photo pages (`/photos/NAME`), theme assets (`/theme/*`), live reload (`/events`,
//! SSE) and the themed error pages. Thin: each handler asks [`crate::site`] or [`crate::gallery`]
//! and turns the answer into HTTP.

use async_std::task::spawn_blocking;
use percent_encoding::percent_decode_str;
use tide::{Body, Middleware, Next, Response, StatusCode};

use super::conditional::{bytes_response, file_response, Preconditions, Validators};
use super::{Request, Server, State};
use crate::gallery::{decode_name, GalleryError};
use crate::site::{plain_error_page, LiveView, SiteError, SiteView, PER_PAGE};

pub fn register(server: &mut Server) {
    server.with(ErrorPages);
    server.at("/").get(home);
    server.at("/live").get(live);
    server.at("/video_now").get(live);
    server.at("/pages/*path").get(page);
    server.at("/about/*path").get(page);
    server.at("/content/*path").get(content_file);
    server.at("/photos").get(gallery_page);
    server.at("/pic_list").get(gallery_page);
    server.at("/pic_list/").get(gallery_page);
    server.at("/photos/:name").get(photo_page);
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

/// A rendered page, or the readable template error (file and line) when the theme failed.
fn rendered(result: Result<String, SiteError>) -> Response {
    match result {
        Ok(body) => html(StatusCode::Ok, body),
        Err(e) => {
            log::error!("render: {e}");
            html(
                StatusCode::InternalServerError,
                plain_error_page(500, &e.to_string()),
            )
        }
    }
}

fn themed_error(site: &SiteView, status: StatusCode, message: &str) -> Response {
    html(status, site.render_error(status as u16, message))
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
    let site = req.state().site.site();
    Ok(match live_view(&req) {
        Ok(view) => rendered(site.render_home(&view)),
        Err(why) => themed_error(&site, StatusCode::BadRequest, &why),
    })
}

async fn live(req: Request) -> tide::Result {
    let site = req.state().site.site();
    Ok(match live_view(&req) {
        Ok(view) => rendered(site.render_live(&view)),
        Err(why) => themed_error(&site, StatusCode::BadRequest, &why),
    })
}

async fn page(req: Request) -> tide::Result {
    let site = req.state().site.site();
    let slug = wildcard(&req).unwrap_or_default();
    Ok(match site.render_page(&slug) {
        Some(result) => rendered(result),
        None => themed_error(
            &site,
            StatusCode::NotFound,
            &format!("There is no page `{slug}`."),
        ),
    })
}

async fn content_file(req: Request) -> tide::Result {
    let site = req.state().site.site();
    let rel = wildcard(&req).unwrap_or_default();
    let path = match req.state().site.content_file(&rel) {
        Ok(p) => p,
        Err(SiteError::BadPath(_)) => {
            return Ok(themed_error(&site, StatusCode::BadRequest, "Bad path."))
        }
        Err(_) => {
            return Ok(themed_error(
                &site,
                StatusCode::NotFound,
                &format!("No file `{rel}`."),
            ))
        }
    };
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

async fn gallery_page(req: Request) -> tide::Result {
    let site = req.state().site.site();
    let n = match query_num(&req, "page") {
        Ok(n) => n.unwrap_or(1) as usize,
        Err(why) => return Ok(themed_error(&site, StatusCode::BadRequest, &why)),
    };
    let gallery = req.state().gallery.clone();
    // The gallery may read image headers for sizes: keep file I/O off the executor.
    let page = spawn_blocking(move || gallery.page(n, PER_PAGE)).await;
    if n > page.pages {
        let msg = format!("There are only {} pages of photos.", page.pages);
        return Ok(themed_error(&site, StatusCode::NotFound, &msg));
    }
    Ok(rendered(site.render_gallery(&page)))
}

async fn photo_page(req: Request) -> tide::Result {
    let site = req.state().site.site();
    let result = match decode_name(req.param("name")?) {
        Ok(name) => {
            let gallery = req.state().gallery.clone();
            spawn_blocking(move || gallery.photo(&name)).await
        }
        Err(e) => Err(e),
    };
    Ok(match result {
        Ok(photo) => rendered(site.render_photo(&photo)),
        Err(e @ GalleryError::BadName(_)) => {
            themed_error(&site, StatusCode::BadRequest, &e.to_string())
        }
        Err(e @ GalleryError::NotFound(_)) => {
            themed_error(&site, StatusCode::NotFound, &e.to_string())
        }
        Err(e) => {
            log::error!("photo page: {e}");
            themed_error(
                &site,
                StatusCode::InternalServerError,
                "The photo could not be read.",
            )
        }
    })
}

async fn theme_asset(req: Request) -> tide::Result {
    let site = req.state().site.site();
    let path = wildcard(&req).unwrap_or_default();
    let Some(asset) = site.theme.asset(&path) else {
        return Ok(themed_error(
            &site,
            StatusCode::NotFound,
            &format!("No theme file `{path}`."),
        ));
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
    res.set_body(Body::from_reader(
        req.state().site.events().sse(since),
        None,
    ));
    Ok(res)
}

/// Turns error responses meant for a browser (Accept: text/html, body not already HTML) into the
/// theme's error page, keeping the handler's message. API clients keep their plain/JSON errors.
struct ErrorPages;

#[tide::utils::async_trait]
impl Middleware<State> for ErrorPages {
    async fn handle(&self, req: Request, next: Next<'_, State>) -> tide::Result {
        let wants_html = req
            .header("Accept")
            .is_some_and(|a| a.iter().any(|v| v.as_str().contains("text/html")));
        let site = req.state().site.clone();
        let mut res = next.run(req).await;
        let status = res.status();
        let is_html = res
            .content_type()
            .is_some_and(|m| m.essence() == "text/html");
        if !wants_html || !(status.is_client_error() || status.is_server_error()) || is_html {
            return Ok(res);
        }
        let message = if let Some(err) = res.error() {
            if status.is_server_error() {
                log::error!("{status}: {err}");
                "Something went wrong on the server.".to_string()
            } else {
                err.to_string()
            }
        } else {
            // Handlers' own error texts are short: bounded by what they write.
            res.take_body()
                .into_string()
                .await
                .unwrap_or_default()
                .trim()
                .to_string()
        };
        let message = if message.is_empty() {
            status.canonical_reason().to_string()
        } else {
            message
        };
        let mut page = themed_error(&site.site(), status, &message);
        for (name, values) in res.iter() {
            // Keep what tells the client how to go on (Allow, Retry-After, Location...).
            if !["content-type", "content-length", "cache-control"].contains(&name.as_str()) {
                for v in values.iter() {
                    page.append_header(name.clone(), v.clone());
                }
            }
        }
        Ok(page)
    }
}
