//! Access control over real HTTP (raw sockets and the real binary): HTTP Basic on every route,
//! --public-view, failed-login limits, `pistream passwd` and --auth-file, and the warning for an
//! open non-loopback bind. Cross-site requests: cross_site.rs.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

use common::*;

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
