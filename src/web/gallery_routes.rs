//! Routes of the photo files: `GET /pic/NAME` (the file itself), `GET /thumbs/NAME` (the cached
//! thumbnail) — both with validators, 304s and single byte ranges from [`super::conditional`];
//! HEAD comes from tide's GET fallback and the edge's head-only writing — and
//! `POST /photos/NAME/delete`. Thin: the name is
//! decoded and checked by [`crate::gallery`], which also resolves the path; here is only HTTP.

use std::sync::Arc;

use async_std::task::spawn_blocking;
use tide::{Body, Response, StatusCode};

use super::conditional::{bytes_response, file_response, Preconditions, Validators};
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
    let name = match decode_name(req.param("name")?) {
        Ok(name) => name,
        Err(e) => return Ok(error_response(&e)),
    };
    let lookup = name.clone();
    let path = match spawn_blocking(move || gallery.file(&lookup)).await {
        Ok(path) => path,
        Err(e) => return Ok(error_response(&e)),
    };
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
    let name = match decode_name(req.param("name")?) {
        Ok(name) => name,
        Err(e) => return Ok(error_response(&e)),
    };
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
    Ok(match made {
        Ok(t) => bytes_response(&pre, &t.validators, t.jpeg, "image/jpeg", "no-cache"),
        Err(e) => error_response(&e),
    })
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
    let result = match decode_name(req.param("name")?) {
        Ok(name) => spawn_blocking(move || gallery.delete(&name).map(|()| name)).await,
        Err(e) => Err(e),
    };
    if result.is_ok() {
        req.state().metrics.photos_deleted.inc();
    }
    match (result, wants_json) {
        (Ok(name), true) => {
            let mut res = Response::new(StatusCode::Ok);
            res.set_body(Body::from_json(&serde_json::json!({ "deleted": name }))?);
            Ok(res)
        }
        (Ok(_), false) => {
            let mut res = Response::new(StatusCode::SeeOther);
            res.insert_header("Location", crate::urls::gallery().as_str());
            Ok(res)
        }
        (Err(e), true) => {
            let mut res = error_response(&e);
            res.set_body(Body::from_json(
                &serde_json::json!({ "error": e.to_string() }),
            )?);
            Ok(res)
        }
        (Err(e), false) => Ok(error_response(&e)),
    }
}

/// Bad name → 400, missing → 404, disk trouble → 500 (logged, not shown).
fn error_response(e: &GalleryError) -> Response {
    let (status, text) = match e {
        GalleryError::BadName(_) => (StatusCode::BadRequest, format!("{e}\n")),
        GalleryError::NotFound(_) => (StatusCode::NotFound, format!("{e}\n")),
        GalleryError::Io(_) => {
            log::error!("gallery: {e}");
            (
                StatusCode::InternalServerError,
                "internal error\n".to_owned(),
            )
        }
    };
    let mut res = Response::new(status);
    res.set_body(text);
    res
}
