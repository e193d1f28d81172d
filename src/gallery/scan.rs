//! Reading the photo folder from disk into an [`Index`]: the walk over albums (never through a
//! symlinked folder, never deeper than [`names::MAX_DEPTH`]) and the check of each file found.
//! Separate from the index because this is the only part that touches the disk and decides what
//! counts as a listed photo; the index itself is pure data.

use std::fs;
use std::io;
use std::path::Path;

use super::index::{Entry, Index};
use super::names;

impl Index {
    /// Reads the folder `dir` (already canonical) and its sub-folders: images only, no hidden
    /// files or folders (`.thumbs`), no temp files, no symlinked folders (never followed), no
    /// symlinked photos leading out of their own folder, no names that are not UTF-8.
    pub fn scan(dir: &Path) -> io::Result<Index> {
        let (mut entries, mut dirs) = (Vec::new(), Vec::new());
        scan_into(dir, "", &mut entries, &mut dirs)?;
        Ok(Index::from_parts(entries, dirs))
    }
}

fn scan_into(
    root: &Path,
    rel: &str,
    entries: &mut Vec<Entry>,
    dirs: &mut Vec<String>,
) -> io::Result<()> {
    let depth = if rel.is_empty() {
        0
    } else {
        rel.split('/').count()
    };
    for item in fs::read_dir(root.join(rel))? {
        let item = item?;
        let Ok(name) = item.file_name().into_string() else {
            continue;
        };
        // `file_type` does not follow symlinks: a linked folder is never entered.
        let Ok(kind) = item.file_type() else {
            continue;
        };
        let path = names::join(rel, &name);
        if kind.is_dir() {
            if depth < names::MAX_DEPTH && names::validate(&name).is_ok() {
                dirs.push(path.clone());
                // An unreadable album is left out, not the whole gallery.
                if let Err(e) = scan_into(root, &path, entries, dirs) {
                    log::debug!("cannot read album {path:?}: {e}");
                }
            }
            continue;
        }
        if !names::is_listed(&name) {
            continue;
        }
        // A vanished file (deleted mid-scan) or an unreadable one is simply not listed.
        if let Ok(Some(entry)) = inspect(root, &path, kind) {
            entries.push(entry);
        }
    }
    Ok(())
}

/// Stats the photo `name` (a path under `dir`, whose folders are real folders, not links).
/// `Ok(None)` means "exists but is not a photo we list": a directory, or a symlink whose target
/// is not a file directly in the photo's own folder.
pub fn inspect(dir: &Path, name: &str, file_type: fs::FileType) -> io::Result<Option<Entry>> {
    let path = dir.join(name);
    if file_type.is_symlink() {
        let target = fs::canonicalize(&path)?;
        if target.parent() != path.parent() {
            return Ok(None);
        }
    }
    let meta = fs::metadata(&path)?;
    if !meta.is_file() {
        return Ok(None);
    }
    Ok(Some(Entry {
        name: name.to_owned(),
        bytes: meta.len(),
        modified: meta.modified()?,
    }))
}
