//! Access control and cross-site requests over real HTTP (raw sockets and the real binary):
//! HTTP Basic on every route, --public-view, failed-login limits, `pistream passwd` and
//! --auth-file, the warning for an open non-loopback bind, the same-origin check for
//! state-changing requests, CORS only for --allow-origin, and forwarded hosts only with
//! --trust-proxy.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

use base64::Engine;
use common::*;

fn basic(user: &str, password: &str) -> String {
    let token = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
    format!("Basic {token}")
}

fn photos_in(server: &TestServer) -> usize {
    std::fs::read_dir(&server.pic)
        .map(|d| {
            d.filter(|e| {
                e.as_ref()
                    .is_ok_and(|e| e.file_name().to_string_lossy().ends_with(".jpg"))
            })
            .count()
        })
        .unwrap_or(0)
}

/// Every route a browser or script can reach, GET and POST, known and unknown.
const EVERY_ROUTE: [(&str, &str); 17] = [
    ("GET", "/"),
    ("GET", "/live"),
    ("GET", "/video_now"),
    ("GET", "/stream"),
    ("GET", "/video_feed?width=160"),
    ("GET", "/snapshot.jpg"),
    ("GET", "/pic/a.jpg"),
    ("GET", "/thumbs/a.jpg"),
    ("GET", "/events"),
    ("GET", "/api/state"),
    ("GET", "/theme/style.css"),
    ("GET", "/content/a.png"),
    ("GET", "/photos"),
    ("GET", "/pages/about"),
    ("HEAD", "/no/such/route"),
    ("POST", "/photos"),
    ("POST", "/photos/a.jpg/delete"),
];

#[test]
fn every_route_needs_the_password() {
    let server = start(|c| c.auth = Some("ann:s3cret:with colon".into()));
    std::fs::write(server.pic.join("a.jpg"), b"not really a jpeg").unwrap();
    for (method, path) in EVERY_ROUTE {
        let r = request(server.addr, method, path, &[], b"");
        assert_eq!(r.status, 401, "{method} {path}");
        assert_eq!(
            r.headers.get("www-authenticate").map(String::as_str),
            Some("Basic realm=\"pistream\", charset=\"UTF-8\""),
            "{method} {path}"
        );
        assert_eq!(
            r.headers.get("content-length").map(String::as_str),
            Some("0")
        );
        assert!(r.body.is_empty(), "{method} {path}: no content");
        // A wrong password and a wrong user are refused alike.
        for auth in [basic("ann", "wrong"), basic("bob", "s3cret:with colon")] {
            let r = request(server.addr, method, path, &[("Authorization", &auth)], b"");
            assert!(
                [401, 429].contains(&r.status),
                "{method} {path}: {}",
                r.status
            );
        }
    }
    assert_eq!(
        photos_in(&server),
        1,
        "no photo taken by a stranger (a.jpg is ours)"
    );
    assert!(
        server.pic.join("a.jpg").exists(),
        "no photo deleted by a stranger"
    );
}

#[test]
fn the_right_password_opens_everything() {
    let server = start(|c| c.auth = Some("ann:s3cret".into()));
    let auth = basic("ann", "s3cret");
    let r = request(
        server.addr,
        "GET",
        "/api/state",
        &[("Authorization", &auth)],
        b"",
    );
    assert_eq!(r.status, 200);
    let r = request(server.addr, "GET", "/", &[("Authorization", &auth)], b"");
    assert_eq!(r.status, 200);
    let r = request(
        server.addr,
        "POST",
        "/photos",
        &[("Authorization", &auth)],
        b"",
    );
    assert_eq!(r.status, 303, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(photos_in(&server), 1);
    // A stream with the credentials in the request.
    let mut s = std::net::TcpStream::connect(server.addr).unwrap();
    s.write_all(
        format!("GET /stream HTTP/1.1\r\nHost: x\r\nAuthorization: {auth}\r\n\r\n").as_bytes(),
    )
    .unwrap();
    let mut r = BufReader::new(s);
    let (line, status, _) = read_head(&mut r).unwrap();
    assert_eq!(status, 200, "{line}");
}

#[test]
fn public_view_opens_looking_but_not_changing() {
    let server = start(|c| {
        c.auth = Some("ann:s3cret".into());
        c.public_view = true;
    });
    for path in ["/", "/api/state", "/theme/style.css", "/photos"] {
        assert_eq!(
            request(server.addr, "GET", path, &[], b"").status,
            200,
            "{path}"
        );
    }
    assert_eq!(request(server.addr, "HEAD", "/", &[], b"").status, 200);
    // Every other method needs the password, including ones no route knows yet.
    for method in ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"] {
        let r = request(server.addr, method, "/photos", &[], b"");
        assert_eq!(r.status, 401, "{method}");
    }
    assert_eq!(photos_in(&server), 0);
    let auth = basic("ann", "s3cret");
    let r = request(
        server.addr,
        "POST",
        "/photos",
        &[("Authorization", &auth)],
        b"",
    );
    assert_eq!(r.status, 303);
    assert_eq!(photos_in(&server), 1);
}

#[test]
fn failed_logins_are_limited_per_address() {
    let server = start(|c| c.auth = Some("ann:s3cret".into()));
    let good = basic("ann", "s3cret");
    // Verified once: cached, so it keeps working for this client during the lockout below.
    assert_eq!(
        request(
            server.addr,
            "GET",
            "/api/state",
            &[("Authorization", &good)],
            b""
        )
        .status,
        200
    );
    let addr = server.addr;
    let mut limited = false;
    for _round in 0..5 {
        // Ten guesses at once: more than the burst the limiter allows.
        let guesses: Vec<_> = (0..10)
            .map(|i| {
                std::thread::spawn(move || {
                    let auth = basic("ann", &format!("guess{i}"));
                    let r = request(addr, "GET", "/api/state", &[("Authorization", &auth)], b"");
                    (r.status, r.headers.get("retry-after").cloned())
                })
            })
            .collect();
        for g in guesses {
            let (status, retry) = g.join().unwrap();
            assert!([401, 429].contains(&status), "{status}");
            if status == 429 {
                assert!(retry.is_some(), "429 says when to retry");
                limited = true;
            }
        }
        let r = request(
            server.addr,
            "GET",
            "/",
            &[("Authorization", &basic("x", "y"))],
            b"",
        );
        limited |= r.status == 429;
        if limited {
            break;
        }
    }
    assert!(limited, "50 wrong passwords in a row were never limited");
    assert_eq!(
        request(
            server.addr,
            "GET",
            "/api/state",
            &[("Authorization", &good)],
            b""
        )
        .status,
        200,
        "a login verified before still works"
    );
}

/// `pistream passwd` reads the password from standard input and prints a line for --auth-file.
#[test]
fn passwd_and_auth_file() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_pistream"))
        .args(["passwd", "ann"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"correct horse\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let line = String::from_utf8(out.stdout).unwrap();
    assert!(line.starts_with("ann:$argon2id$"), "{line}");
    assert!(
        !line.contains("correct horse"),
        "no plain password in the file"
    );

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("users");
    std::fs::write(&file, format!("# who may watch\n{line}")).unwrap();
    let server = start(|c| c.auth_file = Some(file.clone()));
    let ok = request(
        server.addr,
        "GET",
        "/api/state",
        &[("Authorization", &basic("ann", "correct horse"))],
        b"",
    );
    assert_eq!(ok.status, 200);
    let wrong = request(
        server.addr,
        "GET",
        "/api/state",
        &[("Authorization", &basic("ann", "correct horse "))],
        b"",
    );
    assert_eq!(wrong.status, 401);

    // A broken file stops the start with the line at fault.
    std::fs::write(&file, format!("{line}bob:plaintext\n")).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_pistream"))
        .args(["--bind", "127.0.0.1:0", "--auth-file"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("line 2"), "{err}");
}

/// Listening beyond loopback without a password says so once, loudly; with a password it is quiet.
#[test]
fn open_bind_warns_once() {
    for (auth, warns) in [(None, true), (Some("ann:x"), false)] {
        let dir = tempfile::tempdir().unwrap();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_pistream"));
        cmd.args(["--bind", "0.0.0.0:0", "--watch", "off"])
            .arg("--pic")
            .arg(dir.path().join("pic"))
            .arg("--content")
            .arg(dir.path())
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some(a) = auth {
            cmd.args(["--auth", a]);
        }
        let mut child = cmd.spawn().unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert!(line.contains("listening"), "{line}");
        child.kill().unwrap();
        let out = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            err.matches("WITHOUT A PASSWORD").count(),
            usize::from(warns),
            "{err}"
        );
    }
}

#[test]
fn cross_site_requests_change_nothing() {
    let server = start(|_| {});
    let own = format!("http://{}", server.addr);
    std::fs::write(server.pic.join("keep.jpg"), b"x").unwrap();
    let foreign: [&[(&str, &str)]; 4] = [
        &[("Origin", "http://evil.example")],
        &[("Origin", "null")],
        &[("Referer", "http://evil.example/page.html")],
        &[
            ("Origin", "http://evil.example"),
            ("Referer", &format!("{own}/photos")),
        ],
    ];
    for headers in foreign {
        let r = request(server.addr, "POST", "/photos", headers, b"");
        assert_eq!(r.status, 403, "{headers:?}");
        assert!(String::from_utf8_lossy(&r.body).contains("cross-site"));
        let r = request(server.addr, "POST", "/photos/keep.jpg/delete", headers, b"");
        assert_eq!(r.status, 403, "{headers:?}");
    }
    assert_eq!(photos_in(&server), 1, "nothing taken, nothing deleted");
    assert!(server.pic.join("keep.jpg").exists());
    // A page of this server may, and so may curl (neither header).
    let r = request(server.addr, "POST", "/photos", &[("Origin", &own)], b"");
    assert_eq!(r.status, 303);
    let r = request(
        server.addr,
        "POST",
        "/photos",
        &[("Referer", &format!("{own}/live"))],
        b"",
    );
    assert_eq!(r.status, 303);
    let r = request(server.addr, "POST", "/photos", &[], b"");
    assert_eq!(r.status, 303);
    assert_eq!(photos_in(&server), 4);
    // Looking is not changing: a cross-site GET is answered, without CORS headers.
    let r = request(
        server.addr,
        "GET",
        "/api/state",
        &[("Origin", "http://evil.example")],
        b"",
    );
    assert_eq!(r.status, 200);
    assert!(!r.headers.keys().any(|k| k.starts_with("access-control")));
}

#[test]
fn cors_only_for_the_allowed_origin() {
    let server = start(|c| c.allow_origin = Some("https://dash.example".into()));
    let r = request(
        server.addr,
        "GET",
        "/api/state",
        &[("Origin", "https://dash.example")],
        b"",
    );
    assert_eq!(
        r.headers
            .get("access-control-allow-origin")
            .map(String::as_str),
        Some("https://dash.example")
    );
    let r = request(
        server.addr,
        "OPTIONS",
        "/photos",
        &[
            ("Origin", "https://dash.example"),
            ("Access-Control-Request-Method", "POST"),
        ],
        b"",
    );
    assert_eq!(r.status, 204);
    assert!(r.headers["access-control-allow-methods"].contains("POST"));
    let r = request(
        server.addr,
        "POST",
        "/photos",
        &[("Origin", "https://dash.example")],
        b"",
    );
    assert_eq!(r.status, 303);
    let r = request(
        server.addr,
        "GET",
        "/api/state",
        &[("Origin", "https://other.example")],
        b"",
    );
    assert!(!r.headers.keys().any(|k| k.starts_with("access-control")));
    let r = request(
        server.addr,
        "POST",
        "/photos",
        &[("Origin", "https://other.example")],
        b"",
    );
    assert_eq!(r.status, 403);
}

#[test]
fn forwarded_host_is_trusted_only_when_told() {
    let via_proxy = [
        ("Origin", "https://cam.example"),
        ("X-Forwarded-Host", "cam.example"),
        ("X-Forwarded-Proto", "https"),
    ];
    let plain = start(|_| {});
    assert_eq!(
        request(plain.addr, "POST", "/photos", &via_proxy, b"").status,
        403
    );
    let proxied = start(|c| c.trust_proxy = true);
    assert_eq!(
        request(proxied.addr, "POST", "/photos", &via_proxy, b"").status,
        303
    );
    let forwarded = [
        ("Origin", "https://cam.example:8443"),
        (
            "Forwarded",
            "for=192.0.2.1;host=\"cam.example:8443\";proto=https",
        ),
    ];
    assert_eq!(
        request(proxied.addr, "POST", "/photos", &forwarded, b"").status,
        303
    );
    let spoofed = [
        ("Origin", "https://evil.example"),
        ("X-Forwarded-Host", "cam.example"),
    ];
    assert_eq!(
        request(proxied.addr, "POST", "/photos", &spoofed, b"").status,
        403
    );
}
