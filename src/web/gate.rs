//! The one door every request passes before any route sees it ([`super::http1`] asks it right after
//! the request head is read, before a body is accepted): CORS preflights for `--allow-origin`, the
//! cross-site check for state-changing requests (403), and HTTP Basic login (401, 429). Being at the
//! edge rather than in each route, it also covers 404s, theme assets and routes added later; being
//! keyed on the method, `--public-view` opens GET and HEAD while every other method stays closed;
//! `--metrics-public` opens GET and HEAD of `/metrics` and `/healthz` only.

use std::io;
use std::net::IpAddr;

use http_types::{Method, Request, Response, StatusCode};

use super::auth::Users;
use super::errors::HttpError;
use super::login::{Login, Verdict};
use super::origin::{is_view, OriginPolicy};
use crate::config::Config;

/// Why a request does not pass: an answer of its own (a preflight's 204, a 401 challenge with no
/// content), or an error the client reads in its own form (themed page, JSON or text).
pub enum Refusal {
    Answer(Box<Response>),
    Error(HttpError),
}

pub struct Gate {
    login: Option<Login>,
    public_view: bool,
    metrics_public: bool,
    pub origins: OriginPolicy,
}

impl Gate {
    pub fn from_config(config: &Config) -> io::Result<Gate> {
        let users = Users::from_config(config)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
        for (set, flag) in [
            (config.public_view, "--public-view"),
            (config.metrics_public, "--metrics-public"),
        ] {
            if users.is_none() && set {
                log::warn!("{flag} has no effect without --auth or --auth-file");
            }
        }
        Ok(Gate {
            login: users.map(Login::new).transpose()?,
            public_view: config.public_view,
            metrics_public: config.metrics_public,
            origins: OriginPolicy {
                trust_proxy: config.trust_proxy,
                allowed: config.allow_origin.clone(),
            },
        })
    }

    /// Whether a login is required at all.
    pub fn has_auth(&self) -> bool {
        self.login.is_some()
    }

    /// `None` to let `req` through, or what answers it instead.
    pub async fn admit(&self, req: &Request, peer: IpAddr) -> Option<Refusal> {
        if req.method() == Method::Options && req.header("access-control-request-method").is_some()
        {
            // A preflight carries no credentials (browsers never send them with one).
            if let Some(headers) = self.origins.cors_headers(req) {
                let mut res = Response::new(StatusCode::NoContent);
                for (name, value) in headers {
                    res.insert_header(name, value);
                }
                return Some(Refusal::Answer(Box::new(res)));
            }
        }
        if let Err(why) = self.origins.check(req) {
            log::info!("{} {} from {peer}: {why}", req.method(), req.url().path());
            return Some(Refusal::Error(HttpError::new(StatusCode::Forbidden, why)));
        }
        let login = self.login.as_ref()?;
        if self.public_view && is_view(req.method()) {
            return None;
        }
        if self.metrics_public && is_view(req.method()) && is_ops(req.url().path()) {
            return None;
        }
        let client = self.origins.client(req, peer);
        let authorization = req.header("authorization").map(|v| v.last().as_str());
        match login.check(authorization, client).await {
            Verdict::Allowed => None,
            Verdict::Denied => Some(Refusal::Answer(Box::new(unauthorized()))),
            Verdict::Limited => Some(Refusal::Error(HttpError {
                retry_after: Some(1),
                ..HttpError::new(
                    StatusCode::TooManyRequests,
                    "too many failed logins from your address: wait a moment",
                )
            })),
        }
    }
}

/// The routes `--metrics-public` opens: what a Prometheus scraper and an uptime checker ask.
fn is_ops(path: &str) -> bool {
    matches!(path, "/metrics" | "/healthz")
}

/// 401 with the challenge and no content.
fn unauthorized() -> Response {
    let mut res = Response::new(StatusCode::Unauthorized);
    res.insert_header(
        "WWW-Authenticate",
        "Basic realm=\"pistream\", charset=\"UTF-8\"",
    );
    res.insert_header("Cache-Control", "no-store");
    res
}
