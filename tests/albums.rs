//! Albums over a real server (issue 11.2/11.3): sub-folders of the photo folder are albums with
//! counts and covers, nested two levels like the timelapse days; photo pages, files, thumbnails,
//! medium renditions and delete take album paths; downloads are attachments; the grid's selection
//! deletes several in one POST and downloads as a ZIP, as does a whole album — ZIPs fetched over
//! HTTP and read back with the zip crate, entry by entry against the files on disk.
// Unix-only: a fixture is a symlinked album (which Windows creates only with admin rights).
// tests/unix_only_paths.rs requires this cfg.
#![cfg(unix)]

mod common;

use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::time::{Duration, SystemTime};

use common::{request, Reply, TestServer};

const JPEG: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/gallery/2016.jpg"
);
const BIG: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/gallery/big 800x600.jpg"
);

/// Sets a file's modification time, so the order (newest first) is known.
fn touch(path: &Path, secs: u64) {
    let f = fs::File::options().write(true).open(path).unwrap();
    f.set_modified(SystemTime::UNIX_EPOCH + Duration::from_secs(secs))
        .unwrap();
}

fn put(pic: &Path, name: &str, secs: u64) {
    let path = pic.join(name);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::copy(JPEG, &path).unwrap();
    touch(&path, secs);
}

/// top.jpg; timelapse/2024-05-01/{a,b}.jpg, timelapse/2024-05-02/c d.jpg; trip/#1.jpg; an
/// empty album; a hidden folder; a symlinked album leading outside with a photo in it.
fn server() -> TestServer {
    let srv = common::start(|_| {});
    let pic = srv.pic.clone();
    put(&pic, "top.jpg", 1_700_000_500);
    put(&pic, "timelapse/2024-05-01/a.jpg", 1_700_000_100);
    put(&pic, "timelapse/2024-05-01/b.jpg", 1_700_000_200);
    put(&pic, "timelapse/2024-05-02/c d.jpg", 1_700_000_300);
    put(&pic, "trip/#1.jpg", 1_700_000_050);
    fs::create_dir_all(pic.join("empty")).unwrap();
    put(&pic, ".private/secret.jpg", 1_700_000_900);
    let outside = pic.parent().unwrap().join("outside");
    put(&outside, "leak.jpg", 1_700_000_999);
    std::os::unix::fs::symlink(&outside, pic.join("linked")).unwrap();
    srv.running.as_ref().unwrap().app.gallery.refresh().unwrap();
    srv
}

fn get(srv: &TestServer, path: &str) -> Reply {
    request(srv.addr, "GET", path, &[("Accept", "text/html")], b"")
}

fn text(r: &Reply) -> String {
    String::from_utf8_lossy(&r.body).into_owned()
}

#[test]
fn albums_are_listed_with_counts_and_covers_and_nest() {
    let srv = server();
    let top = get(&srv, "/photos");
    assert_eq!(top.status, 200);
    let html = text(&top);
    // The top level: its own photo and three albums (the hidden and the linked folder are not).
    assert!(html.contains("data-name=\"top.jpg\""), "{html}");
    assert!(
        !html.contains("data-name=\"timelapse/"),
        "album photos stay in albums"
    );
    for album in ["timelapse", "trip", "empty"] {
        assert!(html.contains(&format!("data-album=\"{album}\"")), "{album}");
    }
    assert!(!html.contains("private") && !html.contains("linked") && !html.contains("leak"));
    assert!(
        html.contains("3 photos · 2 albums"),
        "timelapse counts its days' photos"
    );
    // Its cover is the newest photo in it, from the newer day.
    assert!(
        html.contains("/thumbs/timelapse/2024-05-02/c%20d.jpg"),
        "{html}"
    );
    // The timelapse album lists its days, newest first; a day lists its photos.
    let tl = text(&get(&srv, "/albums/timelapse"));
    let (d2, d1) = (
        tl.find("data-album=\"timelapse/2024-05-02\"").unwrap(),
        tl.find("data-album=\"timelapse/2024-05-01\"").unwrap(),
    );
    assert!(d2 < d1, "newest day first");
    let day = get(&srv, "/albums/timelapse/2024-05-01");
    assert_eq!(day.status, 200);
    let day = text(&day);
    let (b, a) = (
        day.find("data-name=\"timelapse/2024-05-01/b.jpg\"")
            .unwrap(),
        day.find("data-name=\"timelapse/2024-05-01/a.jpg\"")
            .unwrap(),
    );
    assert!(b < a, "newest photo first");
    assert!(
        day.contains("href=\"/albums/timelapse\""),
        "a crumb back up"
    );
    // Missing, hidden, linked and hostile albums: 404 or 400, never a listing.
    for (path, status) in [
        ("/albums/nope", 404),
        ("/albums/.private", 400),
        ("/albums/linked", 404),
        ("/albums/timelapse/..%2f..%2f", 400),
        ("/albums/trip%2f..", 400),
    ] {
        assert_eq!(get(&srv, path).status, status, "{path}");
    }
    // A folder made after the last scan (a new timelapse day) is found, not a 404.
    put(&srv.pic, "timelapse/2024-05-03/new.jpg", 1_700_000_400);
    let fresh = get(&srv, "/albums/timelapse/2024-05-03");
    assert_eq!(fresh.status, 200);
    assert!(text(&fresh).contains("new.jpg"));
}

#[test]
fn album_photos_have_pages_files_renditions_and_downloads() {
    let srv = server();
    let page = get(&srv, "/photos/timelapse/2024-05-01/a.jpg");
    assert_eq!(page.status, 200);
    let html = text(&page);
    // Neighbours are in the same album only; the album link leads back to it.
    assert!(
        html.contains("data-prev=\"/photos/timelapse/2024-05-01/b.jpg\""),
        "{html}"
    );
    assert!(
        html.contains("data-next=\"\""),
        "a.jpg is the album's oldest"
    );
    // (Handlebars writes `=` in attributes as `&#x3D;`.)
    assert!(
        html.contains("href=\"/albums/timelapse/2024-05-01?page&#x3D;1\""),
        "{html}"
    );
    // The viewer shows the medium rendition, with srcset for the browser to choose from (this
    // 64x48 photo: its thumbnail is all there is).
    assert!(html.contains("src=\"/medium/timelapse/2024-05-01/a.jpg\""));
    assert!(
        html.contains("srcset=\"/thumbs/timelapse/2024-05-01/a.jpg 64w\""),
        "{}",
        &html[html.find("id=\"shown\"").unwrap_or(0)..][..300]
    );
    let file = get(&srv, "/pic/timelapse/2024-05-02/c%20d.jpg");
    assert_eq!(file.status, 200);
    assert_eq!(file.body, fs::read(JPEG).unwrap());
    assert!(!file.headers.contains_key("content-disposition"));
    let download = get(&srv, "/pic/timelapse/2024-05-02/c%20d.jpg?download=1");
    assert_eq!(
        download.headers["content-disposition"],
        "attachment; filename=\"c d.jpg\"; filename*=UTF-8''c%20d.jpg"
    );
    assert_eq!(download.body, file.body);
    let thumb = get(&srv, "/thumbs/trip/%231.jpg");
    assert_eq!(thumb.status, 200);
    assert_eq!(
        common::decode(&thumb.body),
        (64, 48),
        "a small photo is not blown up"
    );
    // The medium rendition: at most 1280 px, made once, then from the cache.
    fs::copy(BIG, srv.pic.join("trip/big.jpg")).unwrap();
    let app = &srv.running.as_ref().unwrap().app;
    let made = app.gallery.mediums_made();
    let medium = get(&srv, "/medium/trip/big.jpg");
    assert_eq!(medium.status, 200);
    assert_eq!(
        common::decode(&medium.body),
        (800, 600),
        "smaller than 1280: as is"
    );
    assert_eq!(get(&srv, "/medium/trip/big.jpg").body, medium.body);
    assert_eq!(
        app.gallery.mediums_made(),
        made + 1,
        "the second came from the cache"
    );
    assert!(srv.pic.join(".medium").is_dir());
    // Through a symlinked album or into a hidden one: as if not there.
    for path in [
        "/pic/linked/leak.jpg",
        "/thumbs/linked/leak.jpg",
        "/medium/linked/leak.jpg",
        "/photos/linked/leak.jpg",
        "/pic/.private/secret.jpg",
        "/pic/trip/..%2ftop.jpg",
    ] {
        let r = get(&srv, path);
        assert!(matches!(r.status, 400 | 404), "{path}: {}", r.status_line);
    }
}

#[test]
fn delete_one_and_several_in_albums() {
    let srv = server();
    let r = request(srv.addr, "POST", "/photos/trip/%231.jpg/delete", &[], b"");
    assert_eq!(r.status, 303);
    assert_eq!(r.headers["location"], "/albums/trip", "back to its album");
    assert!(!srv.pic.join("trip/#1.jpg").exists());
    // One bad name in a selection: nothing at all is deleted.
    let bad = request(
        srv.addr,
        "POST",
        "/selection/delete",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        b"name=top.jpg&name=timelapse%2F..%2F..%2Fcanary.jpg",
    );
    assert_eq!(bad.status, 400, "{}", text(&bad));
    assert!(srv.pic.join("top.jpg").exists());
    // A selection: one POST deletes exactly those; a name already gone is reported, not an error.
    let form = "album=timelapse%2F2024-05-01&name=timelapse%2F2024-05-01%2Fa.jpg\
                &name=timelapse%2F2024-05-01%2Fb.jpg&name=timelapse%2F2024-05-01%2Fgone.jpg";
    let r = request(
        srv.addr,
        "POST",
        "/selection/delete",
        &[
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("Accept", "application/json"),
        ],
        form.as_bytes(),
    );
    assert_eq!(r.status, 200, "{}", text(&r));
    let done: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(done["deleted"].as_array().unwrap().len(), 2, "{done}");
    assert_eq!(done["missing"][0], "timelapse/2024-05-01/gone.jpg");
    assert!(fs::read_dir(srv.pic.join("timelapse/2024-05-01"))
        .unwrap()
        .next()
        .is_none());
    assert!(
        srv.pic.join("timelapse/2024-05-02/c d.jpg").exists(),
        "others stay"
    );
    assert!(srv.pic.join("top.jpg").exists());
    // Without JavaScript the form posts and is sent back to the album.
    let r = request(
        srv.addr,
        "POST",
        "/selection/delete",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        b"album=timelapse&name=timelapse%2F2024-05-02%2Fc+d.jpg",
    );
    assert_eq!(
        (r.status, r.headers["location"].as_str()),
        (303, "/albums/timelapse")
    );
    let empty = request(srv.addr, "POST", "/selection/delete", &[], b"");
    assert_eq!(empty.status, 400);
    assert!(text(&empty).contains("Select at least one photo"));
}

/// A GET read to the end, the body de-chunked (the ZIP's length is not known in advance).
fn fetch(srv: &TestServer, method: &str, path: &str, form: &str) -> (u16, String, Vec<u8>) {
    let mut s = TcpStream::connect(srv.addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: \
         application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{form}",
        form.len()
    )
    .unwrap();
    let mut r = BufReader::new(s);
    let (_, status, headers) = common::read_head(&mut r).unwrap();
    let mut body = Vec::new();
    if status != 200 {
        r.read_to_end(&mut body).unwrap();
        return (status, String::new(), body);
    }
    assert!(
        !headers.contains_key("content-length"),
        "streamed, not buffered to learn its length: {headers:?}"
    );
    if headers.get("transfer-encoding").map(String::as_str) != Some("chunked") {
        // `Connection: close` asked: the end of the body is the end of the connection.
        r.read_to_end(&mut body).unwrap();
        return (status, headers["content-disposition"].clone(), body);
    }
    loop {
        let mut line = String::new();
        r.read_line(&mut line).unwrap();
        let n = usize::from_str_radix(line.trim(), 16).unwrap();
        let mut chunk = vec![0; n + 2];
        r.read_exact(&mut chunk).unwrap();
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    (status, headers["content-disposition"].clone(), body)
}

/// The entries of a ZIP: (name, bytes), in archive order.
fn entries(zip: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut a = zip::ZipArchive::new(std::io::Cursor::new(zip)).expect("a whole ZIP");
    (0..a.len())
        .map(|i| {
            let mut f = a.by_index(i).unwrap();
            let name = f.name().unwrap().to_string();
            assert!(f.enclosed_name().is_some(), "{name} stays inside");
            let mut b = Vec::new();
            f.read_to_end(&mut b).unwrap();
            (name, b)
        })
        .collect()
}

#[test]
fn zips_of_an_album_and_of_a_selection_hold_exactly_the_files() {
    let srv = server();
    fs::copy(BIG, srv.pic.join("timelapse/2024-05-02/big.jpg")).unwrap();
    srv.running.as_ref().unwrap().app.gallery.refresh().unwrap();
    let (status, disposition, zip) = fetch(&srv, "GET", "/zip/timelapse", "");
    assert_eq!(status, 200);
    assert!(disposition.starts_with("attachment; filename=\"timelapse.zip\""));
    let mut got: Vec<String> = entries(&zip).into_iter().map(|e| e.0).collect();
    got.sort();
    assert_eq!(
        got,
        [
            "2024-05-01/a.jpg",
            "2024-05-01/b.jpg",
            "2024-05-02/big.jpg",
            "2024-05-02/c d.jpg"
        ]
    );
    for (name, bytes) in entries(&zip) {
        assert_eq!(
            bytes,
            fs::read(srv.pic.join("timelapse").join(&name)).unwrap(),
            "{name}"
        );
    }
    // The whole gallery: every photo but the hidden and the linked ones.
    let (_, _, all) = fetch(&srv, "GET", "/zip", "");
    assert_eq!(entries(&all).len(), 6);
    assert!(entries(&all)
        .iter()
        .all(|(n, _)| !n.contains("secret") && !n.contains("leak")));
    // A selection of one album: names relative to it.
    let form = "album=timelapse%2F2024-05-02&name=timelapse%2F2024-05-02%2Fbig.jpg\
                &name=timelapse%2F2024-05-02%2Fc+d.jpg";
    let (status, disposition, zip) = fetch(&srv, "POST", "/selection/zip", form);
    assert_eq!(status, 200);
    assert!(
        disposition.contains("2024-05-02 (selection).zip"),
        "{disposition}"
    );
    let e = entries(&zip);
    assert_eq!(e.len(), 2);
    assert_eq!(e[0].0, "big.jpg");
    assert_eq!(e[0].1, fs::read(BIG).unwrap());
    assert_eq!(e[1].0, "c d.jpg");
    // Hostile selections and albums are refused before anything is written.
    let (status, _, _) = fetch(&srv, "POST", "/selection/zip", "name=..%2Fcanary.jpg");
    assert_eq!(status, 400);
    let (status, _, _) = fetch(&srv, "GET", "/zip/linked", "");
    assert_eq!(status, 404);
}
