//! Hot reload end to end on the core: the app's real notify watcher (native and poll) on temp
//! folders, routing to a real site and gallery. Each test writes a file, waits for the site event
//! with a timeout (never a fixed sleep), then checks what the site renders now.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use pistream::app::watch_files;
use pistream::config::WatchMode;
use pistream::gallery::Gallery;
use pistream::site::{LiveView, NoPhotos, SiteService};
use pistream::watcher::{Roots, Watching};

const WAIT: Duration = Duration::from_secs(15);

struct Folders {
    _dir: tempfile::TempDir,
    content: std::path::PathBuf,
    pic: std::path::PathBuf,
    theme: std::path::PathBuf,
}

fn folders() -> Folders {
    let dir = tempfile::tempdir().unwrap();
    let f = Folders {
        content: dir.path().join("content"),
        pic: dir.path().join("pic"),
        theme: dir.path().join("theme"),
        _dir: dir,
    };
    for d in [&f.content, &f.pic, &f.theme.join("templates")] {
        std::fs::create_dir_all(d).unwrap();
    }
    std::fs::write(f.content.join("setup.md"), "# Setup\n\nfirst version\n").unwrap();
    f
}

/// The app's watcher over `f`'s three folders, routing to `site` and a gallery of `f.pic`.
fn watch(
    f: &Folders,
    mode: WatchMode,
    site: &Arc<SiteService>,
) -> (Option<Watching>, Arc<Gallery>) {
    let gallery = Arc::new(Gallery::open(&f.pic).unwrap());
    let roots = Roots::new(Some(&f.content), Some(&f.pic), Some(&f.theme));
    (watch_files(roots, mode, site, &gallery).unwrap(), gallery)
}

/// Writes like an editor that saves by rename: a temp file first, then renamed over the target.
fn save_by_rename(path: &Path, text: &str) {
    let tmp = path.with_file_name(format!(
        ".{}.swp",
        path.file_name().unwrap().to_string_lossy()
    ));
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

fn edit_then_see(mode: WatchMode) {
    let f = folders();
    let svc = SiteService::open(&f.content, Some(&f.theme), 80).unwrap();
    let mut events = svc.events().subscribe();
    let _watching = watch(&f, mode, &svc);

    // An editor's swap file alone is not a change; the first event must be the real edit.
    std::fs::write(f.content.join(".setup.md.swp"), "junk").unwrap();
    save_by_rename(&f.content.join("setup.md"), "# Setup\n\nsecond version\n");
    assert_eq!(events.recv_timeout(WAIT).as_deref(), Some("page:setup"));
    let html = svc.site().render_page("setup", &NoPhotos).unwrap().unwrap();
    assert!(html.contains("second version"), "{html}");

    // A new page in a new folder: its own event and the nav ("site") change.
    std::fs::create_dir_all(f.content.join("guide")).unwrap();
    std::fs::write(
        f.content.join("guide/wifi.md"),
        "+++\ntitle = \"Wi-Fi\"\n+++\nJoin.\n",
    )
    .unwrap();
    assert!(events.wait_for("site", WAIT), "nav change announced");
    let site = svc.site();
    assert!(
        site.pages.nav.iter().any(|n| n.url == "/pages/guide/wifi"),
        "{:?}",
        site.pages.nav
    );

    // A bad edit keeps the last good page and announces the problem.
    std::fs::write(
        f.content.join("setup.md"),
        "+++\ntitle = = 1\n+++\nbroken\n",
    )
    .unwrap();
    assert!(events.wait_for("site", WAIT), "problem announced");
    let site = svc.site();
    assert!(site
        .render_page("setup", &NoPhotos)
        .unwrap()
        .unwrap()
        .contains("second version"));
    assert!(
        site.problems.iter().any(|p| p.contains("content/setup.md")),
        "{:?}",
        site.problems
    );

    // Deleting a page removes it.
    std::fs::remove_file(f.content.join("guide/wifi.md")).unwrap();
    assert!(events.wait_for("page:guide/wifi", WAIT));
    assert!(svc.site().render_page("guide/wifi", &NoPhotos).is_none());
    svc.shutdown();
}

#[test]
fn native_watcher_rebuilds_pages_on_edit() {
    edit_then_see(WatchMode::Native);
}

#[test]
fn poll_watcher_rebuilds_pages_on_edit() {
    edit_then_see(WatchMode::Poll);
}

#[test]
fn template_edits_re_register_the_theme() {
    let f = folders();
    let svc = SiteService::open(&f.content, Some(&f.theme), 80).unwrap();
    let mut events = svc.events().subscribe();
    let _watching = watch(&f, WatchMode::Native, &svc);
    save_by_rename(
        &f.theme.join("templates/live.hbs"),
        "<p class=\"mine\">my live page</p>",
    );
    assert!(events.wait_for("theme", WAIT));
    let html = svc.site().render_live(&LiveView::default()).unwrap();
    assert!(
        html.contains("<p class=\"mine\">my live page</p>"),
        "{html}"
    );
    svc.shutdown();
}

#[test]
fn photo_changes_refresh_the_gallery_then_announce_it() {
    let f = folders();
    let svc = SiteService::open(&f.content, None, 80).unwrap();
    let mut events = svc.events().subscribe();
    let (_watching, gallery) = watch(&f, WatchMode::Native, &svc);
    assert!(gallery.is_empty());

    // The photo store's hidden temp file is ignored; the rename to the final name is the change.
    let tmp = f.pic.join(".photo-1.tmp");
    std::fs::write(&tmp, b"jpeg bytes").unwrap();
    std::fs::rename(&tmp, f.pic.join("20240101-120000-000.jpg")).unwrap();
    assert_eq!(events.recv_timeout(WAIT).as_deref(), Some("gallery"));
    assert_eq!(gallery.len(), 1, "the gallery rescanned before the event");
    svc.shutdown();
}

#[test]
fn watch_off_watches_nothing_but_manual_reloads_still_work() {
    let f = folders();
    let svc = SiteService::open(&f.content, None, 80).unwrap();
    let (watching, _) = watch(&f, WatchMode::Off, &svc);
    assert!(watching.is_none());
    let mut events = svc.events().subscribe();
    std::fs::write(f.content.join("setup.md"), "# Setup\n\nchanged\n").unwrap();
    svc.reload_pages();
    assert_eq!(events.recv_timeout(WAIT).as_deref(), Some("page:setup"));
    assert!(svc
        .site()
        .render_page("setup", &NoPhotos)
        .unwrap()
        .unwrap()
        .contains("changed"));
}
