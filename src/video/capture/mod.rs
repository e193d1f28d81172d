//! The capture stage: drives one camera on a dedicated thread, encodes its frames and publishes them
//! to the [`FrameHub`]. It runs only while somebody needs frames: the first [`Demand`] starts the
//! thread and opens the camera; `idle_timeout` after the last demand is dropped, the camera is closed
//! and the thread ends, so an idle server does no capture, no encode and runs no timer.
//!
//! Faults are states: when the camera fails to open, errors, stalls or vanishes, viewers get a
//! generated NO SIGNAL frame and the thread retries with backoff until the camera is back.
//! Camera I/O and JPEG encoding happen here, never on the async executor that serves HTTP.
//!
//! Supervision: the "capture" thread supervises a worker ("camera") that drives the camera under a
//! [`watchdog`]. A panic in the worker (a backend bug, a hostile recording) is logged once, shown as
//! NO SIGNAL, and capture restarts with backoff on a fresh camera from the [`CameraFactory`]; a camera
//! call that hangs past `hang_timeout` gets the same treatment (the stuck worker is abandoned).
//!
//! Encoding is not done here: the capture thread hands each frame to the [`pipeline`] (encoder
//! threads, publishing in capture order), whose stages for this service are in `stages.rs`.
//!
//! Here: the service and its capture thread. Beside it: `demand.rs` (when the thread runs),
//! `stats.rs` (what it reports), `pipeline.rs` and `stages.rs` (encode and publish).

mod demand;
pub mod pipeline;
mod stages;
mod stats;

use parking_lot::{Condvar, Mutex};
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use pistream_camera::{Camera, CameraConfig, CameraControls, CameraError, YuvRange};

use crate::supervise::{Backoff, Spawner};
use crate::video::encode::{self, orient, Codec, Conversion, Orientation};
use crate::video::hub::{EncodedFrame, FrameHub, Next};
use crate::video::watchdog::{self, Heartbeat, Outcome};
use pipeline::{Fault, Pipeline};

pub use demand::Demand;
use demand::DemandState;
pub use stats::CaptureStats;

/// Makes the camera the capture thread drives. One camera object is reused while it behaves (opened
/// and closed on demand); a new one is made after it panicked or hung.
pub type CameraFactory = Box<dyn Fn() -> Result<Box<dyn Camera>, String> + Send + Sync>;

/// What the capture stage is told.
#[derive(Debug, Clone)]
pub struct CaptureOptions {
    pub camera: CameraConfig,
    pub quality: u8,
    pub idle_timeout: Duration,
    /// Most encoder threads (at least 1); more than one start only while an encode takes longer
    /// than the frame interval.
    pub encode_workers: usize,
    /// A single camera call (open, next frame, close) lasting longer than this is a hung driver: the
    /// worker is abandoned and the camera remade.
    pub hang_timeout: Duration,
    /// `--yuv-range`: how YUYV samples are read; `None` (auto): as the camera reports, else limited.
    pub yuv_range: Option<YuvRange>,
    /// `--rotate` / `--flip`: how every frame is turned before anybody sees it.
    pub orientation: Orientation,
    /// `--encoder`: the JPEG library that encodes, turns and scales frames.
    pub codec: Codec,
}

impl CaptureOptions {
    /// The size of the published pictures when the camera grants what was asked (turned).
    pub fn output_size(&self) -> (u32, u32) {
        (self.orientation).output_size(self.camera.width, self.camera.height)
    }
}

/// One camera, captured on demand, published to one hub.
pub struct CaptureService {
    hub: FrameHub,
    options: CaptureOptions,
    backend: &'static str,
    factory: CameraFactory,
    /// The camera, parked here while no capture thread runs.
    parked: Mutex<Option<Box<dyn Camera>>>,
    demand: Mutex<DemandState>,
    demand_changed: Condvar,
    /// Run on the capture thread after every successful open, before the first frame (the saved
    /// camera controls are applied again there).
    after_open: Mutex<Option<OpenHook>>,
    /// The controls handle of the camera the factory made last (a remade camera has its own).
    controls: Mutex<Option<Arc<dyn CameraControls>>>,
    /// Starts the capture thread (tests make it fail).
    pub threads: Spawner,
    pub stats: CaptureStats,
    /// Whether the open camera's YUYV is read as limited range (settled at each open).
    limited_range: AtomicBool,
}

/// See [`CaptureService::run_after_open`].
pub type OpenHook = Box<dyn Fn() + Send + Sync>;

/// Why no fresh frame could be had.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{0}")]
pub struct Unavailable(pub String);

impl CaptureService {
    /// The service for the cameras `factory` makes; the first is made now (an error says why not).
    pub fn new(
        factory: CameraFactory,
        options: CaptureOptions,
    ) -> Result<Arc<CaptureService>, String> {
        let camera = factory()?;
        let stats = CaptureStats::default();
        stats.set_status("idle (the camera opens when somebody watches)");
        Ok(Arc::new(CaptureService {
            hub: FrameHub::new(),
            backend: camera.backend(),
            factory,
            controls: Mutex::new(camera.controls()),
            parked: Mutex::new(Some(camera)),
            options,
            demand: Mutex::new(DemandState {
                users: 0,
                running: false,
                last_left: Instant::now(),
                shutting_down: false,
            }),
            demand_changed: Condvar::new(),
            after_open: Mutex::new(None),
            threads: Spawner::default(),
            stats,
            limited_range: AtomicBool::new(true),
        }))
    }

    pub fn hub(&self) -> &FrameHub {
        &self.hub
    }
    pub fn backend(&self) -> &'static str {
        self.backend
    }
    pub fn options(&self) -> &CaptureOptions {
        &self.options
    }

    /// The camera's controls (`None`: it has none). After a camera was remade (it panicked or
    /// hung), the new camera's handle.
    pub fn controls(&self) -> Option<Arc<dyn CameraControls>> {
        self.controls.lock().clone()
    }

    /// Runs `hook` on the capture thread after each successful open of the camera (replacing any
    /// earlier hook).
    pub fn run_after_open(&self, hook: OpenHook) {
        *self.after_open.lock() = Some(hook);
    }

    /// A frame captured after this call, waiting at most `timeout`. Fails at once with the reason when
    /// the camera is down (the next frame published is NO SIGNAL).
    pub async fn fresh_frame(
        self: &Arc<Self>,
        timeout: Duration,
    ) -> Result<Arc<EncodedFrame>, Unavailable> {
        let asked = SystemTime::now();
        let _demand = self.try_demand()?;
        let deadline = Instant::now() + timeout;
        let mut seen = self.hub.latest().map_or(0, |(s, _)| s);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.hub.next_after(seen, left).await {
                Next::Frame((_, f)) if f.live && f.captured_at() >= asked => return Ok(f),
                Next::Frame((_, f)) if !f.live => {
                    return Err(Unavailable(format!("camera {}", self.stats.status())))
                }
                Next::Frame((seq, _)) => seen = seq,
                Next::TimedOut => {
                    return Err(Unavailable(format!(
                        "no frame from the camera within {timeout:?} ({})",
                        self.stats.status()
                    )))
                }
                Next::Closed => return Err(Unavailable("the server is shutting down".into())),
            }
        }
    }

    /// A fresh camera from the factory; its controls handle replaces the old camera's.
    fn remake(&self) -> Result<Box<dyn Camera>, String> {
        let camera = (self.factory)()?;
        *self.controls.lock() = camera.controls();
        Ok(camera)
    }

    /// The capture thread: supervises a worker that drives the camera (`async_io::block_on`, so that
    /// async camera backends run there, on their own thread, never on the executor), restarting it
    /// after a panic or a hang until nobody wants frames.
    fn run(self: Arc<Self>) {
        let mut backoff = Backoff::new();
        // One pipeline for this run of the thread: its workers outlive a camera restart, and are
        // joined below, before the service says it stopped.
        let pipeline = Arc::new(Pipeline::new(self.clone(), self.options.encode_workers));
        while self.wanted() {
            let parked = self.parked.lock().take();
            let camera = match parked.map_or_else(|| self.remake(), Ok) {
                Ok(camera) => camera,
                Err(e) => {
                    self.fault(&pipeline, &format!("cannot make the camera: {e}"));
                    self.sleep_unless_unwanted(backoff.next_pause());
                    continue;
                }
            };
            let started = Instant::now();
            let me = self.clone();
            let stages = pipeline.clone();
            let outcome = watchdog::run_watched(
                "camera",
                self.options.hang_timeout,
                || self.demand.lock().shutting_down,
                move |beat| async_io::block_on(me.capture_loop(camera, beat, &stages)),
            );
            let error = match outcome {
                Outcome::Finished(camera) => {
                    *self.parked.lock() = Some(camera);
                    break;
                }
                Outcome::Panicked(p) => format!("the capture stage crashed: {p}"),
                Outcome::Hung(t) => {
                    format!("the camera hung (no answer for {t:.1?}); reopening it")
                }
                Outcome::NotStarted(e) => format!("cannot start the camera thread: {e}"),
            };
            log::error!("camera {}: {error}", self.backend);
            self.stats.restarts.fetch_add(1, Relaxed);
            self.show_no_signal(&pipeline, &error);
            if started.elapsed() > Duration::from_secs(60) {
                backoff.reset(); // it ran well for a while: this is a new fault, not a crash loop
            }
            self.sleep_unless_unwanted(backoff.next_pause());
        }
        pipeline.close();
        self.stats.online.store(false, Relaxed);
        self.stats.fps_bits.store(0f64.to_bits(), Relaxed);
        let mut st = self.demand.lock();
        st.running = false;
        // A demand that arrived while we were closing found `running` still true: serve it now.
        if st.users > 0 && !st.shutting_down {
            let me = self.clone();
            match self.threads.spawn("capture", move || me.run()) {
                Ok(_) => st.running = true,
                Err(e) => log::error!("cannot restart the capture thread: {e}"),
            }
        }
        self.demand_changed.notify_all();
    }

    async fn capture_loop(
        &self,
        mut camera: Box<dyn Camera>,
        beat: &Heartbeat,
        pipeline: &Pipeline<CaptureService>,
    ) -> Box<dyn Camera> {
        let cfg = &self.options.camera;
        let frame_timeout = self.frame_timeout();
        let mut open = false;
        let mut backoff = Backoff::new();
        self.stats.reset_fps();
        self.stats.vitals.started();
        loop {
            if !self.wanted() || beat.abandoned() {
                break;
            }
            if !open {
                beat.enter();
                let opened = camera.open(cfg).await;
                beat.leave();
                match opened {
                    Ok(info) => {
                        let opts = &self.options;
                        let (range, note) = orient::settle(&info, opts.yuv_range, opts.orientation);
                        let limited = range == YuvRange::Limited;
                        self.limited_range.store(limited, Relaxed);
                        let (backend, what) = (self.backend, &info.description);
                        log::info!("camera {backend} open: {what}{note}");
                        if let Some(hook) = &*self.after_open.lock() {
                            hook();
                        }
                        *self.stats.stream.lock() = Some(info);
                        self.stats.online.store(true, Relaxed);
                        self.stats.vitals.opened();
                        self.stats.set_status("streaming");
                        open = true;
                        backoff.reset();
                    }
                    Err(e) => {
                        self.fault(pipeline, &format!("cannot open the camera: {e}"));
                        self.sleep_unless_unwanted(backoff.next_pause());
                        continue;
                    }
                }
            }
            beat.enter();
            let next = async_std::future::timeout(frame_timeout, camera.next_frame()).await;
            beat.leave();
            if beat.abandoned() {
                break; // woke from a hang after being given up: the camera is someone else's now
            }
            let error = match next {
                Ok(Ok(frame)) => match pipeline.submit(frame) {
                    Ok(()) => continue,
                    Err(Fault::Encode(e)) => format!("cannot encode the camera's frame: {e}"),
                    // As if it had happened here: supervision shows it and restarts capture.
                    Err(Fault::Panicked(p)) => panic!("the encoder crashed: {p}"),
                },
                Ok(Err(e)) => e.to_string(),
                Err(_) => CameraError::Timeout(frame_timeout).to_string(),
            };
            beat.enter();
            camera.close().await;
            beat.leave();
            open = false;
            self.stats.reset_fps();
            self.fault(pipeline, &error);
            self.sleep_unless_unwanted(backoff.next_pause());
        }
        if open {
            beat.enter();
            camera.close().await;
            beat.leave();
        }
        if beat.abandoned() {
            return camera;
        }
        self.stats.online.store(false, Relaxed);
        self.stats.fps_bits.store(0f64.to_bits(), Relaxed);
        self.stats.vitals.stopped();
        self.stats
            .set_status("idle (the camera opens when somebody watches)");
        log::info!("camera {} closed: nobody watching", self.backend);
        camera
    }

    /// How long a frame may take before the camera counts as stalled. Generous: a USB camera can
    /// take a second or two for its first frame after streaming starts, and viewers get the last
    /// frame again every second meanwhile.
    pub fn frame_timeout(&self) -> Duration {
        Duration::from_secs_f64((3.0 / self.options.camera.fps).max(5.0))
    }

    /// The longest a working capture thread goes without publishing anything: a frame timeout and
    /// then the longest retry pause before its NO SIGNAL frame. Longer than that, it is stuck.
    pub fn longest_silence(&self) -> Duration {
        self.frame_timeout() + Backoff::MAX
    }

    /// How live frames are read and turned now.
    pub fn conversion(&self) -> Conversion {
        let range = match self.limited_range.load(Relaxed) {
            true => YuvRange::Limited,
            false => YuvRange::Full,
        };
        Conversion::new(range, self.options.orientation)
    }

    fn fault(&self, pipeline: &Pipeline<CaptureService>, error: &str) {
        log::warn!(
            "camera {}: {error}; showing NO SIGNAL and retrying",
            self.backend
        );
        self.show_no_signal(pipeline, error);
    }

    /// Tells viewers (a NO SIGNAL frame, ahead of any live frame still being encoded) and
    /// `/api/state` why there is no picture.
    fn show_no_signal(&self, pipeline: &Pipeline<CaptureService>, error: &str) {
        self.stats.online.store(false, Relaxed);
        self.stats.vitals.fault();
        self.stats.set_status(format!("offline: {error}"));
        // Drawn upright at the published (turned) size, so the stream keeps its size; pistream's
        // own picture, in JPEG's range.
        let (w, h) = self.options.output_size();
        let frame = encode::no_signal_frame(w, h, error);
        let conv = Conversion::NONE;
        match self
            .options
            .codec
            .to_jpeg(&frame, &conv, self.options.quality)
        {
            Ok(jpeg) => pipeline.publish_now(EncodedFrame::new(&jpeg, frame, conv, false)),
            Err(e) => log::error!("cannot encode the NO SIGNAL frame: {e}"),
        }
    }
}
