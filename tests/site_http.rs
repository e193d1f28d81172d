//! The site's routes on a real server (mock camera, ephemeral port): pages and their old paths,
//! theme assets with cache validators, content files, gallery and photo pages, path traversal on
//! every route that takes a name, themed error pages, and `/events` announcing an edit.

mod common;

use std::io::BufReader;
use std::net::TcpStream;
use std::path::Path;
use std::time::{Duration, Instant};

use common::sse::read_until;
use common::{request, Reply};
use pistream::config::WatchMode;

/// A server whose content folder is a copy of the site fixtures, watched natively.
fn server() -> common::TestServer {
    common::start(|c| {
        let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/site/content");
        common::copy_dir(&fixtures, &c.content);
        c.watch = WatchMode::Native;
    })
}

fn get(s: &common::TestServer, path: &str) -> Reply {
    request(s.addr, "GET", path, &[("Accept", "text/html")], b"")
}

fn text(r: &Reply) -> String {
    String::from_utf8_lossy(&r.body).into_owned()
}

#[test]
fn pages_are_served_at_their_urls_and_old_paths() {
    let s = server();
    let home = get(&s, "/");
    assert_eq!(home.status, 200);
    assert!(
        home.headers["content-type"].starts_with("text/html"),
        "{:?}",
        home.headers
    );
    assert!(text(&home).contains("Home text.") && text(&home).contains("id=\"stream\""));

    let live = get(&s, "/live?scale=80");
    assert_eq!(live.status, 200);
    assert!(
        text(&live).contains("src=\"/stream?scale&#x3D;80\""),
        "{}",
        text(&live)
    );
    assert_eq!(get(&s, "/video_now").status, 200);
    assert_eq!(get(&s, "/live?scale=big").status, 400);

    let page = get(&s, "/pages/setup");
    assert_eq!(page.status, 200);
    assert!(text(&page).contains("Setup steps"));
    assert_eq!(
        get(&s, "/about/setup").body,
        page.body,
        "the old path serves the same page"
    );
    assert_eq!(get(&s, "/pages/guide/intro").status, 200);
    assert_eq!(
        get(&s, "/pages/%E5%85%B3%E4%BA%8E").status,
        200,
        "a Chinese file name"
    );
    assert_eq!(get(&s, "/pages/draft").status, 404, "drafts are not served");

    let missing = get(&s, "/pages/nope");
    assert_eq!(missing.status, 404);
    assert!(text(&missing).contains("404 · Not found") && text(&missing).contains("nope"));
    let unrouted = get(&s, "/no/such/route");
    assert_eq!(unrouted.status, 404);
    assert!(
        text(&unrouted).contains("class=\"text error\""),
        "themed 404: {}",
        text(&unrouted)
    );
}

#[test]
fn theme_assets_have_validators_and_versioned_urls_are_immutable() {
    let s = server();
    let home = text(&get(&s, "/"));
    let at = home
        .find("/theme/style.css?v=")
        .expect("versioned css link");
    let url: String = home[at..].chars().take_while(|c| *c != '"').collect();

    let versioned = get(&s, &url);
    assert_eq!(versioned.status, 200);
    assert!(versioned.headers["content-type"].starts_with("text/css"));
    assert!(versioned.headers["cache-control"].contains("immutable"));
    let etag = versioned.headers["etag"].clone();

    let bare = get(&s, "/theme/style.css");
    assert_eq!(bare.headers["cache-control"], "no-cache");
    assert_eq!(bare.body, versioned.body);
    let again = request(
        s.addr,
        "GET",
        "/theme/style.css",
        &[("If-None-Match", &etag)],
        b"",
    );
    assert_eq!(again.status, 304);
    assert!(again.body.is_empty());

    assert_eq!(get(&s, "/theme/live.js").status, 200);
    for bad in [
        "/theme/nope.css",
        "/theme/../Cargo.toml",
        "/theme/%2e%2e/%2e%2e/Cargo.toml",
        "/theme/templates/layout.hbs",
    ] {
        assert_eq!(get(&s, bad).status, 404, "{bad}");
    }
}

#[test]
fn content_files_are_served_path_safely() {
    let s = server();
    let dot = get(&s, "/content/img/dot.svg");
    assert_eq!(dot.status, 200);
    assert!(
        dot.headers["content-type"].starts_with("image/svg+xml"),
        "{:?}",
        dot.headers
    );
    for bad in [
        "/content/%2e%2e/pic",
        "/content/img/..%2f..%2fsetup.md",
        "/content/.setup.md.swp",
        "/content/%00",
        "/content/img%5cdot.svg",
    ] {
        let r = get(&s, bad);
        assert!(r.status == 400 || r.status == 404, "{bad}: {}", r.status);
    }
    assert_eq!(
        get(&s, "/content/draft.md").status,
        404,
        "markdown sources stay private"
    );
}

#[test]
fn gallery_and_photo_pages_show_a_photo_just_taken() {
    let s = server();
    assert!(text(&get(&s, "/photos")).contains("No photos yet"));
    let taken = common::take_photo(s.addr);
    assert_eq!(taken.status, 201, "{}", text(&taken));
    let photo = taken.json();
    let name = photo["name"].as_str().unwrap().to_string();
    let page_url = photo["url"].as_str().unwrap().to_string();

    // The watcher refreshes the gallery; poll its page (each look is a real request) until it shows.
    let deadline = Instant::now() + Duration::from_secs(15);
    let gallery = loop {
        let g = text(&get(&s, "/pic_list"));
        if g.contains(&name) || Instant::now() > deadline {
            break g;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(
        gallery.contains(&format!("href=\"{page_url}\"")),
        "{gallery}"
    );
    assert!(
        gallery.contains(&format!("action=\"{page_url}/delete\"")),
        "{gallery}"
    );

    let page = get(&s, &page_url);
    assert_eq!(page.status, 200);
    let html = text(&page);
    assert!(
        html.contains(&format!("<h1>{name}</h1>")) && html.contains("320 × 240"),
        "{html}"
    );
    assert!(html.contains(&format!("download=\"{name}\"")), "{html}");

    assert_eq!(get(&s, "/photos?page=abc").status, 400);
    assert_eq!(get(&s, "/photos?page=9").status, 404);
    for bad in [
        "/photos/..%2f..%2fetc%2fpasswd",
        "/photos/%2e%2e%2fCargo.toml",
        "/photos/.hidden.jpg",
        "/photos/a%5cb.jpg",
        "/photos/x%00.jpg",
    ] {
        let r = get(&s, bad);
        assert!(r.status == 400 || r.status == 404, "{bad}: {}", r.status);
        assert!(text(&r).contains("class=\"text error\""), "{bad}: themed");
    }
    assert_eq!(get(&s, "/photos/missing.jpg").status, 404);
}

#[test]
fn browser_errors_get_the_themed_page_and_api_clients_do_not() {
    let s = server();
    let html = request(
        s.addr,
        "POST",
        "/photos/missing.jpg/delete",
        &[("Accept", "text/html")],
        b"",
    );
    assert_eq!(html.status, 404);
    assert!(text(&html).contains("404 · Not found"), "{}", text(&html));
    let api = request(
        s.addr,
        "POST",
        "/photos/missing.jpg/delete",
        &[("Accept", "application/json")],
        b"",
    );
    assert_eq!(api.status, 404);
    assert!(!text(&api).contains("<html"), "{}", text(&api));
}

#[test]
fn events_announce_an_edit_to_open_pages() {
    let s = server();
    let content = s.pic.parent().unwrap().join("content");
    // The number the page was rendered at, as the layout hands it to site.js.
    let page = text(&get(&s, "/pages/setup"));
    let at = page
        .find("data-events-since=\"")
        .expect("events_since in the page")
        + 19;
    let since: String = page[at..]
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .collect();

    let mut r = open_events(&s, "/events");
    std::fs::write(content.join("setup.md"), "# Setup\n\nedited over HTTP\n").unwrap();
    read_until(&mut r, "data: page:setup");
    assert!(text(&get(&s, "/pages/setup")).contains("edited over HTTP"));

    // A page rendered before the edit whose EventSource connects only now still hears of it.
    let mut late = open_events(&s, &format!("/events?since={since}"));
    read_until(&mut late, "data: page:setup");
}

/// Opens an SSE stream and reads up to its greeting (so the subscription exists).
fn open_events(s: &common::TestServer, path: &str) -> BufReader<TcpStream> {
    let (r, headers) = common::sse::open(s.addr, path);
    assert_eq!(headers["content-type"], "text/event-stream");
    r
}

#[test]
fn hostile_photo_names_work_from_gallery_to_photo_page() {
    let s = server();
    let taken = common::take_photo(s.addr);
    assert_eq!(taken.status, 201);
    let photo = taken.json();
    let jpeg = std::fs::read(s.pic.join(photo["name"].as_str().unwrap())).unwrap();
    let names = [
        "with space.jpg",
        "中文照片.jpg",
        "emoji 📷.jpg",
        "hash#1.jpg",
        "100%.jpg",
        "what?.jpg",
        "a&b<c>.jpg",
    ];
    for n in names {
        std::fs::write(s.pic.join(n), &jpeg).unwrap();
    }
    let deadline = Instant::now() + Duration::from_secs(15);
    let gallery = loop {
        let g = text(&get(&s, "/photos"));
        if g.contains("class=\"count\">8<") || Instant::now() > deadline {
            break g;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(gallery.contains("class=\"count\">8<"), "{gallery}");
    for n in names {
        let url = format!("/photos/{}", pistream::gallery::encode_name(n));
        assert!(
            gallery.contains(&format!("href=\"{url}\"")),
            "{n}: {gallery}"
        );
        let page = get(&s, &url);
        assert_eq!(page.status, 200, "{n}");
        let escaped = n
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;");
        assert!(
            text(&page).contains(&format!("<h1>{escaped}</h1>")),
            "{n}: {}",
            text(&page)
        );
        assert!(!text(&page).contains("<c>"), "names are escaped");
    }
}
