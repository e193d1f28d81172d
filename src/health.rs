//! `/healthz` and the systemd watchdog's verdict on the capture stage, in plain Rust.
//!
//! Two different questions, on purpose:
//! - **Healthy** (`/healthz` 200 rather than 503): the camera has not been failing for longer than
//!   `--unhealthy-after`. An unplugged camera turns it 503 after that long; uptime checkers alert.
//! - **Stuck** (the watchdog stops being fed and systemd restarts pistream): the capture thread runs
//!   but has published nothing — not even a NO SIGNAL frame — for that long (and at least twice the
//!   longest pause a working capture thread makes): a driver call that never returns. A restart cures that; it cannot cure an unplugged camera, and pistream already retries
//!   that by itself, so a failing camera alone does not starve the watchdog (systemd would otherwise
//!   restart it in a loop and give up).
//!
//! An idle camera (nobody watching) is healthy: checking it would mean opening it, and a health check
//! every few seconds would then keep the camera on for good.

use std::sync::atomic::Ordering::Relaxed;
use std::time::Duration;

use serde::Serialize;

use crate::app::App;

/// What `/healthz` answers (as JSON).
#[derive(Debug, Serialize)]
pub struct Health {
    /// `ok` or `failing`.
    pub status: &'static str,
    /// Why it is failing, in words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub camera: CameraHealth,
    /// The capture thread runs but publishes nothing: the watchdog should restart us.
    #[serde(skip)]
    pub stuck: bool,
}

/// The camera's part of [`Health`].
#[derive(Debug, Serialize)]
pub struct CameraHealth {
    pub backend: &'static str,
    /// Whether the capture thread runs (somebody watches, or did a moment ago).
    pub running: bool,
    pub online: bool,
    /// What the camera is doing, in words (as `/api/state` says it).
    pub state: String,
    /// Seconds the camera has been failing without a good frame.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failing_for_secs: Option<f64>,
    pub viewers: usize,
}

impl Health {
    pub fn is_ok(&self) -> bool {
        self.reason.is_none()
    }
}

/// Looks at the capture stage; `limit` is `--unhealthy-after`.
pub fn check(app: &App, limit: Duration) -> Health {
    let capture = &app.capture;
    let stats = &capture.stats;
    let running = capture.is_running();
    let failing_for = stats.vitals.failing_for();
    // Never sooner than twice the longest silence a working capture thread keeps (a stall timeout
    // plus a retry pause), whatever `limit` says.
    let stuck = running && stats.vitals.since_progress() > limit.max(capture.longest_silence() * 2);
    let reason = if stuck {
        Some(format!(
            "capture has published nothing for {:.0} s (the camera driver may be stuck)",
            stats.vitals.since_progress().as_secs_f64()
        ))
    } else {
        failing_for.filter(|f| *f > limit).map(|f| {
            format!(
                "the camera has been failing for {:.0} s: {}",
                f.as_secs_f64(),
                stats.status()
            )
        })
    };
    Health {
        status: if reason.is_none() { "ok" } else { "failing" },
        reason,
        camera: CameraHealth {
            backend: capture.backend(),
            running,
            online: stats.online.load(Relaxed),
            state: stats.status(),
            failing_for_secs: failing_for.map(|f| (f.as_secs_f64() * 10.0).round() / 10.0),
            viewers: stats.viewers.load(Relaxed),
        },
        stuck,
    }
}
