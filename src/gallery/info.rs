//! What pages show of the gallery: a photo ([`PhotoInfo`]), a page of an album ([`GalleryPage`])
//! and an album card ([`AlbumInfo`]), built from the index with every URL from [`crate::urls`].
//! These serialise as the theme's `photo` and `gallery` data (docs/THEMES.md).

use std::time::UNIX_EPOCH;

use serde::{Deserialize, Serialize};

use super::index::{page_count, Album, Entry, Index};
use super::{names, thumbs};
use crate::urls;

/// One photo, as pages show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhotoInfo {
    /// Its path in the photo folder: `photo.jpg`, or `album/sub/photo.jpg` in an album.
    pub name: String,
    /// The file name alone (`photo.jpg`), for captions.
    pub file_name: String,
    /// The album it is in (`""`: the top level).
    pub album: String,
    /// The page of its album that shows it (`/albums/A?page=N`, `/photos?page=N`).
    pub album_url: String,
    /// The file: `/pic/ENC`.
    pub url: String,
    /// The file as a download (`Content-Disposition: attachment`): `/pic/ENC?download=1`.
    pub download_url: String,
    /// Its HTML page (the viewer): `/photos/ENC`.
    pub page_url: String,
    /// Its thumbnail (320 px wide): `/thumbs/ENC`.
    pub thumb_url: String,
    /// It at screen size (at most 1280 px on the long side, cached): `/medium/ENC`.
    pub medium_url: String,
    /// `srcset` for an `<img>` of it: the thumbnail, medium and (when larger) original with their
    /// pixel widths; empty while its size is unknown.
    pub srcset: String,
    /// `sizes` for that `<img>` in the viewer (the picture fits 100vw by 85vh).
    pub sizes: String,
    /// Where to POST to delete it: `/photos/ENC/delete`.
    pub delete_url: String,
    pub bytes: u64,
    /// Local time, `YYYY-MM-DD HH:MM:SS`.
    pub modified: String,
    pub modified_unix: i64,
    /// Upright pixel size; filled by [`super::Gallery::photo`] (and on pages once known), else `None`.
    pub width: Option<u32>,
    pub height: Option<u32>,
    /// The newer neighbour in its album (newest-first order), if any.
    pub prev: Option<String>,
    /// The older neighbour in its album, if any.
    pub next: Option<String>,
}

/// One album as a card in its parent's page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlbumInfo {
    /// Its path (`timelapse/2024-05-01`).
    pub path: String,
    /// Its folder name (`2024-05-01`).
    pub title: String,
    pub url: String,
    /// Photos in it, its sub-albums' included.
    pub count: usize,
    /// How many albums it holds.
    pub albums: usize,
    /// The thumbnail of its newest photo, if it has one.
    pub cover_url: Option<String>,
    /// The whole album as a ZIP.
    pub zip_url: String,
}

/// A link in the trail from the gallery down to an album.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Crumb {
    pub title: String,
    pub url: String,
}

/// One page of an album (the top level is the album `""`), newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GalleryPage {
    /// The album's path (`""`: the top level, `/photos`).
    pub album: String,
    /// Its folder name; `Photos` for the top level.
    pub title: String,
    /// This album's first page.
    pub url: String,
    /// The trail from the gallery down to (not including) this album.
    pub crumbs: Vec<Crumb>,
    /// Its sub-albums, newest photo first (on its first page only).
    pub albums: Vec<AlbumInfo>,
    /// This page's photos (those directly in the album).
    pub photos: Vec<PhotoInfo>,
    /// 1-based page number, as asked (0 is read as 1).
    pub page: usize,
    /// Number of pages (at least 1).
    pub pages: usize,
    /// Photos directly in the album (what the pages go through).
    pub total: usize,
    /// Photos in the album, its sub-albums' included.
    pub count: usize,
    /// The whole album as a ZIP.
    pub zip_url: String,
    /// Where the selection form POSTs (`name=` per photo) to delete the selected photos.
    pub delete_selected_url: String,
    /// Where the selection form POSTs to download the selected photos as one ZIP.
    pub zip_selected_url: String,
}

/// The page `page` of `per_page` of `album`; `dims` gives the sizes known without reading a file.
pub fn page(
    idx: &Index,
    album: &Album,
    page: usize,
    per_page: usize,
    dims: impl Fn(&Entry) -> Option<(u32, u32)>,
) -> GalleryPage {
    let page = page.max(1);
    let start = (page - 1).saturating_mul(per_page);
    let photos = album
        .slice(start, per_page)
        .iter()
        .enumerate()
        .map(|(i, e)| photo(album, start + i, e, dims(e), per_page))
        .collect();
    let albums = if page == 1 {
        album
            .children
            .iter()
            .filter_map(|p| idx.album(p))
            .map(card)
            .collect()
    } else {
        Vec::new()
    };
    let mut crumbs = Vec::new();
    if !album.path.is_empty() {
        crumbs.push(Crumb {
            title: "Photos".into(),
            url: urls::gallery(),
        });
        let mut at = String::new();
        let parent = names::split(&album.path).0;
        for seg in parent.split('/').filter(|s| !s.is_empty()) {
            at = names::join(&at, seg);
            crumbs.push(Crumb {
                title: seg.into(),
                url: urls::album(&at),
            });
        }
    }
    GalleryPage {
        title: title_of(&album.path),
        url: urls::album(&album.path),
        crumbs,
        albums,
        photos,
        page,
        pages: page_count(album.len(), per_page),
        total: album.len(),
        count: album.total,
        zip_url: urls::album_zip(&album.path),
        delete_selected_url: urls::delete_selected(),
        zip_selected_url: urls::zip_selected(),
        album: album.path.clone(),
    }
}

fn title_of(path: &str) -> String {
    if path.is_empty() {
        "Photos".into()
    } else {
        names::split(path).1.into()
    }
}

fn card(a: &Album) -> AlbumInfo {
    AlbumInfo {
        title: title_of(&a.path),
        url: urls::album(&a.path),
        count: a.total,
        albums: a.children.len(),
        cover_url: a.cover.as_ref().map(|c| urls::thumbnail(&c.name)),
        zip_url: urls::album_zip(&a.path),
        path: a.path.clone(),
    }
}

/// The photo at `pos` of `album`, with its neighbours there.
pub fn photo(
    album: &Album,
    pos: usize,
    e: &Entry,
    dims: Option<(u32, u32)>,
    per_page: usize,
) -> PhotoInfo {
    let modified_unix = match e.modified.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        Err(before) => -i64::try_from(before.duration().as_secs()).unwrap_or(i64::MAX),
    };
    let local: chrono::DateTime<chrono::Local> = e.modified.into();
    let (srcset, sizes) = dims.map_or((String::new(), String::new()), |d| srcset(&e.name, d));
    PhotoInfo {
        file_name: names::split(&e.name).1.into(),
        album: album.path.clone(),
        album_url: urls::album_page(&album.path, pos / per_page.max(1) + 1),
        url: urls::photo_file(&e.name),
        download_url: urls::photo_download(&e.name),
        page_url: urls::photo_page(&e.name),
        thumb_url: urls::thumbnail(&e.name),
        medium_url: urls::medium(&e.name),
        srcset,
        sizes,
        delete_url: urls::delete_photo(&e.name),
        bytes: e.bytes,
        modified: local.format("%Y-%m-%d %H:%M:%S").to_string(),
        modified_unix,
        width: dims.map(|d| d.0),
        height: dims.map(|d| d.1),
        prev: pos
            .checked_sub(1)
            .and_then(|p| album.get(p))
            .map(|n| n.name.clone()),
        next: album.get(pos + 1).map(|n| n.name.clone()),
        name: e.name.clone(),
    }
}

/// `srcset` and `sizes` for a photo of `w`×`h` pixels: the browser picks the smallest that fills
/// the screen's device pixels, so a phone gets the medium rendition, never the original.
fn srcset(name: &str, (w, h): (u32, u32)) -> (String, String) {
    let fit = |bw: u32, bh: u32| {
        let scale = (f64::from(bw) / f64::from(w.max(1)))
            .min(f64::from(bh) / f64::from(h.max(1)))
            .min(1.0);
        ((f64::from(w) * scale).round() as u32).max(1)
    };
    let thumb = fit(thumbs::THUMB.width, thumbs::THUMB.height);
    let medium = fit(thumbs::MEDIUM.width, thumbs::MEDIUM.height);
    let mut set = vec![format!("{} {thumb}w", urls::thumbnail(name))];
    if medium > thumb {
        set.push(format!("{} {medium}w", urls::medium(name)));
    }
    if w > medium {
        set.push(format!("{} {w}w", urls::photo_file(name)));
    }
    // The viewer fits the picture in the width and 85% of the height.
    let vh = (85.0 * f64::from(w) / f64::from(h.max(1))).round() as u32;
    (set.join(", "), format!("min(100vw, {vh}vh)"))
}

/// One page and one photo with every field filled, for test renders of a theme.
pub fn sample() -> (GalleryPage, PhotoInfo) {
    use std::time::Duration;
    let name = "20240101-120000-000.jpg";
    let entry = |n: &str, s: u64| Entry {
        name: n.into(),
        bytes: 51234,
        modified: UNIX_EPOCH + Duration::from_secs(s),
    };
    let idx = Index::from_parts(
        vec![
            entry("b.jpg", 1704110000),
            entry(name, 1704110400),
            entry("a.jpg", 1704110500),
            entry("timelapse/2024-01-01/x.jpg", 1704110600),
        ],
        vec![],
    );
    let root = idx.root();
    let photo = self::photo(root, 1, &entry(name, 1704110400), Some((640, 480)), 1);
    let mut gallery = page(&idx, root, 2, 1, |_| Some((640, 480)));
    gallery.albums = root
        .children
        .iter()
        .filter_map(|p| idx.album(p))
        .map(card)
        .collect();
    (gallery, photo)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn srcset_offers_the_medium_and_the_original_only_when_larger() {
        let (set, sizes) = srcset("a b.jpg", (4000, 3000));
        assert_eq!(
            set,
            "/thumbs/a%20b.jpg 320w, /medium/a%20b.jpg 1280w, /pic/a%20b.jpg 4000w"
        );
        assert_eq!(sizes, "min(100vw, 113vh)");
        let (set, _) = srcset("p.jpg", (3000, 4000));
        assert_eq!(
            set,
            "/thumbs/p.jpg 320w, /medium/p.jpg 960w, /pic/p.jpg 3000w"
        );
        let (set, _) = srcset("s.jpg", (640, 480));
        assert_eq!(set, "/thumbs/s.jpg 320w, /medium/s.jpg 640w");
    }

    #[test]
    fn sample_has_an_album_card_and_crumbless_top() {
        let (g, p) = sample();
        assert_eq!(g.albums.len(), 1);
        assert_eq!(g.albums[0].count, 1);
        assert!(g.crumbs.is_empty());
        assert_eq!(p.prev.as_deref(), Some("a.jpg"));
        assert_eq!(p.album_url, "/photos?page=2");
    }
}
