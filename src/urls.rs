//! pistream's URL scheme, in one place: every link the server writes — photo pages, photo files,
//! thumbnails, markdown pages, content files, theme assets, the live page and stream — is made
//! here, and the percent-encoding of path segments with it. Routes (`web`), templates (`site`),
//! markdown link rewriting and the gallery all ask this module, so the scheme cannot drift apart
//! between the page that links and the route that answers.
//!
//! Plain Rust, no HTTP types: `site`, `gallery` and `web` can all use it.
//!
//! # A base path
//! Every URL is made by [`at`], which today returns the root-relative path it is given. Serving
//! under a prefix (`--base-path /cam1`, behind a proxy that shares a host) plugs in there and only
//! there: keep the prefix in a `static BASE: OnceLock<String>` set once at start (from the
//! config, before the first page renders), and let [`at`] return `BASE + path` (`/` alone
//! becoming `/cam1/`). The HTTP edge then strips the same prefix from request targets before
//! routing, so the routes in `web/` keep their root-relative patterns.

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

/// The one function every URL goes through: `path` is root-relative (`/…`). See the module docs
/// for how a base path plugs in here.
pub fn at(path: &str) -> String {
    path.to_string()
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
    format!("{}?page={page}", gallery())
}

/// The HTML page of the photo file `name` (a decoded file name).
pub fn photo_page(name: &str) -> String {
    at(&format!("/photos/{}", encode_segment(name)))
}

/// The photo file itself.
pub fn photo_file(name: &str) -> String {
    at(&format!("/pic/{}", encode_segment(name)))
}

/// The photo's thumbnail.
pub fn thumbnail(name: &str) -> String {
    at(&format!("/thumbs/{}", encode_segment(name)))
}

/// Where to POST to delete the photo.
pub fn delete_photo(name: &str) -> String {
    at(&format!("/photos/{}/delete", encode_segment(name)))
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
        let name = "a b#c%d?e/f 照片 🎉.jpg";
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
    }
}
