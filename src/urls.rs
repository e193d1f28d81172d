//! pistream's URL scheme, in one place: every link the server writes — photo pages, photo files,
//! thumbnails, markdown pages, content files, theme assets, the live page and stream — is made
//! here, and the percent-encoding of path segments with it. Routes (`web`), templates (`site`),
//! markdown link rewriting and the gallery all ask this module, so the scheme cannot drift apart
//! between the page that links and the route that answers.
//!
//! Plain Rust, no HTTP types: `site`, `gallery` and `web` can all use it.
//!
//! # A base path
//! Every URL is made by [`at`], which puts the base path (`--base-path /cam1`, for several
//! instances behind one proxy that shares a host) in front of the root-relative path it is given
//! (`/` alone becoming `/cam1/`). The prefix is set once at start ([`set_base`], before the first
//! page renders) and is the same for the whole process. The HTTP edge strips it from request
//! targets ([`strip_base`]) before routing, so the routes in `web/` keep their root-relative
//! patterns.

use std::sync::OnceLock;

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// Bytes left as they are in a URL path segment: RFC 3986 "unreserved" characters. Everything
/// else is encoded, so `#`, `%`, `?`, `/`, spaces, Chinese and emoji survive a round trip.
pub const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Percent-encodes one path segment (every byte outside the unreserved set).
pub fn encode_segment(s: &str) -> String {
    utf8_percent_encode(s, SEGMENT).to_string()
}

/// Percent-encodes a `/`-separated relative path segment by segment (the `/`s stay).
pub fn encode_path(rel: &str) -> String {
    rel.split('/')
        .map(encode_segment)
        .collect::<Vec<_>>()
        .join("/")
}

/// The base path: empty (served at the root) or `/cam1`-like (no trailing `/`).
static BASE: OnceLock<String> = OnceLock::new();

/// Checks and normalises a `--base-path`: empty or `/` is the root; otherwise `/` followed by
/// segments of unreserved characters (no `.`/`..` segment, no `?`, `#`, `%` or space), with
/// the trailing `/` dropped.
pub fn parse_base(s: &str) -> Result<String, String> {
    let trimmed = s.trim_end_matches('/');
    if trimmed.is_empty() {
        return Ok(String::new());
    }
    let bad = || format!("`{s}` is not a base path like /cam1 (letters, digits, - . _ ~ and /)");
    let rest = trimmed.strip_prefix('/').ok_or_else(bad)?;
    for seg in rest.split('/') {
        if seg.is_empty()
            || seg == "."
            || seg == ".."
            || !seg
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b))
        {
            return Err(bad());
        }
    }
    Ok(trimmed.to_string())
}

/// Sets the base path (normalised by [`parse_base`]) for the whole process. Once: a second call
/// with another value fails, since pages already rendered link by the first.
pub fn set_base(base: &str) -> Result<(), String> {
    let now = BASE.get_or_init(|| base.to_string());
    if now == base {
        Ok(())
    } else {
        Err(format!(
            "this process already serves under the base path `{now}`, not `{base}`"
        ))
    }
}

/// The base path, empty at the root.
pub fn base() -> &'static str {
    BASE.get().map(String::as_str).unwrap_or("")
}

/// The request target `target` (`/cam1/live?x`) as the routes know it (`/live?x`): the base path
/// taken off. A target without the prefix is left as it is (a proxy may strip the prefix itself);
/// the bare prefix (`/cam1`) is the home page.
pub fn strip_base(target: &str) -> &str {
    strip_prefix(base(), target)
}

fn strip_prefix<'a>(base: &str, target: &'a str) -> &'a str {
    if base.is_empty() {
        return target;
    }
    match target.strip_prefix(base) {
        Some("") => "/",
        Some(rest) if rest.starts_with('?') => {
            // `/cam1?x`: the home page with its query; the `/` it lacks cannot be borrowed, so
            // the query goes (the home page has none).
            "/"
        }
        Some(rest) if rest.starts_with('/') => rest,
        _ => target,
    }
}

/// The one function every URL goes through: `path` is root-relative (`/…`); the base path goes in
/// front of it. `at("")` is the base path itself (empty at the root).
pub fn at(path: &str) -> String {
    with_base(base(), path)
}

fn with_base(base: &str, path: &str) -> String {
    format!("{base}{path}")
}

/// The home page.
pub fn home() -> String {
    at("/")
}

/// The live page, with the query of a view (`scale=80&quality=40`) if any.
pub fn live(query: &str) -> String {
    with_query(at("/live"), query)
}

/// The MJPEG stream, with the query of a variant if any.
pub fn stream(query: &str) -> String {
    with_query(at("/stream"), query)
}

/// The latest frame as one JPEG.
pub fn snapshot() -> String {
    at("/snapshot.jpg")
}

/// The server's state as JSON.
pub fn api_state() -> String {
    at("/api/state")
}

/// Where a photo is taken (POST) — the same URL as the gallery, which answers GET.
pub fn take_photo() -> String {
    at("/photos")
}

/// The gallery (its first page).
pub fn gallery() -> String {
    at("/photos")
}

/// Page `page` (1-based) of the gallery, always with its number: the pager's links.
pub fn gallery_page(page: usize) -> String {
    album_page("", page)
}

/// The HTML page of the photo `name` (a decoded path: `photo.jpg`, `album/sub/photo.jpg`).
pub fn photo_page(name: &str) -> String {
    at(&format!("/photos/{}", encode_path(name)))
}

/// The photo file itself.
pub fn photo_file(name: &str) -> String {
    at(&format!("/pic/{}", encode_path(name)))
}

/// The photo file as a download (`Content-Disposition: attachment`).
pub fn photo_download(name: &str) -> String {
    format!("{}?download=1", photo_file(name))
}

/// The photo's thumbnail.
pub fn thumbnail(name: &str) -> String {
    at(&format!("/thumbs/{}", encode_path(name)))
}

/// The photo at screen size (the medium rendition, cached like thumbnails).
pub fn medium(name: &str) -> String {
    at(&format!("/medium/{}", encode_path(name)))
}

/// Where to POST to delete the photo.
pub fn delete_photo(name: &str) -> String {
    at(&format!("/photos/{}/delete", encode_path(name)))
}

/// The album at `path` (a decoded folder path; `""`, the top level, is the gallery itself).
pub fn album(path: &str) -> String {
    if path.is_empty() {
        gallery()
    } else {
        at(&format!("/albums/{}", encode_path(path)))
    }
}

/// Page `page` (1-based) of the album at `path`.
pub fn album_page(path: &str, page: usize) -> String {
    format!("{}?page={page}", album(path))
}

/// The whole album at `path` (sub-albums included) as one ZIP.
pub fn album_zip(path: &str) -> String {
    if path.is_empty() {
        at("/zip")
    } else {
        at(&format!("/zip/{}", encode_path(path)))
    }
}

/// Where the grid's selection is POSTed (`name=` repeated) to delete those photos.
pub fn delete_selected() -> String {
    at("/selection/delete")
}

/// Where the grid's selection is POSTed (`name=` repeated) to download it as one ZIP.
pub fn zip_selected() -> String {
    at("/selection/zip")
}

/// The search page, for the query `q` (empty: the page with just the search box).
pub fn search(q: &str) -> String {
    let query: String = form_urlencoded::byte_serialize(q.as_bytes()).collect();
    if q.is_empty() {
        at("/search")
    } else {
        format!("{}?q={query}", at("/search"))
    }
}

/// The markdown page of `slug` (`guide/setup`); the empty slug is the home page.
pub fn page(slug: &str) -> String {
    if slug.is_empty() {
        return home();
    }
    at(&format!("/pages/{}", encode_path(slug)))
}

/// A file of the content folder, by its `/`-separated path relative to that folder.
pub fn content(rel: &str) -> String {
    at(&format!("/content/{}", encode_path(rel)))
}

/// A theme asset by its path under `assets/`, with the version that makes it cacheable forever.
pub fn asset(path: &str, version: &str) -> String {
    at(&format!("/theme/{}?v={version}", encode_path(path)))
}

fn with_query(url: String, query: &str) -> String {
    if query.is_empty() {
        url
    } else {
        format!("{url}?{query}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_names_stay_one_segment() {
        let name = "a b#c%d?e\\f 照片 🎉.jpg";
        for url in [photo_page(name), photo_file(name), thumbnail(name)] {
            let last = url.rsplit('/').next().unwrap();
            assert_eq!(
                percent_encoding::percent_decode_str(last)
                    .decode_utf8()
                    .unwrap(),
                name,
                "{url}"
            );
            assert!(
                last.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-._~%".contains(&b)),
                "{url}"
            );
        }
        assert_eq!(
            delete_photo("100% done.jpg"),
            "/photos/100%25%20done.jpg/delete"
        );
    }

    #[test]
    fn album_paths_keep_their_slashes_and_encode_each_segment() {
        let name = "timelapse/2024-05-01/a#b.jpg";
        assert_eq!(photo_page(name), "/photos/timelapse/2024-05-01/a%23b.jpg");
        assert_eq!(medium(name), "/medium/timelapse/2024-05-01/a%23b.jpg");
        assert_eq!(
            photo_download(name),
            "/pic/timelapse/2024-05-01/a%23b.jpg?download=1"
        );
        assert_eq!(album(""), "/photos");
        assert_eq!(album("a b/c"), "/albums/a%20b/c");
        assert_eq!(album_page("a", 2), "/albums/a?page=2");
        assert_eq!(album_zip(""), "/zip");
        assert_eq!(album_zip("a/b"), "/zip/a/b");
    }

    #[test]
    fn the_scheme() {
        assert_eq!(home(), "/");
        assert_eq!(page(""), "/");
        assert_eq!(page("关于 us"), "/pages/%E5%85%B3%E4%BA%8E%20us");
        assert_eq!(page("guide/setup"), "/pages/guide/setup");
        assert_eq!(content("img/cat 1.png"), "/content/img/cat%201.png");
        assert_eq!(
            asset("fonts/a b.woff2", "12ab"),
            "/theme/fonts/a%20b.woff2?v=12ab"
        );
        assert_eq!(gallery(), "/photos");
        assert_eq!(gallery_page(3), "/photos?page=3");
        assert_eq!(live(""), "/live");
        assert_eq!(stream("scale=50"), "/stream?scale=50");
        assert_eq!(search(""), "/search");
        assert_eq!(
            search("摄像头 a&b"),
            "/search?q=%E6%91%84%E5%83%8F%E5%A4%B4+a%26b"
        );
    }

    #[test]
    fn base_paths() {
        assert_eq!(parse_base("").unwrap(), "");
        assert_eq!(parse_base("/").unwrap(), "");
        assert_eq!(parse_base("/cam1/").unwrap(), "/cam1");
        assert_eq!(parse_base("/site/cam-1").unwrap(), "/site/cam-1");
        for bad in ["cam1", "/cam 1", "/a/../b", "/a//b", "/a?b", "/%2e", "/./x"] {
            assert!(parse_base(bad).is_err(), "{bad}");
        }
        assert_eq!(with_base("/cam1", "/"), "/cam1/");
        assert_eq!(with_base("/cam1", "/live"), "/cam1/live");
        assert_eq!(with_base("/cam1", ""), "/cam1");
        assert_eq!(with_base("", "/live"), "/live");
        assert_eq!(strip_prefix("/cam1", "/cam1/live?x=1"), "/live?x=1");
        assert_eq!(strip_prefix("/cam1", "/cam1"), "/");
        assert_eq!(strip_prefix("/cam1", "/cam1?x"), "/");
        assert_eq!(strip_prefix("/cam1", "/cam10/live"), "/cam10/live");
        assert_eq!(strip_prefix("/cam1", "/live"), "/live");
        assert_eq!(strip_prefix("", "/cam1/live"), "/cam1/live");
    }
}
