//! Pages that show the camera, and search, on a real server (mock camera, ephemeral port) over
//! the fixture folder tests/fixtures/pages: each kind of camera embed and the inline error box of
//! a bad one, a photos embed that follows the gallery, the table of contents, previous/next in
//! nav order; search ranking, highlighting and escaping, Chinese inside a sentence, photo names,
//! the result limit, the query limit, and search following an edit of the content folder.

mod common;

use std::path::Path;
use std::time::{Duration, SystemTime};

use common::sse::read_until;
use common::{request, Reply};
use pistream::config::WatchMode;

/// Puts a photo named `name` into `pic`, `age` seconds old (the gallery lists newest first).
fn photo(pic: &Path, name: &str, age: u64) {
    let frame = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/frames/frame000.jpg");
    let path = pic.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::copy(frame, &path).unwrap();
    let file = std::fs::File::options().write(true).open(&path).unwrap();
    file.set_modified(SystemTime::now() - Duration::from_secs(age))
        .unwrap();
}

/// A server over the page fixtures, watched natively, with the photos `names` (oldest last).
fn server(names: &[&str]) -> common::TestServer {
    let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
    common::start(move |c| {
        let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pages/content");
        common::copy_dir(&fixtures, &c.content);
        std::fs::create_dir_all(&c.pic).unwrap();
        for (i, n) in names.iter().enumerate() {
            photo(&c.pic, n, 100 + i as u64 * 10);
        }
        c.watch = WatchMode::Native;
    })
}

fn get(s: &common::TestServer, path: &str) -> Reply {
    request(s.addr, "GET", path, &[("Accept", "text/html")], b"")
}

fn page(s: &common::TestServer, path: &str) -> String {
    let r = get(s, path);
    assert_eq!(
        r.status,
        200,
        "{path}: {}",
        String::from_utf8_lossy(&r.body)
    );
    String::from_utf8(r.body).unwrap()
}

/// `/search?q=…` with `q` form-encoded.
fn search(s: &common::TestServer, q: &str) -> String {
    let q: String = form_urlencoded::byte_serialize(q.as_bytes()).collect();
    page(s, &format!("/search?q={q}"))
}

/// The titles of the results, in order, markup removed.
fn result_titles(html: &str) -> Vec<String> {
    html.split("class=\"result-title\">")
        .skip(1)
        .map(|rest| {
            let title = &rest[..rest.find("</a>").unwrap()];
            title.replace("<mark>", "").replace("</mark>", "")
        })
        .collect()
}

/// The `<figure>` of embed `id` on `html`.
fn figure<'a>(html: &'a str, id: &str) -> &'a str {
    let id_at = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("{id} in {html}"));
    let at = html[..id_at].rfind("<figure").unwrap();
    &html[at..at + html[at..].find("</figure>").unwrap()]
}

#[test]
fn each_kind_of_embed_renders_and_bad_ones_show_an_error_box() {
    let s = server(&["old.jpg", "older.jpg", "oldest.jpg"]);
    let html = page(&s, "/pages/camera");
    let album = figure(&html, "embed-4");
    assert!(
        album.contains("No photos in timelapse/2024-05-01 yet"),
        "{album}"
    );

    let live = figure(&html, "embed-1");
    assert!(live.contains("class=\"embed embed-live\""), "{live}");
    assert!(
        live.contains("src=\"/stream?width&#x3D;160&amp;quality&#x3D;50\""),
        "{live}"
    );
    assert!(live.contains("The garden, live"), "{live}");
    // The stream the embed points at is a real variant of the camera: its frames are 160 wide.
    let mut mjpeg = common::MjpegClient::open(s.addr, "/stream?width=160&quality=50", false);
    let part = mjpeg.next_part().expect("a frame");
    assert_eq!(common::decode(&part.jpeg).0, 160);

    let snapshot = figure(&html, "embed-2");
    assert!(
        snapshot.contains("src=\"/snapshot.jpg\" data-refresh=\"2\""),
        "{snapshot}"
    );
    // What the theme's script asks for every 2 s: the snapshot with a stamp that beats caches.
    let shot = request(s.addr, "GET", "/snapshot.jpg?t=1700000000000", &[], b"");
    assert_eq!(shot.status, 200);
    assert_eq!(shot.headers["content-type"], "image/jpeg");

    let photos = figure(&html, "embed-3");
    assert_eq!(photos.matches("class=\"card\"").count(), 2, "{photos}");
    assert!(
        photos.find("data-name=\"old.jpg\"") < photos.find("data-name=\"older.jpg\"")
            && photos.find("data-name=\"old.jpg\"").is_some(),
        "the newest two, newest first: {photos}"
    );
    assert!(!photos.contains("oldest.jpg"), "{photos}");
    let album = figure(&html, "embed-4");
    assert!(
        album.contains("No photos in timelapse/2024-05-01 yet"),
        "{album}"
    );

    // Bad parameters: a clear box each, the page around them intact.
    // (Handlebars escapes ` and = too.)
    let unescaped = html.replace("&#x60;", "`").replace("&#x3D;", "=");
    let errors: Vec<&str> = unescaped
        .split("class=\"embed embed-error\"")
        .skip(1)
        .collect();
    assert_eq!(errors.len(), 3, "{html}");
    assert!(errors[0].contains("`every` must be a whole number from 1 to 3600, not `0`"));
    assert!(errors[1].contains("`show = movie`"), "{}", errors[1]);
    assert!(
        errors[2].contains("`album = ../../etc` is not an album name"),
        "{}",
        errors[2]
    );
    assert!(
        errors[2].contains("<pre><code>show = photos\nalbum = ../../etc</code></pre>"),
        "{}",
        errors[2]
    );
    assert!(html.contains("An ordinary code block stays one."));
    assert!(html.contains("class=\"language-rust\""), "{html}");
}

#[test]
fn a_photos_embed_follows_the_gallery() {
    let s = server(&["old.jpg", "older.jpg"]);
    let html = page(&s, "/pages/camera");
    // The page reloads itself when the gallery changes, as the gallery page does.
    assert!(
        html.contains("data-reload=\"theme site page:camera gallery\""),
        "{html}"
    );
    // What the open page hears: the gallery changed, after it has rescanned.
    let (mut events, _) = common::sse::open(s.addr, "/events");
    let taken = common::take_photo(s.addr);
    assert_eq!(taken.status, 201);
    read_until(&mut events, "data: gallery");
    let name = taken.json()["name"].as_str().unwrap().to_string();
    let html = page(&s, "/pages/camera");
    let photos = figure(&html, "embed-3");
    assert!(
        photos.contains(&format!("data-name=\"{name}\"")) && photos.contains("old.jpg"),
        "the photo just taken, then the newest before it: {photos}"
    );
    assert!(!photos.contains("older.jpg"), "{photos}");
    // An album's photos, linked to the album.
    let s2 = server(&["timelapse/2024-05-01/120000.jpg", "top.jpg"]);
    let html = page(&s2, "/pages/camera");
    let album = figure(&html, "embed-4");
    assert!(
        album.contains("data-name=\"timelapse/2024-05-01/120000.jpg\"")
            && !album.contains("top.jpg"),
        "{album}"
    );
    assert!(
        album.contains("href=\"/albums/timelapse/2024-05-01\""),
        "{album}"
    );
    assert!(
        search(&s2, "2024-05-01").contains("timelapse/<mark>2024-05-01</mark>/120000.jpg"),
        "album photos are searched"
    );
    // A page without a photos embed does not reload for photos.
    assert!(page(&s, "/pages/birds").contains("data-reload=\"theme site page:birds\""));
}

#[test]
fn table_of_contents_and_previous_next_in_nav_order() {
    let s = server(&[]);
    let html = page(&s, "/pages/camera");
    let toc_at = html
        .find("<nav class=\"toc\"")
        .expect("a table of contents");
    let h1_at = html.find("<h1 id=\"camera\">").unwrap();
    let first_text = html.find("How the camera shows itself").unwrap();
    assert!(h1_at < toc_at && toc_at < first_text, "after the title");
    let toc = &html[toc_at..toc_at + html[toc_at..].find("</nav>").unwrap()];
    let links: Vec<&str> = toc
        .split("href=\"")
        .skip(1)
        .map(|r| &r[..r.find('"').unwrap()])
        .collect();
    assert_eq!(
        links,
        ["#live", "#snapshot", "#latest-photos", "#mistakes"],
        "{toc}"
    );
    assert!(toc.contains("class=\"toc-3\"><a href=\"#latest-photos\">Latest photos</a>"));
    for id in ["live", "snapshot", "latest-photos", "mistakes"] {
        assert!(html.contains(&format!(" id=\"{id}\">")), "{id}");
    }
    // toc is opt-in.
    assert!(!page(&s, "/pages/birds").contains("class=\"toc\""));

    // Nav order is weight order: Camera, 花园, Birds, Feeder, Notes.
    let nav = |path: &str| {
        let html = page(&s, path);
        let link = |rel: &str| {
            html.find(&format!("rel=\"{rel}\" href=\"")).map(|at| {
                let rest = &html[at + rel.len() + 13..];
                rest[..rest.find('"').unwrap()].to_string()
            })
        };
        (link("prev"), link("next"))
    };
    assert_eq!(nav("/pages/camera"), (None, Some("/pages/garden".into())));
    assert_eq!(
        nav("/pages/birds"),
        (Some("/pages/garden".into()), Some("/pages/feeder".into()))
    );
    assert_eq!(nav("/pages/notes"), (Some("/pages/feeder".into()), None));
    let birds = page(&s, "/pages/birds");
    assert!(birds.contains(">← 花园</a>") && birds.contains(">Feeder →</a>"));
}

#[test]
fn search_ranks_title_hits_first_then_more_hits_and_highlights() {
    let s = server(&["bird-feeder.jpg", "lens.jpg"]);
    let html = search(&s, "bird");
    assert_eq!(
        result_titles(&html),
        ["Birds", "bird-feeder.jpg", "Feeder", "花园", "Notes"],
        "{html}"
    );
    assert!(html.contains("5 results for “bird”"), "{html}");
    assert!(
        html.contains("href=\"/pages/birds\" class=\"result-title\"><mark>Bird</mark>s</a>"),
        "{html}"
    );
    assert!(
        html.contains(
            "The feeder: <mark>bird</mark> after <mark>bird</mark> after <mark>bird</mark>."
        ),
        "{html}"
    );
    assert!(
        html.contains("src=\"/thumbs/bird-feeder.jpg\""),
        "photo results show a thumbnail: {html}"
    );
    // Case and width fold: the same results, in the same order.
    assert_eq!(result_titles(&search(&s, "ＢＩＲＤ")), result_titles(&html));
    // Every term must be found; both count.
    assert_eq!(result_titles(&search(&s, "bird lens")), ["Notes"]);
    assert!(search(&s, "zebra").contains("Nothing found for “zebra”"));
    // The header of every page has the search box.
    for path in ["/", "/live", "/photos", "/pages/birds"] {
        assert!(
            page(&s, path)
                .contains("<form class=\"search-box\" role=\"search\" action=\"/search\">"),
            "{path}"
        );
    }
    assert!(page(&s, "/search").contains("<h1>Search</h1>"));
}

#[test]
fn search_escapes_the_query_and_finds_chinese_inside_a_sentence() {
    let s = server(&["花园 摄像头.jpg"]);
    let html = search(&s, "<script>");
    assert_eq!(result_titles(&html), ["Feeder"], "{html}");
    assert!(
        html.contains("<mark>&lt;script&gt;</mark>alert(1)&lt;/script&gt;"),
        "{html}"
    );
    assert!(!html.contains("<script>alert"), "{html}");
    assert!(
        html.contains("value=\"&lt;script&gt;\""),
        "the box shows the query, escaped: {html}"
    );

    let html = search(&s, "摄像头");
    assert_eq!(result_titles(&html), ["花园 摄像头.jpg", "花园"], "{html}");
    assert!(html.contains("我们的<mark>摄像头</mark>在花园里"), "{html}");
    assert!(html.contains("花园 <mark>摄像头</mark>.jpg"), "{html}");
    // One character inside a word: the page has it in its title and its text, the photo once.
    assert_eq!(
        result_titles(&search(&s, "园")),
        ["花园", "花园 摄像头.jpg"]
    );
}

#[test]
fn search_is_bounded() {
    let names: Vec<String> = (0..55).map(|i| format!("many {i:02}.jpg")).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let s = server(&names);
    let html = search(&s, "many");
    assert!(html.contains("The best 50 of 55 results"), "{html}");
    assert_eq!(result_titles(&html).len(), 50);
    assert_eq!(result_titles(&html)[0], "many 00.jpg", "newest first");

    let long = "x".repeat(201);
    let r = get(&s, &format!("/search?q={long}"));
    assert_eq!(r.status, 400);
    assert!(
        String::from_utf8_lossy(&r.body).contains("at most 200 characters"),
        "{}",
        String::from_utf8_lossy(&r.body)
    );
    assert_eq!(
        get(&s, &format!("/search?q={}", "x".repeat(200))).status,
        200
    );
    // Not UTF-8: decoded with replacement characters, searched, nothing found.
    assert_eq!(get(&s, "/search?q=%FF%FE").status, 200);
}

#[test]
fn search_sees_an_edit_as_soon_as_the_site_is_rebuilt() {
    let s = server(&[]);
    let content = s.pic.parent().unwrap().join("content");
    assert!(search(&s, "tawny").contains("Nothing found"));

    let (mut events, _) = common::sse::open(s.addr, "/events");
    std::fs::write(
        content.join("owl.md"),
        "# Owl\n\nA tawny owl calls at night.\n",
    )
    .unwrap();
    read_until(&mut events, "data: page:owl");
    let html = search(&s, "tawny");
    assert_eq!(result_titles(&html), ["Owl"], "{html}");
    // The results page reloads when a page it lists changes.
    assert!(html.contains("page:owl"), "{html}");

    std::fs::write(content.join("owl.md"), "# Owl\n\nA barn owl nests here.\n").unwrap();
    read_until(&mut events, "data: page:owl");
    assert!(search(&s, "tawny").contains("Nothing found"));
    assert_eq!(result_titles(&search(&s, "barn")), ["Owl"]);

    std::fs::remove_file(content.join("owl.md")).unwrap();
    read_until(&mut events, "data: page:owl");
    assert!(search(&s, "owl").contains("Nothing found"));
}
