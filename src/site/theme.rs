//! Themes: handlebars templates, partials and static assets. The default theme is compiled into the
//! binary ([`super::embedded`]) so pistream runs from any directory; `--theme DIR` overrides it file
//! by file (mdBook's model: copy only what you change). A theme is compiled and test-rendered as a
//! whole before it is used, so a broken edit is refused with a message naming the file and line
//! while the last good theme keeps serving.

use std::collections::{BTreeMap, HashMap};
use std::hash::{Hash, Hasher};
use std::path::Path;
use std::sync::Arc;

use handlebars::{
    Context, Handlebars, Helper, HelperDef, HelperResult, Output, RenderContext, RenderError,
    RenderErrorReason,
};
use serde_json::Value;

use super::embed::{self, EmbedData};
use super::{embedded, paths, SiteError};
use crate::urls;

/// The page templates every theme must have (the layout wraps each of the others).
pub const PAGE_TEMPLATES: [&str; 8] = [
    "layout", "home", "live", "gallery", "photo", "page", "search", "error",
];

/// A static file under the theme's `assets/`, served at `/theme/<path>`.
#[derive(Debug)]
pub struct Asset {
    pub bytes: Vec<u8>,
    /// Strong validator: a hash of the bytes.
    pub etag: String,
}

/// A compiled theme.
pub struct Theme {
    registry: Handlebars<'static>,
    assets: HashMap<String, Arc<Asset>>,
    /// Template name → the file it came from, for error messages.
    origin: HashMap<String, String>,
}

impl std::fmt::Debug for Theme {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Theme")
            .field("templates", &self.origin)
            .finish()
    }
}

/// The theme's files: built-in ones overlaid by those of `dir`. Value: bytes and where they came from.
fn files(dir: Option<&Path>) -> Result<BTreeMap<String, (Vec<u8>, String)>, SiteError> {
    let mut files: BTreeMap<String, (Vec<u8>, String)> = embedded::DEFAULT_THEME
        .iter()
        .map(|(rel, bytes)| {
            (
                rel.to_string(),
                (bytes.to_vec(), format!("(built-in theme) {rel}")),
            )
        })
        .collect();
    if let Some(dir) = dir {
        for rel in paths::walk_files(dir) {
            let rel = rel.map_err(|e| SiteError::Io {
                path: e.path,
                source: e.source,
            })?;
            let path = dir.join(&rel);
            let bytes = std::fs::read(&path).map_err(|source| SiteError::Io {
                path: path.clone(),
                source,
            })?;
            files.insert(rel, (bytes, path.display().to_string()));
        }
    }
    Ok(files)
}

impl Theme {
    /// The built-in theme overlaid by `dir`, compiled and test-rendered.
    pub fn load(dir: Option<&Path>) -> Result<Theme, SiteError> {
        let files = files(dir)?;
        let mut assets = HashMap::new();
        let mut templates = Vec::new();
        for (rel, (bytes, origin)) in files {
            if let Some(path) = rel.strip_prefix("assets/") {
                let etag = format!("{:016x}", hash(&bytes));
                assets.insert(path.to_string(), Arc::new(Asset { bytes, etag }));
            } else if let Some(name) = template_name(&rel) {
                let text = String::from_utf8(bytes).map_err(|_| SiteError::Template {
                    file: origin.clone(),
                    line: None,
                    message: "not UTF-8 text".into(),
                })?;
                templates.push((name, text, origin));
            }
        }
        let mut registry = Handlebars::new();
        registry.set_prevent_indent(true);
        register_helpers(&mut registry, &assets);
        let mut origin = HashMap::new();
        for (name, text, file) in templates {
            if let Some(first) = origin.get(&name) {
                return Err(SiteError::Template {
                    file,
                    line: None,
                    message: format!("the name `{name}` is already taken by {first}"),
                });
            }
            registry
                .register_template_string(&name, text)
                .map_err(|e| SiteError::Template {
                    file: file.clone(),
                    line: e.pos().map(|(l, _)| l),
                    message: e.reason().to_string(),
                })?;
            origin.insert(name, file);
        }
        let theme = Theme {
            registry,
            assets,
            origin,
        };
        for name in PAGE_TEMPLATES {
            if !theme.origin.contains_key(name) {
                return Err(SiteError::Template {
                    file: format!("templates/{name}.hbs"),
                    line: None,
                    message: "missing".into(),
                });
            }
        }
        // Render every page once with sample data: a missing partial or helper is found now,
        // while the previous theme can still serve, not on a visitor's request.
        for name in PAGE_TEMPLATES.iter().filter(|n| **n != "layout") {
            theme.render(name, super::data::sample(name))?;
        }
        for (i, embed) in embed::samples().iter().enumerate() {
            let photos = |_: &str, _: usize| Ok(super::data::sample_photos());
            theme.render_embed(&EmbedData::of(embed, i, photos))?;
        }
        let page = super::pages::Page::sample();
        theme.render_toc(&page.title, &page.url, &super::data::TocEntry::of(&page))?;
        Ok(theme)
    }

    /// Renders a camera embed of a page with its partial (`embed_live`, ...): `{ embed: ... }`.
    pub fn render_embed(&self, data: &EmbedData) -> Result<String, SiteError> {
        self.render_partial(&data.partial(), &serde_json::json!({ "embed": data }))
    }

    /// Renders a page's table of contents with partial `toc`: `{ content: { title, url, toc } }`.
    pub(crate) fn render_toc(
        &self,
        title: &str,
        url: &str,
        toc: &[super::data::TocEntry],
    ) -> Result<String, SiteError> {
        let value = serde_json::json!({ "content": { "title": title, "url": url, "toc": toc } });
        self.render_partial("toc", &value)
    }

    fn render_partial(&self, name: &str, value: &Value) -> Result<String, SiteError> {
        self.registry
            .render(name, value)
            .map_err(|e| self.render_error(name, e))
    }

    /// Renders page template `name` with `data`, then the layout around it (as `body`).
    pub fn render(&self, name: &str, mut data: Value) -> Result<String, SiteError> {
        let body = self
            .registry
            .render(name, &data)
            .map_err(|e| self.render_error(name, e))?;
        if let Value::Object(map) = &mut data {
            map.insert("body".into(), Value::String(body));
        }
        self.registry
            .render("layout", &data)
            .map_err(|e| self.render_error("layout", e))
    }

    fn render_error(&self, name: &str, e: RenderError) -> SiteError {
        let tpl = e.template_name.clone().unwrap_or_else(|| name.to_string());
        SiteError::Template {
            file: self.origin.get(&tpl).cloned().unwrap_or(tpl),
            line: e.line_no,
            message: e.reason().to_string(),
        }
    }

    /// A static asset by its path under `assets/`.
    pub fn asset(&self, path: &str) -> Option<Arc<Asset>> {
        self.assets.get(path).cloned()
    }
}

/// `templates/home.hbs` → `home`, `partials/nav.hbs` → `nav`, anything else → not a template.
fn template_name(rel: &str) -> Option<String> {
    let rest = rel
        .strip_prefix("templates/")
        .or_else(|| rel.strip_prefix("partials/"))?;
    rest.strip_suffix(".hbs").map(str::to_string)
}

fn hash(bytes: &[u8]) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    bytes.hash(&mut h);
    h.finish()
}

/// A helper that writes `f` of its first argument (a string; empty when there is none), or fails
/// the render with `f`'s error.
fn string_helper<F>(f: F) -> Box<dyn HelperDef + Send + Sync>
where
    F: Fn(&str) -> Result<String, RenderErrorReason> + Send + Sync + 'static,
{
    Box::new(
        move |h: &Helper,
              _: &Handlebars,
              _: &Context,
              _: &mut RenderContext,
              out: &mut dyn Output|
              -> HelperResult {
            let arg = h
                .param(0)
                .and_then(|p| p.value().as_str())
                .unwrap_or_default();
            out.write(&f(arg)?)?;
            Ok(())
        },
    )
}

/// `{{asset "style.css"}}` → `/theme/style.css?v=<hash>` (versioned: cached for a year, and a new
/// version is a new URL); `{{url_for "/live"}}` → `/live`, under `--base-path` `/cam1/live`
/// (every fixed link of a template goes through it); `{{enc name}}` percent-encodes a URL
/// segment; `{{bytes n}}` → `1.5 MB`.
fn register_helpers(reg: &mut Handlebars<'static>, assets: &HashMap<String, Arc<Asset>>) {
    let versions: HashMap<String, String> = assets
        .iter()
        .map(|(k, a)| (k.clone(), a.etag[..8].to_string()))
        .collect();
    reg.register_helper(
        "asset",
        string_helper(move |path| {
            let v = versions.get(path).ok_or_else(|| {
                RenderErrorReason::Other(format!("no asset `{path}` in the theme's assets/"))
            })?;
            Ok(urls::asset(path, v))
        }),
    );
    reg.register_helper("url_for", string_helper(|s| Ok(urls::at(s))));
    reg.register_helper("enc", string_helper(|s| Ok(urls::encode_segment(s))));
    reg.register_helper(
        "bytes",
        Box::new(
            |h: &Helper,
             _: &Handlebars,
             _: &Context,
             _: &mut RenderContext,
             out: &mut dyn Output|
             -> HelperResult {
                let n = h.param(0).and_then(|p| p.value().as_f64()).unwrap_or(0.0);
                out.write(&human_bytes(n))?;
                Ok(())
            },
        ),
    );
}

fn human_bytes(n: f64) -> String {
    const UNITS: [&str; 4] = ["KB", "MB", "GB", "TB"];
    if n < 1000.0 {
        return format!("{n} B");
    }
    let mut v = n;
    let mut unit = "B";
    for u in UNITS {
        if v < 1000.0 {
            break;
        }
        v /= 1000.0;
        unit = u;
    }
    format!("{v:.1} {unit}")
}

/// Writes the built-in theme to `dir` (which must not exist or be empty) as a starting point.
pub fn init_theme(dir: &Path) -> Result<(), SiteError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| SiteError::Io { path, source }
    };
    if dir.exists() {
        let mut entries = std::fs::read_dir(dir).map_err(io(dir))?;
        if entries.next().is_some() {
            return Err(SiteError::NotEmpty(dir.to_path_buf()));
        }
    }
    for (rel, bytes) in embedded::DEFAULT_THEME {
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(io(parent))?;
        }
        std::fs::write(&path, bytes).map_err(io(&path))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_sizes() {
        assert_eq!(human_bytes(999.0), "999 B");
        assert_eq!(human_bytes(1500.0), "1.5 KB");
        assert_eq!(human_bytes(52_400_000.0), "52.4 MB");
    }

    #[test]
    fn template_names() {
        assert_eq!(template_name("templates/home.hbs").as_deref(), Some("home"));
        assert_eq!(template_name("partials/nav.hbs").as_deref(), Some("nav"));
        assert_eq!(template_name("assets/site.js"), None);
        assert_eq!(template_name("README.md"), None);
    }
}
