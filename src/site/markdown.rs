//! Markdown → HTML for pages: pulldown-cmark with tables, footnotes, strikethrough, task lists and
//! smart punctuation, plus what a website needs on top — unique heading ids with anchor links, and
//! relative links rewritten ([`super::links`]) so they work from any URL the page is served at.
//! A fenced block with the info string `pistream` is a camera embed ([`super::embed`]): it leaves
//! a marker in the HTML, as the table of contents does; the headings (for the table of contents)
//! and the plain text (for search) are collected on the way.
//!
//! Raw HTML in markdown is passed through unchanged (see docs/THEMES.md): content files are trusted
//! exactly like theme files, which already put arbitrary HTML on every page.

use std::borrow::Cow;
use std::collections::HashSet;

use pulldown_cmark::{
    html, CodeBlockKind, CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd,
};
use serde::Serialize;

use super::embed::{self, Embed};
use super::links;

use crate::urls::encode_segment;

/// A page rendered to HTML.
#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    /// The HTML, with an [`embed::marker`] where each camera embed goes.
    pub html: String,
    /// Text of the first level-1 heading, the page title when front matter has none.
    pub h1: Option<String>,
    /// The camera embeds (`pistream` blocks), in page order.
    pub embeds: Vec<Embed>,
    /// Every heading, in page order, with its id: what a table of contents lists.
    pub headings: Vec<Heading>,
    /// The words of the page without markup (code included, raw HTML and embeds left out), for
    /// search.
    pub text: String,
}

/// A heading of a page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Heading {
    /// 1 to 6.
    pub level: u8,
    /// The element's `id` (unique on the page).
    pub id: String,
    /// The heading's text without markup.
    pub text: String,
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

pub(crate) fn strip_md(path: &str) -> Option<&str> {
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
    // NUL marks embeds in the HTML (embed::marker): none may come from the text itself.
    let markdown: Cow<str> = if markdown.contains('\0') {
        Cow::Owned(markdown.replace('\0', "\u{FFFD}"))
    } else {
        Cow::Borrowed(markdown)
    };

    let mut out = Vec::new();
    let mut ids = HashSet::new();
    let mut r = Rendered {
        html: String::new(),
        h1: None,
        embeds: Vec::new(),
        headings: Vec::new(),
        text: String::new(),
    };
    // A heading is buffered whole: its id comes from its text, which follows its start tag.
    let mut heading: Option<(HeadingLevel, Option<String>, Vec<Event>)> = None;
    // The source of the `pistream` block being read.
    let mut embed: Option<String> = None;
    for event in Parser::new_ext(&markdown, opts) {
        if let Some(src) = embed.as_mut() {
            match event {
                Event::Text(t) => src.push_str(&t),
                Event::End(TagEnd::CodeBlock) => {
                    let src = embed.take().unwrap_or_default();
                    out.push(Event::Html(CowStr::from(embed::marker(r.embeds.len()))));
                    r.embeds.push(embed::parse(&src));
                }
                _ => {}
            }
            continue;
        }
        if let Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info))) = &event {
            if info.split_whitespace().next() == Some(EMBED_INFO) {
                embed = Some(String::new());
                continue;
            }
        }
        collect_text(&event, &mut r.text);
        let event = links::rewrite_link(event, dir);
        match event {
            Event::Start(Tag::Heading { level, id, .. }) => {
                heading = Some((level, id.map(|i| i.to_string()), Vec::new()))
            }
            Event::End(TagEnd::Heading(_)) => {
                let Some((level, explicit, inner)) = heading.take() else {
                    continue;
                };
                let text = plain_text(&inner);
                if level == HeadingLevel::H1 && r.h1.is_none() {
                    r.h1 = Some(text.clone());
                }
                let id = unique(&mut ids, explicit.unwrap_or_else(|| slugify(&text)));
                let mut body = String::new();
                html::push_html(&mut body, inner.into_iter());
                let attr = html_attr(&id);
                let title = level == HeadingLevel::H1 && out.is_empty();
                out.push(Event::Html(CowStr::from(format!(
                    "<{level} id=\"{attr}\">{body} <a class=\"anchor\" href=\"#{href}\" aria-label=\"Link to this section\">#</a></{level}>\n",
                    href = html_attr(&encode_segment(&id)),
                ))));
                // The table of contents goes after a title heading the page starts with.
                if title {
                    out.push(Event::Html(CowStr::from(embed::TOC_MARKER)));
                }
                r.headings.push(Heading {
                    level: level as u8,
                    id,
                    text,
                });
            }
            other => match heading.as_mut() {
                Some((_, _, inner)) => inner.push(other),
                None => out.push(other),
            },
        }
    }
    // … or else at the top.
    if !matches!(out.get(1), Some(Event::Html(h)) if h.as_ref() == embed::TOC_MARKER) {
        out.insert(0, Event::Html(CowStr::from(embed::TOC_MARKER)));
    }
    r.html.reserve(markdown.len() * 3 / 2);
    html::push_html(&mut r.html, out.into_iter());
    r
}

/// The info string of a fenced block that is a camera embed.
pub const EMBED_INFO: &str = "pistream";

/// Adds the words `event` carries to `text`; block ends and line breaks become spaces.
fn collect_text(event: &Event, text: &mut String) {
    match event {
        Event::Text(t) | Event::Code(t) => text.push_str(t),
        Event::SoftBreak | Event::HardBreak => text.push(' '),
        Event::End(
            TagEnd::Paragraph
            | TagEnd::Heading(_)
            | TagEnd::Item
            | TagEnd::CodeBlock
            | TagEnd::TableCell
            | TagEnd::BlockQuote(_)
            | TagEnd::FootnoteDefinition,
        ) => text.push(' '),
        _ => {}
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::urls;

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

    #[test]
    fn pistream_blocks_become_embed_markers_and_nothing_can_forge_one() {
        let md = "# T\n\ntext \0embed:0\0\n\n```pistream\nshow = snapshot\n```\n\n```rust\nlet x = 1;\n```\n\n- ```pistream\n  show = live\n  ```\n";
        let r = render(md, "p.md");
        assert_eq!(r.embeds.len(), 2, "{:?}", r.embeds);
        assert!(matches!(r.embeds[0], Embed::Snapshot { .. }));
        assert!(matches!(r.embeds[1], Embed::Live { .. }));
        let pieces: Vec<_> = embed::pieces(&r.html).collect();
        let markers: Vec<&embed::Piece> = pieces
            .iter()
            .filter(|p| !matches!(p, embed::Piece::Html(_)))
            .collect();
        assert_eq!(
            markers,
            [
                &embed::Piece::Toc,
                &embed::Piece::Embed(0),
                &embed::Piece::Embed(1)
            ]
        );
        // The NUL typed in the text is no marker; an ordinary code block stays one.
        assert!(
            r.html.contains("text \u{FFFD}embed:0\u{FFFD}"),
            "{}",
            r.html
        );
        assert!(
            r.html.contains("<code class=\"language-rust\">"),
            "{}",
            r.html
        );
        assert!(
            !r.text.contains("show ="),
            "embeds are not searched: {}",
            r.text
        );
    }

    #[test]
    fn the_toc_goes_after_a_leading_title_else_at_the_top() {
        let titled = render("# Title\n\n## A\n\n### B\n", "p.md");
        assert!(
            titled.html.starts_with("<h1 id=\"title\">")
                && titled.html.contains("</h1>\n\0toc\0<h2"),
            "{}",
            titled.html
        );
        let levels: Vec<(u8, &str)> = titled
            .headings
            .iter()
            .map(|h| (h.level, h.id.as_str()))
            .collect();
        assert_eq!(levels, [(1, "title"), (2, "a"), (3, "b")]);
        let untitled = render("Intro\n\n# Later\n", "p.md");
        assert!(
            untitled.html.starts_with(embed::TOC_MARKER),
            "{}",
            untitled.html
        );
        assert_eq!(render("", "p.md").html, embed::TOC_MARKER);
    }

    #[test]
    fn plain_text_for_search_keeps_words_apart() {
        let r = render(
            "# Head\n\nOne *two*\nthree `four`\n\n| a | b |\n|---|---|\n| c | d |\n\n<div>\nraw\n</div>\n",
            "p.md",
        );
        let words: Vec<&str> = r.text.split_whitespace().collect();
        assert_eq!(
            words,
            ["Head", "One", "two", "three", "four", "a", "b", "c", "d"]
        );
    }
}
