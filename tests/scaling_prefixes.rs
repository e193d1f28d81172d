//! Several pistream instances behind one nginx under path prefixes (`--base-path /cam1`, `/cam2`),
//! as docs/SCALING.md configures them: every link of their pages, the page events (SSE) and the
//! redirect after taking a photo stay under each one's prefix.

mod common;

use std::io::{BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use common::nginx::{self, free_port};
use common::*;

/// A pistream child process under `--base-path`, its address read from its banner.
fn pistream_under(base: &str, dir: &Path) -> (Killed, SocketAddr) {
    let (child, addr) = common::spawn_for_banner(
        Command::new(env!("CARGO_BIN_EXE_pistream"))
            .args(["--bind", "127.0.0.1:0", "--watch", "off", "--fps", "10"])
            .args(["--width", "320", "--height", "240", "--base-path", base])
            .arg("--pic")
            .arg(dir.join("pic"))
            .arg("--content")
            .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/content")),
    );
    (Killed(child), addr)
}

/// An attribute value as the browser reads it (handlebars escapes `& < > " ' \` =`).
fn unescape(v: &str) -> String {
    v.replace("&#x3D;", "=")
        .replace("&#x27;", "'")
        .replace("&#x60;", "`")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// Every `href`, `src`, `action` and `data-*url` value of a page.
fn links(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    for attr in [
        " href=\"",
        " src=\"",
        " action=\"",
        " data-url=\"",
        " data-state-url=\"",
    ] {
        let mut rest = html;
        while let Some(i) = rest.find(attr) {
            rest = &rest[i + attr.len()..];
            let end = rest.find('"').unwrap();
            out.push(unescape(&rest[..end]));
            rest = &rest[end..];
        }
    }
    out
}

#[test]
fn two_instances_under_path_prefixes_behind_one_nginx() {
    if !have_tool(
        "nginx",
        "pistream under --base-path behind nginx (tests/scaling_prefixes.rs)",
    ) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (_cam1, cam1) = pistream_under("/cam1", &dir.path().join("cam1"));
    let (_cam2, cam2) = pistream_under("/cam2/", &dir.path().join("cam2"));
    let port = free_port();
    let block = |prefix: &str, upstream: SocketAddr| {
        format!(
            "    location {prefix}/ {{\n      proxy_pass http://{upstream};\n      \
             proxy_http_version 1.1;\n      proxy_buffering off;\n      \
             proxy_read_timeout 1h;\n      proxy_set_header Host $http_host;\n    }}\n"
        )
    };
    let conf = format!(
        "server {{\n    listen 127.0.0.1:{port};\n{}{}}}\n",
        block("/cam1", cam1),
        block("/cam2", cam2)
    );
    let _nginx = nginx::start(dir.path(), &nginx::main_conf(dir.path(), &conf), port);
    let proxy: SocketAddr = ([127, 0, 0, 1], port).into();

    for (prefix, other) in [("/cam1", "/cam2"), ("/cam2", "/cam1")] {
        // Every page links only under its own prefix, and every link answers through nginx.
        let mut seen = std::collections::BTreeSet::new();
        for page in ["/", "/live", "/photos", "/pages/about", "/no/such/page"] {
            let r = request(
                proxy,
                "GET",
                &format!("{prefix}{page}"),
                &[("Accept", "text/html")],
                b"",
            );
            let want = if page == "/no/such/page" { 404 } else { 200 };
            assert_eq!(r.status, want, "{prefix}{page}");
            let html = String::from_utf8(r.body).unwrap();
            assert!(
                html.contains(&format!("data-base=\"{prefix}\"")),
                "{prefix}{page}"
            );
            for link in links(&html) {
                if link.starts_with('#') || link.contains("://") {
                    continue;
                }
                assert!(
                    link.starts_with(&format!("{prefix}/")),
                    "{prefix}{page} links to `{link}`"
                );
                assert!(!link.starts_with(other), "{link}");
                seen.insert(link);
            }
        }
        for link in &seen {
            if link.ends_with("/stream") || link.contains("/stream?") {
                continue; // endless: read below
            }
            let r = request(proxy, "GET", link, &[], b"");
            assert_eq!(r.status, 200, "{link}");
        }
        assert!(
            seen.iter()
                .any(|l| l.starts_with(&format!("{prefix}/theme/"))),
            "{seen:?}"
        );
        // The bare prefix: nginx adds the `/` itself (301 to `/cam1/`, as for any `location
        // /cam1/`); asked directly, pistream answers it as the home page.
        let r = request(proxy, "GET", prefix, &[], b"");
        assert_eq!(r.status, 301);
        assert!(r.headers["location"].ends_with(&format!("{prefix}/")));
        let direct = if prefix == "/cam1" { cam1 } else { cam2 };
        assert_eq!(request(direct, "GET", prefix, &[], b"").status, 200);

        // The stream under the prefix.
        let mut live = MjpegClient::open(proxy, &format!("{prefix}/stream"), true);
        assert_eq!(decode(&live.next_part().unwrap().jpeg), (320, 240));
        drop(live);

        // Page events (SSE) under the prefix: the stream opens and sends its first bytes.
        let mut s = TcpStream::connect(proxy).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        write!(
            s,
            "GET {prefix}/events HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n"
        )
        .unwrap();
        let mut r = BufReader::new(s);
        let (line, status, headers) = read_head(&mut r).unwrap();
        assert_eq!(status, 200, "{line}");
        assert!(headers["content-type"].starts_with("text/event-stream"));
        let mut first = [0u8; 1];
        r.read_exact(&mut first).expect("event stream bytes");

        // Taking a photo redirects to its page under the prefix, which shows the photo.
        let r = request(proxy, "POST", &format!("{prefix}/photos"), &[], b"");
        assert_eq!(r.status, 303, "{}", String::from_utf8_lossy(&r.body));
        let location = &r.headers["location"];
        assert!(
            location.starts_with(&format!("{prefix}/photos/")),
            "{location}"
        );
        let page = request(proxy, "GET", location, &[], b"");
        assert_eq!(page.status, 200, "{location}");
        let html = String::from_utf8(page.body).unwrap();
        let file = links(&html)
            .into_iter()
            .find(|l| l.starts_with(&format!("{prefix}/pic/")))
            .expect("the photo page shows the photo");
        let jpeg = request(proxy, "GET", &file, &[], b"");
        assert_eq!(jpeg.status, 200, "{file}");
        assert_eq!(decode(&jpeg.body), (320, 240));
    }
    // Each instance kept its own photo.
    for cam in ["cam1", "cam2"] {
        let photos = std::fs::read_dir(dir.path().join(cam).join("pic"))
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .is_ok_and(|e| e.file_name().to_string_lossy().ends_with(".jpg"))
            })
            .count();
        assert_eq!(photos, 1, "{cam}");
    }
}
