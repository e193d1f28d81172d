//! Routes of the photo files: `GET /pic/NAME` (the file itself, with validators, 304s and single
//! byte ranges; HEAD comes from tide's GET fallback and the edge's head-only writing),
//! `GET /thumbs/NAME` (the cached thumbnail) and `POST /photos/NAME/delete`. Thin: the name is
//! decoded and checked by [`crate::gallery`], which also resolves the path; here is only HTTP.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use async_std::io::{BufReader, ReadExt, SeekExt, SeekFrom};
use async_std::task::spawn_blocking;
use chrono::{DateTime, Utc};
use tide::{Body, Response, StatusCode};

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
    let mut file = async_std::fs::File::open(&path).await?;
    let meta = file.metadata().await?;
    let (size, modified) = (meta.len(), meta.modified()?);
    let etag = etag("", size, modified);
    let last_modified = http_date(modified);

    let mut res = Response::new(StatusCode::Ok);
    res.insert_header("ETag", etag.as_str());
    res.insert_header("Last-Modified", last_modified.as_str());
    res.insert_header("Accept-Ranges", "bytes");
    // Revalidate every time: a name can be deleted and taken again by a new photo.
    res.insert_header("Cache-Control", "no-cache");
    if not_modified(&req, &etag, modified) {
        res.set_status(StatusCode::NotModified);
        return Ok(res);
    }
    let range = match req.header("Range") {
        Some(r) if if_range_holds(&req, &etag, &last_modified) => parse_range(r.as_str(), size),
        _ => Ranged::Full,
    };
    let (start, len) = match range {
        Ranged::Full => (0, size),
        Ranged::Part(start, end) => {
            res.set_status(StatusCode::PartialContent);
            res.insert_header("Content-Range", format!("bytes {start}-{end}/{size}"));
            (start, end - start + 1)
        }
        Ranged::Unsatisfiable => {
            res.set_status(StatusCode::RequestedRangeNotSatisfiable);
            res.insert_header("Content-Range", format!("bytes */{size}"));
            return Ok(res);
        }
    };
    file.seek(SeekFrom::Start(start)).await?;
    let body = BufReader::new(file.take(len));
    res.set_body(Body::from_reader(body, usize::try_from(len).ok()));
    res.insert_header(
        "Content-Type",
        names::image_type(&name).unwrap_or("application/octet-stream"),
    );
    Ok(res)
}

/// The thumbnail JPEG, made (or read from the cache) off the executor; a placeholder for a photo
/// that does not decode.
async fn thumb(req: Request) -> tide::Result {
    let gallery: Arc<Gallery> = req.state().gallery.clone();
    let name = match decode_name(req.param("name")?) {
        Ok(name) => name,
        Err(e) => return Ok(error_response(&e)),
    };
    let inm = req.header("If-None-Match").map(|v| v.as_str().to_owned());
    let made = spawn_blocking(move || -> Result<Thumb, GalleryError> {
        let meta = std::fs::metadata(gallery.file(&name)?)?;
        // The thumbnail follows its source, so the source's validators identify it.
        let etag = etag("t1-", meta.len(), meta.modified()?);
        if inm.as_deref().is_some_and(|v| etag_matches(v, &etag)) {
            return Ok(Thumb { etag, jpeg: None });
        }
        Ok(Thumb {
            jpeg: Some(gallery.thumbnail(&name)?),
            etag,
        })
    })
    .await;
    let thumb = match made {
        Ok(thumb) => thumb,
        Err(e) => return Ok(error_response(&e)),
    };
    let mut res = Response::new(StatusCode::Ok);
    res.insert_header("ETag", thumb.etag.as_str());
    res.insert_header("Cache-Control", "no-cache");
    match thumb.jpeg {
        Some(jpeg) => {
            res.set_body(jpeg);
            res.insert_header("Content-Type", "image/jpeg");
        }
        None => res.set_status(StatusCode::NotModified),
    }
    Ok(res)
}

struct Thumb {
    etag: String,
    jpeg: Option<Vec<u8>>,
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
    match (result, wants_json) {
        (Ok(name), true) => {
            let mut res = Response::new(StatusCode::Ok);
            res.set_body(Body::from_json(&serde_json::json!({ "deleted": name }))?);
            Ok(res)
        }
        (Ok(_), false) => {
            let mut res = Response::new(StatusCode::SeeOther);
            res.insert_header("Location", "/photos");
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

/// A strong validator from size and modification time (nanoseconds): a rewrite changes it.
fn etag(prefix: &str, size: u64, modified: SystemTime) -> String {
    let nanos = modified
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("\"{prefix}{size:x}-{nanos:x}\"")
}

/// `Last-Modified` form: IMF-fixdate in GMT.
fn http_date(t: SystemTime) -> String {
    DateTime::<Utc>::from(t)
        .format("%a, %d %b %Y %H:%M:%S GMT")
        .to_string()
}

/// True when an `If-None-Match` list names `etag` (weakly compared, as RFC 9110 says for GETs).
fn etag_matches(list: &str, etag: &str) -> bool {
    list.split(',')
        .map(|t| t.trim().trim_start_matches("W/"))
        .any(|t| t == "*" || t == etag)
}

/// RFC 9110 §13.2.2: If-None-Match wins; If-Modified-Since only counts without it.
fn not_modified(req: &Request, etag: &str, modified: SystemTime) -> bool {
    if let Some(inm) = req.header("If-None-Match") {
        return etag_matches(inm.as_str(), etag);
    }
    let Some(since) = req
        .header("If-Modified-Since")
        .and_then(|v| parse_http_date(v.as_str()))
    else {
        return false;
    };
    let secs = modified
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    i64::try_from(secs).is_ok_and(|s| s <= since)
}

fn parse_http_date(s: &str) -> Option<i64> {
    DateTime::parse_from_rfc2822(s.trim())
        .ok()
        .map(|d| d.timestamp())
}

/// `If-Range` lets a client resume only if the file is still the one it started with.
fn if_range_holds(req: &Request, etag: &str, last_modified: &str) -> bool {
    match req.header("If-Range") {
        None => true,
        Some(v) => {
            let v = v.as_str().trim();
            v == etag || v == last_modified
        }
    }
}

/// What a `Range` header asks of a file of `size` bytes.
#[derive(Debug, PartialEq, Eq)]
enum Ranged {
    /// No usable range (absent, malformed, several ranges, another unit): send it all, 200.
    Full,
    /// Inclusive first and last byte: 206.
    Part(u64, u64),
    /// A well-formed range beyond the end: 416.
    Unsatisfiable,
}

fn parse_range(header: &str, size: u64) -> Ranged {
    let Some(spec) = header.trim().strip_prefix("bytes=") else {
        return Ranged::Full;
    };
    // Multipart byteranges are optional; serving the whole file is a correct answer.
    if spec.contains(',') {
        return Ranged::Full;
    }
    let Some((first, last)) = spec.trim().split_once('-') else {
        return Ranged::Full;
    };
    let number = |s: &str| s.trim().parse::<u64>().ok();
    match (first.trim().is_empty(), last.trim().is_empty()) {
        // `-N`: the last N bytes.
        (true, false) => match number(last) {
            Some(0) => Ranged::Unsatisfiable,
            Some(_) if size == 0 => Ranged::Unsatisfiable,
            Some(n) => Ranged::Part(size - n.min(size), size - 1),
            None => Ranged::Full,
        },
        // `N-`: from N to the end.
        (false, true) => match number(first) {
            Some(a) if a < size => Ranged::Part(a, size - 1),
            Some(_) => Ranged::Unsatisfiable,
            None => Ranged::Full,
        },
        (false, false) => match (number(first), number(last)) {
            (Some(a), Some(b)) if a > b => Ranged::Full,
            (Some(a), Some(b)) if a < size => Ranged::Part(a, b.min(size - 1)),
            (Some(_), Some(_)) => Ranged::Unsatisfiable,
            _ => Ranged::Full,
        },
        (true, true) => Ranged::Full,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        assert_eq!(parse_range("bytes=0-9", 100), Ranged::Part(0, 9));
        assert_eq!(parse_range("bytes=90-200", 100), Ranged::Part(90, 99));
        assert_eq!(parse_range("bytes=10-", 100), Ranged::Part(10, 99));
        assert_eq!(parse_range("bytes=-10", 100), Ranged::Part(90, 99));
        assert_eq!(parse_range("bytes=-500", 100), Ranged::Part(0, 99));
        assert_eq!(parse_range("bytes=100-", 100), Ranged::Unsatisfiable);
        assert_eq!(parse_range("bytes=100-200", 100), Ranged::Unsatisfiable);
        assert_eq!(parse_range("bytes=-0", 100), Ranged::Unsatisfiable);
        assert_eq!(parse_range("bytes=-5", 0), Ranged::Unsatisfiable);
        for ignored in [
            "bytes=0-1,5-6",
            "items=0-1",
            "bytes=x-",
            "bytes=5-1",
            "bytes=-",
            "bytes=1",
        ] {
            assert_eq!(parse_range(ignored, 100), Ranged::Full, "{ignored}");
        }
    }

    #[test]
    fn validators() {
        let t = UNIX_EPOCH + std::time::Duration::from_secs(784_111_777);
        assert_eq!(http_date(t), "Sun, 06 Nov 1994 08:49:37 GMT");
        assert_eq!(
            parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(784_111_777)
        );
        assert_eq!(parse_http_date("yesterday"), None);
        let tag = etag("", 10, t);
        assert!(etag_matches(&format!("\"x\", W/{tag}"), &tag));
        assert!(etag_matches("*", &tag));
        assert!(!etag_matches("\"other\"", &tag));
        assert_ne!(etag("", 11, t), tag, "size is part of the tag");
    }
}
