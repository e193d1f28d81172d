//! Camera embeds in markdown pages: a fenced code block whose info string is `pistream`, holding
//! `key = value` lines, becomes the live picture, a snapshot that refreshes itself, or the latest
//! photos of an album:
//!
//! ````markdown
//! ```pistream
//! show = snapshot
//! every = 10
//! caption = The garden
//! ```
//! ````
//!
//! Why a fenced block: every markdown viewer (a forge's file view, an editor's preview) shows it
//! as a small code block listing the settings — readable and harmless — and CommonMark parsers
//! agree on where it starts and ends; a shortcode in running text would be mangled by smart
//! punctuation and shown as stray braces elsewhere.
//!
//! A block is parsed once, when its page is built; a mistake becomes [`Embed::Invalid`], which the
//! theme shows as an inline error box (partial `embed_error`) while the rest of the page renders.
//! The rendered markdown keeps a [`marker`] where the block was; each request replaces it with the
//! theme's partial (`embed_live`, `embed_snapshot`, `embed_photos`), so a theme edit or a new
//! photo shows without rebuilding pages.
//!
//! This module parses blocks; `markers.rs` is how they sit in rendered HTML and `partial.rs` what
//! each request hands the theme's partial.

mod markers;
mod partial;

pub use markers::{marker, pieces, Piece, TOC_MARKER};
pub use partial::EmbedData;

/// The longest snapshot refresh period, in seconds (an hour: a slower picture is a photo).
pub const MAX_EVERY: u32 = 3600;
/// The most photos one embed shows.
pub const MAX_COUNT: u32 = 48;
/// The photos an embed shows when `count` is not given.
const DEFAULT_COUNT: u32 = 6;
/// The snapshot refresh period when `every` is not given.
const DEFAULT_EVERY: u32 = 10;

/// One embed, as parsed from its block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Embed {
    /// The live MJPEG stream, or one of its variants.
    Live {
        /// `width=…&quality=…&fps=…` for `/stream`, empty for the camera's own stream.
        query: String,
        caption: Option<String>,
    },
    /// `/snapshot.jpg`, fetched again every `every` seconds by the theme's script.
    Snapshot { every: u32, caption: Option<String> },
    /// The newest `count` photos of `album` (empty: the top level of the photo folder).
    Photos {
        album: String,
        count: u32,
        caption: Option<String>,
    },
    /// A block that could not be understood: why, and the block as written.
    Invalid { message: String, source: String },
}

/// Parses the body of a `pistream` block.
pub fn parse(source: &str) -> Embed {
    match parse_fields(source) {
        Ok(embed) => embed,
        Err(message) => Embed::Invalid {
            message,
            source: source.trim_end().to_string(),
        },
    }
}

const KINDS: &str = "`live`, `snapshot` or `photos`";

fn parse_fields(source: &str) -> Result<Embed, String> {
    let mut fields: Vec<(String, String)> = Vec::new();
    for (n, line) in source.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            return Err(format!("line {}: `{line}` is not `key = value`", n + 1));
        };
        let key = key.trim().to_ascii_lowercase();
        let value = value.trim();
        let value = value
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .unwrap_or(value);
        if fields.iter().any(|(k, _)| *k == key) {
            return Err(format!("`{key}` is given twice"));
        }
        fields.push((key, value.to_string()));
    }
    let mut f = Fields(fields);
    let show = f
        .take("show")
        .ok_or_else(|| format!("say what to show: `show = ` {KINDS}"))?;
    let caption = f.take("caption").filter(|c| !c.is_empty());
    let embed = match show.as_str() {
        "live" => {
            let width = f.number("width", 16, 7680)?;
            let scale = f.number("scale", 5, 400)?;
            if width.is_some() && scale.is_some() {
                return Err("give `width` or `scale`, not both".into());
            }
            let quality = f.number("quality", 1, 100)?;
            let fps = f.number("fps", 1, 120)?;
            let query = [
                ("width", width),
                ("scale", scale),
                ("quality", quality),
                ("fps", fps),
            ]
            .iter()
            .filter_map(|(k, v)| v.map(|v| format!("{k}={v}")))
            .collect::<Vec<_>>()
            .join("&");
            Embed::Live { query, caption }
        }
        "snapshot" => Embed::Snapshot {
            every: f.number("every", 1, MAX_EVERY)?.unwrap_or(DEFAULT_EVERY),
            caption,
        },
        "photos" => Embed::Photos {
            album: album(&f.take("album").unwrap_or_default())?,
            count: f.number("count", 1, MAX_COUNT)?.unwrap_or(DEFAULT_COUNT),
            caption,
        },
        other => return Err(format!("`show = {other}`: show {KINDS}")),
    };
    if let Some((key, _)) = f.0.first() {
        let known = match embed {
            Embed::Live { .. } => "`width`, `scale`, `quality`, `fps`",
            Embed::Snapshot { .. } => "`every`",
            _ => "`album`, `count`",
        };
        return Err(format!(
            "`{key}` means nothing to `show = {show}` (it takes {known} and `caption`)"
        ));
    }
    Ok(embed)
}

/// An album path by the gallery's rules (`/`-separated folder names it accepts: not hidden, no
/// `..`, no control characters, not too deep); empty for the top level.
fn album(path: &str) -> Result<String, String> {
    let path = path.trim_matches('/');
    crate::gallery::names::validate_album(path)
        .map_err(|_| format!("`album = {path}` is not an album name"))?;
    Ok(path.to_string())
}

struct Fields(Vec<(String, String)>);

impl Fields {
    fn take(&mut self, key: &str) -> Option<String> {
        let i = self.0.iter().position(|(k, _)| k == key)?;
        Some(self.0.remove(i).1)
    }

    fn number(&mut self, key: &str, min: u32, max: u32) -> Result<Option<u32>, String> {
        let Some(v) = self.take(key) else {
            return Ok(None);
        };
        match v.parse::<u32>() {
            Ok(n) if (min..=max).contains(&n) => Ok(Some(n)),
            _ => Err(format!(
                "`{key}` must be a whole number from {min} to {max}, not `{v}`"
            )),
        }
    }
}

/// The partials every theme has for embeds, with sample embeds for test renders.
pub fn samples() -> Vec<Embed> {
    vec![
        parse("show = live\nwidth = 320\ncaption = Sample"),
        parse("show = snapshot\nevery = 5"),
        parse("show = photos\ncount = 2"),
        parse("show = nothing"),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(src: &str) -> String {
        match parse(src) {
            Embed::Invalid { message, .. } => message,
            other => panic!("{src:?} parsed as {other:?}"),
        }
    }

    #[test]
    fn each_kind_parses_with_its_settings() {
        assert_eq!(
            parse("show = live\nwidth = 640\nquality = \"50\"\nfps = 5\n"),
            Embed::Live {
                query: "width=640&quality=50&fps=5".into(),
                caption: None
            }
        );
        assert_eq!(
            parse("# the garden\n\nSHOW=snapshot\nevery=30\ncaption = Garden · 花园"),
            Embed::Snapshot {
                every: 30,
                caption: Some("Garden · 花园".into())
            }
        );
        assert_eq!(
            parse("show = photos\nalbum = /timelapse/2024-05-01/\ncount = 3"),
            Embed::Photos {
                album: "timelapse/2024-05-01".into(),
                count: 3,
                caption: None
            }
        );
        assert_eq!(
            parse("show = snapshot"),
            Embed::Snapshot {
                every: DEFAULT_EVERY,
                caption: None
            }
        );
    }

    #[test]
    fn mistakes_say_what_is_wrong() {
        assert!(err("every = 3").contains("show ="));
        assert!(err("show = movie").contains("`show = movie`"));
        assert!(err("show = snapshot\nevery = 0").contains("from 1 to 3600, not `0`"));
        assert!(err("show = snapshot\nevery = soon").contains("not `soon`"));
        assert!(err("show = live\nwidth = 99999").contains("`width`"));
        assert!(err("show = live\nwidth = 320\nscale = 50").contains("not both"));
        assert!(err("show = live\nevery = 3").contains("means nothing to `show = live`"));
        assert!(err("show = photos\ncount = 1000").contains("from 1 to 48"));
        assert!(err("show = photos\nshow = live").contains("twice"));
        assert!(err("show live").contains("line 1"));
        for bad in ["../etc", "a/../../b", ".thumbs", "a/.hidden", "a\u{1}b"] {
            assert!(
                err(&format!("show = photos\nalbum = {bad}")).contains("not an album"),
                "{bad}"
            );
        }
        match parse("show = movie\n") {
            Embed::Invalid { source, .. } => assert_eq!(source, "show = movie"),
            other => panic!("{other:?}"),
        }
    }
}
