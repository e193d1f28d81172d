//! What each page template receives: the data of every page kind, built from the current `Site`
//! and handed to the theme. docs/THEMES.md documents these shapes; [`sample`] builds one of each
//! so a theme can be test-rendered before it replaces the running one.

use serde::Serialize;
use serde_json::{json, Map, Value};

use super::markdown::encode_segment;
use super::pages::{event_name, Page};
use super::{SiteError, SiteView};

/// Photos per gallery page.
pub const PER_PAGE: usize = 24;

/// What the viewer asked of the live picture: `/live?scale=P&quality=Q`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LiveView {
    pub scale: Option<u32>,
    pub quality: Option<u32>,
}

impl LiveView {
    /// The `<img>` source for this view: `/stream`, or `/stream?scale=P&quality=Q`.
    pub fn stream_src(&self) -> String {
        let mut q = Vec::new();
        if let Some(s) = self.scale.filter(|s| *s != 100) {
            q.push(format!("scale={}", s.clamp(10, 200)));
        }
        if let Some(v) = self.quality {
            q.push(format!("quality={}", v.clamp(1, 100)));
        }
        if q.is_empty() {
            "/stream".into()
        } else {
            format!("/stream?{}", q.join("&"))
        }
    }

    /// `/live` with this view's query.
    pub fn live_url(&self) -> String {
        match self.stream_src().split_once('?') {
            Some((_, q)) => format!("/live?{q}"),
            None => "/live".into(),
        }
    }

    fn data(&self, default_quality: u8) -> Value {
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
        json!({
            "shrink_url": link(scaled(0.8, 10, 200, scale), quality),
            "enlarge_url": link(scaled(1.2, 10, 200, scale), quality),
            "lower_url": link(scale, scaled(0.8, 5, 100, quality)),
            "raise_url": link(scale, scaled(2.0, 5, 100, quality)),
            "reset_url": "/live",
            "stream_src": self.stream_src(),
            "scale": scale,
            "quality": quality,
            "default_quality": default_quality,
            "state_url": "/api/state",
            "photo_action": "/photos",
            "snapshot_url": "/snapshot.jpg",
        })
    }
}

/// URL of a photo's page from its file name.
fn photo_page_url(name: &str) -> String {
    format!("/photos/{}", encode_segment(name))
}

impl SiteView {
    /// The data every template gets: `site` (title, nav, problems) and `page` (kind, title, url,
    /// reload = the SSE event names that make this page reload itself).
    fn base(&self, kind: &str, title: &str, url: &str, reload: &[String]) -> Map<String, Value> {
        let nav: Vec<Value> = self
            .nav()
            .into_iter()
            .map(|(t, u)| {
                let active = u == url || (u != "/" && url.starts_with(&format!("{u}/")));
                json!({ "title": t, "url": u, "active": active })
            })
            .collect();
        let mut m = Map::new();
        m.insert(
            "site".into(),
            json!({
                "title": self.title,
                "nav": nav,
                "problems": self.problems,
                "version": env!("CARGO_PKG_VERSION"),
            }),
        );
        m.insert(
            "page".into(),
            json!({ "kind": kind, "title": title, "url": url, "reload": reload.join(" "),
                    "events_since": self.since }),
        );
        m
    }

    fn nav(&self) -> Vec<(String, String)> {
        let mut nav = vec![
            ("Home".to_string(), "/".to_string()),
            ("Live".to_string(), "/live".to_string()),
            ("Photos".to_string(), "/photos".to_string()),
        ];
        nav.extend(
            self.pages
                .nav
                .iter()
                .map(|n| (n.title.clone(), n.url.clone())),
        );
        nav
    }

    fn finish(
        &self,
        kind: &str,
        mut m: Map<String, Value>,
        key: &str,
        value: Value,
    ) -> Result<String, SiteError> {
        m.insert(key.into(), value);
        self.theme.render(kind, Value::Object(m))
    }

    /// `/`: the home text (`content/index.md`) and the live picture.
    pub fn render_home(&self, view: &LiveView) -> Result<String, SiteError> {
        let home = self.pages.home();
        let title = home.map(|p| p.title.as_str()).unwrap_or(&self.title);
        let reload = ["theme".into(), "site".into(), event_name("")];
        let mut m = self.base("home", title, "/", &reload);
        m.insert("live".into(), view.data(self.default_quality));
        self.finish("home", m, "content", json!(home.map(|p| p.as_ref())))
    }

    /// `/live`: the stream with its controls.
    pub fn render_live(&self, view: &LiveView) -> Result<String, SiteError> {
        let m = self.base("live", "Live", "/live", &["theme".into()]);
        self.finish("live", m, "live", view.data(self.default_quality))
    }

    /// `/pages/<slug>`: `None` when there is no such published page.
    pub fn render_page(&self, slug: &str) -> Option<Result<String, SiteError>> {
        let page: &Page = self.pages.get(slug)?;
        let reload = ["theme".into(), "site".into(), event_name(slug)];
        let m = self.base("page", &page.title, &page.url, &reload);
        Some(self.finish("page", m, "content", json!(page)))
    }

    /// `/photos?page=N` from the gallery's page (`photos`, `page`, `pages`, `total`).
    pub fn render_gallery(&self, gallery: &impl Serialize) -> Result<String, SiteError> {
        let mut g = serde_json::to_value(gallery).map_err(|e| SiteError::Data(e.to_string()))?;
        let page = g["page"].as_u64().unwrap_or(1);
        let pages = g["pages"].as_u64().unwrap_or(1);
        g["prev_url"] = json!((page > 1).then(|| format!("/photos?page={}", page - 1)));
        g["next_url"] = json!((page < pages).then(|| format!("/photos?page={}", page + 1)));
        let url = if page > 1 {
            format!("/photos?page={page}")
        } else {
            "/photos".into()
        };
        let mut m = self.base(
            "gallery",
            "Photos",
            "/photos",
            &["theme".into(), "gallery".into()],
        );
        if let Some(p) = m.get_mut("page") {
            p["url"] = json!(url);
        }
        self.finish("gallery", m, "gallery", g)
    }

    /// `/photos/<name>` from the gallery's photo (`name`, `url`, `bytes`, `modified`, `prev`, ...).
    pub fn render_photo(&self, photo: &impl Serialize) -> Result<String, SiteError> {
        let mut p = serde_json::to_value(photo).map_err(|e| SiteError::Data(e.to_string()))?;
        for (key, url) in [("prev", "prev_url"), ("next", "next_url")] {
            p[url] = json!(p[key].as_str().map(photo_page_url));
        }
        let name = p["name"].as_str().unwrap_or_default().to_string();
        let m = self.base(
            "photo",
            &name,
            &photo_page_url(&name),
            &["theme".into(), "gallery".into()],
        );
        self.finish("photo", m, "photo", p)
    }

    /// A themed error page. Never fails: if the theme cannot render it, a plain page is returned.
    pub fn render_error(&self, status: u16, message: &str) -> String {
        let title = reason(status);
        let m = self.base("error", title, "", &["theme".into()]);
        let err = json!({ "status": status, "title": title, "message": message });
        self.finish("error", m, "error", err).unwrap_or_else(|e| {
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

/// Sample data of page kind `name`, with one of everything, for test renders.
pub fn sample(name: &str) -> Value {
    let photo = json!({
        "name": "20240101-120000-000.jpg", "url": "/pic/20240101-120000-000.jpg",
        "page_url": "/photos/20240101-120000-000.jpg", "thumb_url": "/thumbs/20240101-120000-000.jpg",
        "delete_url": "/photos/20240101-120000-000.jpg/delete", "bytes": 51234,
        "modified": "2024-01-01 12:00:00", "modified_unix": 1704110400, "width": 640, "height": 480,
        "prev": "a.jpg", "next": "b.jpg", "prev_url": "/photos/a.jpg", "next_url": "/photos/b.jpg",
    });
    let content = json!({
        "source": "sample.md", "slug": "sample", "url": "/pages/sample", "title": "Sample",
        "date": "2024-01-01", "weight": 0, "draft": false, "description": "A sample", "extra": {},
        "html": "<p>Sample</p>", "has_h1": false,
    });
    let live = LiveView::default().data(80);
    let mut m = Map::new();
    m.insert(
        "site".into(),
        json!({ "title": "pistream", "nav": [{"title": "Home", "url": "/", "active": true}],
                "problems": ["sample problem"], "version": "0" }),
    );
    m.insert(
        "page".into(),
        json!({ "kind": name, "title": "Sample", "url": "/", "reload": "theme", "events_since": 0 }),
    );
    match name {
        "home" => {
            m.insert("content".into(), content);
            m.insert("live".into(), live);
        }
        "live" => {
            m.insert("live".into(), live);
        }
        "page" => {
            m.insert("content".into(), content);
        }
        "gallery" => {
            m.insert(
                "gallery".into(),
                json!({ "photos": [photo], "page": 2, "pages": 3, "total": 50,
                        "prev_url": "/photos?page=1", "next_url": "/photos?page=3" }),
            );
        }
        "photo" => {
            m.insert("photo".into(), photo);
        }
        _ => {
            m.insert(
                "error".into(),
                json!({ "status": 404, "title": "Not found", "message": "sample" }),
            );
        }
    }
    Value::Object(m)
}
