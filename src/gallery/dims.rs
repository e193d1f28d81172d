//! Photos' pixel sizes, read from their file headers (no pixel decode), turned upright per EXIF,
//! and cached by name for one (mtime, size) of the file. Separate from the index because sizes are
//! read lazily, only for photos a page shows, while the index is built from directory listings.

use std::collections::HashMap;
use std::path::Path;
use std::time::SystemTime;

use image::{ImageDecoder, ImageReader};

use super::index::Entry;
use super::Gallery;

/// Pixel sizes by name, each valid for one (mtime, size) of its file.
pub(super) type DimsCache = HashMap<String, (SystemTime, u64, Option<(u32, u32)>)>;

impl Gallery {
    pub(super) fn cached_dims(&self, e: &Entry) -> Option<(u32, u32)> {
        match self.dims.lock().get(&e.name) {
            Some((t, n, dims)) if *t == e.modified && *n == e.bytes => *dims,
            _ => None,
        }
    }

    /// Reads the pixel size from the file's header (no pixel decode), upright per EXIF, and caches it.
    pub(super) fn read_dims(&self, e: &Entry) -> Option<(u32, u32)> {
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
