//! Deleting photos: one or many, every name checked before any file goes, then the index, the
//! cached renditions and the pixel-size cache brought in line. Separate from the rest of
//! [`Gallery`] because it is the one write path besides the photo writer, and the one that must
//! keep the index true to the disk when it fails half-way.

use std::fs;
use std::io;

use super::{Gallery, GalleryError, MAX_SELECTION};

/// What a delete of several photos did.
#[derive(Debug, Default, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Deleted {
    pub deleted: Vec<String>,
    /// Asked for but already gone (someone else deleted them first: what was wanted anyway).
    pub missing: Vec<String>,
}

impl Gallery {
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

    pub(super) fn forget(&self, gone: &[String]) {
        if gone.is_empty() {
            return;
        }
        let rest = self.snapshot().without(gone);
        self.prune_renditions(&rest);
        self.swap(rest);
    }
}
