//! The photo gallery: the images in `--pic` and its albums (sub-folders, e.g. the timelapse days
//! `timelapse/YYYY-MM-DD/`), indexed in memory (newest first) and swapped whole on refresh, with
//! safe name handling, paging, neighbours, delete (one or many), ZIP listings, thumbnails and
//! screen-size renditions. Plain Rust: the web
//! edge (`web::gallery_routes`) and the site's pages call into it and map [`GalleryError`] to
//! statuses. Names given to these methods are *decoded* paths (`album/photo.jpg`); use
//! [`names::path_from_url`] on a raw URL path first.

mod delete;
mod dims;
pub mod errors;
mod files;
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
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use delete::Deleted;
use dims::DimsCache;
pub use errors::GalleryError;
use files::not_found_or;
use index::Index;
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
}
