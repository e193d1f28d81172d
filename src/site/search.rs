//! `/search?q=`: pages (title and text) and photos (names), searched in the site held in memory
//! — no index file: the folded text of each page is made when the page is built
//! ([`super::fold`]), so an edited page is searched as soon as the site is rebuilt.
//!
//! A query is folded like the text and split at spaces into terms (at most [`MAX_TERMS`]); a
//! result must contain every term, each as a substring of the folded text (so Chinese is found
//! inside a sentence). **Ranking**: results whose title (a photo's: its name) contains more of the
//! terms come first; then those with more hits (title and text together, each term counted
//! wherever it occurs); then pages before photos, pages in nav order and photos newest first.
//! Titles and snippets come with every hit wrapped in `<mark>`, the text HTML-escaped.
//!
//! Bounded: a query longer than [`MAX_QUERY_CHARS`] is refused (400, said in words: a cut query
//! would find something else than was asked), at most [`MAX_RESULTS`] results are listed (with
//! the total), and a snippet is about [`SNIPPET_CHARS`] characters around the first hit.

use serde::Serialize;

use super::fold::{fold, Folded};
use super::pages::{Page, Pages};
use crate::gallery::PhotoInfo;

/// The longest query searched, in characters.
pub const MAX_QUERY_CHARS: usize = 200;
/// The most results listed.
pub const MAX_RESULTS: usize = 50;
/// The most terms a query is split into; the rest are ignored.
pub const MAX_TERMS: usize = 8;
/// About how long a snippet is, in characters.
pub const SNIPPET_CHARS: usize = 160;
/// Hits counted per term and text (ranking needs "more", not an exact count of thousands).
const MAX_COUNTED: usize = 1000;

/// A query, folded and split into terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    /// As typed (trimmed), for the search box.
    pub text: String,
    terms: Vec<String>,
}

impl Query {
    /// The query `q`; an error message when it is too long.
    pub fn parse(q: &str) -> Result<Query, String> {
        let text = q.trim();
        let chars = text.chars().count();
        if chars > MAX_QUERY_CHARS {
            return Err(format!(
                "A search may be at most {MAX_QUERY_CHARS} characters long; this one has {chars}."
            ));
        }
        let mut terms: Vec<String> = Vec::new();
        for term in fold(text).split_whitespace() {
            if !terms.iter().any(|t| t == term) && terms.len() < MAX_TERMS {
                terms.push(term.to_string());
            }
        }
        Ok(Query {
            text: text.to_string(),
            terms,
        })
    }

    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }
}

/// `search`: what the search page shows.
#[derive(Debug, Clone, Serialize)]
pub struct SearchData {
    /// The query as typed (empty: no search yet).
    pub query: String,
    /// The best [`MAX_RESULTS`] results, best first.
    pub results: Vec<SearchResult>,
    /// How many results there are in all.
    pub total: usize,
    /// How many are listed.
    pub shown: usize,
    /// More results than are listed.
    pub more: bool,
}

/// One result.
#[derive(Debug, Clone, Serialize)]
pub struct SearchResult {
    /// `page` or `photo`.
    pub kind: &'static str,
    /// The title (a photo's name) as plain text, and as HTML with the hits marked.
    pub title: String,
    pub title_html: String,
    pub url: String,
    /// Text around the first hit, HTML with the hits marked (empty for photos).
    pub snippet_html: String,
    /// A photo's thumbnail.
    pub thumb_url: Option<String>,
    /// A page's slug (the search page reloads when a page it lists is edited).
    #[serde(skip)]
    pub slug: Option<String>,
}

/// A result before it is cut to size: how it ranks.
struct Ranked {
    title_terms: usize,
    hits: usize,
    /// 0 for pages, 1 for photos.
    kind: u8,
    /// Position among its kind: nav order, newest photo first.
    order: usize,
    result: SearchResult,
}

impl SearchData {
    /// No search: the page with just the box.
    pub fn empty(query: &str) -> SearchData {
        SearchData {
            query: query.to_string(),
            results: Vec::new(),
            total: 0,
            shown: 0,
            more: false,
        }
    }

    pub(crate) fn sample() -> SearchData {
        let page = Page::sample();
        let mut data = SearchData::empty("sample");
        data.results.push(SearchResult {
            kind: "page",
            title: page.title.clone(),
            title_html: "<mark>Sample</mark>".into(),
            url: page.url.clone(),
            snippet_html: "A <mark>sample</mark> text".into(),
            thumb_url: None,
            slug: Some(page.slug.clone()),
        });
        data.total = 1;
        data.shown = 1;
        data
    }
}

/// Searches `pages` (home text first, then in nav order) and `photos` (newest first).
pub fn search<'a>(
    query: &Query,
    pages: &Pages,
    photos: impl Iterator<Item = &'a PhotoInfo>,
) -> SearchData {
    let mut found = Vec::new();
    if query.is_empty() {
        return SearchData::empty(&query.text);
    }
    for (order, page) in pages.searchable().enumerate() {
        if let Some(r) = match_page(query, page, order) {
            found.push(r);
        }
    }
    for (order, photo) in photos.enumerate() {
        if let Some(r) = match_photo(query, photo, order) {
            found.push(r);
        }
    }
    found.sort_by(|a, b| {
        (b.title_terms, b.hits)
            .cmp(&(a.title_terms, a.hits))
            .then((a.kind, a.order).cmp(&(b.kind, b.order)))
    });
    let total = found.len();
    let results: Vec<SearchResult> = found
        .into_iter()
        .take(MAX_RESULTS)
        .map(|r| r.result)
        .collect();
    SearchData {
        query: query.text.clone(),
        shown: results.len(),
        more: total > results.len(),
        results,
        total,
    }
}

fn match_page(query: &Query, page: &Page, order: usize) -> Option<Ranked> {
    let mut title_terms = 0;
    let mut hits = 0;
    for term in &query.terms {
        let in_title = page.search_title.count(term, MAX_COUNTED);
        let in_text = page.search_text.count(term, MAX_COUNTED);
        if in_title + in_text == 0 {
            return None;
        }
        title_terms += usize::from(in_title > 0);
        hits += in_title + in_text;
    }
    Some(Ranked {
        title_terms,
        hits,
        kind: 0,
        order,
        result: SearchResult {
            kind: "page",
            title: page.title.clone(),
            title_html: marked(&page.search_title, &query.terms),
            url: page.url.clone(),
            snippet_html: snippet(&page.search_text, &query.terms),
            thumb_url: None,
            slug: Some(page.slug.clone()),
        },
    })
}

fn match_photo(query: &Query, photo: &PhotoInfo, order: usize) -> Option<Ranked> {
    let name = Folded::new(&photo.name);
    let mut hits = 0;
    for term in &query.terms {
        let n = name.count(term, MAX_COUNTED);
        if n == 0 {
            return None;
        }
        hits += n;
    }
    Some(Ranked {
        title_terms: query.terms.len(),
        hits,
        kind: 1,
        order,
        result: SearchResult {
            kind: "photo",
            title: photo.name.clone(),
            title_html: marked(&name, &query.terms),
            url: photo.page_url.clone(),
            snippet_html: String::new(),
            thumb_url: Some(photo.thumb_url.clone()),
            slug: None,
        },
    })
}

/// The whole of `text`, escaped, with every hit of `terms` marked.
fn marked(text: &Folded, terms: &[String]) -> String {
    let mut ranges: Vec<(usize, usize)> = terms
        .iter()
        .flat_map(|t| text.find_all(t, MAX_COUNTED))
        .collect();
    highlight(text.shown(), &mut ranges)
}

/// About [`SNIPPET_CHARS`] characters of `text` around the first hit of any term (the start of
/// the text when none is in it), escaped, hits marked, `…` where it was cut.
fn snippet(text: &Folded, terms: &[String]) -> String {
    let shown = text.shown();
    let first = terms
        .iter()
        .filter_map(|t| text.find_all(t, 1).first().map(|r| r.0))
        .min()
        .unwrap_or(0);
    // A third of the snippet before the hit, measured in characters.
    let before = shown[..first]
        .char_indices()
        .rev()
        .nth(SNIPPET_CHARS / 3 - 1)
        .map_or(0, |(i, _)| i);
    let start = text.floor(before);
    let end = shown[start..]
        .char_indices()
        .nth(SNIPPET_CHARS)
        .map_or(shown.len(), |(i, _)| start + i);
    let end = text.ceil(end);
    // Fold the window again to find the hits inside it: folding is per character, so the
    // window folds exactly as it did within the whole text.
    let window = Folded::new(&shown[start..end]);
    let mut ranges: Vec<(usize, usize)> = terms
        .iter()
        .flat_map(|t| window.find_all(t, MAX_COUNTED))
        .collect();
    let mut out = String::new();
    if start > 0 {
        out.push('…');
    }
    out.push_str(&highlight(window.shown(), &mut ranges));
    if end < shown.len() {
        out.push('…');
    }
    out
}

/// `text` HTML-escaped with each of `ranges` (byte ranges, merged where they overlap) in `<mark>`.
pub fn highlight(text: &str, ranges: &mut [(usize, usize)]) -> String {
    ranges.sort_unstable();
    let esc = handlebars::html_escape;
    let mut out = String::with_capacity(text.len() + ranges.len() * 13);
    let mut at = 0;
    let mut i = 0;
    while i < ranges.len() {
        let (start, mut end) = ranges[i];
        i += 1;
        while i < ranges.len() && ranges[i].0 <= end {
            end = end.max(ranges[i].1);
            i += 1;
        }
        if start < at {
            continue;
        }
        out.push_str(&esc(&text[at..start]));
        out.push_str("<mark>");
        out.push_str(&esc(&text[start..end]));
        out.push_str("</mark>");
        at = end;
    }
    out.push_str(&esc(&text[at..]));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_are_folded_split_and_bounded() {
        let q = Query::parse("  Ｐｉ  camera pi ").unwrap();
        assert_eq!(q.text, "Ｐｉ  camera pi");
        assert_eq!(q.terms, ["pi", "camera"]);
        assert!(Query::parse("   ").unwrap().is_empty());
        let long = "摄".repeat(MAX_QUERY_CHARS + 1);
        assert!(Query::parse(&long).unwrap_err().contains("201"));
        assert!(Query::parse(&"摄".repeat(MAX_QUERY_CHARS)).is_ok());
        let many = (0..20)
            .map(|i| format!("t{i}"))
            .collect::<Vec<_>>()
            .join(" ");
        assert_eq!(Query::parse(&many).unwrap().terms.len(), MAX_TERMS);
    }

    #[test]
    fn highlights_are_escaped_and_merged() {
        let mut r = vec![(8, 14), (0, 3), (10, 16)];
        assert_eq!(
            highlight("<b>&x = <script>", &mut r),
            "<mark>&lt;b&gt;</mark>&amp;x &#x3D; <mark>&lt;script&gt;</mark>"
        );
        assert_eq!(highlight("a\"b", &mut []), "a&quot;b");
    }

    #[test]
    fn snippets_cut_around_the_first_hit() {
        let text = format!("{} 摄像头 {}", "前".repeat(300), "后".repeat(300));
        let s = snippet(&Folded::new(&text), &["摄像头".to_string()]);
        assert!(s.starts_with('…') && s.ends_with('…'), "{s}");
        assert!(s.contains("<mark>摄像头</mark>"), "{s}");
        let chars = s.chars().count();
        assert!(
            (SNIPPET_CHARS..SNIPPET_CHARS + 20).contains(&chars),
            "{chars}"
        );
        let short = snippet(&Folded::new("Only the start"), &["zzz".to_string()]);
        assert_eq!(short, "Only the start");
    }
}
