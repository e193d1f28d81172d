//! [`EmbedData`]: what an embed's partial receives on each request, made from the parsed
//! [`Embed`] plus what only a request knows (the URLs, the album's photos now). Separate from
//! parsing because a block is parsed once per page build and this is made once per request.

use serde::Serialize;

use super::Embed;
use crate::urls;

/// `embed`: what an embed partial receives. `id` is unique on the page (`embed-1`, …).
#[derive(Debug, Serialize)]
pub struct EmbedData {
    pub id: String,
    pub kind: &'static str,
    pub caption: Option<String>,
    /// live: the `<img>` source; snapshot: the picture's URL (without the refresh stamp).
    pub src: Option<String>,
    /// live: the live page; photos: the album's page in the gallery.
    pub link_url: Option<String>,
    /// snapshot: seconds between refreshes.
    pub every: Option<u32>,
    /// photos: the album (empty: top level), how many were asked for, and the photos.
    pub album: Option<String>,
    pub count: Option<u32>,
    pub photos: Vec<crate::gallery::PhotoInfo>,
    /// error: why, and the block as written.
    pub message: Option<String>,
    pub source: Option<String>,
}

impl EmbedData {
    fn new(index: usize, kind: &'static str, caption: Option<String>) -> EmbedData {
        EmbedData {
            id: format!("embed-{}", index + 1),
            kind,
            caption,
            src: None,
            link_url: None,
            every: None,
            album: None,
            count: None,
            photos: Vec::new(),
            message: None,
            source: None,
        }
    }

    /// The data of embed number `index`; `photos` lists an album's newest photos (or says why not).
    pub fn of(
        embed: &Embed,
        index: usize,
        photos: impl FnOnce(&str, usize) -> Result<Vec<crate::gallery::PhotoInfo>, String>,
    ) -> EmbedData {
        match embed {
            Embed::Live { query, caption } => EmbedData {
                src: Some(urls::stream(query)),
                link_url: Some(urls::live("")),
                ..EmbedData::new(index, "live", caption.clone())
            },
            Embed::Snapshot { every, caption } => EmbedData {
                src: Some(urls::snapshot()),
                every: Some(*every),
                ..EmbedData::new(index, "snapshot", caption.clone())
            },
            Embed::Photos {
                album,
                count,
                caption,
            } => match photos(album, *count as usize) {
                Ok(list) => EmbedData {
                    link_url: Some(urls::album(album)),
                    album: Some(album.clone()),
                    count: Some(*count),
                    photos: list,
                    ..EmbedData::new(index, "photos", caption.clone())
                },
                Err(message) => EmbedData::error(index, message, String::new()),
            },
            Embed::Invalid { message, source } => {
                EmbedData::error(index, message.clone(), source.clone())
            }
        }
    }

    fn error(index: usize, message: String, source: String) -> EmbedData {
        EmbedData {
            message: Some(message),
            source: Some(source),
            ..EmbedData::new(index, "error", None)
        }
    }

    /// The partial that renders this embed: `embed_live`, `embed_snapshot`, `embed_photos`,
    /// `embed_error`.
    pub fn partial(&self) -> String {
        format!("embed_{}", self.kind)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::site::embed::parse;

    #[test]
    fn data_of_each_kind() {
        let none = |_: &str, _: usize| Ok(Vec::new());
        let live = EmbedData::of(&parse("show = live\nscale=50"), 0, none);
        assert_eq!(
            (live.id.as_str(), live.src.as_deref()),
            ("embed-1", Some("/stream?scale=50"))
        );
        assert_eq!(live.partial(), "embed_live");
        let snap = EmbedData::of(&parse("show = snapshot\nevery = 2"), 1, none);
        assert_eq!(
            (snap.src.as_deref(), snap.every),
            (Some("/snapshot.jpg"), Some(2))
        );
        let missing = EmbedData::of(&parse("show = photos\nalbum = nope"), 2, |a, n| {
            Err(format!("no album {a} ({n})"))
        });
        assert_eq!(missing.partial(), "embed_error");
        assert_eq!(missing.message.as_deref(), Some("no album nope (6)"));
    }
}
