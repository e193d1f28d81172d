//! `/metrics`: pistream's counters in the Prometheus text format (0.0.4), written by
//! `prometheus-client`. Most values already live in the capture stage's atomics (`/api/state` shows
//! them too); a [`Collector`] reads them at scrape time instead of copying them on every frame. What
//! only exists here — photos taken and deleted, requests by route and status — is counted here; the
//! timelapse's counters live in [`crate::timelapse`] and are registered here.

use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeLabelSet, EncodeMetric};
use prometheus_client::metrics::counter::{ConstCounter, Counter};
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::registry::{Registry, Unit};

use crate::video::capture::CaptureService;
use crate::video::variants::Variants;

/// The media type of the Prometheus text format.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// One request counted: the route (see [`route_label`]) and the response status.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    pub route: String,
    pub status: u16,
}

/// Every metric pistream exports.
pub struct Metrics {
    registry: Registry,
    pub photos_taken: Counter,
    pub photos_deleted: Counter,
    pub requests: Family<RequestLabels, Counter>,
}

impl Metrics {
    /// The registry for one server: its own counters plus the capture stage's, read at scrape time.
    pub fn new(capture: Arc<CaptureService>, variants: Arc<Variants>) -> Metrics {
        let mut registry = Registry::with_prefix("pistream");
        let photos_taken = Counter::default();
        let photos_deleted = Counter::default();
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "photos_taken",
            "Photos saved by POST /photos",
            photos_taken.clone(),
        );
        registry.register(
            "photos_deleted",
            "Photos deleted through the web page",
            photos_deleted.clone(),
        );
        registry.register(
            "http_requests",
            "Requests answered, by route (first path segment; `unmatched` for 404) and status",
            requests.clone(),
        );
        registry.register_with_unit(
            "encode",
            "Time to encode one camera frame to the JPEG viewers get",
            Unit::Seconds,
            capture.stats.vitals.encode_seconds.clone(),
        );
        registry.register_collector(Box::new(CaptureCollector { capture, variants }));
        Metrics {
            registry,
            photos_taken,
            photos_deleted,
            requests,
        }
    }

    /// Registers the timelapse's counters (`pistream_timelapse_photos_total`,
    /// `pistream_timelapse_days_deleted_total`).
    pub fn register_timelapse(&mut self, timelapse: &crate::timelapse::Timelapse) {
        self.registry.register(
            "timelapse_photos",
            "Photos the timelapse saved",
            timelapse.photos.clone(),
        );
        self.registry.register(
            "timelapse_days_deleted",
            "Timelapse day folders deleted by --timelapse-keep or the --min-free-space guard",
            timelapse.days_deleted.clone(),
        );
    }

    /// Counts one answered request.
    pub fn count_request(&self, path: &str, status: u16) {
        let route = route_label(path, status);
        self.requests
            .get_or_create(&RequestLabels { route, status })
            .inc();
    }

    /// The whole exposition, as a scraper reads it.
    pub fn render(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::prometheus_text::encode(&mut out, &self.registry);
        out
    }
}

/// The `route` label of a request: its first path segment, with `/*` when the path goes deeper
/// (`/photos/20260101-120000-000.jpg` counts as `/photos/*`). Every 404 is `unmatched`, whatever was
/// asked: only paths a route answered make labels, so scanners cannot grow the label set without
/// bound, and no list of routes is kept here to drift from the router.
pub fn route_label(path: &str, status: u16) -> String {
    if status == 404 {
        return "unmatched".into();
    }
    let rest = path.trim_start_matches('/');
    match rest.split_once('/') {
        None => format!("/{rest}"),
        Some((first, _)) => format!("/{first}/*"),
    }
}

/// Reads the capture stage's atomics on each scrape.
#[derive(Clone)]
struct CaptureCollector {
    capture: Arc<CaptureService>,
    variants: Arc<Variants>,
}

impl std::fmt::Debug for CaptureCollector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CaptureCollector")
    }
}

fn counter(enc: &mut DescriptorEncoder, name: &str, help: &str, v: u64) -> std::fmt::Result {
    let c = ConstCounter::new(v);
    c.encode(enc.encode_descriptor(name, help, None, c.metric_type())?)
}

fn gauge(enc: &mut DescriptorEncoder, name: &str, help: &str, v: i64) -> std::fmt::Result {
    let g = ConstGauge::new(v);
    g.encode(enc.encode_descriptor(name, help, None, g.metric_type())?)
}

impl Collector for CaptureCollector {
    fn encode(&self, mut enc: DescriptorEncoder) -> std::fmt::Result {
        let stats = &self.capture.stats;
        let vitals = &stats.vitals;
        let e = &mut enc;
        gauge(
            e,
            "viewers",
            "Open /stream connections",
            stats.viewers.load(Relaxed) as i64,
        )?;
        gauge(
            e,
            "camera_online",
            "1 while the camera delivers frames, 0 when idle or failing",
            stats.online.load(Relaxed) as i64,
        )?;
        let frames = [
            (
                "frames_captured",
                "Frames received from the camera",
                &stats.frames_captured,
            ),
            (
                "frames_sent",
                "Frames written to viewers (all viewers added up)",
                &stats.frames_sent,
            ),
            (
                "frames_skipped",
                "Frames viewers missed because they were slower than the camera",
                &stats.frames_skipped,
            ),
            (
                "stream_bytes_sent",
                "Bytes of stream parts written to viewers",
                &vitals.bytes_sent,
            ),
            (
                "capture_faults",
                "Camera errors, stalls and failed opens",
                &vitals.faults,
            ),
            (
                "capture_restarts",
                "Times the camera was reopened after a fault",
                &vitals.restarts,
            ),
            (
                "camera_opens",
                "Times the camera was opened (on demand or after a fault)",
                &vitals.opens,
            ),
        ];
        for (name, help, value) in frames {
            counter(e, name, help, value.load(Relaxed))?;
        }
        gauge(
            e,
            "variant_encoders",
            "Running encoders of smaller or lighter stream variants",
            self.variants.encoders() as i64,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::route_label;

    #[test]
    fn routes_are_first_segments_and_404s_are_one_label() {
        assert_eq!(route_label("/", 200), "/");
        assert_eq!(route_label("/stream", 200), "/stream");
        assert_eq!(route_label("/photos/a.jpg", 200), "/photos/*");
        assert_eq!(route_label("/photos/a.jpg/delete", 303), "/photos/*");
        assert_eq!(route_label("/wp-admin/setup.php", 404), "unmatched");
    }
}
