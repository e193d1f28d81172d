//! The in-memory index of the photo folder: one scan builds an immutable, sorted list that the
//! gallery swaps whole, so pages and neighbour lookups never touch the disk and no reader ever
//! sees half a rescan.

use std::collections::HashMap;
use std::fs;
use std::io;
use std::path::Path;
use std::time::SystemTime;

use super::names;

/// One listed photo as the scan saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub name: String,
    pub bytes: u64,
    pub modified: SystemTime,
}

/// The photos, newest first.
#[derive(Debug, Default)]
pub struct Index {
    entries: Vec<Entry>,
    positions: HashMap<String, usize>,
}

impl Index {
    /// Builds an index from entries in any order.
    pub fn from_entries(mut entries: Vec<Entry>) -> Index {
        // Newest first; equal times fall back to the name, also descending, so the server's
        // `YYYYMMDD-HHMMSS-mmm-n` names of one millisecond keep their order too.
        entries.sort_by(|a, b| {
            b.modified
                .cmp(&a.modified)
                .then_with(|| b.name.cmp(&a.name))
        });
        let positions = entries
            .iter()
            .enumerate()
            .map(|(i, e)| (e.name.clone(), i))
            .collect();
        Index { entries, positions }
    }

    /// Reads the folder `dir` (already canonical): images only, no dotfiles, no temp files, no
    /// symlinks leading outside, no names that are not UTF-8.
    pub fn scan(dir: &Path) -> io::Result<Index> {
        let mut entries = Vec::new();
        for item in fs::read_dir(dir)? {
            let item = item?;
            let Ok(name) = item.file_name().into_string() else {
                continue;
            };
            if !names::is_listed(&name) {
                continue;
            }
            // A vanished file (deleted mid-scan) or an unreadable one is simply not listed.
            if let Ok(Some(entry)) = inspect(dir, &name, item.file_type()?) {
                entries.push(entry);
            }
        }
        Ok(Index::from_entries(entries))
    }

    /// The total number of photos.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when there is no photo.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Photos at positions `range` (clamped to the index).
    pub fn slice(&self, start: usize, count: usize) -> &[Entry] {
        let start = start.min(self.entries.len());
        let end = start.saturating_add(count).min(self.entries.len());
        &self.entries[start..end]
    }

    /// The position of `name`, newest first.
    pub fn position(&self, name: &str) -> Option<usize> {
        self.positions.get(name).copied()
    }

    /// Every photo's name, newest first.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|e| e.name.as_str())
    }

    /// The photo at `pos`.
    pub fn get(&self, pos: usize) -> Option<&Entry> {
        self.entries.get(pos)
    }

    /// The same index with `entry` added (or replacing the entry of that name).
    pub fn with(&self, entry: Entry) -> Index {
        let mut entries: Vec<Entry> = self
            .entries
            .iter()
            .filter(|e| e.name != entry.name)
            .cloned()
            .collect();
        entries.push(entry);
        Index::from_entries(entries)
    }

    /// The same index without `name` (used after a delete instead of a full rescan).
    pub fn without(&self, name: &str) -> Index {
        let entries = self
            .entries
            .iter()
            .filter(|e| e.name != name)
            .cloned()
            .collect();
        Index::from_entries(entries)
    }
}

/// Stats one directory entry. `Ok(None)` means "exists but is not a photo we list": a directory,
/// or a symlink whose target is not a file directly inside `dir`.
pub fn inspect(dir: &Path, name: &str, file_type: fs::FileType) -> io::Result<Option<Entry>> {
    let path = dir.join(name);
    if file_type.is_symlink() {
        let target = fs::canonicalize(&path)?;
        if target.parent() != Some(dir) {
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

/// How many pages `total` items make at `per_page` (at least one, so an empty gallery has a page).
pub fn page_count(total: usize, per_page: usize) -> usize {
    total.div_ceil(per_page.max(1)).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn entry(name: &str, secs: u64) -> Entry {
        Entry {
            name: name.into(),
            bytes: 1,
            modified: SystemTime::UNIX_EPOCH + Duration::from_secs(secs),
        }
    }

    #[test]
    fn newest_first_then_name() {
        let idx = Index::from_entries(vec![
            entry("a.jpg", 1),
            entry("c.jpg", 5),
            entry("b.jpg", 5),
        ]);
        let names: Vec<_> = idx.slice(0, 10).iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["c.jpg", "b.jpg", "a.jpg"]);
        assert_eq!(idx.position("a.jpg"), Some(2));
        assert_eq!(idx.without("b.jpg").position("a.jpg"), Some(1));
        let added = idx.with(entry("d.jpg", 3));
        assert_eq!(added.position("d.jpg"), Some(2));
        assert_eq!(added.with(entry("d.jpg", 9)).position("d.jpg"), Some(0));
        assert_eq!(added.with(entry("d.jpg", 9)).len(), 4);
    }

    #[test]
    fn slices_clamp() {
        let idx = Index::from_entries((0..5).map(|i| entry(&format!("{i}.jpg"), i)).collect());
        assert_eq!(idx.slice(3, 10).len(), 2);
        assert!(idx.slice(99, 10).is_empty());
        assert_eq!(idx.slice(usize::MAX, usize::MAX).len(), 0);
    }

    #[test]
    fn page_counts() {
        assert_eq!(page_count(0, 20), 1);
        assert_eq!(page_count(20, 20), 1);
        assert_eq!(page_count(21, 20), 2);
        assert_eq!(page_count(5, 0), 5);
    }
}
