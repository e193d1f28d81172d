//! Cross-site requests over real HTTP: the same-origin check for state-changing requests, CORS
//! only for --allow-origin, and forwarded hosts only with --trust-proxy. Logins: access.rs.

mod common;

use common::*;

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
