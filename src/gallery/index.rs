//! The in-memory index of the photo folder and its albums (sub-folders, nested up to
//! [`names::MAX_DEPTH`]): one scan builds an immutable structure — each album's photos sorted
//! newest first, its sub-albums, its count and cover — that the gallery swaps whole, so pages and
//! neighbour lookups never touch the disk and no reader ever sees half a rescan.

use std::collections::HashMap;
use std::time::SystemTime;

use super::names;

/// One listed photo as the scan saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The photo's path relative to the photo folder (`album/sub/photo.jpg`).
    pub name: String,
    pub bytes: u64,
    pub modified: SystemTime,
}

impl Entry {
    /// Newest first; equal times fall back to the name, also descending, so the server's
    /// `YYYYMMDD-HHMMSS-mmm-n` names of one millisecond keep their order too.
    fn newest_first(a: &Entry, b: &Entry) -> std::cmp::Ordering {
        b.modified
            .cmp(&a.modified)
            .then_with(|| b.name.cmp(&a.name))
    }
}

/// One album: a folder of the photo folder (`""` is the top level).
#[derive(Debug, Default)]
pub struct Album {
    /// Its path relative to the photo folder (`""`, `timelapse`, `timelapse/2024-05-01`).
    pub path: String,
    /// Photos directly in it, newest first.
    entries: Vec<Entry>,
    positions: HashMap<String, usize>,
    /// Sub-album paths, the one with the newest photo first (timelapse days: the latest day).
    pub children: Vec<String>,
    /// Photos in it, its sub-albums' included.
    pub total: usize,
    /// Its newest photo, its sub-albums' included: the album's cover.
    pub cover: Option<Entry>,
}

impl Album {
    fn new(path: &str) -> Album {
        Album {
            path: path.to_owned(),
            ..Album::default()
        }
    }

    /// Photos directly in the album.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when no photo is directly in the album.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// `count` photos from position `start` (clamped to the album).
    pub fn slice(&self, start: usize, count: usize) -> &[Entry] {
        let start = start.min(self.entries.len());
        let end = start.saturating_add(count).min(self.entries.len());
        &self.entries[start..end]
    }

    /// The position of the photo `name` (a full path), newest first.
    pub fn position(&self, name: &str) -> Option<usize> {
        self.positions.get(name).copied()
    }

    /// The photo at `pos`.
    pub fn get(&self, pos: usize) -> Option<&Entry> {
        self.entries.get(pos)
    }
}

/// The photos and albums.
#[derive(Debug)]
pub struct Index {
    albums: HashMap<String, Album>,
    /// Every album folder seen by the scan, photos or not (kept across [`Index::with`]).
    dirs: Vec<String>,
}

impl Default for Index {
    fn default() -> Index {
        Index::from_parts(Vec::new(), Vec::new())
    }
}

impl Index {
    /// Builds an index from photos in any order and the album folders seen (an album also exists
    /// when a photo is in it).
    pub fn from_parts(entries: Vec<Entry>, dirs: Vec<String>) -> Index {
        let mut albums: HashMap<String, Album> = HashMap::new();
        albums.insert(String::new(), Album::new(""));
        let ensure = |albums: &mut HashMap<String, Album>, path: &str| {
            let mut p = path;
            while !p.is_empty() && !albums.contains_key(p) {
                albums.insert(p.to_owned(), Album::new(p));
                p = names::split(p).0;
            }
        };
        for d in &dirs {
            ensure(&mut albums, d);
        }
        for e in entries {
            let album = names::split(&e.name).0.to_owned();
            ensure(&mut albums, &album);
            if let Some(a) = albums.get_mut(&album) {
                a.entries.push(e);
            }
        }
        let paths: Vec<String> = albums.keys().cloned().collect();
        for path in &paths {
            let Some(album) = albums.get_mut(path) else {
                continue;
            };
            album.entries.sort_by(Entry::newest_first);
            album.positions = album
                .entries
                .iter()
                .enumerate()
                .map(|(i, e)| (e.name.clone(), i))
                .collect();
            let (own, newest) = (album.entries.len(), album.entries.first().cloned());
            // Count and cover reach up through every enclosing album.
            let mut p = Some(path.as_str());
            while let Some(at) = p {
                if let Some(a) = albums.get_mut(at) {
                    a.total += own;
                    if let Some(n) = &newest {
                        if a.cover
                            .as_ref()
                            .is_none_or(|c| Entry::newest_first(n, c).is_lt())
                        {
                            a.cover = Some(n.clone());
                        }
                    }
                }
                p = (!at.is_empty()).then(|| names::split(at).0);
            }
        }
        for path in paths.iter().filter(|p| !p.is_empty()) {
            let parent = names::split(path).0;
            if let Some(a) = albums.get_mut(parent) {
                a.children.push(path.clone());
            }
        }
        let covers: HashMap<String, Option<Entry>> = albums
            .iter()
            .map(|(p, a)| (p.clone(), a.cover.clone()))
            .collect();
        for album in albums.values_mut() {
            album
                .children
                .sort_by(|a, b| match (&covers[a], &covers[b]) {
                    (Some(x), Some(y)) => Entry::newest_first(x, y),
                    (Some(_), None) => std::cmp::Ordering::Less,
                    (None, Some(_)) => std::cmp::Ordering::Greater,
                    (None, None) => a.cmp(b),
                });
        }
        // Every album stays one (photos or not) when the index is rebuilt by `with`/`without`.
        let mut dirs: Vec<String> = albums.keys().filter(|p| !p.is_empty()).cloned().collect();
        dirs.sort();
        Index { albums, dirs }
    }

    /// The album at `path` (`""`: the top level).
    pub fn album(&self, path: &str) -> Option<&Album> {
        self.albums.get(path)
    }

    /// The top level.
    pub fn root(&self) -> &Album {
        &self.albums[""]
    }

    /// The total number of photos, in albums or not.
    pub fn len(&self) -> usize {
        self.root().total
    }

    /// True when there is no photo at all.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The album of the photo `name` and the photo's position in it.
    pub fn find(&self, name: &str) -> Option<(&Album, usize)> {
        let album = self.albums.get(names::split(name).0)?;
        Some((album, album.position(name)?))
    }

    /// True when the photo `name` is indexed.
    pub fn contains(&self, name: &str) -> bool {
        self.find(name).is_some()
    }

    /// Every photo's name, album by album.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.albums
            .values()
            .flat_map(|a| a.entries.iter().map(|e| e.name.as_str()))
    }

    /// Every photo in `album` and its sub-albums: the album's own newest first, then each
    /// sub-album's in turn.
    pub fn under(&self, album: &str) -> Vec<&Entry> {
        let mut out = Vec::new();
        let mut stack = vec![album];
        while let Some(path) = stack.pop() {
            if let Some(a) = self.albums.get(path) {
                out.extend(a.entries.iter());
                stack.extend(a.children.iter().rev().map(String::as_str));
            }
        }
        out
    }

    /// The same index with `entry` added (or replacing the entry of that name).
    pub fn with(&self, entry: Entry) -> Index {
        let mut entries = self.cloned_entries(|e| e.name != entry.name);
        entries.push(entry);
        Index::from_parts(entries, self.dirs.clone())
    }

    /// The same index without the photos `gone` (used after a delete instead of a full rescan).
    pub fn without(&self, gone: &[String]) -> Index {
        let entries = self.cloned_entries(|e| !gone.contains(&e.name));
        Index::from_parts(entries, self.dirs.clone())
    }

    fn cloned_entries(&self, keep: impl Fn(&Entry) -> bool) -> Vec<Entry> {
        self.albums
            .values()
            .flat_map(|a| a.entries.iter())
            .filter(|e| keep(e))
            .cloned()
            .collect()
    }
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

    fn names_of(a: &Album) -> Vec<&str> {
        a.slice(0, 100).iter().map(|e| e.name.as_str()).collect()
    }

    #[test]
    fn newest_first_then_name() {
        let idx = Index::from_parts(
            vec![entry("a.jpg", 1), entry("c.jpg", 5), entry("b.jpg", 5)],
            vec![],
        );
        assert_eq!(names_of(idx.root()), ["c.jpg", "b.jpg", "a.jpg"]);
        assert_eq!(idx.root().position("a.jpg"), Some(2));
        assert_eq!(
            idx.without(&["b.jpg".into()]).root().position("a.jpg"),
            Some(1)
        );
        let added = idx.with(entry("d.jpg", 3));
        assert_eq!(added.root().position("d.jpg"), Some(2));
        assert_eq!(
            added.with(entry("d.jpg", 9)).root().position("d.jpg"),
            Some(0)
        );
        assert_eq!(added.with(entry("d.jpg", 9)).len(), 4);
    }

    #[test]
    fn albums_nest_with_counts_covers_and_order() {
        let idx = Index::from_parts(
            vec![
                entry("top.jpg", 50),
                entry("timelapse/2024-05-01/a.jpg", 10),
                entry("timelapse/2024-05-01/b.jpg", 11),
                entry("timelapse/2024-05-02/c.jpg", 20),
                entry("trip/x.jpg", 5),
            ],
            vec!["empty".into(), "timelapse".into()],
        );
        assert_eq!(idx.len(), 5);
        assert_eq!(
            names_of(idx.root()),
            ["top.jpg"],
            "albums' photos stay in them"
        );
        assert_eq!(idx.root().children, ["timelapse", "trip", "empty"]);
        let tl = idx.album("timelapse").unwrap();
        assert_eq!(tl.total, 3);
        assert!(tl.is_empty());
        assert_eq!(
            tl.children,
            ["timelapse/2024-05-02", "timelapse/2024-05-01"]
        );
        assert_eq!(
            tl.cover.as_ref().unwrap().name,
            "timelapse/2024-05-02/c.jpg"
        );
        let day = idx.album("timelapse/2024-05-01").unwrap();
        assert_eq!(
            names_of(day),
            ["timelapse/2024-05-01/b.jpg", "timelapse/2024-05-01/a.jpg"]
        );
        assert_eq!(idx.find("timelapse/2024-05-01/a.jpg").unwrap().1, 1);
        assert!(idx.find("a.jpg").is_none());
        assert_eq!(idx.album("empty").unwrap().total, 0);
        let under: Vec<_> = idx
            .under("timelapse")
            .iter()
            .map(|e| e.name.as_str())
            .collect();
        assert_eq!(
            under,
            [
                "timelapse/2024-05-02/c.jpg",
                "timelapse/2024-05-01/b.jpg",
                "timelapse/2024-05-01/a.jpg"
            ]
        );
        assert_eq!(idx.under("").len(), 5);
        let fewer = idx.without(&["timelapse/2024-05-02/c.jpg".into()]);
        assert_eq!(fewer.album("timelapse").unwrap().total, 2);
        assert!(
            fewer.album("timelapse/2024-05-02").is_some(),
            "the folder stays an album"
        );
    }

    #[test]
    fn slices_clamp() {
        let idx = Index::from_parts(
            (0..5).map(|i| entry(&format!("{i}.jpg"), i)).collect(),
            vec![],
        );
        assert_eq!(idx.root().slice(3, 10).len(), 2);
        assert!(idx.root().slice(99, 10).is_empty());
        assert_eq!(idx.root().slice(usize::MAX, usize::MAX).len(), 0);
    }

    #[test]
    fn page_counts() {
        assert_eq!(page_count(0, 20), 1);
        assert_eq!(page_count(20, 20), 1);
        assert_eq!(page_count(21, 20), 2);
        assert_eq!(page_count(5, 0), 5);
    }
}
