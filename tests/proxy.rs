//! pistream behind a real nginx with TLS, configured by the shipped `deploy/nginx.conf`: pages,
//! a live stream of 30 frames, the login, the same-origin check under the proxy's host name, and
//! page events, all through the proxy with curl. nginx runs as a child process on an ephemeral port
//! with its own prefix, temp dirs and a self-signed certificate (openssl) in a temp dir; no system
//! configuration is read or touched, and the child is killed when the test ends.

mod common;

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Command, Stdio};

use common::nginx::free_port;
use common::*;

const HOST: &str = "cam.example.org";

/// Writes a self-signed certificate for [`HOST`] into `dir`.
fn certificate(dir: &Path) {
    let status = Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
        ])
        .args(["-subj", &format!("/CN={HOST}")])
        .args(["-addext", &format!("subjectAltName=DNS:{HOST}")])
        .arg("-keyout")
        .arg(dir.join("key.pem"))
        .arg("-out")
        .arg(dir.join("cert.pem"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("openssl runs");
    assert!(status.success(), "openssl made no certificate");
}

/// `deploy/nginx.conf` with its port, certificate and upstream swapped for the test's, inside a
/// minimal main configuration whose every path is under `dir`.
fn configuration(dir: &Path, port: u16, upstream: &str) -> String {
    let shipped =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/deploy/nginx.conf"))
            .expect("deploy/nginx.conf");
    let d = dir.display();
    let mut server = shipped;
    for (from, to) in [
        ("listen 443 ssl;", format!("listen 127.0.0.1:{port} ssl;")),
        ("listen [::]:443 ssl;", String::new()),
        (
            "/etc/ssl/certs/cam.example.org.pem",
            format!("{d}/cert.pem"),
        ),
        (
            "/etc/ssl/private/cam.example.org.key",
            format!("{d}/key.pem"),
        ),
        (
            "proxy_pass http://127.0.0.1:8080;",
            format!("proxy_pass http://{upstream};"),
        ),
    ] {
        assert!(
            server.contains(from),
            "deploy/nginx.conf no longer says `{from}`"
        );
        server = server.replace(from, &to);
    }
    nginx::main_conf(dir, &server)
}

/// curl through the proxy, under the proxy's host name, trusting only our certificate.
fn curl(dir: &Path, port: u16, args: &[&str]) -> Command {
    let mut c = Command::new("curl");
    c.args(["-sS", "--max-time", "30", "--cacert"])
        .arg(dir.join("cert.pem"))
        .args(["--resolve", &format!("{HOST}:{port}:127.0.0.1")])
        .args(args);
    c
}

/// Status code and body of one request through the proxy.
fn fetch(dir: &Path, port: u16, args: &[&str], path: &str) -> (u16, String) {
    let out = curl(dir, port, args)
        .args(["-w", "\n%{http_code}"])
        .arg(format!("https://{HOST}:{port}{path}"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let (body, code) = text.rsplit_once('\n').unwrap_or(("", &text));
    (code.trim().parse().unwrap_or(0), body.to_string())
}

#[test]
fn pistream_behind_nginx_with_tls() {
    if !have_tool("nginx", "pistream behind nginx (tests/proxy.rs)")
        || !have_tool("openssl", "pistream behind nginx (tests/proxy.rs)")
        || !have_tool("curl", "pistream behind nginx (tests/proxy.rs)")
    {
        return;
    }
    let server = start(|c| {
        c.auth = Some("ann:s3cret".into());
        c.trust_proxy = true;
    });
    let dir = tempfile::tempdir().unwrap();
    certificate(dir.path());
    let port = free_port();
    let conf = configuration(dir.path(), port, &server.addr.to_string());
    let _nginx = nginx::start(dir.path(), &conf, port);
    let d = dir.path();
    let login: &[&str] = &["-u", "ann:s3cret"];

    // The login: refused without, through the proxy as directly.
    let out = curl(d, port, &["-i"])
        .arg(format!("https://{HOST}:{port}/"))
        .output()
        .unwrap();
    let head = String::from_utf8_lossy(&out.stdout).to_ascii_lowercase();
    assert!(head.starts_with("http/1.1 401"), "{head}");
    assert!(head.contains("www-authenticate: basic"), "{head}");
    assert_eq!(fetch(d, port, &["-u", "ann:wrong"], "/").0, 401);

    // Pages.
    let (status, body) = fetch(d, port, login, "/");
    assert_eq!(status, 200);
    assert!(
        body.contains("<html") || body.contains("<!DOCTYPE"),
        "{body}"
    );
    assert_eq!(fetch(d, port, login, "/theme/style.css").0, 200);
    assert_eq!(fetch(d, port, login, "/photos").0, 200);

    // The same-origin check under the proxy's name: the page's own origin may take a photo, a
    // stranger's may not.
    let own = format!("Origin: https://{HOST}:{port}");
    let (status, _) = fetch(
        d,
        port,
        &["-u", "ann:s3cret", "-X", "POST", "-H", &own],
        "/photos",
    );
    assert_eq!(status, 303, "a photo from the proxied page");
    let (status, _) = fetch(
        d,
        port,
        &[
            "-u",
            "ann:s3cret",
            "-X",
            "POST",
            "-H",
            "Origin: https://evil.example",
        ],
        "/photos",
    );
    assert_eq!(status, 403);
    let photos = std::fs::read_dir(&server.pic).unwrap().count();
    assert_eq!(photos, 1, "one photo, from the own origin only");

    // A live stream: 30 whole frames as they come (no buffering in the proxy).
    let mut child = curl(d, port, &["-N", "-u", "ann:s3cret"])
        .arg(format!("https://{HOST}:{port}/stream"))
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut r = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    r.read_line(&mut line).unwrap();
    assert_eq!(line, "--frame\r\n", "the stream starts with its boundary");
    for n in 0..30 {
        let mut len = None;
        loop {
            line.clear();
            assert!(
                r.read_line(&mut line).unwrap() > 0,
                "stream ended at frame {n}"
            );
            if line == "\r\n" {
                break;
            }
            if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                len = v.trim().parse::<usize>().ok();
            }
        }
        let mut jpeg = vec![0; len.expect("each part has a Content-Length")];
        r.read_exact(&mut jpeg).unwrap();
        assert_eq!(decode(&jpeg), (320, 240), "frame {n}");
        line.clear();
        r.read_line(&mut line).unwrap();
        assert_eq!(line, "\r\n");
        line.clear();
        r.read_line(&mut line).unwrap();
        assert_eq!(line, "--frame\r\n");
    }
    let _ = child.kill();
    let _ = child.wait();

    // Page events: the stream opens at once and an event published now arrives.
    let mut child = curl(d, port, &["-N", "-u", "ann:s3cret"])
        .arg(format!("https://{HOST}:{port}/events"))
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut r = BufReader::new(child.stdout.take().unwrap());
    let mut seen = String::new();
    while !seen.contains(": connected") {
        assert!(r.read_line(&mut seen).unwrap() > 0, "events ended: {seen}");
    }
    let events = server.running.as_ref().unwrap().app.site.events();
    events.publish("proxy-test");
    while !seen.contains("data: proxy-test") {
        assert!(r.read_line(&mut seen).unwrap() > 0, "events ended: {seen}");
    }
    let _ = child.kill();
    let _ = child.wait();
}
