//! Cross-site requests. A browser sends `Origin` (or at least `Referer`) with a form POST; a page on
//! another site making a visitor's browser take or delete photos shows up here as a foreign origin
//! and is refused. Requests with neither header (curl, scripts) are not browser-driven and pass.
//!
//! "This server's own" origin is the host the client asked for: the `Host` header, or behind a
//! reverse proxy with `--trust-proxy` the proxy's `Forwarded: host=` / `X-Forwarded-Host` (and
//! proto). Only the host and port are compared: a scheme cannot differ on one host and port, and
//! without `--trust-proxy` a TLS proxy makes the browser's `https` differ from ours. A `Host`
//! without a port matches the default port of the Origin's scheme.

use std::net::IpAddr;

use http_types::{Method, Request};

/// The edge's view of origins: which requests are ours, and which foreign one CORS allows.
pub struct OriginPolicy {
    pub trust_proxy: bool,
    /// `--allow-origin`, normalised (`scheme://host[:port]`, lower case).
    pub allowed: Option<String>,
}

/// An origin as compared: host (lower case) and port.
#[derive(Debug, PartialEq, Eq)]
struct HostPort {
    host: String,
    port: Option<u16>,
}

impl OriginPolicy {
    /// `Err(why)` when `req` changes state and comes from a foreign page.
    pub fn check(&self, req: &Request) -> Result<(), String> {
        if is_view(req.method()) {
            return Ok(());
        }
        let (header, value) = match (header(req, "origin"), header(req, "referer")) {
            (Some(o), _) => ("Origin", o),
            (None, Some(r)) => ("Referer", r),
            (None, None) => return Ok(()),
        };
        if header == "Origin" && self.allowed.as_deref() == Some(&value.to_ascii_lowercase()) {
            return Ok(());
        }
        let theirs = parse_url_origin(&value);
        let ours = self.own_host(req);
        match (theirs, ours) {
            (Some(theirs), Some(ours)) if same(&theirs, &ours) => Ok(()),
            _ => Err(format!(
                "cross-site request refused: {header} `{value}` is not this server"
            )),
        }
    }

    /// CORS response headers for `req`: only for the `--allow-origin` site.
    pub fn cors_headers(&self, req: &Request) -> Option<Vec<(&'static str, String)>> {
        let allowed = self.allowed.as_ref()?;
        let origin = header(req, "origin")?;
        if origin.to_ascii_lowercase() != *allowed {
            return None;
        }
        Some(vec![
            ("Access-Control-Allow-Origin", allowed.clone()),
            ("Access-Control-Allow-Credentials", "true".into()),
            ("Access-Control-Allow-Methods", "GET, HEAD, POST".into()),
            (
                "Access-Control-Allow-Headers",
                "Authorization, Content-Type, Accept".into(),
            ),
            ("Vary", "Origin".into()),
        ])
    }

    /// The client's address: the peer, or with `--trust-proxy` the last address the proxy added.
    pub fn client(&self, req: &Request, peer: IpAddr) -> IpAddr {
        if !self.trust_proxy {
            return peer;
        }
        let forwarded = forwarded_param(req, "for")
            .or_else(|| header(req, "x-forwarded-for").and_then(|v| last_item(&v)));
        forwarded
            .map(|f| f.trim_matches('"').to_string())
            .and_then(|f| {
                let f = f.trim_start_matches('[');
                let f = f.split(']').next().unwrap_or(f);
                f.parse().ok()
            })
            .unwrap_or(peer)
    }

    fn own_host(&self, req: &Request) -> Option<HostPort> {
        if self.trust_proxy {
            let host = forwarded_param(req, "host")
                .or_else(|| header(req, "x-forwarded-host").and_then(|v| last_item(&v)));
            if let Some(host) = host {
                let proto = forwarded_param(req, "proto")
                    .or_else(|| header(req, "x-forwarded-proto").and_then(|v| last_item(&v)));
                let default = match proto.as_deref() {
                    Some("https") => 443,
                    _ => 80,
                };
                return parse_authority(host.trim_matches('"'), Some(default));
            }
        }
        parse_authority(req.url().host_str()?, None).map(|mut hp| {
            hp.port = req.url().port();
            hp
        })
    }
}

/// GET and HEAD look; every other method may change something (so routes added later are guarded
/// without anyone remembering to).
pub fn is_view(method: Method) -> bool {
    matches!(method, Method::Get | Method::Head)
}

fn same(theirs: &HostPort, ours: &HostPort) -> bool {
    theirs.host == ours.host && (ours.port.is_none() || ours.port == theirs.port)
}

fn header(req: &Request, name: &str) -> Option<String> {
    req.header(name).map(|v| v.last().as_str().to_string())
}

fn last_item(list: &str) -> Option<String> {
    list.rsplit(',')
        .next()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// A parameter of the last element of `Forwarded` (RFC 7239): the one our proxy added.
fn forwarded_param(req: &Request, name: &str) -> Option<String> {
    let value = header(req, "forwarded")?;
    let last = value.rsplit(',').next()?;
    last.split(';').find_map(|pair| {
        let (k, v) = pair.trim().split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case(name)
            .then(|| v.trim().trim_matches('"').to_string())
    })
}

/// `scheme://host[:port]...` (an Origin or Referer) → host and port (the scheme's default if none).
fn parse_url_origin(value: &str) -> Option<HostPort> {
    let lower = value.trim().to_ascii_lowercase();
    let (default, rest) = if let Some(r) = lower.strip_prefix("https://") {
        (443, r)
    } else if let Some(r) = lower.strip_prefix("http://") {
        (80, r)
    } else {
        return None; // `null`, file:, data: ... never ours
    };
    let authority = rest.split(['/', '?', '#']).next()?;
    if authority.contains('@') {
        return None;
    }
    parse_authority(authority, Some(default))
}

/// `host[:port]` or `[v6]:port`; `default` fills a missing port.
fn parse_authority(authority: &str, default: Option<u16>) -> Option<HostPort> {
    let authority = authority.trim().to_ascii_lowercase();
    let (host, port) = if let Some(rest) = authority.strip_prefix('[') {
        let (host, after) = rest.split_once(']')?;
        (host.to_string(), after.strip_prefix(':'))
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h.to_string(), Some(p)),
            None => (authority.clone(), None),
        }
    };
    if host.is_empty() {
        return None;
    }
    let port = match port {
        Some(p) => Some(p.parse().ok()?),
        None => default,
    };
    Some(HostPort { host, port })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn post(host: &str, headers: &[(&str, &str)]) -> Request {
        let mut r = Request::new(
            Method::Post,
            http_types::Url::parse(&format!("http://{host}/photos")).unwrap(),
        );
        for (k, v) in headers {
            r.insert_header(*k, *v);
        }
        r
    }

    fn policy(trust_proxy: bool) -> OriginPolicy {
        OriginPolicy {
            trust_proxy,
            allowed: Some("https://dash.example".into()),
        }
    }

    #[test]
    fn own_and_foreign_origins() {
        let p = policy(false);
        let ok = |host: &str, h: &[(&str, &str)]| p.check(&post(host, h)).is_ok();
        assert!(ok("127.0.0.1:8080", &[]));
        assert!(ok("127.0.0.1:8080", &[("Origin", "http://127.0.0.1:8080")]));
        assert!(ok("cam.example", &[("Origin", "https://CAM.example")]));
        assert!(ok(
            "[::1]:8080",
            &[("Referer", "http://[::1]:8080/photos/a.jpg")]
        ));
        assert!(ok("x:1", &[("Origin", "https://dash.example")]));
        assert!(!ok("127.0.0.1:8080", &[("Origin", "http://evil.example")]));
        assert!(!ok(
            "127.0.0.1:8080",
            &[("Origin", "http://127.0.0.1:9090")]
        ));
        assert!(!ok("127.0.0.1:8080", &[("Origin", "null")]));
        assert!(!ok(
            "127.0.0.1:8080",
            &[("Referer", "http://127.0.0.1:8080@evil.example/")]
        ));
        // Origin wins over a same-site Referer.
        assert!(!ok(
            "127.0.0.1:8080",
            &[
                ("Origin", "http://evil.example"),
                ("Referer", "http://127.0.0.1:8080/")
            ]
        ));
    }

    #[test]
    fn forwarded_host_only_when_trusted() {
        let via_proxy = [
            ("Origin", "https://cam.example"),
            ("X-Forwarded-Host", "cam.example"),
            ("X-Forwarded-Proto", "https"),
            ("X-Forwarded-For", "10.0.0.1, 192.168.1.7"),
        ];
        assert!(policy(false)
            .check(&post("127.0.0.1:8080", &via_proxy))
            .is_err());
        let p = policy(true);
        assert!(p.check(&post("127.0.0.1:8080", &via_proxy)).is_ok());
        let forwarded = [
            ("Origin", "https://cam.example:8443"),
            (
                "Forwarded",
                "for=1.2.3.4, for=\"[::2]\";host=\"cam.example:8443\";proto=https",
            ),
        ];
        let r = post("127.0.0.1:8080", &forwarded);
        assert!(p.check(&r).is_ok());
        assert_eq!(
            p.client(&r, "127.0.0.1".parse().unwrap()),
            "::2".parse::<IpAddr>().unwrap()
        );
        let r = post("127.0.0.1:8080", &via_proxy);
        assert_eq!(
            p.client(&r, "127.0.0.1".parse().unwrap()),
            "192.168.1.7".parse::<IpAddr>().unwrap()
        );
    }
}
