//! Links in markdown pages: relative links rewritten so they work from any URL the page is served
//! at (`/`, `/pages/…`, `/about/…`) — `other.md` becomes that page's URL, `img/cat.png` becomes
//! `/content/img/cat.png` — and root-relative ones (`/live`) given the base path.

use percent_encoding::percent_decode_str;
use pulldown_cmark::{CowStr, Event, Tag};

use super::markdown::{slug_for, strip_md};
use crate::urls;

/// Rewrites the destination of links and images that are relative paths.
pub(crate) fn rewrite_link<'a>(event: Event<'a>, dir: &str) -> Event<'a> {
    match event {
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) => Event::Start(Tag::Link {
            link_type,
            dest_url: rewrite_url(dest_url, dir),
            title,
            id,
        }),
        Event::Start(Tag::Image {
            link_type,
            dest_url,
            title,
            id,
        }) => Event::Start(Tag::Image {
            link_type,
            dest_url: rewrite_url(dest_url, dir),
            title,
            id,
        }),
        other => other,
    }
}

/// Relative paths become pages or content files; a root-relative link (`/live`) is one of the
/// site's own and gets the base path (`/cam1/live`), as the author meant by it.
fn rewrite_url<'a>(url: CowStr<'a>, dir: &str) -> CowStr<'a> {
    if url.starts_with('/') && !url.starts_with("//") {
        return CowStr::from(urls::at(&url));
    }
    match rewrite_relative(&url, dir) {
        Some(new) => CowStr::from(new),
        None => url,
    }
}

/// `Some(new URL)` when `url` is a relative path (no scheme, not `/…`, `#…` or `?…`).
pub fn rewrite_relative(url: &str, dir: &str) -> Option<String> {
    if url.is_empty() || url.starts_with(['/', '#', '?', '\\']) {
        return None;
    }
    // A scheme (`https:`, `mailto:`) comes before any `/`, `?` or `#`.
    let first_special = url.find(['/', '?', '#']).unwrap_or(url.len());
    if url[..first_special].contains(':') {
        return None;
    }
    let (path, fragment) = match url.split_once('#') {
        Some((p, f)) => (p, Some(f)),
        None => (url, None),
    };
    let (path, query) = match path.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (path, None),
    };
    let decoded = percent_decode_str(path).decode_utf8().ok()?;
    let resolved = resolve(dir, &decoded)?;
    let mut out = match strip_md(&resolved) {
        Some(_) => urls::page(&slug_for(&resolved)),
        None => urls::content(&resolved),
    };
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    if let Some(f) = fragment {
        out.push('#');
        out.push_str(f);
    }
    Some(out)
}

/// Joins `rel` onto `dir` (both `/` separated, relative to the content root), folding `.` and `..`.
/// `None` when the result would leave the content folder.
fn resolve(dir: &str, rel: &str) -> Option<String> {
    let mut parts: Vec<&str> = dir.split('/').filter(|s| !s.is_empty()).collect();
    for seg in rel.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            s => parts.push(s),
        }
    }
    (!parts.is_empty()).then(|| parts.join("/"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn relative_links_are_rewritten() {
        let r = render(
            "[s](setup.md) [n](../about.md#who) [i](guide/index.md) [up](../../x.md) [w](https://example.org/a.md) [a](#top) [abs](/live)\n\n![cat](img/cat%201.png)\n",
            "guide/intro.md",
        )
        .html;
        assert!(r.contains("href=\"/pages/guide/setup\""), "{r}");
        assert!(r.contains("href=\"/pages/about#who\""), "{r}");
        assert!(r.contains("href=\"/pages/guide/guide\""), "{r}");
        assert!(r.contains("href=\"../../x.md\""), "{r}");
        assert!(r.contains("href=\"https://example.org/a.md\""), "{r}");
        assert!(
            r.contains("href=\"#top\"") && r.contains("href=\"/live\""),
            "{r}"
        );
        assert!(r.contains("src=\"/content/guide/img/cat%201.png\""), "{r}");
    }

    fn render(md: &str, rel: &str) -> crate::site::markdown::Rendered {
        crate::site::markdown::render(md, rel)
    }
}
