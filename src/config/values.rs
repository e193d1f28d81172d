//! The checks behind the numeric and origin flags (clap `value_parser`s): each turns one flag's text
//! into its value or a one-line reason clap prints beside the flag's name. Separate from the flag
//! list so that the list reads as what can be set, and these as what is accepted.

pub(super) fn parse_fps(s: &str) -> Result<f64, String> {
    let v: f64 = s.parse().map_err(|_| format!("`{s}` is not a number"))?;
    if v.is_finite() && (0.1..=240.0).contains(&v) {
        Ok(v)
    } else {
        Err(format!("{v} is outside 0.1..=240"))
    }
}

pub(super) fn parse_positive_seconds(s: &str) -> Result<f64, String> {
    match parse_seconds(s)? {
        v if v > 0.0 => Ok(v),
        v => Err(format!("{v} is not a positive number of seconds")),
    }
}

/// `scheme://host[:port]`, lower-cased, as browsers send it in `Origin`.
pub(super) fn parse_origin(s: &str) -> Result<String, String> {
    let lower = s.trim().trim_end_matches('/').to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"))
        .ok_or_else(|| format!("`{s}` is not an origin like https://host[:port]"))?;
    if rest.is_empty() || rest.contains(['/', '?', '#', '@', ' ']) {
        return Err(format!("`{s}` is not an origin like https://host[:port]"));
    }
    Ok(lower)
}

pub(super) fn parse_seconds(s: &str) -> Result<f64, String> {
    let v: f64 = s
        .parse()
        .map_err(|_| format!("`{s}` is not a number of seconds"))?;
    if v.is_finite() && (0.0..=86_400.0).contains(&v) {
        Ok(v)
    } else {
        Err(format!("{v} is outside 0..=86400 seconds"))
    }
}
