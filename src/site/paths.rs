//! File-name rules the site shares: which names are editor or writer temp files (never pages,
//! never a reason to rebuild), the walk over a folder's files that skips them, and the path-safe
//! lookup of files under the content folder that pages link to (`/content/...`).

use std::io;
use std::path::{Path, PathBuf};

use super::SiteError;

/// Temp and swap files of editors and of pistream's own atomic writes: Vim's `.x.swp`/`4913`,
/// Emacs's `.#x` and `#x#`, backups `x~`, hidden files such as `.photo-123.tmp`, partial downloads.
pub fn is_temp_name(name: &str) -> bool {
    const SUFFIXES: [&str; 8] = [
        "~",
        ".swp",
        ".swo",
        ".swx",
        ".tmp",
        ".part",
        ".crdownload",
        ".kate-swp",
    ];
    name.is_empty()
        || name.starts_with('.')
        || (name.starts_with('#') && name.ends_with('#'))
        || name == "4913"
        || SUFFIXES.iter().any(|s| name.ends_with(s))
}

/// A folder [`walk_files`] could not read.
#[derive(Debug)]
pub struct WalkError {
    pub path: PathBuf,
    pub source: io::Error,
}

/// Every file under the folder `root`, by name, as `/`-separated names relative to it. Temp and
/// hidden entries ([`is_temp_name`]) and names that are not UTF-8 are skipped, folders with their
/// contents. Symlinks are listed as they are, never followed into, so a link loop cannot hang a
/// rebuild. A folder that cannot be read (or a `root` that is not one) is an `Err` item, and the
/// walk goes on.
pub fn walk_files(root: &Path) -> impl Iterator<Item = Result<String, WalkError>> + '_ {
    walkdir::WalkDir::new(root)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            e.depth() == 0 || e.file_name().to_str().is_some_and(|n| !is_temp_name(n))
        })
        .filter_map(move |entry| match entry {
            Err(e) => Some(Err(WalkError {
                path: e.path().unwrap_or(root).to_path_buf(),
                source: e.into(),
            })),
            Ok(e) if e.file_type().is_dir() => None,
            Ok(e) if e.depth() == 0 => Some(Err(WalkError {
                path: root.to_path_buf(),
                source: io::Error::new(io::ErrorKind::NotADirectory, "not a folder"),
            })),
            Ok(e) => {
                let rel = e.path().strip_prefix(root).unwrap_or(e.path());
                let names: Vec<&str> = rel.iter().filter_map(|c| c.to_str()).collect();
                Some(Ok(names.join("/")))
            }
        })
}

/// The file at `rel` (a decoded, `/`-separated path) inside `root`, for serving a page's image.
/// Refused: empty or hidden segments, `..`, backslashes, NUL, names Windows reads otherwise
/// (`CON`, `aux.png`, `a.md.`, `a:b`), markdown sources (drafts stay private), anything not a
/// regular file, and symlinks that lead outside `root`.
pub fn content_file(root: &Path, rel: &str) -> Result<PathBuf, SiteError> {
    let bad = || SiteError::BadPath(rel.to_string());
    if rel.is_empty() || rel.contains(['\\', '\0']) {
        return Err(bad());
    }
    let mut path = root.to_path_buf();
    for seg in rel.split('/') {
        if seg.is_empty()
            || seg.starts_with('.')
            || is_temp_name(seg)
            || crate::gallery::names::is_not_portable(seg)
        {
            return Err(bad());
        }
        path.push(seg);
    }
    if rel.to_ascii_lowercase().ends_with(".md") {
        return Err(SiteError::NotFound(rel.to_string()));
    }
    let real = path
        .canonicalize()
        .map_err(|_| SiteError::NotFound(rel.to_string()))?;
    let real_root = root
        .canonicalize()
        .map_err(|_| SiteError::NotFound(rel.to_string()))?;
    if !real.starts_with(&real_root) {
        return Err(bad());
    }
    if !real.is_file() {
        return Err(SiteError::NotFound(rel.to_string()));
    }
    Ok(real)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temp_names() {
        for n in [
            ".setup.md.swp",
            "setup.md~",
            ".#setup.md",
            "#setup.md#",
            "4913",
            ".photo-1.tmp",
            "a.jpg.part",
        ] {
            assert!(is_temp_name(n), "{n}");
        }
        for n in ["setup.md", "20240101-101010-000.jpg", "关于.md", "4913.md"] {
            assert!(!is_temp_name(n), "{n}");
        }
    }

    #[test]
    fn walks_files_skipping_temp_entries_without_following_links() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for rel in [
            "b.md",
            "guide/a.md",
            "guide/.a.md.swp",
            ".git/config",
            "guide/deep/c.md",
        ] {
            std::fs::create_dir_all(root.join(rel).parent().unwrap()).unwrap();
            std::fs::write(root.join(rel), b"x").unwrap();
        }
        #[cfg(unix)]
        std::os::unix::fs::symlink(root, root.join("guide/loop")).unwrap();
        let mut found: Vec<String> = walk_files(root).map(|f| f.unwrap()).collect();
        found.sort();
        let mut expected = vec!["b.md", "guide/a.md", "guide/deep/c.md"];
        if cfg!(unix) {
            expected.push("guide/loop");
            expected.sort();
        }
        assert_eq!(found, expected);

        let not_a_folder: Vec<_> = walk_files(&root.join("b.md")).collect();
        assert!(matches!(&not_a_folder[..], [Err(e)] if e.path == root.join("b.md")));
        assert!(walk_files(&root.join("missing")).all(|f| f.is_err()));
    }

    #[test]
    fn content_files_stay_inside() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("content");
        std::fs::create_dir_all(root.join("img")).unwrap();
        std::fs::write(root.join("img/cat 1.png"), b"png").unwrap();
        std::fs::write(root.join("page.md"), b"# draft").unwrap();
        std::fs::write(dir.path().join("secret.txt"), b"no").unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(dir.path().join("secret.txt"), root.join("link.txt")).unwrap();

        assert!(content_file(&root, "img/cat 1.png").is_ok());
        for bad in [
            "../secret.txt",
            "img/../../secret.txt",
            "/etc/passwd",
            "img//cat 1.png",
            ".hidden",
            "a\\b",
            "x\0y",
            "",
        ] {
            assert!(
                matches!(content_file(&root, bad), Err(SiteError::BadPath(_))),
                "{bad:?}"
            );
        }
        #[cfg(unix)]
        assert!(matches!(
            content_file(&root, "link.txt"),
            Err(SiteError::BadPath(_))
        ));
        assert!(matches!(
            content_file(&root, "page.md"),
            Err(SiteError::NotFound(_))
        ));
        assert!(matches!(
            content_file(&root, "img"),
            Err(SiteError::NotFound(_))
        ));
        assert!(matches!(
            content_file(&root, "missing.png"),
            Err(SiteError::NotFound(_))
        ));
    }
}
