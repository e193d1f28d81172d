//! Front matter of a markdown page: an optional block at the very top, TOML between `+++` lines
//! (Zola/Hugo style) or YAML between `---` lines (Jekyll style). Only the fields pistream uses are
//! typed; any other key is kept in `extra` so a theme can show it.

use serde::{Deserialize, Serialize};

/// What a page may say about itself. Every field is optional.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FrontMatter {
    pub title: Option<String>,
    /// Free text; TOML dates are kept as written (`2024-05-01`).
    pub date: Option<String>,
    /// Nav order: smaller first; pages without weight come after weighted ones (weight 0 by default).
    pub weight: Option<i64>,
    /// A draft is neither listed nor served.
    pub draft: bool,
    pub description: Option<String>,
    /// Show a table of contents made from the page's headings.
    pub toc: bool,
    /// Every other key, for themes.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// Splits `text` into its front matter and the markdown body after it.
/// Errors name the line (1-based, within the file) where parsing failed.
pub fn split(text: &str) -> Result<(FrontMatter, &str), String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let Some((fence, first)) = ["+++", "---"]
        .into_iter()
        .find_map(|f| opening(text, f).map(|rest| (f, rest)))
    else {
        return Ok((FrontMatter::default(), text));
    };
    let (block, body) = closing(first, fence)
        .ok_or_else(|| format!("front matter opened with `{fence}` on line 1 is never closed"))?;
    let fm = if fence == "+++" {
        let value: toml::Value = toml::from_str(block).map_err(|e| toml_message(&e, block))?;
        from_toml(value)?
    } else if block.trim().is_empty() {
        FrontMatter::default()
    } else {
        let json: serde_json::Value =
            serde_saphyr::from_str(block).map_err(|e| yaml_message(&e))?;
        typed(json)?
    };
    Ok((fm, body))
}

/// The text after the opening fence line, if `text` starts with one.
fn opening<'a>(text: &'a str, fence: &str) -> Option<&'a str> {
    let rest = text.strip_prefix(fence)?;
    let (line, after) = rest.split_once('\n').unwrap_or((rest, ""));
    line.trim().is_empty().then_some(after)
}

/// The block up to the closing fence line and the body after it.
fn closing<'a>(text: &'a str, fence: &str) -> Option<(&'a str, &'a str)> {
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        if line.trim_end() == fence {
            return Some((&text[..at], &text[at + line.len()..]));
        }
        at += line.len();
    }
    None
}

fn yaml_message(e: &serde_saphyr::Error) -> String {
    let mut options = serde_saphyr::RenderOptions::default();
    // One line, with lines counted in the file: the opening fence is line 1.
    options.snippets = serde_saphyr::SnippetMode::Off;
    options.line_offset = 1;
    format!("YAML front matter: {}", e.render_with_options(options))
}

fn toml_message(e: &toml::de::Error, block: &str) -> String {
    match e.span() {
        // +1 for the opening fence line, +1 because lines are 1-based.
        Some(span) => format!(
            "TOML front matter, line {}: {}",
            block[..span.start].matches('\n').count() + 2,
            e.message()
        ),
        None => format!("TOML front matter: {}", e.message()),
    }
}

fn from_toml(value: toml::Value) -> Result<FrontMatter, String> {
    // TOML dates are their own type: turn them into the text the author wrote.
    fn plain(v: toml::Value) -> serde_json::Value {
        match v {
            toml::Value::Datetime(d) => serde_json::Value::String(d.to_string()),
            toml::Value::Array(a) => a.into_iter().map(plain).collect(),
            toml::Value::Table(t) => t.into_iter().map(|(k, v)| (k, plain(v))).collect(),
            other => serde_json::to_value(other).unwrap_or(serde_json::Value::Null),
        }
    }
    typed(plain(value))
}

fn typed(json: serde_json::Value) -> Result<FrontMatter, String> {
    if json.is_null() {
        return Ok(FrontMatter::default());
    }
    serde_json::from_value(json).map_err(|e| format!("front matter: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_front_matter_leaves_the_text_alone() {
        let (fm, body) = split("# Hi\n---\n").unwrap();
        assert_eq!(fm, FrontMatter::default());
        assert_eq!(body, "# Hi\n---\n");
    }

    #[test]
    fn toml_front_matter() {
        let text = "+++\ntitle = \"Setup\"\ndate = 2024-05-01\nweight = 2\ndraft = true\ndescription = \"How\"\ncolour = \"red\"\n+++\nBody\n";
        let (fm, body) = split(text).unwrap();
        assert_eq!(fm.title.as_deref(), Some("Setup"));
        assert_eq!(fm.date.as_deref(), Some("2024-05-01"));
        assert_eq!(fm.weight, Some(2));
        assert!(fm.draft);
        assert_eq!(fm.description.as_deref(), Some("How"));
        assert!(!fm.toc);
        assert_eq!(fm.extra["colour"], "red");
        assert_eq!(body, "Body\n");
    }

    #[test]
    fn yaml_front_matter() {
        let text = "---\ntitle: 关于\nweight: -1\ntoc: true\n---\n正文\n";
        let (fm, body) = split(text).unwrap();
        assert!(fm.toc);
        assert!(fm.extra.is_empty(), "{:?}", fm.extra);
        assert_eq!(fm.title.as_deref(), Some("关于"));
        assert_eq!(fm.weight, Some(-1));
        assert!(!fm.draft);
        assert_eq!(body, "正文\n");
    }

    #[test]
    fn errors_name_the_line() {
        let err = split("+++\ntitle = \"ok\"\nweight = = 3\n+++\n").unwrap_err();
        assert!(err.contains("line 3"), "{err}");
        let err = split("---\ntitle: a\n  bad: [\n---\n").unwrap_err();
        assert!(err.contains("YAML") && err.contains("line 3"), "{err}");
        let err = split("---\ntitle: [unclosed\n---\n").unwrap_err();
        assert!(err.contains("YAML") && err.contains("line 2"), "{err}");
        let err = split("+++\ntitle = \"x\"\n").unwrap_err();
        assert!(err.contains("never closed"), "{err}");
        let err = split("+++\nweight = \"heavy\"\n+++\n").unwrap_err();
        assert!(
            err.contains("weight") || err.contains("invalid type"),
            "{err}"
        );
    }
}
