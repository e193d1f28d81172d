//! The photo gallery: the images in `--pic`, indexed in memory (newest first) and swapped whole on
//! refresh, with safe name handling, paging, neighbours, delete and thumbnails. Plain Rust: the web
//! edge (`web::gallery_routes`) and the site's pages call into it and map [`GalleryError`] to
//! statuses. Names given to these methods are *decoded* file names; use [`names::from_url`] on a raw
//! URL segment first.

pub mod errors;
pub mod index;
pub mod names;
pub mod photos;
pub mod thumbs;

use parking_lot::{Mutex, RwLock};
use std::collections::HashMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use image::{ImageDecoder, ImageReader};
use serde::{Deserialize, Serialize};

pub use errors::GalleryError;
use index::{Entry, Index};
/// URL segment ↔ file name: `encode_name` for links, `decode_name` (decode once + validate) for routes.
pub use names::{encode as encode_name, from_url as decode_name};
use thumbs::ThumbCache;

use crate::urls;

/// Largest page size honoured, so `?per_page=10000000` cannot make one huge page.
pub const MAX_PER_PAGE: usize = 500;

/// Pixel sizes by name, each valid for one (mtime, size) of its file.
type DimsCache = HashMap<String, (SystemTime, u64, Option<(u32, u32)>)>;

/// The index of `--pic`, rebuilt and swapped whole on refresh.
pub struct Gallery {
    /// Canonical path of the photo folder: every resolved name must have exactly this parent.
    dir: PathBuf,
    index: RwLock<Arc<Index>>,
    /// Serialises refresh and delete, so a slow rescan cannot resurrect a photo deleted meanwhile.
    writer: Mutex<()>,
    /// Pixel sizes read from file headers, keyed by name and valid for one (mtime, size).
    dims: Mutex<DimsCache>,
    thumbs: ThumbCache,
}

/// One photo, as pages show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhotoInfo {
    pub name: String,
    /// The file: `/pic/ENC`.
    pub url: String,
    /// Its HTML page: `/photos/ENC`.
    pub page_url: String,
    /// Its thumbnail: `/thumbs/ENC`.
    pub thumb_url: String,
    /// Where to POST to delete it: `/photos/ENC/delete`.
    pub delete_url: String,
    pub bytes: u64,
    /// Local time, `YYYY-MM-DD HH:MM:SS`.
    pub modified: String,
    pub modified_unix: i64,
    /// Upright pixel size; filled by [`Gallery::photo`] (and on pages once known), else `None`.
    pub width: Option<u32>,
    pub height: Option<u32>,
    /// The newer neighbour's name (newest-first order), if any.
    pub prev: Option<String>,
    /// The older neighbour's name, if any.
    pub next: Option<String>,
}

/// One page of the gallery, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GalleryPage {
    pub photos: Vec<PhotoInfo>,
    /// 1-based page number, as asked (0 is read as 1).
    pub page: usize,
    /// Number of pages (at least 1).
    pub pages: usize,
    /// Number of photos in the gallery.
    pub total: usize,
}

impl Gallery {
    /// Opens (creating it if missing) and scans the photo folder, and drops cached thumbnails that
    /// belong to no photo.
    pub fn open(pic_dir: &Path) -> Result<Gallery, GalleryError> {
        fs::create_dir_all(pic_dir)?;
        let dir = fs::canonicalize(pic_dir)?;
        let index = Index::scan(&dir)?;
        let gallery = Gallery {
            thumbs: ThumbCache::new(&dir),
            dir,
            index: RwLock::new(Arc::new(index)),
            writer: Mutex::new(()),
            dims: Mutex::new(HashMap::new()),
        };
        gallery.prune_thumbnails(&gallery.snapshot());
        Ok(gallery)
    }

    /// Rescans the folder and swaps the new index in (the watcher calls this, off the executor).
    /// Photos that went meanwhile (deleted by hand) lose their cached thumbnails.
    pub fn refresh(&self) -> Result<(), GalleryError> {
        let _writer = self.writer.lock();
        let index = Index::scan(&self.dir)?;
        let some_went = self
            .snapshot()
            .names()
            .any(|name| index.position(name).is_none());
        if some_went {
            self.prune_thumbnails(&index);
        }
        self.swap(index);
        Ok(())
    }

    /// Drops cached thumbnails that belong to no photo of `index`. A failure costs disk space
    /// only, so it is logged, not returned.
    fn prune_thumbnails(&self, index: &Index) {
        match self.thumbs.prune(index.names()) {
            Ok(0) => {}
            Ok(n) => log::info!("removed {n} cached thumbnail folder(s) of photos that are gone"),
            Err(e) => log::warn!("cannot prune the thumbnail cache: {e}"),
        }
    }

    /// Page `page` (1-based) of `per_page` photos, newest first. A page past the end is empty.
    pub fn page(&self, page: usize, per_page: usize) -> GalleryPage {
        let idx = self.snapshot();
        let per_page = per_page.clamp(1, MAX_PER_PAGE);
        let page = page.max(1);
        let start = (page - 1).saturating_mul(per_page);
        let photos = idx
            .slice(start, per_page)
            .iter()
            .enumerate()
            .map(|(i, e)| {
                let dims = self.cached_dims(e);
                info(&idx, start + i, e, dims)
            })
            .collect();
        GalleryPage {
            photos,
            page,
            pages: index::page_count(idx.len(), per_page),
            total: idx.len(),
        }
    }

    /// One photo with its neighbours. A photo on disk but not yet indexed (just taken, before the
    /// watcher noticed) is added to the index rather than answered with a 404. May read the file's
    /// header (pixel size, cached): call it off the executor.
    pub fn photo(&self, name: &str) -> Result<PhotoInfo, GalleryError> {
        names::validate(name)?;
        let mut idx = self.snapshot();
        if idx.position(name).is_none() {
            idx = self.add(name)?;
        }
        let pos = idx
            .position(name)
            .ok_or_else(|| GalleryError::NotFound(name.to_owned()))?;
        let entry = idx
            .get(pos)
            .ok_or_else(|| GalleryError::NotFound(name.to_owned()))?;
        let dims = self.read_dims(entry);
        Ok(info(&idx, pos, entry, dims))
    }

    /// Indexes the one photo `name` found on disk but not (yet) in the index: no folder scan.
    fn add(&self, name: &str) -> Result<Arc<Index>, GalleryError> {
        let _writer = self.writer.lock();
        self.file(name)?;
        let kind = fs::symlink_metadata(self.dir.join(name)).map_err(|e| not_found_or(e, name))?;
        let entry = index::inspect(&self.dir, name, kind.file_type())
            .map_err(|e| not_found_or(e, name))?
            .ok_or_else(|| GalleryError::NotFound(name.to_owned()))?;
        let idx = self.snapshot().with(entry);
        self.swap(idx);
        Ok(self.snapshot())
    }

    /// Deletes exactly the photo `name` (a symlink itself, never its target) and its thumbnails.
    pub fn delete(&self, name: &str) -> Result<(), GalleryError> {
        let _writer = self.writer.lock();
        self.file(name)?;
        fs::remove_file(self.dir.join(name)).map_err(|e| not_found_or(e, name))?;
        if let Err(e) = self.thumbs.remove(name) {
            log::warn!("photo {name:?} deleted but not its thumbnails: {e}");
        }
        self.dims.lock().remove(name);
        let rest = self.snapshot().without(name);
        self.prune_thumbnails(&rest);
        self.swap(rest);
        Ok(())
    }

    /// The path to read for photo `name`, after checking it: a valid name, an image by extension,
    /// a regular file whose resolved path lies directly in the photo folder.
    pub fn file(&self, name: &str) -> Result<PathBuf, GalleryError> {
        names::validate(name)?;
        if names::image_type(name).is_none() {
            return Err(GalleryError::NotFound(name.to_owned()));
        }
        let resolved = fs::canonicalize(self.dir.join(name)).map_err(|e| not_found_or(e, name))?;
        if resolved.parent() != Some(self.dir.as_path()) {
            return Err(GalleryError::NotFound(name.to_owned()));
        }
        let meta = fs::metadata(&resolved).map_err(|e| not_found_or(e, name))?;
        if !meta.is_file() {
            return Err(GalleryError::NotFound(name.to_owned()));
        }
        Ok(resolved)
    }

    /// The JPEG thumbnail of `name` (a placeholder if the photo does not decode). Blocks: call it
    /// through `async_std::task::spawn_blocking`.
    pub fn thumbnail(&self, name: &str) -> Result<Vec<u8>, GalleryError> {
        let path = self.file(name)?;
        let meta = fs::metadata(&path).map_err(|e| not_found_or(e, name))?;
        Ok(self.thumbs.get_or_make(name, &path, &meta))
    }

    /// The (canonical) photo folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Number of photos indexed.
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

fn info(idx: &Index, pos: usize, e: &Entry, dims: Option<(u32, u32)>) -> PhotoInfo {
    let modified_unix = match e.modified.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        Err(before) => -i64::try_from(before.duration().as_secs()).unwrap_or(i64::MAX),
    };
    let local: chrono::DateTime<chrono::Local> = e.modified.into();
    PhotoInfo {
        name: e.name.clone(),
        url: urls::photo_file(&e.name),
        page_url: urls::photo_page(&e.name),
        thumb_url: urls::thumbnail(&e.name),
        delete_url: urls::delete_photo(&e.name),
        bytes: e.bytes,
        modified: local.format("%Y-%m-%d %H:%M:%S").to_string(),
        modified_unix,
        width: dims.map(|d| d.0),
        height: dims.map(|d| d.1),
        prev: pos
            .checked_sub(1)
            .and_then(|p| idx.get(p))
            .map(|n| n.name.clone()),
        next: idx.get(pos + 1).map(|n| n.name.clone()),
    }
}

/// A missing file is the client's "not found"; anything else is a real I/O fault.
fn not_found_or(e: io::Error, name: &str) -> GalleryError {
    if e.kind() == io::ErrorKind::NotFound {
        GalleryError::NotFound(name.to_owned())
    } else {
        GalleryError::Io(e)
    }
}
