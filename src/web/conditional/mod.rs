//! Conditional and partial GETs, in one place for every route that serves a stored representation
//! (`/pic`, `/thumbs`, `/theme`, `/content`): validators (`ETag`, `Last-Modified`), `If-None-Match`
//! (lists, `*`, weak comparison), `If-Modified-Since` (every HTTP date format, via `httpdate`),
//! `Range` (one byte range; 206 / 416) and `If-Range` (strong comparison), evaluated in the order
//! RFC 9110 §13.2.2 gives. Handlers build [`Validators`] for what they serve and hand the body to
//! [`bytes_response`] or [`file_response`], which answer 304, 206, 416 or 200.
//!
//! Beside it: `tags.rs` (entity-tag lists), `range.rs` (the `Range` header).

mod range;
mod tags;

use std::io;
use std::time::{SystemTime, UNIX_EPOCH};

use async_std::fs::File;
use async_std::io::{BufReader, ReadExt, SeekExt, SeekFrom};
use tide::{Body, Response, StatusCode};

use super::Request;
use range::parse_range;
pub use range::Ranged;
use tags::none_match_hits;

/// What identifies one version of a resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Validators {
    /// A strong entity tag, quotes included: `"…"`.
    etag: String,
    /// When the resource last changed, if it has such a time (`Last-Modified`).
    last_modified: Option<SystemTime>,
}

impl Validators {
    /// A strong tag from an opaque string of tag characters (no `"`): a hash of the bytes.
    pub fn tag(opaque: &str) -> Validators {
        Validators {
            etag: format!("\"{opaque}\""),
            last_modified: None,
        }
    }

    /// A file's validators: a strong tag from size and modification time (nanoseconds, so a
    /// rewrite within the same second changes it), and that time as `Last-Modified`. `prefix`
    /// tells representations of one file apart (its thumbnail has `t1-`).
    pub fn file(prefix: &str, size: u64, modified: SystemTime) -> Validators {
        let nanos = modified
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        Validators {
            etag: format!("\"{prefix}{size:x}-{nanos:x}\""),
            last_modified: Some(modified),
        }
    }

    /// The `Last-Modified` header value (IMF-fixdate), if the resource has a time.
    pub fn last_modified(&self) -> Option<String> {
        self.last_modified.map(httpdate::fmt_http_date)
    }

    fn set_headers(&self, res: &mut Response) {
        res.insert_header("ETag", self.etag.as_str());
        if let Some(lm) = self.last_modified() {
            res.insert_header("Last-Modified", lm.as_str());
        }
    }
}

/// The request headers that make a GET conditional or partial. Repeated headers are joined with
/// `,` as RFC 9110 §5.3 allows for list-valued fields.
#[derive(Debug, Default, Clone)]
pub struct Preconditions {
    pub if_none_match: Option<String>,
    pub if_modified_since: Option<String>,
    pub range: Option<String>,
    pub if_range: Option<String>,
}

impl Preconditions {
    /// The preconditions of `req`.
    pub fn of(req: &Request) -> Preconditions {
        let joined = |name: &str| {
            req.header(name).map(|values| {
                values
                    .iter()
                    .map(|v| v.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            })
        };
        Preconditions {
            if_none_match: joined("If-None-Match"),
            if_modified_since: joined("If-Modified-Since"),
            range: joined("Range"),
            if_range: joined("If-Range"),
        }
    }

    /// True when the client's copy is current (answer 304). `If-None-Match` decides when present;
    /// `If-Modified-Since` counts only without it (RFC 9110 §13.2.2, steps 3 and 4).
    pub fn not_modified(&self, v: &Validators) -> bool {
        if let Some(list) = &self.if_none_match {
            return none_match_hits(list, &v.etag);
        }
        let (Some(since), Some(modified)) = (
            self.if_modified_since
                .as_deref()
                .and_then(|s| httpdate::parse_http_date(s.trim()).ok()),
            v.last_modified,
        ) else {
            return false;
        };
        // Dates have whole seconds: a file changed within the second of `since` is not newer.
        whole_seconds(modified) <= whole_seconds(since)
    }

    /// What to send of a body of `size` bytes: all of it, one part, or nothing (416).
    pub fn range(&self, v: &Validators, size: u64) -> Ranged {
        match &self.range {
            Some(r) if self.if_range_holds(v) => parse_range(r, size),
            _ => Ranged::Full,
        }
    }

    /// `If-Range` lets a client resume only if the resource is still the one it started with:
    /// the same strong tag, or exactly its `Last-Modified` date.
    fn if_range_holds(&self, v: &Validators) -> bool {
        let Some(cond) = self.if_range.as_deref().map(str::trim) else {
            return true;
        };
        if cond.starts_with('"') || cond.starts_with("W/") {
            // Strong comparison: a weak tag never matches.
            return cond == v.etag;
        }
        match (httpdate::parse_http_date(cond), v.last_modified) {
            (Ok(date), Some(modified)) => whole_seconds(date) == whole_seconds(modified),
            _ => false,
        }
    }
}

fn whole_seconds(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// The answer to a GET of a `size`-byte body: the response with its headers set, and the byte
/// span `(start, len)` the caller must send — `None` when the answer is finished (304, 416).
fn answer(
    pre: &Preconditions,
    v: &Validators,
    size: u64,
    cache_control: &str,
) -> (Response, Option<(u64, u64)>) {
    let mut res = Response::new(StatusCode::Ok);
    v.set_headers(&mut res);
    res.insert_header("Cache-Control", cache_control);
    res.insert_header("Accept-Ranges", "bytes");
    if pre.not_modified(v) {
        res.set_status(StatusCode::NotModified);
        return (res, None);
    }
    match pre.range(v, size) {
        Ranged::Full => (res, Some((0, size))),
        Ranged::Part(start, end) => {
            res.set_status(StatusCode::PartialContent);
            res.insert_header("Content-Range", format!("bytes {start}-{end}/{size}"));
            (res, Some((start, end - start + 1)))
        }
        Ranged::Unsatisfiable => {
            res.set_status(StatusCode::RequestedRangeNotSatisfiable);
            res.insert_header("Content-Range", format!("bytes */{size}"));
            (res, None)
        }
    }
}

/// A body held in memory (theme asset, thumbnail), answered per the request's preconditions.
pub fn bytes_response(
    pre: &Preconditions,
    v: &Validators,
    mut bytes: Vec<u8>,
    content_type: &str,
    cache_control: &str,
) -> Response {
    match answer(pre, v, bytes.len() as u64, cache_control) {
        (done, None) => done,
        (mut res, Some((start, len))) => {
            // `answer` keeps the span inside the body.
            let (start, len) = (start as usize, len as usize);
            if len < bytes.len() {
                bytes = bytes[start..start + len].to_vec();
            }
            res.set_body(bytes);
            res.insert_header("Content-Type", content_type);
            res
        }
    }
}

/// A file streamed from disk (never read whole into memory), answered per the preconditions.
/// The validators must be those of this open file, so a file replaced meanwhile is not mixed up.
pub async fn file_response(
    pre: &Preconditions,
    v: &Validators,
    mut file: File,
    size: u64,
    content_type: &str,
    cache_control: &str,
) -> io::Result<Response> {
    match answer(pre, v, size, cache_control) {
        (done, None) => Ok(done),
        (mut res, Some((start, len))) => {
            file.seek(SeekFrom::Start(start)).await?;
            let body = BufReader::new(file.take(len));
            res.set_body(Body::from_reader(body, usize::try_from(len).ok()));
            res.insert_header("Content-Type", content_type);
            Ok(res)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn at(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    fn pre(f: impl FnOnce(&mut Preconditions)) -> Preconditions {
        let mut p = Preconditions::default();
        f(&mut p);
        p
    }

    #[test]
    fn file_validators() {
        let t = at(784_111_777);
        let v = Validators::file("", 10, t);
        assert_eq!(
            v.last_modified().as_deref(),
            Some("Sun, 06 Nov 1994 08:49:37 GMT")
        );
        assert_ne!(Validators::file("", 11, t), v, "size is part of the tag");
        assert_ne!(Validators::file("t1-", 10, t), v, "the prefix too");
        assert_ne!(
            Validators::file("", 10, t + Duration::from_millis(1)).etag,
            v.etag,
            "and the time below a second"
        );
        assert_eq!(Validators::tag("abc").etag, "\"abc\"");
    }

    #[test]
    fn if_modified_since_in_every_date_format() {
        let v = Validators::file("", 1, at(784_111_777));
        for date in [
            "Sun, 06 Nov 1994 08:49:37 GMT",
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sun Nov  6 08:49:37 1994",
            "Mon, 07 Nov 1994 00:00:00 GMT",
        ] {
            assert!(
                pre(|p| p.if_modified_since = Some(date.into())).not_modified(&v),
                "{date}"
            );
        }
        for older_or_bad in ["Sun, 06 Nov 1994 08:49:36 GMT", "yesterday", ""] {
            assert!(
                !pre(|p| p.if_modified_since = Some(older_or_bad.into())).not_modified(&v),
                "{older_or_bad}"
            );
        }
        // A resource without a time is never "not modified since".
        let untimed = Validators::tag("x");
        let p = pre(|p| p.if_modified_since = Some("Sun, 06 Nov 2094 08:49:37 GMT".into()));
        assert!(!p.not_modified(&untimed));
    }

    #[test]
    fn if_none_match_overrides_if_modified_since() {
        let v = Validators::file("", 1, at(784_111_777));
        let p = pre(|p| {
            p.if_none_match = Some("\"stale\"".into());
            p.if_modified_since = Some("Sun, 06 Nov 1994 08:49:37 GMT".into());
        });
        assert!(!p.not_modified(&v));
    }

    #[test]
    fn if_range_is_strong_and_exact() {
        let v = Validators::file("", 100, at(784_111_777));
        let ranged = |cond: &str| {
            pre(|p| {
                p.range = Some("bytes=0-1".into());
                p.if_range = Some(cond.into());
            })
            .range(&v, 100)
        };
        assert_eq!(ranged(&v.etag), Ranged::Part(0, 1));
        assert_eq!(ranged("Sun, 06 Nov 1994 08:49:37 GMT"), Ranged::Part(0, 1));
        assert_eq!(ranged("Sunday, 06-Nov-94 08:49:37 GMT"), Ranged::Part(0, 1));
        assert_eq!(ranged(&format!("W/{}", v.etag)), Ranged::Full);
        assert_eq!(ranged("\"old\""), Ranged::Full);
        assert_eq!(ranged("Sun, 06 Nov 1994 08:49:38 GMT"), Ranged::Full);
        assert_eq!(ranged("junk"), Ranged::Full);
    }
}
