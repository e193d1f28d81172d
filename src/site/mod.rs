//! The website around the camera, static-site style: files on disk (`--content` markdown, the
//! `--theme` folder over the built-in theme) are the source of truth; they are rendered in memory
//! into a [`Site`] that is swapped whole (one `Arc` swap) whenever the [`watcher`] sees a change,
//! so no request ever sees half an update. A rebuild that fails keeps the last good site serving
//! and shows the error on every page. Open pages learn about changes over [`events`] (SSE).
//!
//! Nothing here knows HTTP: `web::site_routes` turns requests into calls on [`SiteService`].

pub mod embedded;
pub mod events;
pub mod frontmatter;
pub mod markdown;
pub mod pages;
pub mod paths;
pub mod render;
pub mod theme;
pub mod watcher;

use parking_lot::{Mutex, RwLock};
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use events::{EventBus, SseStream, Subscription};
pub use pages::{Page, Pages};
pub use render::{plain_error_page, LiveView, PER_PAGE};
pub use theme::{init_theme, Asset, Theme};

use crate::config::{Config, WatchMode};

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
    #[error("watcher: {0}")]
    Watch(String),
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

/// Called (on the watcher thread) when files in the photo folder change: the gallery rescans.
pub type PicturesHook = Arc<dyn Fn() -> Result<(), String> + Send + Sync>;

/// The running site: the current [`Site`], how to rebuild it, the watcher and the event bus.
pub struct SiteService {
    current: RwLock<Arc<Site>>,
    content: PathBuf,
    theme_dir: Option<PathBuf>,
    theme_problem: Mutex<Option<String>>,
    /// Serialises rebuilds: the watcher and manual reloads never interleave.
    rebuild: Mutex<()>,
    events: Arc<EventBus>,
    pictures_hook: RwLock<Option<PicturesHook>>,
    watching: Mutex<Option<watcher::Watching>>,
}

impl SiteService {
    /// Builds the site from `config` and starts the watcher it asks for (`--watch`).
    pub fn start(config: &Config) -> std::io::Result<Arc<SiteService>> {
        let svc = Self::open(&config.content, config.theme.as_deref(), config.quality)
            .map_err(std::io::Error::other)?;
        if let Err(e) = svc.watch(config.watch, Some(&config.pic)) {
            // Out of inotify watches, say: polling still gives hot reload, so serve on.
            if config.watch != WatchMode::Native {
                return Err(std::io::Error::other(e));
            }
            log::warn!("{e}; falling back to --watch poll");
            svc.watch(WatchMode::Poll, Some(&config.pic))
                .map_err(std::io::Error::other)?;
        }
        Ok(svc)
    }

    /// Builds the site without watching. A broken `--theme` is reported on the pages and the
    /// built-in theme serves instead, so the server still starts.
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
            pictures_hook: RwLock::new(None),
            watching: Mutex::new(None),
        };
        Ok(Arc::new(svc))
    }

    /// Watches content, theme and `pic` folders (replacing any earlier watcher).
    pub fn watch(self: &Arc<Self>, mode: WatchMode, pic: Option<&Path>) -> Result<(), SiteError> {
        let roots = watcher::Roots::new(Some(&self.content), pic, self.theme_dir.as_deref());
        let w = watcher::start(Arc::downgrade(self), roots, mode)?;
        *self.watching.lock() = w;
        Ok(())
    }

    /// What to call when the photo folder changes (the gallery's rescan).
    pub fn on_pictures_changed(&self, hook: PicturesHook) {
        *self.pictures_hook.write() = Some(hook);
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

    /// The photo folder changed: let the gallery rescan, then tell open gallery pages.
    pub fn pictures_changed(&self) {
        let hook = self.pictures_hook.read().clone();
        if let Some(hook) = hook {
            if let Err(e) = hook() {
                log::warn!("gallery refresh: {e}");
            }
        }
        self.events.publish("gallery");
    }

    /// Stops watching and ends every SSE stream (server shutdown).
    pub fn shutdown(&self) {
        self.watching.lock().take();
        self.events.close();
    }
}
