//! Sample template data of every page kind, one of everything, built from the same types real
//! pages are rendered from, so a theme can be test-rendered before it replaces the running one;
//! and the test that pins the fields docs/THEMES.md promises. Separate from the data's shape
//! because it is not what a visitor is served: every theme is render-checked with it when it loads.

use serde_json::Value;

use super::{
    ContentData, ErrorData, GalleryData, KindData, LiveView, NavLink, PageData, PhotoData,
    SiteData, TemplateData, TocEntry,
};
use crate::gallery::{GalleryPage, PhotoInfo};
use crate::site::pages::{NavItem, Page};
use crate::site::search::SearchData;
use crate::urls;

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
