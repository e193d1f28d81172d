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

use parking_lot::{Condvar, Mutex};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use pistream_camera::{Camera, CameraConfig, CameraControls, CameraError, Frame, StreamInfo};

use crate::supervise::{Backoff, Spawner};
use crate::video::encode;
use crate::video::hub::{EncodedFrame, FrameHub, Next};
use crate::video::vitals::CaptureVitals;
use crate::video::watchdog::{self, Heartbeat, Outcome};

/// Makes the camera the capture thread drives. One camera object is reused while it behaves (opened
/// and closed on demand); a new one is made after it panicked or hung.
pub type CameraFactory = Box<dyn Fn() -> Result<Box<dyn Camera>, String> + Send + Sync>;

/// What the capture stage is told.
#[derive(Debug, Clone)]
pub struct CaptureOptions {
    pub camera: CameraConfig,
    pub quality: u8,
    pub idle_timeout: Duration,
    /// A single camera call (open, next frame, close) lasting longer than this is a hung driver: the
    /// worker is abandoned and the camera remade.
    pub hang_timeout: Duration,
}

/// Counters shown in `/api/state`. Written by the capture thread and by viewers; read by anyone.
#[derive(Default)]
pub struct CaptureStats {
    pub frames_captured: AtomicU64,
    pub frames_sent: AtomicU64,
    pub frames_skipped: AtomicU64,
    pub viewers: AtomicUsize,
    pub online: AtomicBool,
    /// Times the camera worker was restarted after a panic or a hang.
    pub restarts: AtomicU64,
    /// Faults, restarts, bytes, encode times, progress: for `/healthz` and `/metrics`.
    pub vitals: CaptureVitals,
    /// Measured frames per second, as `f64` bits (an exponential moving average).
    fps_bits: AtomicU64,
    status: Mutex<String>,
    stream: Mutex<Option<StreamInfo>>,
}

impl CaptureStats {
    pub fn fps_measured(&self) -> f64 {
        f64::from_bits(self.fps_bits.load(Relaxed))
    }
    /// What the camera is doing, in words ("streaming", "idle", the last error...).
    pub fn status(&self) -> String {
        self.status.lock().clone()
    }
    /// What the camera granted when it was last opened.
    pub fn stream_info(&self) -> Option<StreamInfo> {
        self.stream.lock().clone()
    }
    fn set_status(&self, s: impl Into<String>) {
        *self.status.lock() = s.into();
    }
}

struct DemandState {
    users: usize,
    running: bool,
    last_left: Instant,
    shutting_down: bool,
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
}

/// See [`CaptureService::run_after_open`].
pub type OpenHook = Box<dyn Fn() + Send + Sync>;

/// Keeps the camera running while held. Dropping the last one starts the idle countdown.
pub struct Demand {
    service: Arc<CaptureService>,
}

impl Drop for Demand {
    fn drop(&mut self) {
        let mut st = self.service.demand.lock();
        st.users -= 1;
        if st.users == 0 {
            st.last_left = Instant::now();
        }
        self.service.demand_changed.notify_all();
    }
}

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

    /// Runs `hook` on the capture thread after each successful open of the camera (replacing any
    /// earlier hook).
    /// The camera's controls (`None`: it has none). After a camera was remade (it panicked or
    /// hung), the new camera's handle.
    pub fn controls(&self) -> Option<Arc<dyn CameraControls>> {
        self.controls.lock().clone()
    }

    pub fn run_after_open(&self, hook: OpenHook) {
        *self.after_open.lock() = Some(hook);
    }

    /// Asks for frames: starts the capture thread if it is not running. When that thread cannot be
    /// started no frames come for this demand (a reader times out with a reason); the next demand
    /// tries again. Request handlers use [`Self::try_demand`] to answer 503 instead.
    pub fn demand(self: &Arc<Self>) -> Demand {
        self.try_demand().unwrap_or_else(|e| {
            log::error!("{e}");
            let mut st = self.demand.lock();
            st.users += 1;
            Demand {
                service: self.clone(),
            }
        })
    }

    /// Asks for frames; fails when the capture thread is needed and cannot be started (out of
    /// threads): the caller fails its one request with 503.
    pub fn try_demand(self: &Arc<Self>) -> Result<Demand, Unavailable> {
        let mut st = self.demand.lock();
        if !st.running && !st.shutting_down {
            let me = self.clone();
            self.threads
                .spawn("capture", move || me.run())
                .map_err(|e| Unavailable(format!("cannot start the capture thread: {e}")))?;
            st.running = true;
        }
        st.users += 1;
        self.demand_changed.notify_all();
        Ok(Demand {
            service: self.clone(),
        })
    }

    /// Whether the capture thread is running (the camera open or being retried).
    pub fn is_running(&self) -> bool {
        self.demand.lock().running
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

    /// Stops capture for good and ends every stream (server shutdown).
    pub fn shutdown(&self) {
        self.demand.lock().shutting_down = true;
        self.demand_changed.notify_all();
        self.hub.close();
    }

    /// Waits until the capture thread has closed the camera and ended (after [`Self::shutdown`]).
    pub fn wait_stopped(&self, timeout: Duration) -> bool {
        let mut st = self.demand.lock();
        self.demand_changed
            .wait_while_for(&mut st, |s| s.running, timeout);
        !st.running
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
        while self.wanted() {
            let parked = self.parked.lock().take();
            let camera = match parked.map_or_else(|| self.remake(), Ok) {
                Ok(camera) => camera,
                Err(e) => {
                    self.fault(&format!("cannot make the camera: {e}"));
                    self.sleep_unless_unwanted(backoff.next_pause());
                    continue;
                }
            };
            let started = Instant::now();
            let me = self.clone();
            let outcome = watchdog::run_watched(
                "camera",
                self.options.hang_timeout,
                || self.demand.lock().shutting_down,
                move |beat| async_io::block_on(me.capture_loop(camera, beat)),
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
            self.show_no_signal(&error);
            if started.elapsed() > Duration::from_secs(60) {
                backoff.reset(); // it ran well for a while: this is a new fault, not a crash loop
            }
            self.sleep_unless_unwanted(backoff.next_pause());
        }
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

    async fn capture_loop(&self, mut camera: Box<dyn Camera>, beat: &Heartbeat) -> Box<dyn Camera> {
        let cfg = &self.options.camera;
        let frame_timeout = self.frame_timeout();
        let mut open = false;
        let mut backoff = Backoff::new();
        let mut fps = FpsMeter::default();
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
                        log::info!("camera {} open: {}", self.backend, info.description);
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
                        self.fault(&format!("cannot open the camera: {e}"));
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
                Ok(Ok(frame)) => match self.publish(frame, true) {
                    Ok(()) => {
                        self.stats.frames_captured.fetch_add(1, Relaxed);
                        self.stats.fps_bits.store(fps.tick().to_bits(), Relaxed);
                        continue;
                    }
                    Err(e) => format!("cannot encode the camera's frame: {e}"),
                },
                Ok(Err(e)) => e.to_string(),
                Err(_) => CameraError::Timeout(frame_timeout).to_string(),
            };
            beat.enter();
            camera.close().await;
            beat.leave();
            open = false;
            fps = FpsMeter::default();
            self.fault(&error);
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

    /// Whether capture should go on: somebody wants frames, or the last left less than
    /// `idle_timeout` ago.
    fn wanted(&self) -> bool {
        let st = self.demand.lock();
        !st.shutting_down && (st.users > 0 || st.last_left.elapsed() < self.options.idle_timeout)
    }

    /// Waits `pause` (a retry backoff) but returns early when demand changes, so an idle or shutting
    /// down server does not sit out the whole backoff.
    fn sleep_unless_unwanted(&self, pause: Duration) {
        let deadline = Instant::now() + pause;
        let mut st = self.demand.lock();
        while !st.shutting_down {
            let now = Instant::now();
            if now >= deadline {
                break;
            }
            // With nobody left, wake at the idle deadline to close up.
            let wait = if st.users == 0 {
                let idle_end = st.last_left + self.options.idle_timeout;
                (deadline.min(idle_end)).saturating_duration_since(now)
            } else {
                deadline - now
            };
            if wait.is_zero() {
                break;
            }
            self.demand_changed.wait_for(&mut st, wait);
        }
    }

    fn fault(&self, error: &str) {
        log::warn!(
            "camera {}: {error}; showing NO SIGNAL and retrying",
            self.backend
        );
        self.show_no_signal(error);
    }

    /// Tells viewers (a NO SIGNAL frame) and `/api/state` why there is no picture.
    fn show_no_signal(&self, error: &str) {
        self.stats.online.store(false, Relaxed);
        self.stats.vitals.fault();
        self.stats.set_status(format!("offline: {error}"));
        let cfg = &self.options.camera;
        let frame = encode::no_signal_frame(cfg.width, cfg.height, error);
        if let Err(e) = self.publish(frame, false) {
            log::error!("cannot encode the NO SIGNAL frame: {e}");
        }
    }

    fn publish(&self, frame: Frame, live: bool) -> Result<(), encode::EncodeError> {
        let started = Instant::now();
        let jpeg = encode::to_jpeg(&frame, self.options.quality)?;
        if live {
            self.stats.vitals.frame(started.elapsed());
        }
        self.hub
            .publish(Arc::new(EncodedFrame::new(&jpeg, frame, live)));
        Ok(())
    }
}

/// Frames per second as an exponential moving average of frame intervals.
#[derive(Default)]
struct FpsMeter {
    last: Option<Instant>,
    interval: Option<f64>,
}

impl FpsMeter {
    fn tick(&mut self) -> f64 {
        let now = Instant::now();
        if let Some(last) = self.last.replace(now) {
            let dt = (now - last).as_secs_f64();
            let avg = self.interval.map_or(dt, |avg| avg * 0.9 + dt * 0.1);
            self.interval = Some(avg);
        }
        self.interval.filter(|i| *i > 0.0).map_or(0.0, |i| 1.0 / i)
    }
}
