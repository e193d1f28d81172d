//! What each page template receives: typed data of every page kind, so a renamed field fails to
//! compile instead of rendering blank. The JSON these make is the theme's interface, documented
//! in docs/THEMES.md (a test below pins its fields); [`sample`] builds one of each from the same
//! types so a theme can be test-rendered before it replaces the running one. Every URL comes from
//! [`crate::urls`].
//!
//! This module holds the template data's shape; `live.rs` is the live picture's view and controls
//! (also used by the live page's links) and `sample.rs` the sample data and the test pinning it.

mod live;
mod sample;

use serde::Serialize;

use super::pages::{NavItem, Page};
use super::search::SearchData;
use crate::gallery::{GalleryPage, PhotoInfo};
use crate::urls;

pub(crate) use live::LiveData;
pub use live::LiveView;
pub use sample::sample;
pub(crate) use sample::sample_photos;

/// Everything a page template sees: `site`, `page` and the data of its kind (the layout gets
/// `body` too, added by [`super::Theme::render`]).
#[derive(Serialize)]
pub(crate) struct TemplateData<'a> {
    pub(crate) site: SiteData<'a>,
    pub(crate) page: PageData<'a>,
    #[serde(flatten)]
    pub(crate) kind: KindData<'a>,
}

/// `site`: what every page shows.
#[derive(Serialize)]
pub(crate) struct SiteData<'a> {
    pub(crate) title: &'a str,
    pub(crate) nav: Vec<NavLink>,
    pub(crate) problems: &'a [String],
    pub(crate) version: &'static str,
}

#[derive(Serialize)]
pub(crate) struct NavLink {
    pub(crate) title: String,
    pub(crate) url: String,
    /// This entry is the page shown, or a section it is in.
    pub(crate) active: bool,
}

/// `page`: which page this is.
#[derive(Serialize)]
pub(crate) struct PageData<'a> {
    pub(crate) kind: &'a str,
    pub(crate) title: String,
    pub(crate) url: String,
    /// The SSE event names (space separated) that make this page reload itself.
    pub(crate) reload: String,
    /// Events up to this number are reflected in the page: `/events?since=N` resumes there.
    pub(crate) events_since: u64,
}

/// The data of each page kind, under its own key.
#[derive(Serialize)]
#[serde(untagged)]
pub(crate) enum KindData<'a> {
    Home {
        /// `null` when there is no `content/index.md`.
        content: Option<ContentData<'a>>,
        live: LiveData,
    },
    Live {
        live: LiveData,
    },
    Page {
        content: ContentData<'a>,
    },
    Search {
        search: SearchData,
    },
    Gallery {
        gallery: GalleryData<'a>,
    },
    Photo {
        photo: PhotoData<'a>,
    },
    Error {
        error: ErrorData<'a>,
    },
}

/// `content`: a markdown page, its body with the embeds rendered, its table of contents and its
/// neighbours in nav order.
#[derive(Serialize)]
pub(crate) struct ContentData<'a> {
    #[serde(flatten)]
    pub(crate) page: &'a Page,
    /// The body, embeds rendered by their partials.
    pub(crate) html: String,
    /// The table of contents when the page asks for one (`toc = true`), else empty.
    pub(crate) toc: Vec<TocEntry>,
    /// The page before and after this one in the nav (`null` at either end, and for the home text).
    pub(crate) prev: Option<NavItem>,
    pub(crate) next: Option<NavItem>,
}

/// One line of a table of contents.
#[derive(Serialize)]
pub(crate) struct TocEntry {
    /// The heading's level, 1 to 4.
    pub(crate) level: u8,
    pub(crate) text: String,
    /// `#id`, percent-encoded.
    pub(crate) href: String,
}

impl TocEntry {
    /// The table of contents of `page`: its headings of level 4 and above but the title (the
    /// first heading, when it is a level 1), or nothing when the page did not ask for one.
    pub(crate) fn of(page: &Page) -> Vec<TocEntry> {
        if !page.toc {
            return Vec::new();
        }
        let skip = page.headings.first().is_some_and(|h| h.level == 1);
        page.headings
            .iter()
            .skip(usize::from(skip))
            .filter(|h| h.level <= 4)
            .map(|h| TocEntry {
                level: h.level,
                text: h.text.clone(),
                href: format!("#{}", urls::encode_segment(&h.id)),
            })
            .collect()
    }
}

/// `gallery`: the gallery's page (`photos`, `page`, `pages`, `total`) and links to its neighbours.
#[derive(Serialize)]
pub(crate) struct GalleryData<'a> {
    #[serde(flatten)]
    pub(crate) page: &'a GalleryPage,
    pub(crate) prev_url: Option<String>,
    pub(crate) next_url: Option<String>,
    /// `YYYY-MM-DD` when the album is a timelapse day (`timelapse/YYYY-MM-DD`): the theme offers
    /// to make its video there. Null for every other album.
    pub(crate) timelapse_day: Option<&'a str>,
}

impl<'a> GalleryData<'a> {
    pub(crate) fn of(page: &'a GalleryPage) -> GalleryData<'a> {
        GalleryData {
            timelapse_day: crate::timelapse::day_of_album(&page.album),
            prev_url: (page.page > 1).then(|| urls::album_page(&page.album, page.page - 1)),
            next_url: (page.page < page.pages)
                .then(|| urls::album_page(&page.album, page.page + 1)),
            page,
        }
    }
}

/// `photo`: the gallery's photo (`name`, `url`, `bytes`, `modified`, `prev`, ...) and the pages
/// of its neighbours.
#[derive(Serialize)]
pub(crate) struct PhotoData<'a> {
    #[serde(flatten)]
    pub(crate) photo: &'a PhotoInfo,
    pub(crate) prev_url: Option<String>,
    pub(crate) next_url: Option<String>,
}

impl<'a> PhotoData<'a> {
    pub(crate) fn of(photo: &'a PhotoInfo) -> PhotoData<'a> {
        PhotoData {
            prev_url: photo.prev.as_deref().map(urls::photo_page),
            next_url: photo.next.as_deref().map(urls::photo_page),
            photo,
        }
    }
}

/// `error`: status, its short title and the message.
#[derive(Serialize)]
pub(crate) struct ErrorData<'a> {
    pub(crate) status: u16,
    pub(crate) title: &'a str,
    pub(crate) message: &'a str,
}
