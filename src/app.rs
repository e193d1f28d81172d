//! The application core every request handler shares: the capture stage and its variants, the photo
//! store, the gallery and the site, and the one file [`crate::watcher`] whose changes it
//! routes to the site (pages, theme) or the gallery (photos). Plain Rust: the HTTP edge
//! ([`crate::web`]) turns requests into calls on it and subscribes to its events, and a move to
//! another server would keep all of it.

use std::io;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::Mutex;
use pistream_camera::{CameraConfig, PixelFormat};
use serde::Serialize;

use crate::config::{Config, WatchMode};
use crate::gallery::photos::{PhotoStore, SavedPhoto};
use crate::gallery::Gallery;
use crate::metrics::Metrics;
use crate::site::SiteService;
use crate::timelapse::{Timelapse, TimelapseState};
use crate::video::capture::{CameraFactory, CaptureOptions, CaptureService, Unavailable};
use crate::video::control_store::ControlStore;
use crate::video::controls::ControlService;
use crate::video::encode::orient;
use crate::video::hub::EncodedFrame;
use crate::video::variants::Variants;
use crate::watcher::{self, Change, Roots, WatchError, Watching};

/// How long a snapshot or photo request waits for a fresh frame (a camera opening on demand needs a
/// moment; a USB camera's first frame can take a second).
pub const FRESH_FRAME_WAIT: Duration = Duration::from_secs(5);

pub struct App {
    pub config: Config,
    pub capture: Arc<CaptureService>,
    pub controls: Arc<ControlService>,
    pub variants: Arc<Variants>,
    pub photos: Arc<PhotoStore>,
    pub site: Arc<SiteService>,
    pub gallery: Arc<Gallery>,
    pub timelapse: Arc<Timelapse>,
    /// Dropped at shutdown, which stops the watch and its thread.
    watching: Mutex<Option<Watching>>,
    pub metrics: Metrics,
    started: Instant,
}

/// Why a photo was not taken.
#[derive(Debug, thiserror::Error)]
pub enum PhotoError {
    #[error("no photo: {0}")]
    CameraUnavailable(#[from] Unavailable),
    #[error("the photo could not be saved: {0}")]
    Save(#[from] io::Error),
}

/// `/api/state`.
#[derive(Debug, Serialize)]
pub struct ServerState {
    pub backend: &'static str,
    pub online: bool,
    pub status: String,
    pub width: u32,
    pub height: u32,
    pub format: Option<String>,
    pub fps_target: f64,
    pub fps_measured: f64,
    pub viewers: usize,
    pub variant_encoders: usize,
    /// Capture restarts after a panic or a hung camera (supervision).
    pub capture_restarts: u64,
    pub frames_captured: u64,
    pub frames_sent: u64,
    pub frames_skipped: u64,
    /// Encoder threads running now, and camera frames they dropped (a newer one came first).
    pub encode_workers: usize,
    pub frames_dropped: u64,
    pub uptime_secs: f64,
    /// `--encoder` as this server resolved it: `rust` or `turbo` (libjpeg-turbo).
    pub encoder: &'static str,
    pub picture: PictureState,
    pub timelapse: TimelapseState,
}

/// `/api/state`'s `picture`: how frames are read and turned (`--yuv-range`, `--rotate`, `--flip`).
#[derive(Debug, Serialize)]
pub struct PictureState {
    /// `limited` or `full` while the open camera sends YUYV; null otherwise.
    pub yuv_range: Option<String>,
    /// Why that range: `--yuv-range`, `camera` (it reported it) or `default`.
    pub yuv_range_from: Option<&'static str>,
    /// The same in words: `set by --yuv-range`, `reported by V4L2` (or by another backend's
    /// camera), or `assumed: ...` when the camera does not say.
    pub yuv_range_reason: Option<String>,
    /// Degrees clockwise.
    pub rotate: u32,
    /// `h`, `v`, `hv` or null.
    pub flip: Option<&'static str>,
}

impl App {
    /// The core for `config`, driving the cameras `factory` makes (a new one after a camera panicked
    /// or hung). Opens the photo folder, builds the site and starts the file watcher `--watch` asks
    /// for.
    pub fn new(config: Config, factory: CameraFactory) -> io::Result<Arc<App>> {
        let options = CaptureOptions {
            camera: CameraConfig {
                width: config.width,
                height: config.height,
                fps: config.fps,
                device: config.device_for_backend(),
            },
            quality: config.quality,
            idle_timeout: config.idle_timeout(),
            encode_workers: config.encode_workers(),
            hang_timeout: config.hang_timeout(),
            yuv_range: config.yuv_range(),
            orientation: config.orientation(),
            codec: config.encoder,
        };
        let device = options.camera.device.clone();
        let capture = CaptureService::new(factory, options)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
        // Saved per camera: one file can hold several cameras' values.
        let camera_key = match device {
            Some(device) => format!("{} {device}", capture.backend()),
            None => capture.backend().to_string(),
        };
        let source = Arc::downgrade(&capture);
        let controls = ControlService::new(
            Box::new(move || source.upgrade().and_then(|c| c.controls())),
            ControlStore::open(config.controls_file(), camera_key),
        );
        let reapply = controls.clone();
        capture.run_after_open(Box::new(move || reapply.reapply()));
        let photos = Arc::new(PhotoStore::open(&config.pic)?);
        let gallery = Arc::new(Gallery::open(&config.pic).map_err(io::Error::other)?);
        let site = SiteService::open(&config.content, config.theme.as_deref(), config.quality)
            .map_err(io::Error::other)?;
        let roots = Roots::new(
            Some(&config.content),
            Some(&config.pic),
            config.theme.as_deref(),
        );
        let watching = match watch_files(roots.clone(), config.watch, &site, &gallery) {
            // Out of inotify watches, say: polling still gives hot reload, so serve on.
            Err(e) if config.watch == WatchMode::Native => {
                log::warn!("{e}; falling back to --watch poll");
                watch_files(roots, WatchMode::Poll, &site, &gallery)
            }
            other => other,
        }
        .map_err(io::Error::other)?;
        let variants = Variants::new(capture.clone(), config.max_variants);
        let timelapse = Timelapse::start(&config, capture.clone())?;
        let mut metrics = Metrics::new(capture.clone(), variants.clone());
        metrics.register_timelapse(&timelapse);
        Ok(Arc::new(App {
            metrics,
            timelapse,
            variants,
            capture,
            controls,
            photos,
            site,
            gallery,
            watching: Mutex::new(watching),
            config,
            started: Instant::now(),
        }))
    }

    /// A frame captured after this call (for `/snapshot.jpg`).
    pub async fn snapshot(&self) -> Result<Arc<EncodedFrame>, Unavailable> {
        self.capture.fresh_frame(FRESH_FRAME_WAIT).await
    }

    /// Takes a photo: a fresh frame, saved under a new name without replacing anything.
    pub async fn take_photo(&self) -> Result<SavedPhoto, PhotoError> {
        let frame = self.capture.fresh_frame(FRESH_FRAME_WAIT).await?;
        let photos = self.photos.clone();
        // File writes and fsync block: keep them off the executor.
        let saved =
            blocking::unblock(move || photos.save(frame.jpeg(), frame.captured_at())).await?;
        log::info!("photo saved: {}", saved.name);
        self.metrics.photos_taken.inc();
        Ok(saved)
    }

    pub fn state(&self) -> ServerState {
        let stats = &self.capture.stats;
        let info = stats.stream_info();
        let options = self.capture.options();
        let cfg = &options.camera;
        let turn = options.orientation;
        let (width, height) = info.as_ref().map_or(options.output_size(), |i| {
            turn.output_size(i.width, i.height)
        });
        let yuyv = info.as_ref().filter(|i| i.format == PixelFormat::Yuyv);
        let range = yuyv.map(|i| orient::resolve_range(options.yuv_range, i.yuv_range));
        let picture = PictureState {
            yuv_range: range.map(|(r, _)| r.to_string()),
            yuv_range_from: range.map(|(_, from)| from),
            yuv_range_reason: range.map(|(_, from)| range_reason(from, self.capture.backend())),
            rotate: turn.rotate.degrees(),
            flip: match (turn.flip_h, turn.flip_v) {
                (true, true) => Some("hv"),
                (true, false) => Some("h"),
                (false, true) => Some("v"),
                (false, false) => None,
            },
        };
        ServerState {
            backend: self.capture.backend(),
            online: stats.online.load(Relaxed),
            status: stats.status(),
            width,
            height,
            format: info.as_ref().map(|i| i.format.to_string()),
            fps_target: info.as_ref().map_or(cfg.fps, |i| i.fps),
            fps_measured: (stats.fps_measured() * 10.0).round() / 10.0,
            viewers: stats.viewers.load(Relaxed),
            variant_encoders: self.variants.encoders(),
            capture_restarts: stats.restarts.load(Relaxed),
            frames_captured: stats.frames_captured.load(Relaxed),
            frames_sent: stats.frames_sent.load(Relaxed),
            frames_skipped: stats.frames_skipped.load(Relaxed),
            encode_workers: stats.encode_workers.load(Relaxed),
            frames_dropped: stats.frames_dropped.load(Relaxed),
            uptime_secs: (self.started.elapsed().as_secs_f64() * 10.0).round() / 10.0,
            encoder: options.codec.name(),
            picture,
            timelapse: self.timelapse.state(),
        }
    }

    /// Ends every stream (video and page events), stops the watcher and the camera (server
    /// shutdown).
    pub fn shutdown(&self) {
        self.watching.lock().take();
        self.timelapse.shutdown();
        self.site.shutdown();
        self.capture.shutdown();
    }
}

/// Starts the one file watcher over `roots` in `mode`, routing each change: pages and theme
/// rebuild the site; photos make the gallery rescan *before* open gallery pages are told (so the
/// page they reload already lists the new photo). `Ok(None)` for `--watch off`.
pub fn watch_files(
    roots: Roots,
    mode: WatchMode,
    site: &Arc<SiteService>,
    gallery: &Arc<Gallery>,
) -> Result<Option<Watching>, WatchError> {
    let (site, gallery) = (site.clone(), gallery.clone());
    watcher::start(roots, mode, move |change| match change {
        Change::Theme => site.reload_theme(),
        Change::Pages => site.reload_pages(),
        Change::Pictures => {
            if let Err(e) = gallery.refresh() {
                log::warn!("gallery refresh: {e}");
            }
            site.events().publish("gallery");
        }
    })
}

/// `picture.yuv_range_reason`: why YUYV is read in its range, from [`orient::resolve_range`]'s
/// `from` and the camera backend's name.
fn range_reason(from: &str, backend: &str) -> String {
    match (from, backend) {
        ("--yuv-range", _) => "set by --yuv-range".into(),
        ("camera", "v4l2") => "reported by V4L2".into(),
        ("camera", other) => format!("reported by the {other} camera"),
        _ => "assumed: the camera does not report it, and most send limited".into(),
    }
}
