//! What can go wrong when the web asks the gallery for a photo. The web edge maps each kind to a
//! status (bad name → 400, not found → 404, too many → 413, I/O → 500), so the kinds stay few and meaningful.

use std::io;

/// A gallery failure.
#[derive(Debug, thiserror::Error)]
pub enum GalleryError {
    /// The name is not one plain file name of this folder (traversal, separator, NUL, dotfile, ...).
    #[error("not a valid photo name: {0}")]
    BadName(String),
    /// The name is fine but no such photo is in the folder (or it is not an image, or it is a
    /// symlink leading outside the folder).
    #[error("no such photo: {0}")]
    NotFound(String),
    /// More photos named in one request than [`super::MAX_SELECTION`].
    #[error("{0} photos in one request; at most 10000 please")]
    TooMany(usize),
    /// The disk failed us.
    #[error("photo folder I/O error: {0}")]
    Io(#[from] io::Error),
}

impl GalleryError {
    /// True when the request was at fault (4xx), false for server faults (5xx).
    pub fn is_client_error(&self) -> bool {
        !matches!(self, GalleryError::Io(_))
    }
}
