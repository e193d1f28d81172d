//! The app's file watcher, behind hot reload: ONE watch over the content, theme and photo
//! *folders* (recursively; editors save by writing a temp file and renaming it over the old one,
//! which a watch on the file itself would lose). It drops editor temp/swap files, debounces bursts
//! (a save is several events), classifies what changed ([`Change`]) and hands each batch to the
//! [`crate::app::App`], which routes pages and theme to the site and photos to the gallery.
//! `--watch poll` uses notify's `PollWatcher` for file systems that send no events; `--watch off`
//! watches nothing.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use notify::{EventKind, RecursiveMode, Watcher};

use crate::config::WatchMode;
use crate::site::paths::is_temp_name;

/// Quiet time that ends a burst of events.
pub const DEBOUNCE: Duration = Duration::from_millis(150);
/// A burst that never goes quiet is still handled this often.
const MAX_BATCH: Duration = Duration::from_secs(1);
/// How often `--watch poll` looks.
pub const POLL_INTERVAL: Duration = Duration::from_millis(500);

/// What a change means: which part of the app rebuilds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Change {
    Theme,
    Pages,
    Pictures,
}

/// The watched folders, resolved (notify reports paths under the resolved names).
#[derive(Debug, Clone, Default)]
pub struct Roots {
    content: Option<PathBuf>,
    pic: Option<PathBuf>,
    theme: Option<PathBuf>,
}

impl Roots {
    /// Folders that do not exist are left out (and logged).
    pub fn new(content: Option<&Path>, pic: Option<&Path>, theme: Option<&Path>) -> Roots {
        let real = |p: Option<&Path>, what: &str| {
            let p = p?;
            match p.canonicalize() {
                Ok(r) if r.is_dir() => Some(r),
                _ => {
                    log::warn!("not watching {what} folder {}: not a folder", p.display());
                    None
                }
            }
        };
        Roots {
            content: real(content, "content"),
            pic: real(pic, "photo"),
            theme: real(theme, "theme"),
        }
    }

    fn all(&self) -> impl Iterator<Item = &PathBuf> {
        [&self.content, &self.pic, &self.theme]
            .into_iter()
            .flatten()
    }

    /// What a change at `path` means, or `None` when it means nothing (temp files, other files).
    pub fn classify(&self, path: &Path) -> Option<Change> {
        // The innermost root wins: a photo folder inside the content folder is still photos.
        let (root, kind) = [
            (&self.content, Change::Pages),
            (&self.pic, Change::Pictures),
            (&self.theme, Change::Theme),
        ]
        .into_iter()
        .filter_map(|(r, k)| r.as_ref().filter(|r| path.starts_with(r)).map(|r| (r, k)))
        .max_by_key(|(r, _)| r.components().count())?;
        let rel = path.strip_prefix(root).ok()?;
        for comp in rel.components() {
            if is_temp_name(&comp.as_os_str().to_string_lossy()) {
                return None;
            }
        }
        let ext = rel
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase());
        match (kind, ext.as_deref()) {
            (Change::Theme, _) => Some(Change::Theme),
            // No extension: most likely a folder appearing or going away; rescanning is cheap.
            (Change::Pages, Some("md") | None) => Some(Change::Pages),
            (Change::Pictures, Some("jpg" | "jpeg" | "png" | "webp" | "gif") | None) => {
                Some(Change::Pictures)
            }
            _ => None,
        }
    }
}

/// A running watcher; dropping it stops the watch and its thread.
pub struct Watching {
    watchers: Vec<Box<dyn Watcher + Send>>,
    thread: Option<JoinHandle<()>>,
}

impl Drop for Watching {
    fn drop(&mut self) {
        // Dropping the watchers drops the event senders, which ends the thread's loop.
        self.watchers.clear();
        if let Some(t) = self.thread.take() {
            // Never join oneself (were the watcher thread ever the last owner of what owns this).
            if t.thread().id() != std::thread::current().id() {
                let _ = t.join();
            }
        }
    }
}

/// The watch could not be set up (e.g. out of inotify watches).
#[derive(Debug, thiserror::Error)]
#[error("watcher: {0}")]
pub struct WatchError(String);

fn watch_err(e: notify::Error) -> WatchError {
    WatchError(e.to_string())
}

/// Starts watching `roots`; each debounced batch of changes goes to `apply`, in [`Change`] order
/// (theme, pages, pictures), on the watcher's own thread. `Ok(None)` for `--watch off`.
pub fn start(
    roots: Roots,
    mode: WatchMode,
    apply: impl Fn(Change) + Send + 'static,
) -> Result<Option<Watching>, WatchError> {
    let (tx, rx) = channel();
    let mut watchers: Vec<(Box<dyn Watcher + Send>, Vec<&PathBuf>)> = match mode {
        WatchMode::Off => return Ok(None),
        WatchMode::Native => vec![(
            Box::new(notify::recommended_watcher(tx).map_err(watch_err)?),
            roots.all().collect(),
        )],
        // The poller sees modification times in whole seconds, so two saves in one second look
        // alike: it also hashes contents, but only of the small text folders, never the photos
        // (a new or deleted photo shows without reading any file).
        WatchMode::Poll => {
            let cfg = notify::Config::default().with_poll_interval(POLL_INTERVAL);
            let text: Vec<&PathBuf> = [&roots.content, &roots.theme]
                .into_iter()
                .flatten()
                .collect();
            vec![
                (
                    Box::new(
                        notify::PollWatcher::new(tx.clone(), cfg.with_compare_contents(true))
                            .map_err(watch_err)?,
                    ),
                    text,
                ),
                (
                    Box::new(notify::PollWatcher::new(tx, cfg).map_err(watch_err)?),
                    roots.pic.iter().collect(),
                ),
            ]
        }
    };
    for (watcher, dirs) in &mut watchers {
        for root in dirs.iter() {
            watcher
                .watch(root, RecursiveMode::Recursive)
                .map_err(|e| WatchError(format!("{}: {e}", root.display())))?;
        }
    }
    let watchers = watchers.into_iter().map(|(w, _)| w).collect();
    let thread = std::thread::Builder::new()
        .name("file-watcher".into())
        .spawn(move || run(rx, roots, apply))
        .map_err(|e| WatchError(e.to_string()))?;
    Ok(Some(Watching {
        watchers,
        thread: Some(thread),
    }))
}

type Events = Receiver<notify::Result<notify::Event>>;

fn run(rx: Events, roots: Roots, apply: impl Fn(Change)) {
    while let Ok(first) = rx.recv() {
        let mut batch = BTreeSet::new();
        add(&roots, first, &mut batch);
        let until = Instant::now() + MAX_BATCH;
        let mut open = true;
        while Instant::now() < until {
            match rx.recv_timeout(DEBOUNCE) {
                Ok(ev) => add(&roots, ev, &mut batch),
                Err(RecvTimeoutError::Timeout) => break,
                Err(RecvTimeoutError::Disconnected) => {
                    open = false;
                    break;
                }
            }
        }
        if !batch.is_empty() {
            log::debug!("file changes: {batch:?}");
            for change in batch {
                // Supervised: a panic while rebuilding (a bug meeting an odd file) is logged once and
                // the watcher goes on with the next change; the site keeps its last good build.
                if let Err(p) = crate::supervise::catch(|| apply(change)) {
                    log::error!("file watcher: handling {change:?} crashed: {p}; watching on");
                }
            }
        }
        if !open {
            return;
        }
    }
}

fn add(roots: &Roots, event: notify::Result<notify::Event>, batch: &mut BTreeSet<Change>) {
    match event {
        Err(e) => log::warn!("watcher: {e}"),
        // Reads and closes change nothing.
        Ok(ev) if matches!(ev.kind, EventKind::Access(_)) => {}
        Ok(ev) => batch.extend(ev.paths.iter().filter_map(|p| roots.classify(p))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classification() {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path().canonicalize().unwrap();
        for d in ["content/pic", "theme", "pic"] {
            std::fs::create_dir_all(base.join(d)).unwrap();
        }
        let roots = Roots::new(
            Some(&base.join("content")),
            Some(&base.join("pic")),
            Some(&base.join("theme")),
        );
        let c = |p: &str| roots.classify(&base.join(p));
        assert_eq!(c("content/setup.md"), Some(Change::Pages));
        assert_eq!(c("content/guide/Intro.MD"), Some(Change::Pages));
        assert_eq!(c("content/guide"), Some(Change::Pages));
        assert_eq!(c("content/img/cat.png"), None);
        assert_eq!(c("content/.setup.md.swp"), None);
        assert_eq!(c("content/setup.md~"), None);
        assert_eq!(c("content/4913"), None);
        assert_eq!(c("content/.#setup.md"), None);
        assert_eq!(c("pic/20240101-101010-000.JPG"), Some(Change::Pictures));
        assert_eq!(c("pic/.photo-123.tmp"), None);
        assert_eq!(c("pic/.thumbs/a.jpg"), None);
        assert_eq!(c("pic/notes.txt"), None);
        assert_eq!(c("theme/templates/home.hbs"), Some(Change::Theme));
        assert_eq!(c("theme/assets/style.css"), Some(Change::Theme));
        assert_eq!(c("elsewhere/x.md"), None);

        let nested = Roots::new(
            Some(&base.join("content")),
            Some(&base.join("content/pic")),
            None,
        );
        assert_eq!(
            nested.classify(&base.join("content/pic/a.png")),
            Some(Change::Pictures)
        );
    }
}
