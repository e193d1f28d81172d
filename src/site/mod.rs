//! The website around the camera, static-site style: files on disk (`--content` markdown, the
//! `--theme` folder over the built-in theme) are the source of truth; they are rendered in memory
//! into a [`Site`] that is swapped whole (one `Arc` swap) whenever the app's
//! [`crate::watcher`] sees a change, so no request ever sees half an update. A rebuild
//! that fails keeps the last good site serving and shows the error on every page. Open pages learn
//! about changes over [`events`] (SSE).
//!
//! Nothing here knows HTTP: `web::site_routes` turns requests into calls on [`SiteService`].

pub mod data;
pub mod embed;
pub mod embedded;
pub mod events;
pub mod fold;
pub mod frontmatter;
pub mod links;
pub mod markdown;
pub mod page;
pub mod pages;
pub mod paths;
pub mod photos;
pub mod render;
pub mod search;
pub mod theme;

use parking_lot::{Mutex, RwLock};
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use data::LiveView;
pub use events::{EventBus, SseStream, Subscription};
pub use pages::{Page, Pages};
pub use photos::{NoPhotos, PhotoSource};
pub use render::{plain_error_page, PER_PAGE};
pub use search::{Query, SearchData};
pub use theme::{init_theme, Asset, Theme};

/// Everything that can go wrong building or serving the site.
#[derive(Debug, thiserror::Error)]
pub enum SiteError {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("template {file}{}: {message}", line.map(|l| format!(", line {l}")).unwrap_or_default())]
    Template {
        file: String,
        line: Option<usize>,
        message: String,
    },
    #[error("{} already exists and is not empty", .0.display())]
    NotEmpty(PathBuf),
    #[error("bad path: {0:?}")]
    BadPath(String),
    #[error("not found: {0}")]
    NotFound(String),
    #[error("page data: {0}")]
    Data(String),
    /// A page whose source could not be made into one (the reason names the file).
    #[error("this page could not be built: {0}")]
    BrokenPage(String),
}

/// One consistent version of the site: theme, pages and nav, and what failed to build.
#[derive(Debug)]
pub struct Site {
    pub theme: Arc<Theme>,
    pub pages: Arc<Pages>,
    /// Shown on every page by the layout until fixed.
    pub problems: Vec<String>,
    pub title: String,
    /// `--quality`, the live page's starting point for its quality buttons.
    pub default_quality: u8,
}

/// A [`Site`] as one request sees it, with the event sequence number it is current as of.
pub struct SiteView {
    pub site: Arc<Site>,
    /// Events up to this number are reflected in `site`; pages subscribe from here.
    pub since: u64,
}

impl std::ops::Deref for SiteView {
    type Target = Site;
    fn deref(&self) -> &Site {
        &self.site
    }
}

/// The running site: the current [`Site`], how to rebuild it and the event bus.
pub struct SiteService {
    current: RwLock<Arc<Site>>,
    content: PathBuf,
    theme_dir: Option<PathBuf>,
    theme_problem: Mutex<Option<String>>,
    /// Serialises rebuilds: the watcher and manual reloads never interleave.
    rebuild: Mutex<()>,
    events: Arc<EventBus>,
}

impl SiteService {
    /// Builds the site from the `content` folder and the `theme_dir` folder (`None`: the built-in
    /// theme); `default_quality` is where the live page's quality buttons start. A broken theme is
    /// reported on the pages and the built-in theme serves instead, so the server still starts.
    /// Nothing here watches the folders: the app's watcher calls the reloads.
    pub fn open(
        content: &Path,
        theme_dir: Option<&Path>,
        default_quality: u8,
    ) -> Result<Arc<SiteService>, SiteError> {
        let (theme, theme_problem) = match Theme::load(theme_dir) {
            Ok(t) => (t, None),
            Err(e) => {
                log::error!("theme: {e}; serving the built-in theme");
                (Theme::load(None)?, Some(e.to_string()))
            }
        };
        let (pages, _) = Pages::build(content, None);
        for p in &pages.problems {
            log::warn!("{p}");
        }
        let svc = SiteService {
            current: RwLock::new(Arc::new(Site {
                theme: Arc::new(theme),
                problems: theme_problem
                    .iter()
                    .chain(&pages.problems)
                    .cloned()
                    .collect(),
                pages: Arc::new(pages),
                title: "pistream".into(),
                default_quality,
            })),
            content: content.to_path_buf(),
            theme_dir: theme_dir.map(Path::to_path_buf),
            theme_problem: Mutex::new(theme_problem),
            rebuild: Mutex::new(()),
            events: EventBus::new(),
        };
        Ok(Arc::new(svc))
    }

    /// The current site: hold it for the whole request so every part comes from one version.
    /// It carries the event sequence number read just before it was taken, which pages hand back
    /// to `/events?since=N`, so a change made while a page was on its way is not missed.
    pub fn site(&self) -> SiteView {
        let since = self.events.last();
        SiteView {
            site: self.current(),
            since,
        }
    }

    fn current(&self) -> Arc<Site> {
        self.current.read().clone()
    }

    pub fn events(&self) -> &Arc<EventBus> {
        &self.events
    }

    /// A file under the content folder that a page links to (`/content/<rel>`), path-checked.
    pub fn content_file(&self, rel: &str) -> Result<PathBuf, SiteError> {
        paths::content_file(&self.content, rel)
    }

    fn swap(&self, theme: Arc<Theme>, pages: Arc<Pages>) -> Arc<Site> {
        let old = self.current();
        let theme_problem = self.theme_problem.lock().clone();
        let site = Arc::new(Site {
            theme,
            problems: theme_problem
                .iter()
                .chain(&pages.problems)
                .cloned()
                .collect(),
            pages,
            title: old.title.clone(),
            default_quality: old.default_quality,
        });
        *self.current.write() = site;
        old
    }

    /// Re-reads the markdown pages (unchanged files are reused) and tells open pages.
    pub fn reload_pages(&self) {
        let _one = self.rebuild.lock();
        let cur = self.current();
        let (pages, changes) = Pages::build(&self.content, Some(&cur.pages));
        for p in pages
            .problems
            .iter()
            .filter(|p| !cur.pages.problems.contains(p))
        {
            log::warn!("{p}");
        }
        let problems_moved = pages.problems != cur.pages.problems;
        let old = self.swap(cur.theme.clone(), Arc::new(pages));
        drop(old);
        for slug in &changes.pages {
            self.events.publish(&pages::event_name(slug));
        }
        if changes.nav || problems_moved {
            self.events.publish("site");
        }
    }

    /// Re-loads the theme; a theme that fails keeps the current one and reports why.
    pub fn reload_theme(&self) {
        let _one = self.rebuild.lock();
        let cur = self.current();
        let theme = match Theme::load(self.theme_dir.as_deref()) {
            Ok(t) => {
                *self.theme_problem.lock() = None;
                Arc::new(t)
            }
            Err(e) => {
                log::error!("theme: {e}; keeping the last good theme");
                *self.theme_problem.lock() = Some(e.to_string());
                cur.theme.clone()
            }
        };
        self.swap(theme, cur.pages.clone());
        self.events.publish("theme");
    }

    /// Ends every SSE stream (server shutdown).
    pub fn shutdown(&self) {
        self.events.close();
    }
}
