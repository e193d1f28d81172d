//! Routes of the photo files: `GET /pic/NAME` (the file itself), `GET /thumbs/NAME` (the cached
//! thumbnail) — both with validators, 304s and single byte ranges from [`super::conditional`];
//! HEAD comes from tide's GET fallback and the edge's head-only writing — and
//! `POST /photos/NAME/delete`. Thin: the name is
//! decoded and checked by [`crate::gallery`], which also resolves the path; here is only HTTP.

use std::sync::Arc;

use async_std::task::spawn_blocking;
use tide::{Body, Response, StatusCode};

use super::conditional::{bytes_response, file_response, Preconditions, Validators};
use super::errors::HttpError;
use super::{Request, Server};
use crate::gallery::{decode_name, names, Gallery, GalleryError};

pub fn register(server: &mut Server) {
    server.at("/pic/:name").get(pic);
    server.at("/thumbs/:name").get(thumb);
    server.at("/photos/:name/delete").post(delete);
}

/// The photo file, streamed from disk (never read whole into memory).
async fn pic(req: Request) -> tide::Result {
    let gallery = req.state().gallery.clone();
    let name = decode_name(req.param("name")?).map_err(HttpError::from)?;
    let lookup = name.clone();
    let path = spawn_blocking(move || gallery.file(&lookup))
        .await
        .map_err(HttpError::from)?;
    let file = async_std::fs::File::open(&path).await?;
    let meta = file.metadata().await?;
    let validators = Validators::file("", meta.len(), meta.modified()?);
    let content_type = names::image_type(&name).unwrap_or("application/octet-stream");
    // Revalidate every time: a name can be deleted and taken again by a new photo.
    Ok(file_response(
        &Preconditions::of(&req),
        &validators,
        file,
        meta.len(),
        content_type,
        "no-cache",
    )
    .await?)
}

/// The thumbnail JPEG, made (or read from the cache) off the executor; a placeholder for a photo
/// that does not decode. A client whose copy is current gets its 304 without a decode.
async fn thumb(req: Request) -> tide::Result {
    let gallery: Arc<Gallery> = req.state().gallery.clone();
    let name = decode_name(req.param("name")?).map_err(HttpError::from)?;
    let pre = Preconditions::of(&req);
    let check = pre.clone();
    let made = spawn_blocking(move || -> Result<Thumb, GalleryError> {
        let meta = std::fs::metadata(gallery.file(&name)?)?;
        // The thumbnail follows its source, so the source's validators identify it.
        let validators = Validators::file("t1-", meta.len(), meta.modified()?);
        if check.not_modified(&validators) {
            return Ok(Thumb {
                validators,
                jpeg: Vec::new(),
            });
        }
        Ok(Thumb {
            jpeg: gallery.thumbnail(&name)?,
            validators,
        })
    })
    .await;
    let t = made.map_err(HttpError::from)?;
    Ok(bytes_response(
        &pre,
        &t.validators,
        t.jpeg,
        "image/jpeg",
        "no-cache",
    ))
}

struct Thumb {
    validators: Validators,
    /// Empty when the client's copy is current (the response is a 304 then).
    jpeg: Vec<u8>,
}

/// Deletes one photo: 303 back to the gallery, or JSON for `Accept: application/json`.
async fn delete(req: Request) -> tide::Result {
    let gallery = req.state().gallery.clone();
    let wants_json = req
        .header("Accept")
        .is_some_and(|a| a.as_str().contains("application/json"));
    let name = decode_name(req.param("name")?).map_err(HttpError::from)?;
    let name = spawn_blocking(move || gallery.delete(&name).map(|()| name))
        .await
        .map_err(HttpError::from)?;
    req.state().metrics.photos_deleted.inc();
    if wants_json {
        let mut res = Response::new(StatusCode::Ok);
        res.set_body(Body::from_json(&serde_json::json!({ "deleted": name }))?);
        Ok(res)
    } else {
        let mut res = Response::new(StatusCode::SeeOther);
        res.insert_header("Location", crate::urls::gallery().as_str());
        Ok(res)
    }
}
