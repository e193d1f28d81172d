//! The markdown pages of `--content`: every `.md` file, nested folders too, parsed (front matter),
//! rendered to HTML once, and ordered into the nav. A rebuild re-renders only files whose bytes
//! changed and keeps the last good version of a page whose new text fails to parse, so one bad
//! edit never takes a working page down; the failure is reported in `problems` instead. A page
//! that never built (broken front matter, larger than [`MAX_PAGE_BYTES`], a symlink leading out of
//! the content folder) answers with its own reason; every other page is served as usual.

use std::collections::{BTreeMap, HashMap};
use std::hash::{Hash, Hasher};
use std::path::Path;
use std::sync::Arc;

use serde::Serialize;

use super::markdown;
use super::page::parse;
pub use super::page::Page;
use super::paths;

/// A nav entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NavItem {
    pub title: String,
    pub url: String,
}

/// The largest markdown file rendered as a page (a page of 4 MiB is a book already; a 50 MB file
/// would hold the rebuild and its memory for nothing).
pub const MAX_PAGE_BYTES: u64 = 4 * 1024 * 1024;

/// Every page, the nav, and what went wrong while reading them.
#[derive(Debug, Default)]
pub struct Pages {
    by_slug: BTreeMap<String, Arc<Page>>,
    /// Pages that have no good version, by slug: why each failed.
    broken: BTreeMap<String, String>,
    pub nav: Vec<NavItem>,
    pub problems: Vec<String>,
}

/// What a rebuild changed: the slugs of pages added, removed or edited, and whether the nav moved.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Changes {
    pub pages: Vec<String>,
    pub nav: bool,
}

/// The SSE event name for a page: `page:<slug>`, `page:index` for the home text.
pub fn event_name(slug: &str) -> String {
    if slug.is_empty() {
        "page:index".into()
    } else {
        format!("page:{slug}")
    }
}

impl Pages {
    /// A published page by slug (drafts are not served).
    pub fn get(&self, slug: &str) -> Option<&Arc<Page>> {
        self.by_slug.get(slug).filter(|p| !p.draft)
    }

    /// Why the page `slug` could not be built, when it has no good version to serve.
    pub fn why_broken(&self, slug: &str) -> Option<&str> {
        if self.by_slug.contains_key(slug) {
            return None;
        }
        self.broken.get(slug).map(String::as_str)
    }

    /// The home text, from `index.md`.
    pub fn home(&self) -> Option<&Arc<Page>> {
        self.get("")
    }

    /// Published pages in nav order.
    pub fn listed(&self) -> impl Iterator<Item = &Arc<Page>> {
        let mut pages: Vec<&Arc<Page>> = self
            .by_slug
            .values()
            .filter(|p| !p.draft && !p.slug.is_empty())
            .collect();
        pages.sort_by(|a, b| {
            (a.weight, a.title.to_lowercase(), &a.slug).cmp(&(
                b.weight,
                b.title.to_lowercase(),
                &b.slug,
            ))
        });
        pages.into_iter()
    }

    /// Published pages to search, home text first, then in nav order.
    pub fn searchable(&self) -> impl Iterator<Item = &Arc<Page>> {
        self.home().into_iter().chain(self.listed())
    }

    /// Reads `content` again, reusing pages of `previous` whose bytes did not change.
    pub fn build(content: &Path, previous: Option<&Pages>) -> (Pages, Changes) {
        let mut files = Vec::new();
        let mut problems = Vec::new();
        if content.is_dir() {
            for rel in paths::walk_files(content) {
                match rel {
                    Ok(rel) if rel.to_ascii_lowercase().ends_with(".md") => files.push(rel),
                    Ok(_) => {}
                    Err(e) => problems.push(format!("{}: {}", e.path.display(), e.source)),
                }
            }
        }
        files.sort();
        let mut by_slug: BTreeMap<String, Arc<Page>> = BTreeMap::new();
        let mut broken = BTreeMap::new();
        let real_root = content.canonicalize().ok();
        let old_by_source: HashMap<&str, &Arc<Page>> = previous
            .map(|p| {
                p.by_slug
                    .values()
                    .map(|pg| (pg.source.as_str(), pg))
                    .collect()
            })
            .unwrap_or_default();
        for rel in files {
            let old = old_by_source.get(rel.as_str()).copied();
            let page = match read_page(content, real_root.as_deref(), &rel) {
                Err(e) => Err(e),
                Ok(None) => {
                    problems.push(format!(
                        "content/{rel}: a link leading outside the content folder: not served"
                    ));
                    continue;
                }
                Ok(Some(bytes)) => {
                    let hash = hash_bytes(&bytes);
                    match old.filter(|o| o.hash == hash) {
                        Some(same) => Ok(same.clone()),
                        None => String::from_utf8(bytes)
                            .map_err(|_| "not UTF-8 text".to_string())
                            .and_then(|text| parse(&rel, &text, hash).map(Arc::new)),
                    }
                }
            };
            let page = match page {
                Ok(p) => p,
                Err(msg) => {
                    let msg = format!("content/{rel}: {msg}");
                    problems.push(msg.clone());
                    match old {
                        Some(o) => o.clone(),
                        None => {
                            broken.insert(markdown::slug_for(&rel), msg);
                            continue;
                        }
                    }
                }
            };
            if let Some(first) = by_slug.get(&page.slug) {
                problems.push(format!(
                    "content/{rel}: same URL {} as content/{}; ignored",
                    page.url, first.source
                ));
                continue;
            }
            by_slug.insert(page.slug.clone(), page);
        }
        let mut pages = Pages {
            by_slug,
            broken,
            nav: Vec::new(),
            problems,
        };
        pages.nav = pages
            .listed()
            .map(|p| NavItem {
                title: p.title.clone(),
                url: p.url.clone(),
            })
            .collect();
        let changes = diff(previous, &pages);
        (pages, changes)
    }
}

/// The bytes of the page `rel`; `None` when it is a symlink leading out of the content folder
/// (symlinks are confined, SECURITY.md: such a file is no page at all); an error when it is too
/// large or unreadable.
fn read_page(
    content: &Path,
    real_root: Option<&Path>,
    rel: &str,
) -> Result<Option<Vec<u8>>, String> {
    let path = content.join(rel);
    let real = path.canonicalize().map_err(|e| e.to_string())?;
    if real_root.is_none_or(|root| !real.starts_with(root)) {
        return Ok(None);
    }
    let len = std::fs::metadata(&real).map_err(|e| e.to_string())?.len();
    if len > MAX_PAGE_BYTES {
        return Err(format!(
            "{:.1} MB is larger than the {} MiB a page may be: split it",
            len as f64 / 1e6,
            MAX_PAGE_BYTES / 1024 / 1024
        ));
    }
    std::fs::read(&real).map(Some).map_err(|e| e.to_string())
}

fn diff(previous: Option<&Pages>, now: &Pages) -> Changes {
    let empty = Pages::default();
    let old = previous.unwrap_or(&empty);
    let mut pages: Vec<String> = Vec::new();
    for (slug, page) in &now.by_slug {
        if old.by_slug.get(slug).map(|o| o.hash) != Some(page.hash) {
            pages.push(slug.clone());
        }
    }
    pages.extend(
        old.by_slug
            .keys()
            .filter(|s| !now.by_slug.contains_key(*s))
            .cloned(),
    );
    Changes {
        pages,
        nav: old.nav != now.nav,
    }
}

fn hash_bytes(bytes: &[u8]) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    bytes.hash(&mut h);
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(root: &Path, rel: &str, text: &str) {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    #[test]
    fn nav_is_ordered_by_weight_then_title_and_skips_drafts_and_home() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(root, "index.md", "# Welcome\n");
        write(root, "zebra.md", "+++\nweight = -5\n+++\n# Zebra\n");
        write(root, "beta.md", "# beta\n");
        write(root, "Alpha.md", "---\ntitle: Alpha\n---\ntext\n");
        write(
            root,
            "guide/setup.md",
            "+++\ntitle = \"Setup\"\nweight = 10\n+++\n",
        );
        write(root, "secret.md", "+++\ndraft = true\n+++\n# Secret\n");
        write(root, ".hidden.md", "# hidden\n");
        write(root, "notes.md~", "# backup\n");
        let (pages, _) = Pages::build(root, None);
        let titles: Vec<&str> = pages.nav.iter().map(|n| n.title.as_str()).collect();
        assert_eq!(titles, ["Zebra", "Alpha", "beta", "Setup"]);
        assert_eq!(pages.nav[3].url, "/pages/guide/setup");
        assert!(pages.get("secret").is_none());
        assert_eq!(pages.home().unwrap().title, "Welcome");
        assert!(pages.problems.is_empty(), "{:?}", pages.problems);
    }

    #[test]
    fn rebuild_reports_changed_pages_and_keeps_the_last_good_version() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(root, "a.md", "# A\n");
        write(root, "b.md", "# B\n");
        let (first, changes) = Pages::build(root, None);
        assert_eq!(changes.pages, ["a", "b"]);
        let (same, changes) = Pages::build(root, Some(&first));
        assert_eq!(changes, Changes::default());
        assert!(Arc::ptr_eq(first.get("a").unwrap(), same.get("a").unwrap()));

        write(root, "a.md", "+++\ntitle = \n+++\n# A2\n");
        std::fs::remove_file(root.join("b.md")).unwrap();
        let (broken, changes) = Pages::build(root, Some(&same));
        assert_eq!(changes.pages, ["b"]);
        assert!(changes.nav);
        assert!(
            broken.get("a").unwrap().html.contains(">A <a"),
            "last good kept"
        );
        assert!(
            broken.problems[0].contains("content/a.md") && broken.problems[0].contains("line 2"),
            "{:?}",
            broken.problems
        );

        write(root, "a.md", "# A3\n");
        let (fixed, changes) = Pages::build(root, Some(&broken));
        assert_eq!(changes.pages, ["a"]);
        assert!(fixed.get("a").unwrap().html.contains("A3"));
        assert!(fixed.problems.is_empty());
    }

    #[test]
    fn clashing_urls_are_reported() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "guide.md", "# G\n");
        write(dir.path(), "guide/index.md", "# G2\n");
        let (pages, _) = Pages::build(dir.path(), None);
        assert_eq!(pages.problems.len(), 1, "{:?}", pages.problems);
        assert!(pages.get("guide").is_some());
    }
}
