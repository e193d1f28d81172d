//! One markdown page: [`Page`], what the site keeps of a `.md` file once rendered, and how its text
//! becomes one (front matter, markdown, title fallback, search text). Separate from [`super::pages`],
//! which reads the content folder, reuses unchanged pages and orders the nav: that is about the
//! set, this about one file's text.

use serde::Serialize;

use super::embed::Embed;
use super::fold::Folded;
use super::frontmatter::{self, FrontMatter};
use super::markdown::{self, Heading};

/// One rendered page.
#[derive(Debug, Clone, Serialize)]
pub struct Page {
    /// Path relative to the content folder, `/` separated (`guide/setup.md`).
    pub source: String,
    /// `guide/setup`; empty for the home text (`index.md`).
    pub slug: String,
    pub url: String,
    pub title: String,
    pub date: Option<String>,
    pub weight: i64,
    pub draft: bool,
    pub description: Option<String>,
    pub extra: serde_json::Map<String, serde_json::Value>,
    /// The rendered body, with a marker where each embed goes (templates get it with the embeds
    /// rendered: see `render`).
    #[serde(skip)]
    pub html: String,
    /// Whether the body starts its own `# Title` (themes then skip printing the title again).
    pub has_h1: bool,
    /// Front matter `toc = true`: show a table of contents.
    #[serde(skip)]
    pub toc: bool,
    #[serde(skip)]
    pub headings: Vec<Heading>,
    #[serde(skip)]
    pub embeds: Vec<Embed>,
    /// Title and text, folded for search.
    #[serde(skip)]
    pub search_title: Folded,
    #[serde(skip)]
    pub search_text: Folded,
    #[serde(skip)]
    pub(super) hash: u64,
}

impl Page {
    /// A page with one of everything, for test renders of a theme.
    pub(crate) fn sample() -> Page {
        Page {
            source: "sample.md".into(),
            slug: "sample".into(),
            url: crate::urls::page("sample"),
            title: "Sample".into(),
            date: Some("2024-01-01".into()),
            weight: 0,
            draft: false,
            description: Some("A sample".into()),
            extra: serde_json::Map::new(),
            html: "<p>Sample</p>".into(),
            has_h1: false,
            toc: true,
            headings: vec![Heading {
                level: 2,
                id: "part".into(),
                text: "Part".into(),
            }],
            embeds: Vec::new(),
            search_title: Folded::new("Sample"),
            search_text: Folded::new("Sample"),
            hash: 0,
        }
    }
}

/// Parses and renders the text of the page `rel` (its bytes hashing to `hash`).
pub(super) fn parse(rel: &str, text: &str, hash: u64) -> Result<Page, String> {
    let (fm, body): (FrontMatter, &str) = frontmatter::split(text)?;
    let rendered = markdown::render(body, rel);
    let slug = markdown::slug_for(rel);
    let fallback = match slug.rsplit('/').next() {
        Some("") | None => "Home".to_string(),
        Some(last) => last.to_string(),
    };
    let title = fm.title.or(rendered.h1.clone()).unwrap_or(fallback);
    for (i, e) in rendered.embeds.iter().enumerate() {
        if let Embed::Invalid { message, .. } = e {
            log::warn!("content/{rel}: camera embed {}: {message}", i + 1);
        }
    }
    Ok(Page {
        source: rel.to_string(),
        url: crate::urls::page(&slug),
        search_title: Folded::new(&title),
        search_text: Folded::new(&rendered.text),
        title,
        date: fm.date,
        weight: fm.weight.unwrap_or(0),
        draft: fm.draft,
        description: fm.description,
        extra: fm.extra,
        has_h1: rendered.h1.is_some(),
        html: rendered.html,
        toc: fm.toc,
        headings: rendered.headings,
        embeds: rendered.embeds,
        slug,
        hash,
    })
}
