//! What the site asks of the photo gallery: the newest photos of an album (for `photos` embeds)
//! and every photo (for search). A trait, so the site's own tests and renders without a gallery
//! can give something else, and so the gallery's API is used in this one place.

use crate::gallery::{Gallery, GalleryError, PhotoInfo, MAX_PER_PAGE};

/// A source of photos.
pub trait PhotoSource {
    /// The newest `count` photos of `album` (`""`: the top level of the photo folder). An album
    /// that does not exist (yet: a timelapse day before its first photo) has none; an error is a
    /// message to show in the page.
    fn latest(&self, album: &str, count: usize) -> Result<Vec<PhotoInfo>, String>;

    /// Every photo, albums included, newest first.
    fn all(&self) -> Vec<PhotoInfo>;
}

impl PhotoSource for Gallery {
    fn latest(&self, album: &str, count: usize) -> Result<Vec<PhotoInfo>, String> {
        match Gallery::latest(self, album, count) {
            Ok(photos) => Ok(photos),
            Err(GalleryError::NotFound(_)) => Ok(Vec::new()),
            Err(e) => Err(e.to_string()),
        }
    }

    fn all(&self) -> Vec<PhotoInfo> {
        let mut all = Vec::new();
        // Album by album, through the gallery's own pages (in memory: no file is read).
        let mut albums = vec![String::new()];
        while let Some(album) = albums.pop() {
            let Ok(first) = self.album(&album, 1, MAX_PER_PAGE) else {
                continue;
            };
            albums.extend(first.albums.iter().map(|a| a.path.clone()));
            all.extend(first.photos);
            for n in 2..=first.pages {
                if let Ok(page) = self.album(&album, n, MAX_PER_PAGE) {
                    all.extend(page.photos);
                }
            }
        }
        all.sort_by_key(|p| std::cmp::Reverse(p.modified_unix));
        all
    }
}

/// No photos at all.
pub struct NoPhotos;

impl PhotoSource for NoPhotos {
    fn latest(&self, _: &str, _: usize) -> Result<Vec<PhotoInfo>, String> {
        Ok(Vec::new())
    }

    fn all(&self) -> Vec<PhotoInfo> {
        Vec::new()
    }
}
