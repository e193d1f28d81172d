//! What each page template receives: typed data of every page kind, so a renamed field fails to
//! compile instead of rendering blank. The JSON these make is the theme's interface, documented
//! in docs/THEMES.md (a test below pins its fields); [`sample`] builds one of each from the same
//! types so a theme can be test-rendered before it replaces the running one. Every URL comes from
//! [`crate::urls`].

use serde::Serialize;
use serde_json::Value;

use super::pages::{NavItem, Page};
use super::search::SearchData;
use crate::gallery::{GalleryPage, PhotoInfo};
use crate::urls;

/// What the viewer asked of the live picture: `/live?scale=P&quality=Q`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LiveView {
    pub scale: Option<u32>,
    pub quality: Option<u32>,
}

impl LiveView {
    /// The query of this view: `scale=P&quality=Q`, parts left out when not asked; empty for
    /// the camera's own picture.
    fn query(&self) -> String {
        let mut q = Vec::new();
        if let Some(s) = self.scale.filter(|s| *s != 100) {
            q.push(format!("scale={}", s.clamp(10, 200)));
        }
        if let Some(v) = self.quality {
            q.push(format!("quality={}", v.clamp(1, 100)));
        }
        q.join("&")
    }

    /// The `<img>` source for this view: `/stream`, or `/stream?scale=P&quality=Q`.
    pub fn stream_src(&self) -> String {
        urls::stream(&self.query())
    }

    /// `/live` with this view's query.
    pub fn live_url(&self) -> String {
        urls::live(&self.query())
    }

    pub(crate) fn data(&self, default_quality: u8) -> LiveData {
        let scale = self.scale.unwrap_or(100).clamp(10, 200);
        let quality = self.quality.unwrap_or(default_quality as u32).clamp(1, 100);
        // The same steps as the original's buttons, as links for pages without JavaScript.
        let link = |s: u32, q: u32| {
            LiveView {
                scale: Some(s),
                quality: (q != default_quality as u32).then_some(q),
            }
            .live_url()
        };
        let scaled =
            |f: f64, lo: u32, hi: u32, v: u32| ((v as f64 * f).round() as u32).clamp(lo, hi);
        LiveData {
            shrink_url: link(scaled(0.8, 10, 200, scale), quality),
            enlarge_url: link(scaled(1.2, 10, 200, scale), quality),
            lower_url: link(scale, scaled(0.8, 5, 100, quality)),
            raise_url: link(scale, scaled(2.0, 5, 100, quality)),
            reset_url: urls::live(""),
            stream_src: self.stream_src(),
            scale,
            quality,
            default_quality,
            state_url: urls::api_state(),
            photo_action: urls::take_photo(),
            snapshot_url: urls::snapshot(),
        }
    }
}

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

/// `live`: the stream and the controls of the live picture.
#[derive(Serialize)]
pub(crate) struct LiveData {
    pub(crate) shrink_url: String,
    pub(crate) enlarge_url: String,
    pub(crate) lower_url: String,
    pub(crate) raise_url: String,
    pub(crate) reset_url: String,
    pub(crate) stream_src: String,
    pub(crate) scale: u32,
    pub(crate) quality: u32,
    pub(crate) default_quality: u8,
    pub(crate) state_url: String,
    pub(crate) photo_action: String,
    pub(crate) snapshot_url: String,
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

/// Photos for sample renders: one of everything.
pub(crate) fn sample_photos() -> Vec<PhotoInfo> {
    vec![crate::gallery::info::sample().1]
}

/// Sample data of page kind `name`, with one of everything, for test renders: the same types
/// real pages are rendered from.
pub fn sample(name: &str) -> Value {
    let (gallery, photo): (GalleryPage, PhotoInfo) = crate::gallery::info::sample();
    let page = Page::sample();
    let content = || ContentData {
        page: &page,
        html: page.html.clone(),
        toc: TocEntry::of(&page),
        prev: Some(NavItem {
            title: "Before".into(),
            url: urls::page("before"),
        }),
        next: None,
    };
    let problems = ["sample problem".to_string()];
    let live = || LiveView::default().data(80);
    let kind = match name {
        "home" => KindData::Home {
            content: Some(content()),
            live: live(),
        },
        "live" => KindData::Live { live: live() },
        "page" => KindData::Page { content: content() },
        "search" => KindData::Search {
            search: SearchData::sample(),
        },
        "gallery" => KindData::Gallery {
            gallery: GalleryData::of(&gallery),
        },
        "photo" => KindData::Photo {
            photo: PhotoData::of(&photo),
        },
        _ => KindData::Error {
            error: ErrorData {
                status: 404,
                title: "Not found",
                message: "sample",
            },
        },
    };
    let data = TemplateData {
        site: SiteData {
            title: "pistream",
            nav: vec![NavLink {
                title: "Home".into(),
                url: urls::home(),
                active: true,
            }],
            problems: &problems,
            version: "0",
        },
        page: PageData {
            kind: name,
            title: "Sample".into(),
            url: urls::home(),
            reload: "theme".into(),
            events_since: 0,
        },
        kind,
    };
    serde_json::to_value(&data).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(v: &Value) -> Vec<String> {
        let mut k: Vec<String> = v.as_object().expect("an object").keys().cloned().collect();
        k.sort();
        k
    }

    fn sorted(names: &str) -> Vec<String> {
        let mut k: Vec<String> = names.split_whitespace().map(str::to_string).collect();
        k.sort();
        k
    }

    /// The fields docs/THEMES.md promises, kind by kind.
    #[test]
    fn template_data_has_the_documented_fields() {
        let photo = "name file_name album album_url url download_url page_url thumb_url \
                     medium_url srcset sizes delete_url bytes modified modified_unix width \
                     height prev next";
        let content = "source slug url title date weight draft description extra html has_h1 \
                       toc prev next";
        let live = "stream_src scale quality default_quality state_url photo_action snapshot_url \
                    shrink_url enlarge_url lower_url raise_url reset_url";
        for kind in [
            "home", "live", "page", "gallery", "photo", "search", "error",
        ] {
            let data = sample(kind);
            assert_eq!(keys(&data["site"]), sorted("title nav problems version"));
            assert_eq!(
                keys(&data["page"]),
                sorted("kind title url reload events_since")
            );
            assert_eq!(data["page"]["kind"], kind);
            assert_eq!(keys(&data["site"]["nav"][0]), sorted("title url active"));
            let own = match kind {
                "home" => "site page content live",
                "live" => "site page live",
                "page" => "site page content",
                "gallery" => "site page gallery",
                "photo" => "site page photo",
                "search" => "site page search",
                _ => "site page error",
            };
            assert_eq!(keys(&data), sorted(own), "{kind}");
        }
        assert_eq!(keys(&sample("home")["content"]), sorted(content));
        assert_eq!(keys(&sample("page")["content"]), sorted(content));
        assert_eq!(
            keys(&sample("page")["content"]["toc"][0]),
            sorted("level text href")
        );
        assert_eq!(
            keys(&sample("page")["content"]["prev"]),
            sorted("title url")
        );
        assert_eq!(
            keys(&sample("search")["search"]),
            sorted("query results total shown more")
        );
        assert_eq!(
            keys(&sample("search")["search"]["results"][0]),
            sorted("kind title_html url snippet_html thumb_url title")
        );
        assert_eq!(keys(&sample("live")["live"]), sorted(live));
        assert_eq!(
            keys(&sample("gallery")["gallery"]),
            sorted(
                "album title url crumbs albums photos page pages total count zip_url \
                 delete_selected_url zip_selected_url prev_url next_url timelapse_day"
            )
        );
        assert_eq!(
            keys(&sample("gallery")["gallery"]["photos"][0]),
            sorted(photo)
        );
        assert_eq!(
            keys(&sample("photo")["photo"]),
            sorted(&format!("{photo} prev_url next_url"))
        );
        assert_eq!(
            keys(&sample("gallery")["gallery"]["albums"][0]),
            sorted("path title url count albums cover_url zip_url")
        );
        assert_eq!(
            keys(&sample("error")["error"]),
            sorted("status title message")
        );
    }

    #[test]
    fn neighbours_link_to_their_pages() {
        let p = sample("photo");
        assert_eq!(p["photo"]["prev_url"], "/photos/a.jpg");
        assert_eq!(p["photo"]["next_url"], "/photos/b.jpg");
        let g = sample("gallery");
        assert_eq!(g["gallery"]["prev_url"], "/photos?page=1");
        assert_eq!(g["gallery"]["next_url"], "/photos?page=3");
        assert_eq!(g["gallery"]["albums"][0]["url"], "/albums/timelapse");
    }
}
