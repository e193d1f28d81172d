//! Entity-tag lists as `If-None-Match` carries them: `*`, several tags, weak tags, commas inside
//! quoted tags.

/// True when an `If-None-Match` field value names `etag`: `*`, or any listed tag equal under
/// weak comparison (RFC 9110 §8.8.3.2: `W/"a"` and `"a"` are the same).
pub fn none_match_hits(list: &str, etag: &str) -> bool {
    let opaque = |t: &str| t.trim().trim_start_matches("W/").to_owned();
    let ours = opaque(etag);
    list.trim() == "*" || split_tags(list).any(|t| opaque(t) == ours)
}

/// The entity tags of a list. Commas inside a quoted tag do not split it.
fn split_tags(list: &str) -> impl Iterator<Item = &str> {
    let mut rest = list;
    std::iter::from_fn(move || loop {
        rest = rest.trim_start_matches([' ', '\t', ',']);
        if rest.is_empty() {
            return None;
        }
        let start = rest;
        let after_prefix = rest.strip_prefix("W/").unwrap_or(rest);
        let end = match after_prefix.strip_prefix('"') {
            // The closing quote ends the tag.
            Some(inner) => inner
                .find('"')
                .map(|i| start.len() - inner.len() + i + 1)
                .unwrap_or(start.len()),
            // Not a valid tag: it runs to the next comma and matches nothing of ours.
            None => start.find(',').unwrap_or(start.len()),
        };
        rest = &start[end..];
        let tag = start[..end].trim();
        if !tag.is_empty() {
            return Some(tag);
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_none_match_lists_weak_tags_and_star() {
        let tag = "\"a-1\"";
        for hit in [
            "\"a-1\"",
            "W/\"a-1\"",
            "\"x\", \"a-1\"",
            "\"x\",W/\"a-1\"",
            " \"x\" ,  \"a-1\" ",
            "*",
            "\"with,comma\", \"a-1\"",
        ] {
            assert!(none_match_hits(hit, tag), "{hit}");
        }
        for miss in [
            "\"a\"",
            "\"a-1",
            "a-1",
            "\"x\", \"a-10\"",
            "\"with,\"a-1\"\"",
            "",
        ] {
            assert!(!none_match_hits(miss, tag), "{miss}");
        }
        assert!(none_match_hits("\"a-1\"", "W/\"a-1\""), "weak both ways");
    }
}
