//! Conditional and partial GETs on every route that serves a stored representation — `/pic`,
//! `/thumbs`, `/theme` and `/content` — over a real server: `If-None-Match` lists and weak tags,
//! `If-Modified-Since` in all three HTTP date formats, `Range` (206 / 416) and `If-Range`.

mod common;

use std::path::Path;

use common::{request, Reply, TestServer};

const GALLERY: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/gallery");
const CONTENT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/site/content");

/// The four routes, each with a resource it serves.
const ROUTES: [&str; 4] = [
    "/pic/2016.jpg",
    "/thumbs/2016.jpg",
    "/theme/style.css",
    "/content/img/dot.svg",
];

fn server() -> TestServer {
    let srv = common::start(|c| common::copy_dir(Path::new(CONTENT), &c.content));
    common::copy_dir(Path::new(GALLERY), &srv.pic);
    srv.running.as_ref().unwrap().app.gallery.refresh().unwrap();
    srv
}

fn get(srv: &TestServer, path: &str, headers: &[(&str, &str)]) -> Reply {
    request(srv.addr, "GET", path, headers, b"")
}

/// The 200 answer and its entity tag.
fn fresh(srv: &TestServer, path: &str) -> (Reply, String) {
    let r = get(srv, path, &[]);
    assert_eq!(r.status, 200, "{path}");
    assert!(r.body.len() > 10, "{path}: a body to take ranges of");
    assert_eq!(r.headers["accept-ranges"], "bytes", "{path}");
    let etag = r.headers["etag"].clone();
    assert!(
        etag.starts_with('"') && etag.ends_with('"'),
        "{path}: {etag}"
    );
    (r, etag)
}

fn assert_not_modified(r: &Reply, etag: &str, what: &str) {
    assert_eq!(r.status, 304, "{what}");
    assert!(r.body.is_empty(), "{what}");
    assert_eq!(
        r.headers["etag"], etag,
        "{what}: a 304 names what is current"
    );
}

#[test]
fn if_none_match_lists_and_weak_tags_hit_on_every_route() {
    let srv = server();
    for path in ROUTES {
        let (_, etag) = fresh(&srv, path);
        for inm in [
            etag.clone(),
            format!("\"x\", {etag}"),
            format!("W/{etag}"),
            format!("\"x\",W/{etag}"),
            "*".to_string(),
        ] {
            let r = get(&srv, path, &[("If-None-Match", &inm)]);
            assert_not_modified(&r, &etag, &format!("{path} with If-None-Match: {inm}"));
        }
        for miss in ["\"x\"", "\"x\", \"y\""] {
            let r = get(&srv, path, &[("If-None-Match", miss)]);
            assert_eq!(r.status, 200, "{path} with If-None-Match: {miss}");
        }
        // Two header lines are one list.
        let r = get(
            &srv,
            path,
            &[("If-None-Match", "\"x\""), ("If-None-Match", &etag)],
        );
        assert_not_modified(&r, &etag, &format!("{path}: two If-None-Match lines"));
    }
}

#[test]
fn if_modified_since_takes_every_http_date_format() {
    let srv = server();
    // Theme assets are compiled in and have no modification time; the others follow a file.
    for path in ["/pic/2016.jpg", "/thumbs/2016.jpg", "/content/img/dot.svg"] {
        let (r, etag) = fresh(&srv, path);
        let lm = r.headers["last-modified"].clone();
        let t = chrono::DateTime::parse_from_rfc2822(&lm).expect("IMF-fixdate");
        let rfc850 = t.format("%A, %d-%b-%y %H:%M:%S GMT").to_string();
        let asctime = t.format("%a %b %e %H:%M:%S %Y").to_string();
        for since in [&lm, &rfc850, &asctime] {
            let r = get(&srv, path, &[("If-Modified-Since", since)]);
            assert_not_modified(&r, &etag, &format!("{path} since {since}"));
        }
        let earlier = (t - chrono::Duration::seconds(1))
            .format("%a, %d %b %Y %H:%M:%S GMT")
            .to_string();
        for changed_or_bad in [earlier.as_str(), "not a date"] {
            let r = get(&srv, path, &[("If-Modified-Since", changed_or_bad)]);
            assert_eq!(r.status, 200, "{path} since {changed_or_bad}");
        }
        // If-None-Match decides when both are sent.
        let r = get(
            &srv,
            path,
            &[("If-None-Match", "\"x\""), ("If-Modified-Since", &lm)],
        );
        assert_eq!(r.status, 200, "{path}: a stale tag wins over the date");
    }
}

#[test]
fn byte_ranges_on_every_route() {
    let srv = server();
    for path in ROUTES {
        let (full, etag) = fresh(&srv, path);
        let n = full.body.len();
        let r = get(&srv, path, &[("Range", "bytes=0-9")]);
        assert_eq!(r.status, 206, "{path}");
        assert_eq!(r.body, full.body[..10], "{path}");
        assert_eq!(
            r.headers["content-range"],
            format!("bytes 0-9/{n}"),
            "{path}"
        );
        let r = get(&srv, path, &[("Range", "bytes=-4")]);
        assert_eq!(
            (r.status, &r.body[..]),
            (206, &full.body[n - 4..]),
            "{path}"
        );
        let r = get(&srv, path, &[("Range", &format!("bytes={n}-"))]);
        assert_eq!(r.status, 416, "{path}");
        assert_eq!(r.headers["content-range"], format!("bytes */{n}"), "{path}");
        let r = get(&srv, path, &[("Range", "bytes=0-1"), ("If-Range", &etag)]);
        assert_eq!(r.status, 206, "{path}: a current If-Range");
        let weak = format!("W/{etag}");
        for stale in ["\"old\"", weak.as_str()] {
            let r = get(&srv, path, &[("Range", "bytes=0-1"), ("If-Range", stale)]);
            assert_eq!(r.status, 200, "{path}: If-Range {stale} gets it all");
            assert_eq!(r.body, full.body, "{path}");
        }
    }
}
