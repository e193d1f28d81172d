//! Markdown → HTML for pages: pulldown-cmark with tables, footnotes, strikethrough, task lists and
//! smart punctuation, plus what a website needs on top — unique heading ids with anchor links, and
//! relative links rewritten so they work from any URL the page is served at (`/`, `/pages/…`,
//! `/about/…`): `other.md` becomes that page's URL, `img/cat.png` becomes `/content/img/cat.png`.
//!
//! Raw HTML in markdown is passed through unchanged (see docs/THEMES.md): content files are trusted
//! exactly like theme files, which already put arbitrary HTML on every page.

use std::collections::HashSet;

use percent_encoding::percent_decode_str;
use pulldown_cmark::{html, CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd};

use crate::urls::{self, encode_segment};

/// A page rendered to HTML.
#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    pub html: String,
    /// Text of the first level-1 heading, the page title when front matter has none.
    pub h1: Option<String>,
}

/// The slug of a markdown file from its path relative to the content folder (`/` separated):
/// `guide/setup.md` → `guide/setup`, `guide/index.md` → `guide`, `index.md` → `` (home).
pub fn slug_for(rel: &str) -> String {
    let stem = strip_md(rel).unwrap_or(rel);
    match stem.rsplit_once('/') {
        Some((dir, "index")) => dir.to_string(),
        None if stem == "index" => String::new(),
        _ => stem.to_string(),
    }
}

fn strip_md(path: &str) -> Option<&str> {
    let cut = path.len().checked_sub(3)?;
    (path.is_char_boundary(cut) && path[cut..].eq_ignore_ascii_case(".md")).then(|| &path[..cut])
}

/// Renders `markdown` of the page whose path relative to the content folder is `rel`.
pub fn render(markdown: &str, rel: &str) -> Rendered {
    let mut opts = Options::empty();
    opts.insert(Options::ENABLE_TABLES);
    opts.insert(Options::ENABLE_FOOTNOTES);
    opts.insert(Options::ENABLE_STRIKETHROUGH);
    opts.insert(Options::ENABLE_TASKLISTS);
    opts.insert(Options::ENABLE_SMART_PUNCTUATION);
    opts.insert(Options::ENABLE_HEADING_ATTRIBUTES);
    let dir = rel.rsplit_once('/').map(|(d, _)| d).unwrap_or("");

    let mut out = Vec::new();
    let mut ids = HashSet::new();
    let mut h1 = None;
    // A heading is buffered whole: its id comes from its text, which follows its start tag.
    let mut heading: Option<(HeadingLevel, Option<String>, Vec<Event>)> = None;
    for event in Parser::new_ext(markdown, opts) {
        let event = rewrite_link(event, dir);
        match event {
            Event::Start(Tag::Heading { level, id, .. }) => {
                heading = Some((level, id.map(|i| i.to_string()), Vec::new()))
            }
            Event::End(TagEnd::Heading(_)) => {
                let Some((level, explicit, inner)) = heading.take() else {
                    continue;
                };
                let text = plain_text(&inner);
                if level == HeadingLevel::H1 && h1.is_none() {
                    h1 = Some(text.clone());
                }
                let id = unique(&mut ids, explicit.unwrap_or_else(|| slugify(&text)));
                let mut body = String::new();
                html::push_html(&mut body, inner.into_iter());
                let attr = html_attr(&id);
                out.push(Event::Html(CowStr::from(format!(
                    "<{level} id=\"{attr}\">{body} <a class=\"anchor\" href=\"#{href}\" aria-label=\"Link to this section\">#</a></{level}>\n",
                    href = html_attr(&encode_segment(&id)),
                ))));
            }
            other => match heading.as_mut() {
                Some((_, _, inner)) => inner.push(other),
                None => out.push(other),
            },
        }
    }
    let mut html_out = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut html_out, out.into_iter());
    Rendered { html: html_out, h1 }
}

fn plain_text(events: &[Event]) -> String {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Text(t) | Event::Code(t) => Some(t.as_ref()),
            _ => None,
        })
        .collect()
}

/// Lower-case words joined by `-`; letters of every script are kept (Chinese headings get Chinese ids).
pub fn slugify(text: &str) -> String {
    let mut s = String::new();
    for c in text.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            s.push(c);
        } else if (c.is_whitespace() || c == '-' || c == '_') && !s.ends_with('-') && !s.is_empty()
        {
            s.push('-');
        }
    }
    let s = s.trim_end_matches('-');
    if s.is_empty() {
        "section".into()
    } else {
        s.into()
    }
}

fn unique(used: &mut HashSet<String>, base: String) -> String {
    let mut id = base.clone();
    let mut n = 1;
    while !used.insert(id.clone()) {
        id = format!("{base}-{n}");
        n += 1;
    }
    id
}

/// Escapes text for a double-quoted HTML attribute.
fn html_attr(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

/// Rewrites the destination of links and images that are relative paths.
fn rewrite_link<'a>(event: Event<'a>, dir: &str) -> Event<'a> {
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
    use super::*;

    #[test]
    fn extensions_are_on() {
        let md = "| a | b |\n|---|---|\n| 1 | 2 |\n\n~~gone~~ \"quoted\" -- dash\n\n- [x] done\n- [ ] todo\n\nNote[^1].\n\n[^1]: The note.\n";
        let r = render(md, "p.md").html;
        assert!(r.contains("<table>") && r.contains("<td>1</td>"), "{r}");
        assert!(r.contains("<del>gone</del>"), "{r}");
        assert!(r.contains("“quoted”") && r.contains("–"), "{r}");
        assert!(
            r.contains("type=\"checkbox\"") && r.contains("checked"),
            "{r}"
        );
        assert!(r.contains("footnote-definition"), "{r}");
    }

    #[test]
    fn headings_get_unique_ids_and_anchors() {
        let r = render(
            "# Setup\n\n## Wi-Fi\n\n## Wi-Fi\n\n## 安装 步骤\n\n## Custom {#mine}\n",
            "p.md",
        );
        assert_eq!(r.h1.as_deref(), Some("Setup"));
        assert!(
            r.html
                .contains("<h1 id=\"setup\">Setup <a class=\"anchor\" href=\"#setup\""),
            "{}",
            r.html
        );
        assert!(r.html.contains("<h2 id=\"wi-fi\">"), "{}", r.html);
        assert!(r.html.contains("<h2 id=\"wi-fi-1\">"), "{}", r.html);
        assert!(r.html.contains("<h2 id=\"安装-步骤\">"), "{}", r.html);
        assert!(r.html.contains("href=\"#%E5%AE%89"), "{}", r.html);
        assert!(r.html.contains("<h2 id=\"mine\">"), "{}", r.html);
    }

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

    #[test]
    fn slugs_and_urls() {
        assert_eq!(slug_for("index.md"), "");
        assert_eq!(slug_for("guide/index.md"), "guide");
        assert_eq!(slug_for("guide/Setup.MD"), "guide/Setup");
        assert_eq!(urls::page("关于 us"), "/pages/%E5%85%B3%E4%BA%8E%20us");
        assert_eq!(urls::page(""), "/");
        assert_eq!(slugify("  -- "), "section");
    }

    #[test]
    fn raw_html_passes_through() {
        let r = render("<details><summary>More</summary>hidden</details>\n", "p.md").html;
        assert!(r.contains("<details><summary>More</summary>"), "{r}");
    }
}
