//! Rendering each page kind: [`SiteView`]'s `render_*` build the typed template data of
//! [`super::data`] from the current `Site` and hand it to the theme; and the error pages.

use super::data::{
    ErrorData, GalleryData, KindData, LiveView, NavLink, PageData, PhotoData, SiteData,
    TemplateData,
};
use super::pages::{event_name, Page};
use super::{SiteError, SiteView};
use crate::gallery::{GalleryPage, PhotoInfo};
use crate::urls;

/// Photos per gallery page (the gallery's own page size).
pub const PER_PAGE: usize = crate::gallery::PER_PAGE;

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
                let active = u == path
                    || (u != urls::home() && path.starts_with(&format!("{u}/")))
                    // Albums are in the Photos section too.
                    || (u == urls::gallery() && path.starts_with(&urls::at("/albums/")));
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
    /// A page that never built is `Some(Err(SiteError::BrokenPage))` with its reason.
    pub fn render_page(&self, slug: &str) -> Option<Result<String, SiteError>> {
        if let Some(why) = self.pages.why_broken(slug) {
            return Some(Err(SiteError::BrokenPage(why.to_string())));
        }
        let page: &Page = self.pages.get(slug)?;
        let reload = ["theme".into(), "site".into(), event_name(slug)];
        let kind = KindData::Page { content: page };
        let data = self.data("page", &page.title, page.url.clone(), &reload, kind);
        Some(self.finish(&data))
    }

    /// `/photos?page=N` (or an album's `/albums/PATH?page=N`) from the gallery's page.
    pub fn render_gallery(&self, gallery: &GalleryPage) -> Result<String, SiteError> {
        let data = self.data(
            "gallery",
            &gallery.title,
            // The first page is plain `/photos`, as the nav links it.
            if gallery.page > 1 {
                urls::album_page(&gallery.album, gallery.page)
            } else {
                urls::album(&gallery.album)
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
            &photo.file_name,
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
