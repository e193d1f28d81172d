//! Rendering each page kind: [`SiteView`]'s `render_*` build the typed template data of
//! [`super::data`] from the current `Site` and hand it to the theme; and the error pages. A
//! markdown page's embeds are rendered here, per request, by the theme's `embed_*` partials with
//! the gallery's photos of the moment.

use super::data::{
    ContentData, ErrorData, GalleryData, KindData, LiveView, NavLink, PageData, PhotoData,
    SiteData, TemplateData, TocEntry,
};
use super::embed::{pieces, EmbedData, Piece};
use super::pages::{event_name, Page};
use super::photos::PhotoSource;
use super::search::SearchData;
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

    /// `content` of `page`: its body with the embeds (photos from `photos`) and the table of
    /// contents rendered by their partials, and its neighbours in the nav.
    fn content<'a>(
        &self,
        page: &'a Page,
        photos: &dyn PhotoSource,
    ) -> Result<ContentData<'a>, SiteError> {
        let nav = &self.pages.nav;
        let at = nav.iter().position(|n| n.url == page.url);
        let mut content = ContentData {
            html: String::with_capacity(page.html.len() + page.embeds.len() * 512),
            toc: TocEntry::of(page),
            prev: at.and_then(|i| i.checked_sub(1)).map(|i| nav[i].clone()),
            next: at.and_then(|i| nav.get(i + 1)).cloned(),
            page,
        };
        for piece in pieces(&page.html) {
            match piece {
                Piece::Html(html) => content.html.push_str(html),
                Piece::Toc if !content.toc.is_empty() => {
                    let toc = self
                        .theme
                        .render_toc(&page.title, &page.url, &content.toc)?;
                    content.html.push_str(&toc);
                }
                Piece::Toc => {}
                Piece::Embed(i) => {
                    let Some(embed) = page.embeds.get(i) else {
                        continue;
                    };
                    let data = EmbedData::of(embed, i, |album, n| photos.latest(album, n));
                    content.html.push_str(&self.theme.render_embed(&data)?);
                }
            }
        }
        Ok(content)
    }

    /// What makes a page of markdown reload itself: the theme, the nav, its own source, and the
    /// gallery when it shows photos.
    fn page_reload(page: Option<&Page>) -> Vec<String> {
        let mut reload = vec!["theme".into(), "site".into()];
        reload.push(event_name(page.map_or("", |p| p.slug.as_str())));
        if page.is_some_and(|p| {
            p.embeds
                .iter()
                .any(|e| matches!(e, super::embed::Embed::Photos { .. }))
        }) {
            reload.push("gallery".into());
        }
        reload
    }

    /// `/`: the home text (`content/index.md`) and the live picture.
    pub fn render_home(
        &self,
        view: &LiveView,
        photos: &dyn PhotoSource,
    ) -> Result<String, SiteError> {
        let home = self.pages.home().map(|p| p.as_ref());
        let title = home.map(|p| p.title.as_str()).unwrap_or(&self.title);
        let reload = Self::page_reload(home);
        let live = view.data(self.default_quality);
        let content = home.map(|p| self.content(p, photos)).transpose()?;
        let kind = KindData::Home { content, live };
        self.finish(&self.data("home", title, urls::home(), &reload, kind))
    }

    /// `/search?q=`: the results of a search made by [`super::search::search`].
    pub fn render_search(&self, search: SearchData) -> Result<String, SiteError> {
        // Reload when the nav, the theme or the photos change, or a page listed is edited.
        let mut reload = vec!["theme".to_string(), "site".into(), "gallery".into()];
        for slug in search.results.iter().filter_map(|r| r.slug.as_deref()) {
            reload.push(event_name(slug));
        }
        let url = if search.query.is_empty() {
            urls::search("")
        } else {
            urls::search(&search.query)
        };
        let kind = KindData::Search { search };
        self.finish(&self.data("search", "Search", url, &reload, kind))
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
    pub fn render_page(
        &self,
        slug: &str,
        photos: &dyn PhotoSource,
    ) -> Option<Result<String, SiteError>> {
        if let Some(why) = self.pages.why_broken(slug) {
            return Some(Err(SiteError::BrokenPage(why.to_string())));
        }
        let page: &Page = self.pages.get(slug)?;
        let reload = Self::page_reload(Some(page));
        Some(self.content(page, photos).and_then(|content| {
            let kind = KindData::Page { content };
            self.finish(&self.data("page", &page.title, page.url.clone(), &reload, kind))
        }))
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
