//! The `Allow` header of a 405: which methods a path takes. tide's router answers 405 for a known
//! path and another method but does not say which methods it takes, and a method nobody knows
//! never reaches it; both answers take their `Allow` from here. Every route answers GET (and HEAD,
//! tide's fallback) except the few below: keep this table next to the POST routes it names
//! (tests/hostile.rs checks each listed method is routed).

/// Paths taking GET and POST.
const GET_AND_POST: [&str; 4] = [
    "/photos",
    "/api/controls",
    "/api/timelapse",
    "/api/timelapse/video",
];
/// POST-only paths (the grid's selection, cancelling a timelapse video).
const POST_ONLY: [&str; 3] = [
    "/selection/delete",
    "/selection/zip",
    "/api/timelapse/video/cancel",
];

/// The value of `Allow` for `path`.
pub fn methods_for(path: &str) -> &'static str {
    let path = path.split(['?', '#']).next().unwrap_or("");
    if GET_AND_POST.contains(&path) {
        return "GET, HEAD, POST";
    }
    if POST_ONLY.contains(&path) {
        return "POST";
    }
    // `/photos/PATH/delete` (PATH: a photo, maybe in albums) is POST-only too.
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    if let ["photos", name @ .., "delete"] = segments.as_slice() {
        if !name.is_empty() && name.iter().all(|s| !s.is_empty()) {
            return "POST";
        }
    }
    "GET, HEAD"
}

#[cfg(test)]
mod tests {
    use super::methods_for;

    #[test]
    fn the_few_post_routes_say_so() {
        assert_eq!(methods_for("/photos"), "GET, HEAD, POST");
        assert_eq!(methods_for("/api/controls?x=1"), "GET, HEAD, POST");
        assert_eq!(methods_for("/photos/a.jpg/delete"), "POST");
        assert_eq!(methods_for("/photos/day/a.jpg/delete"), "POST");
        assert_eq!(methods_for("/selection/zip"), "POST");
        assert_eq!(methods_for("/albums/day"), "GET, HEAD");
        assert_eq!(methods_for("/photos/a.jpg"), "GET, HEAD");
        assert_eq!(methods_for("/photos//delete"), "GET, HEAD");
        assert_eq!(methods_for("/stream"), "GET, HEAD");
        assert_eq!(methods_for("/api/timelapse"), "GET, HEAD, POST");
        assert_eq!(methods_for("/api/timelapse/video/cancel"), "POST");
    }
}
