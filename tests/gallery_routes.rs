//! The gallery routes over a real server: hostile names end to end, traversal attempts on every
//! route that takes a name (plain, encoded, double-encoded), validators and 304s, byte ranges,
//! HEAD, thumbnails and delete.
// Unix-only: the fixtures hold symlinks (one leading outside the folder), which Windows creates
// only with admin rights. tests/unix_only_paths.rs requires this cfg.
#![cfg(unix)]

mod common;

use std::fs;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;

use common::{request, TestServer};
use pistream::gallery::encode_name;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/gallery");

/// A server whose photo folder holds the fixtures, `what?.jpg`, a symlink leading outside and a
/// secret file outside the folder (returned).
fn server() -> (TestServer, std::path::PathBuf) {
    let srv = common::start(|_| {});
    fs::create_dir_all(&srv.pic).unwrap();
    for e in fs::read_dir(FIXTURES).unwrap() {
        let e = e.unwrap();
        fs::copy(e.path(), srv.pic.join(e.file_name())).unwrap();
    }
    fs::copy(srv.pic.join("2016.jpg"), srv.pic.join("what?.jpg")).unwrap();
    let secret = srv.pic.parent().unwrap().join("secret.jpg");
    fs::write(&secret, SECRET).unwrap();
    std::os::unix::fs::symlink(&secret, srv.pic.join("escape.jpg")).unwrap();
    srv.running.as_ref().unwrap().app.gallery.refresh().unwrap();
    (srv, secret)
}

/// What the file outside the folder holds: no response may contain it.
const SECRET: &[u8] = b"Q7-OUTSIDE-THE-PHOTO-FOLDER";

fn leaks(body: &[u8]) -> bool {
    body.windows(SECRET.len()).any(|w| w == SECRET)
}

fn get(srv: &TestServer, path: &str, headers: &[(&str, &str)]) -> common::Reply {
    request(srv.addr, "GET", path, headers, b"")
}

fn listing(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n != ".thumbs")
        .collect();
    v.sort();
    v
}

#[test]
fn hostile_names_are_served_with_their_type() {
    let (srv, _) = server();
    for (name, mime) in [
        ("with space.jpg", "image/jpeg"),
        ("照片 2016.jpg", "image/jpeg"),
        ("🎉 party.png", "image/png"),
        ("hash#tag.jpg", "image/jpeg"),
        ("100% done.jpg", "image/jpeg"),
        ("it's.gif", "image/gif"),
        ("quote\"d.webp", "image/webp"),
        ("-leading-dash.jpg", "image/jpeg"),
        ("UPPER.JPEG", "image/jpeg"),
        ("what?.jpg", "image/jpeg"),
    ] {
        let r = get(&srv, &format!("/pic/{}", encode_name(name)), &[]);
        assert_eq!(r.status, 200, "{name}: {}", r.status_line);
        assert_eq!(r.headers["content-type"], mime, "{name}");
        assert_eq!(r.body, fs::read(srv.pic.join(name)).unwrap(), "{name}");
        assert_eq!(r.headers["accept-ranges"], "bytes");
    }
    // A file bigger than any buffer arrives whole (streamed from disk).
    let big: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
    fs::write(srv.pic.join("large.jpg"), &big).unwrap();
    let r = get(&srv, "/pic/large.jpg", &[]);
    assert_eq!(r.headers["content-length"], big.len().to_string());
    assert!(r.body == big, "large file differs");
    // Names differing only in case are two photos.
    assert_eq!(get(&srv, "/pic/Case.jpg", &[]).status, 200);
    assert_eq!(get(&srv, "/pic/CASE.jpg", &[]).status, 404);
}

#[test]
fn traversal_is_refused_on_every_route_and_touches_nothing() {
    let (srv, secret) = server();
    let before = listing(&srv.pic);
    let attempts = [
        "..%2F..%2FCargo.toml",
        "%2e%2e%2f2016.jpg",
        "%2E%2E%2Fsecret.jpg",
        "a%2F2016.jpg",
        "..%5Csecret.jpg",
        "2016.jpg%00",
        "%00",
        "%2Fetc%2Fpasswd",
        "%2e%2e%5c%2e%2e%5cetc%5cpasswd",
        ".hidden.jpg",
        "%2ehidden.jpg",
        ".photo-20240101-000000-000-1-0.tmp",
        "%252e%252e%252fsecret.jpg",
        "%252F2016.jpg",
        "escape.jpg",
        "notes.txt",
        "%ff.jpg",
    ];
    for raw in attempts {
        for (method, path) in [
            ("GET", format!("/pic/{raw}")),
            ("HEAD", format!("/pic/{raw}")),
            ("GET", format!("/thumbs/{raw}")),
            ("GET", format!("/photos/{raw}")),
            ("POST", format!("/photos/{raw}/delete")),
        ] {
            let r = request(srv.addr, method, &path, &[], b"");
            assert!(
                (400..500).contains(&r.status),
                "{method} {path}: {}",
                r.status_line
            );
            assert!(!leaks(&r.body), "{method} {path} leaked");
        }
    }
    // Dot segments straight in the path never reach outside either.
    for path in [
        "/pic/../Cargo.toml",
        "/pic/../../etc/passwd",
        "/thumbs/./../Cargo.toml",
    ] {
        let r = get(&srv, path, &[]);
        assert!((400..500).contains(&r.status), "{path}: {}", r.status_line);
    }
    assert_eq!(listing(&srv.pic), before, "nothing deleted");
    assert_eq!(fs::read(&secret).unwrap(), SECRET);
}

#[test]
fn validators_and_not_modified() {
    let (srv, _) = server();
    let r = get(&srv, "/pic/2016.jpg", &[]);
    let etag = r.headers["etag"].clone();
    let last_modified = r.headers["last-modified"].clone();
    assert!(etag.starts_with('"') && etag.ends_with('"'));
    let r = get(&srv, "/pic/2016.jpg", &[("If-None-Match", &etag)]);
    assert_eq!(r.status, 304);
    assert!(r.body.is_empty());
    let r = get(&srv, "/pic/2016.jpg", &[("If-None-Match", "\"stale\"")]);
    assert_eq!(r.status, 200);
    let r = get(
        &srv,
        "/pic/2016.jpg",
        &[("If-Modified-Since", &last_modified)],
    );
    assert_eq!(r.status, 304);
    let r = get(
        &srv,
        "/pic/2016.jpg",
        &[("If-Modified-Since", "Sun, 06 Nov 1994 08:49:37 GMT")],
    );
    assert_eq!(r.status, 200);
    // A changed file gets a new tag.
    fs::write(srv.pic.join("2016.jpg"), b"changed").unwrap();
    let r = get(&srv, "/pic/2016.jpg", &[("If-None-Match", &etag)]);
    assert_eq!(r.status, 200);
    assert_eq!(r.body, b"changed");
}

#[test]
fn byte_ranges() {
    let (srv, _) = server();
    let whole = fs::read(srv.pic.join("big 800x600.jpg")).unwrap();
    let n = whole.len();
    let path = "/pic/big%20800x600.jpg";
    let r = get(&srv, path, &[("Range", "bytes=0-9")]);
    assert_eq!(r.status, 206);
    assert_eq!(r.body, &whole[..10]);
    assert_eq!(r.headers["content-range"], format!("bytes 0-9/{n}"));
    let r = get(&srv, path, &[("Range", "bytes=-5")]);
    assert_eq!((r.status, &r.body[..]), (206, &whole[n - 5..]));
    let r = get(&srv, path, &[("Range", "bytes=100-")]);
    assert_eq!((r.status, &r.body[..]), (206, &whole[100..]));
    let r = get(&srv, path, &[("Range", &format!("bytes={n}-"))]);
    assert_eq!(r.status, 416);
    assert_eq!(r.headers["content-range"], format!("bytes */{n}"));
    let r = get(
        &srv,
        path,
        &[("Range", "bytes=0-1"), ("If-Range", "\"old\"")],
    );
    assert_eq!(
        (r.status, r.body.len()),
        (200, n),
        "a stale If-Range gets the whole file"
    );
    let etag = get(&srv, path, &[]).headers["etag"].clone();
    let r = get(&srv, path, &[("Range", "bytes=0-1"), ("If-Range", &etag)]);
    assert_eq!((r.status, r.body.len()), (206, 2));
}

#[test]
fn head_has_the_headers_and_no_body() {
    let (srv, _) = server();
    let size = fs::metadata(srv.pic.join("2016.jpg")).unwrap().len();
    let mut s = TcpStream::connect(srv.addr).unwrap();
    write!(
        s,
        "HEAD /pic/2016.jpg HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut all = Vec::new();
    s.read_to_end(&mut all).unwrap();
    let text = String::from_utf8_lossy(&all).to_ascii_lowercase();
    assert!(text.starts_with("http/1.1 200"), "{text}");
    assert!(
        text.contains(&format!("content-length: {size}\r\n")),
        "{text}"
    );
    assert!(text.contains("content-type: image/jpeg"), "{text}");
    assert!(text.ends_with("\r\n\r\n"), "no body after the head");
}

#[test]
fn thumbnails_and_placeholder() {
    let (srv, _) = server();
    let r = get(&srv, "/thumbs/big%20800x600.jpg", &[]);
    assert_eq!(r.status, 200);
    assert_eq!(r.headers["content-type"], "image/jpeg");
    let img = image::load_from_memory(&r.body).unwrap();
    assert_eq!((img.width(), img.height()), (320, 240));
    let again = get(
        &srv,
        "/thumbs/big%20800x600.jpg",
        &[("If-None-Match", &r.headers["etag"])],
    );
    assert_eq!(again.status, 304);
    let broken = get(&srv, "/thumbs/broken.jpg", &[]);
    assert_eq!(broken.status, 200, "a corrupt photo is not a 500");
    assert!(image::load_from_memory(&broken.body).is_ok());
    assert_eq!(
        get(&srv, "/thumbs/%E7%85%A7%E7%89%87%202016.jpg", &[]).status,
        200
    );
}

#[test]
fn delete_removes_exactly_that_photo() {
    let (srv, secret) = server();
    assert_eq!(get(&srv, "/thumbs/2016.jpg", &[]).status, 200);
    let before = listing(&srv.pic);
    // A GET never deletes.
    assert!(get(&srv, "/photos/2016.jpg/delete", &[]).status >= 400);
    assert!(srv.pic.join("2016.jpg").exists());
    let r = request(srv.addr, "POST", "/photos/2016.jpg/delete", &[], b"");
    assert_eq!(r.status, 303);
    assert_eq!(r.headers["location"], "/photos");
    let mut expected = before.clone();
    expected.retain(|n| n != "2016.jpg");
    assert_eq!(listing(&srv.pic), expected, "only 2016.jpg went");
    assert_eq!(get(&srv, "/pic/2016.jpg", &[]).status, 404);
    let app = &srv.running.as_ref().unwrap().app;
    assert!(app.gallery.photo("2016.jpg").is_err());

    let r = request(
        srv.addr,
        "POST",
        &format!("/photos/{}/delete", encode_name("what?.jpg")),
        &[("Accept", "application/json")],
        b"",
    );
    assert_eq!(r.status, 200);
    let json: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(json["deleted"], "what?.jpg");
    assert!(!srv.pic.join("what?.jpg").exists());
    let r = request(
        srv.addr,
        "POST",
        "/photos/gone.jpg/delete",
        &[("Accept", "application/json")],
        b"",
    );
    assert_eq!(r.status, 404);
    assert!(serde_json::from_slice::<serde_json::Value>(&r.body).unwrap()["error"].is_string());
    assert!(secret.exists());
}
