//! From a photo or album name to the file or folder it is, checked: a valid path, an image by
//! extension, a regular file directly in its album's folder, which itself is exactly where the path
//! says (no symlink on the way out of the photo folder). Separate because every route that reads a
//! photo's bytes (the photo, thumbnails, ZIPs) passes through here, and nothing else decides it.

use std::fs;
use std::io;
use std::path::PathBuf;

use super::{names, Gallery, GalleryError, MAX_SELECTION};

impl Gallery {
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
    pub(super) fn album_dir(&self, album: &str) -> Result<PathBuf, GalleryError> {
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
}

/// A missing file is the client's "not found"; anything else is a real I/O fault.
pub(super) fn not_found_or(e: io::Error, name: &str) -> GalleryError {
    if e.kind() == io::ErrorKind::NotFound {
        GalleryError::NotFound(name.to_owned())
    } else {
        GalleryError::Io(e)
    }
}
