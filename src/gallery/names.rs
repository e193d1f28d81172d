//! Photo names as they travel in URLs. A photo is named by its path relative to the photo folder:
//! `photo.jpg` at the top, `album/sub/photo.jpg` in an album (a sub-folder). A path from a URL is
//! split at `/` first and each segment percent-decoded once; every segment must then be one plain
//! file name: no separators, no `..`, no NUL, not hidden — so `a%2Fb.jpg` is refused, not read as
//! `a/b.jpg`. This is the first of two gates; the second ([`super::Gallery::file`]) resolves the
//! path and checks it is exactly that file of the folder (no symlinked folder on the way).

use std::borrow::Cow;

use percent_encoding::percent_decode_str;

use super::GalleryError;

/// Longest name accepted: what common file systems allow (255 bytes).
pub const MAX_NAME_BYTES: usize = 255;

/// Most albums a photo can be nested in (`timelapse/2024-05-01/x.jpg` is two).
pub const MAX_DEPTH: usize = 8;

/// Longest photo path accepted, in bytes.
pub const MAX_PATH_BYTES: usize = 1024;

/// Extensions the gallery shows, lower case, with their media types.
const IMAGE_TYPES: &[(&str, &str)] = &[
    ("jpg", "image/jpeg"),
    ("jpeg", "image/jpeg"),
    ("png", "image/png"),
    ("webp", "image/webp"),
    ("gif", "image/gif"),
];

/// The URL path segment for a file name ([`crate::urls::encode_segment`]: every byte outside RFC
/// 3986's unreserved set is encoded).
pub fn encode(name: &str) -> String {
    crate::urls::encode_segment(name)
}

/// The URL path of a photo or album path: each segment encoded, the `/`s kept.
pub fn encode_path(path: &str) -> String {
    crate::urls::encode_path(path)
}

/// Decodes a raw URL path (`album/sub%20x/photo.jpg`): split at `/`, each segment decoded once
/// and validated by [`validate`], at most [`MAX_DEPTH`] albums deep.
pub fn path_from_url(raw: &str) -> Result<String, GalleryError> {
    if raw.len() > 3 * MAX_PATH_BYTES {
        return Err(GalleryError::BadName(shorten(raw)));
    }
    let segments = raw
        .split('/')
        .map(from_url)
        .collect::<Result<Vec<_>, _>>()?;
    let path = segments.join("/");
    validate_path(&path)?;
    Ok(path)
}

/// Like [`path_from_url`] for an album, where the empty path is the top level (all photos).
pub fn album_from_url(raw: &str) -> Result<String, GalleryError> {
    let raw = raw.trim_end_matches('/');
    if raw.is_empty() {
        Ok(String::new())
    } else {
        path_from_url(raw)
    }
}

/// Accepts `path` only if it is `/`-separated plain names ([`validate`]), at most [`MAX_DEPTH`]
/// albums deep and [`MAX_PATH_BYTES`] long.
pub fn validate_path(path: &str) -> Result<(), GalleryError> {
    if path.len() > MAX_PATH_BYTES || path.split('/').count() > MAX_DEPTH + 1 {
        return Err(GalleryError::BadName(shorten(path)));
    }
    path.split('/').try_for_each(validate)
}

/// An album path: like [`validate_path`] with at most [`MAX_DEPTH`] folders, and the empty path
/// (the top level) accepted.
pub fn validate_album(album: &str) -> Result<(), GalleryError> {
    if album.is_empty() {
        Ok(())
    } else if album.split('/').count() > MAX_DEPTH {
        Err(GalleryError::BadName(shorten(album)))
    } else {
        validate_path(album)
    }
}

/// `album/sub/photo.jpg` → (`album/sub`, `photo.jpg`); a top-level photo's album is `""`.
pub fn split(path: &str) -> (&str, &str) {
    path.rsplit_once('/').unwrap_or(("", path))
}

/// The album path `child` inside `album`.
pub fn join(album: &str, child: &str) -> String {
    if album.is_empty() {
        child.to_owned()
    } else {
        format!("{album}/{child}")
    }
}

/// Decodes a raw URL path segment (exactly once: `%252e` becomes the literal name `%2e`) and
/// validates the result with [`validate`].
pub fn from_url(raw: &str) -> Result<String, GalleryError> {
    let decoded = percent_decode_str(raw)
        .decode_utf8()
        .map_err(|_| GalleryError::BadName(shorten(raw)))?;
    validate(&decoded)?;
    Ok(match decoded {
        Cow::Borrowed(s) => s.to_owned(),
        Cow::Owned(s) => s,
    })
}

/// Accepts `name` only if it is one plain, visible file name.
pub fn validate(name: &str) -> Result<(), GalleryError> {
    let bad = name.is_empty()
        || name.len() > MAX_NAME_BYTES
        // A leading dot covers `.`, `..`, dotfiles, our `.thumbs` cache and `.photo-*.tmp` files.
        || name.starts_with('.')
        || name.contains(['/', '\\'])
        // Control characters (NUL included) have no business in a photo name and confuse logs.
        || name.chars().any(char::is_control)
        || is_not_portable(name);
    if bad {
        Err(GalleryError::BadName(shorten(name)))
    } else {
        Ok(())
    }
}

/// Names Windows gives another meaning, refused on every platform so that a folder serves the
/// same wherever it runs: the reserved device names with any extension (`CON`, `aux.jpg`, `COM1`:
/// opening one opens the device), a trailing dot or space (dropped by Windows, so `a.md.` would
/// read `a.md`), and `:` (an NTFS alternate data stream, `a.md::$DATA`).
pub fn is_not_portable(name: &str) -> bool {
    let stem = name
        .split('.')
        .next()
        .unwrap_or("")
        .trim_end()
        .to_ascii_uppercase();
    let device = match stem.as_str() {
        "CON" | "PRN" | "AUX" | "NUL" | "CONIN$" | "CONOUT$" => true,
        s => {
            let mut chars = s.chars();
            let port: String = chars.by_ref().take(3).collect();
            let digit = chars.next();
            (port == "COM" || port == "LPT")
                && digit.is_some_and(|d| d.is_ascii_digit() || "¹²³".contains(d))
                && chars.next().is_none()
        }
    };
    device || name.ends_with(['.', ' ']) || name.contains(':')
}

/// The media type of an image name, by extension in any case; `None` for anything else.
pub fn image_type(name: &str) -> Option<&'static str> {
    let (stem, ext) = split(name).1.rsplit_once('.')?;
    if stem.is_empty() {
        return None;
    }
    IMAGE_TYPES
        .iter()
        .find(|(e, _)| e.eq_ignore_ascii_case(ext))
        .map(|(_, mime)| *mime)
}

/// True for names the gallery lists: valid and an image by extension.
pub fn is_listed(name: &str) -> bool {
    validate(name).is_ok() && image_type(name).is_some()
}

/// A name fit for an error message: escaped and cut short, so hostile input cannot flood a log.
fn shorten(name: &str) -> String {
    let escaped: String = name.escape_debug().collect();
    match escaped.char_indices().nth(80) {
        Some((i, _)) => format!("{}…", &escaped[..i]),
        None => escaped,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_device_names_and_tricks_are_refused() {
        for bad in [
            "CON",
            "con",
            "aux.jpg",
            "AUX.JPG",
            "nul.tar.gz",
            "COM1.jpg",
            "lpt9",
            "com¹.png",
            "con .jpg",
            "a.jpg.",
            "a.jpg ",
            "a.md::$DATA",
        ] {
            assert!(validate(bad).is_err(), "{bad}");
        }
        for fine in [
            "console.jpg",
            "auxiliary.jpg",
            "COM10.jpg",
            "com.jpg",
            "lpt.png",
            "2016.jpg",
        ] {
            assert!(validate(fine).is_ok(), "{fine}");
        }
    }

    #[test]
    fn encode_round_trips_hostile_names() {
        for name in [
            "a b#c%d?e.jpg",
            "照片 2024.JPG",
            "🎉'\"x.png",
            "-dash.gif",
            "100%.webp",
        ] {
            let enc = encode(name);
            assert!(
                enc.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-._~%".contains(&b)),
                "{enc}"
            );
            assert_eq!(from_url(&enc).unwrap(), name);
        }
    }

    #[test]
    fn rejects_traversal_and_oddities_plain_and_encoded() {
        for raw in [
            "",
            "..",
            ".",
            "../x.jpg",
            "a/b.jpg",
            "a\\b.jpg",
            "/etc/passwd",
            ".hidden.jpg",
            "%2e%2e",
            "%2e%2e%2fx.jpg",
            "a%2Fb.jpg",
            "a%5Cb.jpg",
            "x%00.jpg",
            "%2Fetc%2Fpasswd",
            ".photo-1.tmp",
            "a%0Ab.jpg",
            "%ff%fe.jpg",
        ] {
            assert!(
                matches!(from_url(raw), Err(GalleryError::BadName(_))),
                "{raw:?} accepted"
            );
        }
    }

    #[test]
    fn paths_are_checked_segment_by_segment() {
        assert_eq!(
            path_from_url("timelapse/2024-05-01/x%20y.jpg").unwrap(),
            "timelapse/2024-05-01/x y.jpg"
        );
        assert_eq!(album_from_url("").unwrap(), "");
        assert_eq!(album_from_url("a%20b/").unwrap(), "a b");
        for raw in [
            "a//b.jpg",
            "/a.jpg",
            "a/../b.jpg",
            "a/./b.jpg",
            "a/%2e%2e/b.jpg",
            ".thumbs/x.jpg",
            "a/.hidden/b.jpg",
            "a%2Fb/c.jpg",
            "a/b%5Cc.jpg",
            "a/x%00.jpg",
            "a/",
            "a/b/c/d/e/f/g/h/i/j.jpg",
        ] {
            assert!(path_from_url(raw).is_err(), "{raw:?} accepted");
        }
        let deep = "a/".repeat(MAX_DEPTH) + "x.jpg";
        assert!(path_from_url(&deep).is_ok());
        assert_eq!(split("a/b/c.jpg"), ("a/b", "c.jpg"));
        assert_eq!(split("c.jpg"), ("", "c.jpg"));
        assert_eq!(join("", "c"), "c");
        assert_eq!(join("a/b", "c"), "a/b/c");
        assert_eq!(image_type("a.jpg/b"), None);
        for path in ["照片/🎉 #1/100% done.jpg", "a b/c?d.png"] {
            assert_eq!(path_from_url(&encode_path(path)).unwrap(), path);
        }
    }

    #[test]
    fn double_encoding_is_decoded_once_only() {
        // `%252e%252e%252f` is the literal (harmless) name `%2e%2e%2f`, never `../`.
        assert_eq!(from_url("%252e%252e%252fx.jpg").unwrap(), "%2e%2e%2fx.jpg");
    }

    #[test]
    fn length_limit() {
        let ok = format!("{}.jpg", "a".repeat(MAX_NAME_BYTES - 4));
        assert!(validate(&ok).is_ok());
        let long = format!("{}.jpg", "a".repeat(MAX_NAME_BYTES));
        assert!(validate(&long).is_err());
    }

    #[test]
    fn image_types_any_case_only_images() {
        assert_eq!(image_type("a.JPG"), Some("image/jpeg"));
        assert_eq!(image_type("a.JpEg"), Some("image/jpeg"));
        assert_eq!(image_type("a.Png"), Some("image/png"));
        assert_eq!(image_type("a.webp"), Some("image/webp"));
        assert_eq!(image_type("a.GIF"), Some("image/gif"));
        for name in ["a.txt", "jpg", "a.jpg.tmp", "a.jpg~", "a.", "a.svg"] {
            assert_eq!(image_type(name), None, "{name}");
        }
        assert!(!is_listed(".photo-20240101.jpg"));
        assert!(is_listed("photo.jpg"));
    }

    #[test]
    fn shorten_caps_messages() {
        let msg = shorten(&"x".repeat(10_000));
        assert!(msg.chars().count() <= 81);
    }
}
