//! The photo gallery: the images in `--pic` and its albums (sub-folders, e.g. the timelapse days
//! `timelapse/YYYY-MM-DD/`), indexed in memory (newest first) and swapped whole on refresh, with
//! safe name handling, paging, neighbours, delete (one or many), ZIP listings, thumbnails and
//! screen-size renditions. Plain Rust: the web
//! edge (`web::gallery_routes`) and the site's pages call into it and map [`GalleryError`] to
//! statuses. Names given to these methods are *decoded* paths (`album/photo.jpg`); use
//! [`names::path_from_url`] on a raw URL path first.

pub mod errors;
pub mod index;
pub mod info;
pub mod names;
pub mod photos;
pub mod scan;
pub mod thumbs;
pub mod zip;

use parking_lot::{Mutex, RwLock};
use std::collections::HashMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use image::{ImageDecoder, ImageReader};

pub use errors::GalleryError;
use index::{Entry, Index};
pub use info::{AlbumInfo, Crumb, GalleryPage, PhotoInfo};
/// URL path ↔ photo path: `encode_name` for links, `decode_name` (split at `/`, decode each
/// segment once, validate) for routes.
pub use names::{encode_path as encode_name, path_from_url as decode_name};
use thumbs::{ThumbCache, MEDIUM, THUMB};

/// Largest page size honoured, so `?per_page=10000000` cannot make one huge page.
pub const MAX_PER_PAGE: usize = 500;

/// Photos per page of an album. Pages, not one endless page: a 10 000-photo album is 167 pages
/// of 60 cards, each page a few hundred KB of lazily loaded thumbnails and a small DOM, so it
/// scrolls smoothly on a phone and works without JavaScript; 60 fills rows of 2 to 6 columns.
pub const PER_PAGE: usize = 60;

/// Most photos one request may delete or zip by name.
pub const MAX_SELECTION: usize = 10_000;

/// Pixel sizes by name, each valid for one (mtime, size) of its file.
type DimsCache = HashMap<String, (SystemTime, u64, Option<(u32, u32)>)>;

/// The index of `--pic`, rebuilt and swapped whole on refresh.
pub struct Gallery {
    /// Canonical path of the photo folder: every resolved name must lie in it, exactly where
    /// its path says (no symlinked album on the way).
    dir: PathBuf,
    index: RwLock<Arc<Index>>,
    /// Serialises refresh and delete, so a slow rescan cannot resurrect a photo deleted meanwhile.
    writer: Mutex<()>,
    /// Pixel sizes read from file headers, keyed by name and valid for one (mtime, size).
    dims: Mutex<DimsCache>,
    thumbs: ThumbCache,
    medium: ThumbCache,
}

/// What a delete of several photos did.
#[derive(Debug, Default, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Deleted {
    pub deleted: Vec<String>,
    /// Asked for but already gone (someone else deleted them first: what was wanted anyway).
    pub missing: Vec<String>,
}

impl Gallery {
    /// Opens (creating it if missing) and scans the photo folder, and drops cached renditions that
    /// belong to no photo.
    pub fn open(pic_dir: &Path) -> Result<Gallery, GalleryError> {
        fs::create_dir_all(pic_dir)?;
        let dir = fs::canonicalize(pic_dir)?;
        let index = Index::scan(&dir)?;
        let decoders = ThumbCache::permits_per_core();
        let gallery = Gallery {
            thumbs: ThumbCache::new(&dir, THUMB, decoders.clone()),
            medium: ThumbCache::new(&dir, MEDIUM, decoders),
            dir,
            index: RwLock::new(Arc::new(index)),
            writer: Mutex::new(()),
            dims: Mutex::new(HashMap::new()),
        };
        gallery.prune_renditions(&gallery.snapshot());
        Ok(gallery)
    }

    /// Rescans the folder and its albums and swaps the new index in (the watcher calls this, off
    /// the executor). Photos that went meanwhile (deleted by hand) lose their cached renditions.
    pub fn refresh(&self) -> Result<(), GalleryError> {
        let _writer = self.writer.lock();
        let index = Index::scan(&self.dir)?;
        let some_went = self.snapshot().names().any(|name| !index.contains(name));
        if some_went {
            self.prune_renditions(&index);
        }
        self.swap(index);
        Ok(())
    }

    /// Drops cached renditions that belong to no photo of `index`. A failure costs disk space
    /// only, so it is logged, not returned.
    fn prune_renditions(&self, index: &Index) {
        for cache in [&self.thumbs, &self.medium] {
            match cache.prune(index.names()) {
                Ok(0) => {}
                Ok(n) => {
                    log::info!("removed {n} cached rendition folder(s) of photos that are gone")
                }
                Err(e) => log::warn!("cannot prune the rendition cache: {e}"),
            }
        }
    }

    /// Page `page` (1-based) of `per_page` photos of the top level, newest first, with its
    /// albums. A page past the end is empty.
    pub fn page(&self, page: usize, per_page: usize) -> GalleryPage {
        let idx = self.snapshot();
        self.page_of(&idx, idx.root(), page, per_page)
    }

    /// Page `page` of the album `album` (a decoded path; `""` is the top level). An album folder
    /// made since the last scan (a new timelapse day) is found by a rescan, not answered 404.
    pub fn album(
        &self,
        album: &str,
        page: usize,
        per_page: usize,
    ) -> Result<GalleryPage, GalleryError> {
        names::validate_album(album)?;
        let mut idx = self.snapshot();
        if idx.album(album).is_none() {
            self.album_dir(album)?;
            self.refresh()?;
            idx = self.snapshot();
        }
        let a = idx
            .album(album)
            .ok_or_else(|| GalleryError::NotFound(album.to_owned()))?;
        Ok(self.page_of(&idx, a, page, per_page))
    }

    /// The newest `n` photos of `album` (its own, not its sub-albums'), for pages that show them.
    pub fn latest(&self, album: &str, n: usize) -> Result<Vec<PhotoInfo>, GalleryError> {
        Ok(self.album(album, 1, n.clamp(1, MAX_PER_PAGE))?.photos)
    }

    fn page_of(
        &self,
        idx: &Index,
        album: &index::Album,
        page: usize,
        per_page: usize,
    ) -> GalleryPage {
        let per_page = per_page.clamp(1, MAX_PER_PAGE);
        info::page(idx, album, page, per_page, |e| self.cached_dims(e))
    }

    /// One photo (a decoded path) with its neighbours in its album. A photo on disk but not yet
    /// indexed (just taken, before the watcher noticed) is added to the index rather than
    /// answered with a 404. May read the file's header (pixel size, cached): call it off the
    /// executor.
    pub fn photo(&self, name: &str) -> Result<PhotoInfo, GalleryError> {
        names::validate_path(name)?;
        let mut idx = self.snapshot();
        if !idx.contains(name) {
            idx = self.add(name)?;
        }
        let (album, pos) = idx
            .find(name)
            .ok_or_else(|| GalleryError::NotFound(name.to_owned()))?;
        let entry = album
            .get(pos)
            .ok_or_else(|| GalleryError::NotFound(name.to_owned()))?;
        let dims = self.read_dims(entry);
        Ok(info::photo(album, pos, entry, dims, PER_PAGE))
    }

    /// Indexes the one photo `name` found on disk but not (yet) in the index: no folder scan.
    fn add(&self, name: &str) -> Result<Arc<Index>, GalleryError> {
        let _writer = self.writer.lock();
        self.file(name)?;
        let kind = fs::symlink_metadata(self.dir.join(name)).map_err(|e| not_found_or(e, name))?;
        let entry = scan::inspect(&self.dir, name, kind.file_type())
            .map_err(|e| not_found_or(e, name))?
            .ok_or_else(|| GalleryError::NotFound(name.to_owned()))?;
        let idx = self.snapshot().with(entry);
        self.swap(idx);
        Ok(self.snapshot())
    }

    /// Deletes exactly the photo `name` (a symlink itself, never its target) and its renditions.
    pub fn delete(&self, name: &str) -> Result<(), GalleryError> {
        let done = self.delete_many(&[name.to_owned()])?;
        match done.missing.is_empty() {
            true => Ok(()),
            false => Err(GalleryError::NotFound(name.to_owned())),
        }
    }

    /// Deletes the photos `names` (decoded paths), all checked first: one bad name (traversal,
    /// a link leading out) deletes nothing. Photos already gone are reported, not an error.
    pub fn delete_many(&self, names: &[String]) -> Result<Deleted, GalleryError> {
        if names.len() > MAX_SELECTION {
            return Err(GalleryError::TooMany(names.len()));
        }
        let _writer = self.writer.lock();
        let mut checked = Vec::new();
        let mut done = Deleted::default();
        for name in names {
            match self.file(name) {
                Ok(_) => checked.push(name.clone()),
                Err(GalleryError::NotFound(_)) => done.missing.push(name.clone()),
                Err(e) => return Err(e),
            }
        }
        for name in checked {
            match fs::remove_file(self.dir.join(&name)) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound => {
                    done.missing.push(name);
                    continue;
                }
                Err(e) => {
                    // Keep the index true to the disk for those already gone, then fail.
                    self.forget(&done.deleted);
                    return Err(GalleryError::Io(e));
                }
            }
            for cache in [&self.thumbs, &self.medium] {
                if let Err(e) = cache.remove(&name) {
                    log::warn!("photo {name:?} deleted but not its cached copies: {e}");
                }
            }
            self.dims.lock().remove(&name);
            done.deleted.push(name);
        }
        self.forget(&done.deleted);
        Ok(done)
    }

    fn forget(&self, gone: &[String]) {
        if gone.is_empty() {
            return;
        }
        let rest = self.snapshot().without(gone);
        self.prune_renditions(&rest);
        self.swap(rest);
    }

    /// The path to read for photo `name`, after checking it: a valid path, an image by
    /// extension, a regular file whose resolved path lies directly in its album's folder, which
    /// itself is exactly where the path says (a symlinked album leads nowhere).
    pub fn file(&self, name: &str) -> Result<PathBuf, GalleryError> {
        names::validate_path(name)?;
        if names::image_type(name).is_none() {
            return Err(GalleryError::NotFound(name.to_owned()));
        }
        let folder = self.album_dir(names::split(name).0)?;
        let resolved = fs::canonicalize(self.dir.join(name)).map_err(|e| not_found_or(e, name))?;
        if resolved.parent() != Some(folder.as_path()) {
            return Err(GalleryError::NotFound(name.to_owned()));
        }
        let meta = fs::metadata(&resolved).map_err(|e| not_found_or(e, name))?;
        if !meta.is_file() {
            return Err(GalleryError::NotFound(name.to_owned()));
        }
        Ok(resolved)
    }

    /// The folder of `album`, checked: a real folder (no link on the way) inside the photo folder.
    fn album_dir(&self, album: &str) -> Result<PathBuf, GalleryError> {
        names::validate_album(album)?;
        if album.is_empty() {
            return Ok(self.dir.clone());
        }
        let want = self.dir.join(album);
        let real = fs::canonicalize(&want).map_err(|e| not_found_or(e, album))?;
        if real != want || !real.is_dir() {
            return Err(GalleryError::NotFound(album.to_owned()));
        }
        Ok(real)
    }

    /// Every photo of `album` and its sub-albums as (path inside the album, file): what a ZIP of
    /// the album holds.
    pub fn album_files(&self, album: &str) -> Result<Vec<(String, PathBuf)>, GalleryError> {
        self.album_dir(album)?;
        let idx = self.snapshot();
        let prefix = if album.is_empty() {
            String::new()
        } else {
            format!("{album}/")
        };
        Ok(idx
            .under(album)
            .into_iter()
            .filter_map(|e| {
                let path = self.file(&e.name).ok()?;
                Some((
                    e.name.strip_prefix(&prefix).unwrap_or(&e.name).to_owned(),
                    path,
                ))
            })
            .collect())
    }

    /// The photos `names` as (path inside a ZIP, file), each checked: relative to their album when
    /// all share one, else to the photo folder. One bad name refuses the lot; gone ones are left out.
    pub fn selected_files(&self, names: &[String]) -> Result<Vec<(String, PathBuf)>, GalleryError> {
        if names.len() > MAX_SELECTION {
            return Err(GalleryError::TooMany(names.len()));
        }
        let first = names.first().map_or("", |n| names::split(n).0);
        let common = names.iter().all(|n| names::split(n).0 == first);
        let mut out = Vec::new();
        for name in names {
            let inside = if common {
                names::split(name).1
            } else {
                name.as_str()
            };
            match self.file(name) {
                Ok(path) => out.push((inside.to_owned(), path)),
                Err(GalleryError::NotFound(_)) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(out)
    }

    /// The JPEG thumbnail of `name` (a placeholder if the photo does not decode). Blocks: call it
    /// through `async_std::task::spawn_blocking`.
    pub fn thumbnail(&self, name: &str) -> Result<Vec<u8>, GalleryError> {
        let path = self.file(name)?;
        let meta = fs::metadata(&path).map_err(|e| not_found_or(e, name))?;
        Ok(self.thumbs.get_or_make(name, &path, &meta))
    }

    /// The photo at screen size ([`thumbs::MEDIUM`]), cached like thumbnails. Blocks.
    pub fn medium(&self, name: &str) -> Result<Vec<u8>, GalleryError> {
        let path = self.file(name)?;
        let meta = fs::metadata(&path).map_err(|e| not_found_or(e, name))?;
        Ok(self.medium.get_or_make(name, &path, &meta))
    }

    /// The (canonical) photo folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Number of photos indexed, in albums or not.
    pub fn len(&self) -> usize {
        self.snapshot().len()
    }

    /// True when no photo is indexed.
    pub fn is_empty(&self) -> bool {
        self.snapshot().is_empty()
    }

    /// How many thumbnails have been made (decoded) since open; cache hits do not count.
    pub fn thumbnails_made(&self) -> u64 {
        self.thumbs.made()
    }

    /// How many medium renditions have been made since open.
    pub fn mediums_made(&self) -> u64 {
        self.medium.made()
    }

    fn snapshot(&self) -> Arc<Index> {
        self.index.read().clone()
    }

    fn swap(&self, index: Index) {
        *self.index.write() = Arc::new(index);
    }

    fn cached_dims(&self, e: &Entry) -> Option<(u32, u32)> {
        match self.dims.lock().get(&e.name) {
            Some((t, n, dims)) if *t == e.modified && *n == e.bytes => *dims,
            _ => None,
        }
    }

    /// Reads the pixel size from the file's header (no pixel decode), upright per EXIF, and caches it.
    fn read_dims(&self, e: &Entry) -> Option<(u32, u32)> {
        if let Some(dims) = self.cached_dims(e) {
            return Some(dims);
        }
        let dims = header_dims(&self.dir.join(&e.name));
        self.dims
            .lock()
            .insert(e.name.clone(), (e.modified, e.bytes, dims));
        dims
    }
}

fn header_dims(path: &Path) -> Option<(u32, u32)> {
    let mut decoder = ImageReader::open(path)
        .ok()?
        .with_guessed_format()
        .ok()?
        .into_decoder()
        .ok()?;
    let (w, h) = decoder.dimensions();
    let turned = matches!(
        decoder.orientation(),
        Ok(image::metadata::Orientation::Rotate90
            | image::metadata::Orientation::Rotate270
            | image::metadata::Orientation::Rotate90FlipH
            | image::metadata::Orientation::Rotate270FlipH)
    );
    Some(if turned { (h, w) } else { (w, h) })
}

/// A missing file is the client's "not found"; anything else is a real I/O fault.
fn not_found_or(e: io::Error, name: &str) -> GalleryError {
    if e.kind() == io::ErrorKind::NotFound {
        GalleryError::NotFound(name.to_owned())
    } else {
        GalleryError::Io(e)
    }
}
