//! Routes for whoever runs pistream: `/healthz` (JSON; 200, or 503 while the camera has been failing
//! too long — for uptime checkers and load balancers) and `/metrics` (Prometheus text), plus the
//! middleware that counts every request by route and status. Thin: [`crate::health`] decides,
//! [`crate::metrics`] formats.

use tide::{Body, Middleware, Next, Response, StatusCode};

use super::{Request, Server, State};
use crate::health;
use crate::metrics::CONTENT_TYPE;

pub fn register(server: &mut Server) {
    // First, so it is outermost and sees the status every other layer settled on.
    server.with(CountRequests);
    server.at("/healthz").get(healthz);
    server.at("/metrics").get(metrics);
}

async fn healthz(req: Request) -> tide::Result {
    let app = req.state();
    let health = health::check(app, app.config.unhealthy_after());
    let status = if health.is_ok() {
        StatusCode::Ok
    } else {
        StatusCode::ServiceUnavailable
    };
    let mut res = Response::new(status);
    res.set_body(Body::from_json(&health)?);
    res.insert_header("Cache-Control", "no-store");
    Ok(res)
}

async fn metrics(req: Request) -> tide::Result {
    let mut res = Response::new(StatusCode::Ok);
    res.set_body(req.state().metrics.render());
    res.insert_header("Content-Type", CONTENT_TYPE);
    res.insert_header("Cache-Control", "no-store");
    Ok(res)
}

/// Counts each answered request in `pistream_http_requests_total`.
struct CountRequests;

#[tide::utils::async_trait]
impl Middleware<State> for CountRequests {
    async fn handle(&self, req: Request, next: Next<'_, State>) -> tide::Result {
        let path = req.url().path().to_owned();
        let app = req.state().clone();
        let res = next.run(req).await;
        app.metrics.count_request(&path, res.status() as u16);
        Ok(res)
    }
}
