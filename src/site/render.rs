//! What each page template receives: typed data of every page kind, built from the current `Site`
//! and handed to the theme — a renamed field fails to compile instead of rendering blank.
//! docs/THEMES.md documents these shapes; [`sample`] builds one of each so a theme can be
//! test-rendered before it replaces the running one. Every URL comes from [`crate::urls`].

use serde::Serialize;
use serde_json::Value;

use super::pages::{event_name, Page};
use super::{SiteError, SiteView};
use crate::gallery::{GalleryPage, PhotoInfo};
use crate::urls;

/// Photos per gallery page.
pub const PER_PAGE: usize = 24;

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

    fn data(&self, default_quality: u8) -> LiveData {
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
struct TemplateData<'a> {
    site: SiteData<'a>,
    page: PageData<'a>,
    #[serde(flatten)]
    kind: KindData<'a>,
}

/// `site`: what every page shows.
#[derive(Serialize)]
struct SiteData<'a> {
    title: &'a str,
    nav: Vec<NavLink>,
    problems: &'a [String],
    version: &'static str,
}

#[derive(Serialize)]
struct NavLink {
    title: String,
    url: String,
    /// This entry is the page shown, or a section it is in.
    active: bool,
}

/// `page`: which page this is.
#[derive(Serialize)]
struct PageData<'a> {
    kind: &'a str,
    title: String,
    url: String,
    /// The SSE event names (space separated) that make this page reload itself.
    reload: String,
    /// Events up to this number are reflected in the page: `/events?since=N` resumes there.
    events_since: u64,
}

/// The data of each page kind, under its own key.
#[derive(Serialize)]
#[serde(untagged)]
enum KindData<'a> {
    Home {
        /// `null` when there is no `content/index.md`.
        content: Option<&'a Page>,
        live: LiveData,
    },
    Live {
        live: LiveData,
    },
    Page {
        content: &'a Page,
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

/// `live`: the stream and the controls of the live picture.
#[derive(Serialize)]
struct LiveData {
    shrink_url: String,
    enlarge_url: String,
    lower_url: String,
    raise_url: String,
    reset_url: String,
    stream_src: String,
    scale: u32,
    quality: u32,
    default_quality: u8,
    state_url: String,
    photo_action: String,
    snapshot_url: String,
}

/// `gallery`: the gallery's page (`photos`, `page`, `pages`, `total`) and links to its neighbours.
#[derive(Serialize)]
struct GalleryData<'a> {
    #[serde(flatten)]
    page: &'a GalleryPage,
    prev_url: Option<String>,
    next_url: Option<String>,
}

impl<'a> GalleryData<'a> {
    fn of(page: &'a GalleryPage) -> GalleryData<'a> {
        GalleryData {
            prev_url: (page.page > 1).then(|| urls::gallery_page(page.page - 1)),
            next_url: (page.page < page.pages).then(|| urls::gallery_page(page.page + 1)),
            page,
        }
    }
}

/// `photo`: the gallery's photo (`name`, `url`, `bytes`, `modified`, `prev`, ...) and the pages
/// of its neighbours.
#[derive(Serialize)]
struct PhotoData<'a> {
    #[serde(flatten)]
    photo: &'a PhotoInfo,
    prev_url: Option<String>,
    next_url: Option<String>,
}

impl<'a> PhotoData<'a> {
    fn of(photo: &'a PhotoInfo) -> PhotoData<'a> {
        PhotoData {
            prev_url: photo.prev.as_deref().map(urls::photo_page),
            next_url: photo.next.as_deref().map(urls::photo_page),
            photo,
        }
    }
}

/// `error`: status, its short title and the message.
#[derive(Serialize)]
struct ErrorData<'a> {
    status: u16,
    title: &'a str,
    message: &'a str,
}

impl SiteView {
    /// The data every template gets: `site` (title, nav, problems) and `page` (kind, title, url,
    /// reload = the SSE event names that make this page reload itself), with the page kind's own.
    fn data<'a>(
        &'a self,
        kind: &'static str,
        title: &str,
        url: String,
        reload: &[String],
        data: KindData<'a>,
    ) -> TemplateData<'a> {
        // `/photos?page=2` is in the Photos section as much as `/photos` is.
        let path = url.split('?').next().unwrap_or_default();
        let nav = self
            .nav()
            .into_iter()
            .map(|(title, u)| {
                let active = u == path || (u != urls::home() && path.starts_with(&format!("{u}/")));
                NavLink {
                    title,
                    url: u,
                    active,
                }
            })
            .collect();
        TemplateData {
            site: SiteData {
                title: &self.title,
                nav,
                problems: &self.problems,
                version: env!("CARGO_PKG_VERSION"),
            },
            page: PageData {
                kind,
                title: title.to_string(),
                url,
                reload: reload.join(" "),
                events_since: self.since,
            },
            kind: data,
        }
    }

    fn nav(&self) -> Vec<(String, String)> {
        let mut nav = vec![
            ("Home".to_string(), urls::home()),
            ("Live".to_string(), urls::live("")),
            ("Photos".to_string(), urls::gallery()),
        ];
        nav.extend(
            self.pages
                .nav
                .iter()
                .map(|n| (n.title.clone(), n.url.clone())),
        );
        nav
    }

    fn finish(&self, data: &TemplateData) -> Result<String, SiteError> {
        let value = serde_json::to_value(data).map_err(|e| SiteError::Data(e.to_string()))?;
        self.theme.render(data.page.kind, value)
    }

    /// `/`: the home text (`content/index.md`) and the live picture.
    pub fn render_home(&self, view: &LiveView) -> Result<String, SiteError> {
        let home = self.pages.home().map(|p| p.as_ref());
        let title = home.map(|p| p.title.as_str()).unwrap_or(&self.title);
        let reload = ["theme".into(), "site".into(), event_name("")];
        let live = view.data(self.default_quality);
        let kind = KindData::Home {
            content: home,
            live,
        };
        self.finish(&self.data("home", title, urls::home(), &reload, kind))
    }

    /// `/live`: the stream with its controls.
    pub fn render_live(&self, view: &LiveView) -> Result<String, SiteError> {
        let live = view.data(self.default_quality);
        let data = self.data(
            "live",
            "Live",
            urls::live(""),
            &["theme".into()],
            KindData::Live { live },
        );
        self.finish(&data)
    }

    /// `/pages/<slug>`: `None` when there is no such published page.
    pub fn render_page(&self, slug: &str) -> Option<Result<String, SiteError>> {
        let page: &Page = self.pages.get(slug)?;
        let reload = ["theme".into(), "site".into(), event_name(slug)];
        let kind = KindData::Page { content: page };
        let data = self.data("page", &page.title, page.url.clone(), &reload, kind);
        Some(self.finish(&data))
    }

    /// `/photos?page=N` from the gallery's page.
    pub fn render_gallery(&self, gallery: &GalleryPage) -> Result<String, SiteError> {
        let data = self.data(
            "gallery",
            "Photos",
            // The first page is plain `/photos`, as the nav links it.
            if gallery.page > 1 {
                urls::gallery_page(gallery.page)
            } else {
                urls::gallery()
            },
            &["theme".into(), "gallery".into()],
            KindData::Gallery {
                gallery: GalleryData::of(gallery),
            },
        );
        self.finish(&data)
    }

    /// `/photos/<name>` from the gallery's photo.
    pub fn render_photo(&self, photo: &PhotoInfo) -> Result<String, SiteError> {
        let data = self.data(
            "photo",
            &photo.name,
            urls::photo_page(&photo.name),
            &["theme".into(), "gallery".into()],
            KindData::Photo {
                photo: PhotoData::of(photo),
            },
        );
        self.finish(&data)
    }

    /// A themed error page. Never fails: if the theme cannot render it, a plain page is returned.
    pub fn render_error(&self, status: u16, message: &str) -> String {
        let title = reason(status);
        let kind = KindData::Error {
            error: ErrorData {
                status,
                title,
                message,
            },
        };
        let data = self.data("error", title, String::new(), &["theme".into()], kind);
        self.finish(&data).unwrap_or_else(|e| {
            plain_error_page(
                status,
                &format!("{message}\n\nThe theme's error page failed too: {e}"),
            )
        })
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        400 => "Bad request",
        403 => "Forbidden",
        404 => "Not found",
        405 => "Method not allowed",
        413 => "Too large",
        503 => "Unavailable",
        s if s >= 500 => "Server error",
        _ => "Error",
    }
}

/// A self-contained error page that needs no theme (used when the theme itself is what failed).
pub fn plain_error_page(status: u16, message: &str) -> String {
    let esc = handlebars::html_escape(message);
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>{status} {title}</title></head>\
         <body style=\"font-family:sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem\"><h1>{status} {title}</h1>\
         <pre style=\"white-space:pre-wrap;background:#fee;border:1px solid #c66;padding:1rem\">{esc}</pre>\
         <p><a href=\"/\">Home</a></p></body></html>",
        title = reason(status)
    )
}

/// Sample data of page kind `name`, with one of everything, for test renders: the same types
/// real pages are rendered from.
pub fn sample(name: &str) -> Value {
    let photo_name = "20240101-120000-000.jpg";
    let photo = PhotoInfo {
        name: photo_name.into(),
        url: urls::photo_file(photo_name),
        page_url: urls::photo_page(photo_name),
        thumb_url: urls::thumbnail(photo_name),
        delete_url: urls::delete_photo(photo_name),
        bytes: 51234,
        modified: "2024-01-01 12:00:00".into(),
        modified_unix: 1704110400,
        width: Some(640),
        height: Some(480),
        prev: Some("a.jpg".into()),
        next: Some("b.jpg".into()),
    };
    let gallery = GalleryPage {
        photos: vec![photo.clone()],
        page: 2,
        pages: 3,
        total: 50,
    };
    let content = Page::sample();
    let problems = ["sample problem".to_string()];
    let live = || LiveView::default().data(80);
    let kind = match name {
        "home" => KindData::Home {
            content: Some(&content),
            live: live(),
        },
        "live" => KindData::Live { live: live() },
        "page" => KindData::Page { content: &content },
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
        let photo = "name url page_url thumb_url delete_url bytes modified modified_unix width \
                     height prev next";
        let content = "source slug url title date weight draft description extra html has_h1";
        let live = "stream_src scale quality default_quality state_url photo_action snapshot_url \
                    shrink_url enlarge_url lower_url raise_url reset_url";
        for kind in ["home", "live", "page", "gallery", "photo", "error"] {
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
                _ => "site page error",
            };
            assert_eq!(keys(&data), sorted(own), "{kind}");
        }
        assert_eq!(keys(&sample("home")["content"]), sorted(content));
        assert_eq!(keys(&sample("live")["live"]), sorted(live));
        assert_eq!(
            keys(&sample("gallery")["gallery"]),
            sorted("photos page pages total prev_url next_url")
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
    }
}
