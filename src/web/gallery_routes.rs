//! Routes of the gallery. Pages: `GET /photos` (the top level and its albums, old `/pic_list`),
//! `GET /albums/PATH` (an album), `GET /photos/PATH` (a photo's page, the viewer) — all paged
//! with `?page=N`. Files: `GET /pic/PATH` (the file itself; `?download=1` as an attachment),
//! `GET /thumbs/PATH` and `GET /medium/PATH` (cached renditions) — with validators, 304s and
//! single byte ranges from [`super::conditional`]; HEAD comes from tide's GET fallback and the
//! edge's head-only writing. Changes: `POST /photos/PATH/delete`, `POST /selection/delete` (the
//! grid's selection, `name=` per photo). ZIPs, streamed: `GET /zip` and `GET /zip/PATH` (an
//! album with its sub-albums), `POST /selection/zip`.
//!
//! A PATH is a photo or album path (`album/sub/photo.jpg`), split at `/` and each segment decoded
//! once and checked by [`crate::gallery`], which also resolves the file; here is only HTTP.

use std::sync::Arc;

use async_std::task::spawn_blocking;
use tide::{Body, Response, StatusCode};

use super::conditional::{bytes_response, file_response, Preconditions, Validators};
use super::errors::HttpError;
use super::{Request, Server};
use crate::gallery::{decode_name, names, zip, Gallery, GalleryError, PER_PAGE};
use crate::urls;

pub fn register(server: &mut Server) {
    server.at("/photos").get(top_page);
    server.at("/pic_list").get(top_page);
    server.at("/pic_list/").get(top_page);
    server.at("/albums/*path").get(album_page);
    server.at("/photos/*path").get(photo_page).post(delete);
    server.at("/pic/*path").get(pic);
    server.at("/thumbs/*path").get(thumb);
    server.at("/medium/*path").get(medium);
    server.at("/zip").get(zip_album);
    server.at("/zip/*path").get(zip_album);
    server.at("/selection/delete").post(delete_selected);
    server.at("/selection/zip").post(zip_selected);
}

/// The raw (still percent-encoded) wildcard of the route.
fn raw_path(req: &Request) -> &str {
    req.param("path").unwrap_or("")
}

/// `?page=N`, 1 when absent; a clear 400 when it is not a whole number.
fn page_number(req: &Request) -> Result<usize, HttpError> {
    match req.url().query_pairs().find(|(k, _)| k == "page") {
        None => Ok(1),
        Some((_, v)) => v.parse().map_err(|_| {
            HttpError::bad_request(format!("`page` must be a whole number, not `{v}`"))
        }),
    }
}

fn html(body: String) -> Response {
    let mut res = Response::new(StatusCode::Ok);
    res.set_body(body);
    res.set_content_type(http_types::mime::HTML);
    // Pages change with every photo taken or deleted: always revalidate.
    res.insert_header("Cache-Control", "no-cache");
    res
}

async fn top_page(req: Request) -> tide::Result {
    render_album(req, String::new()).await
}

async fn album_page(req: Request) -> tide::Result {
    let album = names::album_from_url(raw_path(&req)).map_err(HttpError::from)?;
    render_album(req, album).await
}

async fn render_album(req: Request, album: String) -> tide::Result {
    let n = page_number(&req)?;
    let gallery = req.state().gallery.clone();
    // The gallery may read image headers for sizes: keep file I/O off the executor.
    let page = spawn_blocking(move || gallery.album(&album, n, PER_PAGE))
        .await
        .map_err(HttpError::from)?;
    if n > page.pages {
        let msg = format!("There are only {} pages of photos here.", page.pages);
        Err(HttpError::not_found(msg))?;
    }
    let body = req.state().site.site().render_gallery(&page);
    Ok(html(body.map_err(HttpError::from)?))
}

/// `GET /photos/PATH/delete` is a POST-only route that a GET reaches through the wildcard.
fn post_only(raw: &str) -> Result<(), HttpError> {
    match raw.strip_suffix("/delete") {
        Some(_) => Err(HttpError::new(
            StatusCode::MethodNotAllowed,
            "Deleting takes a POST.",
        )),
        None => Ok(()),
    }
}

async fn photo_page(req: Request) -> tide::Result {
    post_only(raw_path(&req))?;
    let name = decode_name(raw_path(&req)).map_err(HttpError::from)?;
    let gallery = req.state().gallery.clone();
    let photo = spawn_blocking(move || gallery.photo(&name))
        .await
        .map_err(HttpError::from)?;
    let body = req.state().site.site().render_photo(&photo);
    Ok(html(body.map_err(HttpError::from)?))
}

/// The photo file, streamed from disk (never read whole into memory).
async fn pic(req: Request) -> tide::Result {
    let gallery = req.state().gallery.clone();
    let name = decode_name(raw_path(&req)).map_err(HttpError::from)?;
    let lookup = name.clone();
    let path = spawn_blocking(move || gallery.file(&lookup))
        .await
        .map_err(HttpError::from)?;
    let file = async_std::fs::File::open(&path).await?;
    let meta = file.metadata().await?;
    let validators = Validators::file("", meta.len(), meta.modified()?);
    let content_type = names::image_type(&name).unwrap_or("application/octet-stream");
    // Revalidate every time: a name can be deleted and taken again by a new photo.
    let mut res = file_response(
        &Preconditions::of(&req),
        &validators,
        file,
        meta.len(),
        content_type,
        "no-cache",
    )
    .await?;
    if req.url().query_pairs().any(|(k, _)| k == "download") {
        res.insert_header("Content-Disposition", attachment(names::split(&name).1));
    }
    Ok(res)
}

/// `Content-Disposition: attachment` naming the file: an ASCII fallback for old clients and the
/// exact UTF-8 name (RFC 6266 / RFC 8187) for the rest.
fn attachment(file_name: &str) -> String {
    let ascii: String = file_name
        .chars()
        .map(|c| match c {
            ' '..='~' if c != '"' && c != '\\' && c != '%' => c,
            _ => '_',
        })
        .collect();
    format!(
        "attachment; filename=\"{ascii}\"; filename*=UTF-8''{}",
        urls::encode_segment(file_name)
    )
}

async fn thumb(req: Request) -> tide::Result {
    rendition(req, "t1-", Gallery::thumbnail).await
}

async fn medium(req: Request) -> tide::Result {
    rendition(req, "m1-", Gallery::medium).await
}

/// A cached rendition (JPEG), made or read off the executor; a placeholder for a photo that does
/// not decode. A client whose copy is current gets its 304 without a decode.
async fn rendition(
    req: Request,
    tag: &'static str,
    make: fn(&Gallery, &str) -> Result<Vec<u8>, GalleryError>,
) -> tide::Result {
    let gallery: Arc<Gallery> = req.state().gallery.clone();
    let name = decode_name(raw_path(&req)).map_err(HttpError::from)?;
    let pre = Preconditions::of(&req);
    let check = pre.clone();
    let made = spawn_blocking(move || -> Result<(Validators, Vec<u8>), GalleryError> {
        let meta = std::fs::metadata(gallery.file(&name)?)?;
        // The rendition follows its source, so the source's validators identify it.
        let validators = Validators::file(tag, meta.len(), meta.modified()?);
        if check.not_modified(&validators) {
            // The response is a 304: no body needed.
            return Ok((validators, Vec::new()));
        }
        Ok((validators, make(&gallery, &name)?))
    })
    .await;
    let (validators, jpeg) = made.map_err(HttpError::from)?;
    Ok(bytes_response(
        &pre,
        &validators,
        jpeg,
        "image/jpeg",
        "no-cache",
    ))
}

fn wants_json(req: &Request) -> bool {
    req.header("Accept")
        .is_some_and(|a| a.as_str().contains("application/json"))
}

fn json(value: serde_json::Value) -> tide::Result {
    let mut res = Response::new(StatusCode::Ok);
    res.set_body(Body::from_json(&value)?);
    Ok(res)
}

fn see_other(location: &str) -> tide::Result {
    let mut res = Response::new(StatusCode::SeeOther);
    res.insert_header("Location", location);
    Ok(res)
}

/// Deletes one photo: 303 back to its album, or JSON for `Accept: application/json`.
async fn delete(req: Request) -> tide::Result {
    let Some(raw) = raw_path(&req).strip_suffix("/delete") else {
        Err(HttpError::new(
            StatusCode::MethodNotAllowed,
            "A photo's page takes GET.",
        ))?
    };
    let name = decode_name(raw).map_err(HttpError::from)?;
    let gallery = req.state().gallery.clone();
    let name = spawn_blocking(move || gallery.delete(&name).map(|()| name))
        .await
        .map_err(HttpError::from)?;
    req.state().metrics.photos_deleted.inc();
    if wants_json(&req) {
        json(serde_json::json!({ "deleted": name }))
    } else {
        see_other(&urls::album(names::split(&name).0))
    }
}

/// The form of the grid's selection: `name=PATH` per photo (decoded paths, as the form sends
/// them) and `album=PATH` to return to.
struct Selection {
    names: Vec<String>,
    album: String,
}

async fn selection(req: &mut Request) -> Result<Selection, HttpError> {
    let body = req
        .body_bytes()
        .await
        .map_err(|e| HttpError::new(e.status(), e.to_string()))?;
    let mut sel = Selection {
        names: Vec::new(),
        album: String::new(),
    };
    for (k, v) in form_urlencoded::parse(&body) {
        match k.as_ref() {
            "name" => sel.names.push(v.into_owned()),
            "album" => sel.album = v.into_owned(),
            _ => {}
        }
    }
    names::validate_album(&sel.album)?;
    for name in &sel.names {
        names::validate_path(name)?;
    }
    if sel.names.is_empty() {
        return Err(HttpError::bad_request("Select at least one photo first."));
    }
    Ok(sel)
}

/// Deletes the selected photos in one go (all names checked first): 303 back to the album, or
/// JSON `{"deleted": [...], "missing": [...]}`.
async fn delete_selected(mut req: Request) -> tide::Result {
    let sel = selection(&mut req).await?;
    let gallery = req.state().gallery.clone();
    let names = sel.names;
    let done = spawn_blocking(move || gallery.delete_many(&names))
        .await
        .map_err(HttpError::from)?;
    req.state()
        .metrics
        .photos_deleted
        .inc_by(done.deleted.len() as u64);
    if wants_json(&req) {
        json(serde_json::to_value(&done)?)
    } else {
        see_other(&urls::album(&sel.album))
    }
}

/// The selected photos as one streamed ZIP.
async fn zip_selected(mut req: Request) -> tide::Result {
    let sel = selection(&mut req).await?;
    let gallery = req.state().gallery.clone();
    let names = sel.names;
    let files = spawn_blocking(move || gallery.selected_files(&names))
        .await
        .map_err(HttpError::from)?;
    let title = if sel.album.is_empty() {
        "photos"
    } else {
        names::split(&sel.album).1
    };
    zip_response(files, &format!("{title} (selection).zip"))
}

/// A whole album (sub-albums included, in their folders) as one streamed ZIP.
async fn zip_album(req: Request) -> tide::Result {
    let album = names::album_from_url(raw_path(&req)).map_err(HttpError::from)?;
    let gallery = req.state().gallery.clone();
    let lookup = album.clone();
    let files = spawn_blocking(move || gallery.album_files(&lookup))
        .await
        .map_err(HttpError::from)?;
    let title = if album.is_empty() {
        "photos"
    } else {
        names::split(&album).1
    };
    zip_response(files, &format!("{title}.zip"))
}

fn zip_response(files: Vec<(String, std::path::PathBuf)>, file_name: &str) -> tide::Result {
    let count = files.len();
    let stream = zip::stream(files)?;
    let mut res = Response::new(StatusCode::Ok);
    // Length unknown until written: chunked (HTTP/1.1) or closed at the end (HTTP/1.0).
    res.set_body(Body::from_reader(stream, None));
    res.insert_header("Content-Type", "application/zip");
    res.insert_header("Content-Disposition", attachment(file_name));
    res.insert_header("Cache-Control", "no-store");
    res.insert_header("X-Photo-Count", count.to_string());
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attachment_names_are_safe_and_exact() {
        assert_eq!(
            attachment("a b.jpg"),
            "attachment; filename=\"a b.jpg\"; filename*=UTF-8''a%20b.jpg"
        );
        let odd = attachment("照片 \"x\"%.jpg");
        assert!(
            odd.starts_with("attachment; filename=\"__ _x__.jpg\"; "),
            "{odd}"
        );
        assert!(
            odd.ends_with("UTF-8''%E7%85%A7%E7%89%87%20%22x%22%25.jpg"),
            "{odd}"
        );
    }
}
