//! The photo folder (placeholder: being written by the gallery work).
use std::path::Path;

/// The photos in `--pic`.
pub struct Gallery;

impl Gallery {
    pub fn open(_pic_dir: &Path) -> std::io::Result<Gallery> {
        Ok(Gallery)
    }
}
