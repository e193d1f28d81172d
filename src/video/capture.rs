//! The capture stage: drives one camera on a dedicated thread, encodes its frames and publishes them
//! to the [`FrameHub`]. It runs only while somebody needs frames: the first [`Demand`] starts the
//! thread and opens the camera; `idle_timeout` after the last demand is dropped, the camera is closed
//! and the thread ends, so an idle server does no capture, no encode and runs no timer.
//!
//! Faults are states: when the camera fails to open, errors, stalls or vanishes, viewers get a
//! generated NO SIGNAL frame and the thread retries with backoff until the camera is back.
//! Camera I/O and JPEG encoding happen here, never on the async executor that serves HTTP.

use parking_lot::{Condvar, Mutex};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use pistream_camera::{Camera, CameraConfig, CameraError, Frame, StreamInfo};

use crate::video::encode;
use crate::video::hub::{EncodedFrame, FrameHub, Next};
use crate::video::vitals::CaptureVitals;

/// Makes the camera the capture thread drives (one camera object lives for the whole server; it is
/// opened and closed on demand).
pub type CameraFactory = Box<dyn Fn() -> Box<dyn Camera> + Send + Sync>;

/// What the capture stage is told.
#[derive(Debug, Clone)]
pub struct CaptureOptions {
    pub camera: CameraConfig,
    pub quality: u8,
    pub idle_timeout: Duration,
}

/// Counters shown in `/api/state`. Written by the capture thread and by viewers; read by anyone.
#[derive(Default)]
pub struct CaptureStats {
    pub frames_captured: AtomicU64,
    pub frames_sent: AtomicU64,
    pub frames_skipped: AtomicU64,
    pub viewers: AtomicUsize,
    pub online: AtomicBool,
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
    /// The camera, parked here while no capture thread runs.
    parked: Mutex<Option<Box<dyn Camera>>>,
    demand: Mutex<DemandState>,
    demand_changed: Condvar,
    /// Run on the capture thread after every successful open, before the first frame (the saved
    /// camera controls are applied again there).
    after_open: Mutex<Option<OpenHook>>,
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
    pub fn new(camera: Box<dyn Camera>, options: CaptureOptions) -> Arc<CaptureService> {
        let stats = CaptureStats::default();
        stats.set_status("idle (the camera opens when somebody watches)");
        Arc::new(CaptureService {
            hub: FrameHub::new(),
            backend: camera.backend(),
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
            stats,
        })
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
    pub fn run_after_open(&self, hook: OpenHook) {
        *self.after_open.lock() = Some(hook);
    }

    /// Asks for frames: starts the capture thread if it is not running.
    pub fn demand(self: &Arc<Self>) -> Demand {
        let mut st = self.demand.lock();
        st.users += 1;
        if !st.running && !st.shutting_down {
            let me = self.clone();
            match std::thread::Builder::new()
                .name("capture".into())
                .spawn(move || me.run())
            {
                Ok(_) => st.running = true,
                // Out of threads: no frames for this request (it times out with a reason); the
                // next demand tries again.
                Err(e) => log::error!("cannot start the capture thread: {e}"),
            }
        }
        self.demand_changed.notify_all();
        Demand {
            service: self.clone(),
        }
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
        let _demand = self.demand();
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

    /// The capture thread: `async_io::block_on` so that async camera backends run here, on their own
    /// thread, never on the executor.
    fn run(self: Arc<Self>) {
        let Some(camera) = self.parked.lock().take() else {
            self.demand.lock().running = false;
            return;
        };
        let camera = async_io::block_on(self.capture_loop(camera));
        *self.parked.lock() = Some(camera);
        let mut st = self.demand.lock();
        st.running = false;
        // A demand that arrived while we were closing found `running` still true: serve it now.
        if st.users > 0 && !st.shutting_down {
            st.running = true;
            let me = self.clone();
            std::thread::spawn(move || me.run());
        }
        self.demand_changed.notify_all();
    }

    async fn capture_loop(&self, mut camera: Box<dyn Camera>) -> Box<dyn Camera> {
        let cfg = &self.options.camera;
        let frame_timeout = self.frame_timeout();
        let mut open = false;
        let mut backoff = Backoff::new();
        let mut fps = FpsMeter::default();
        self.stats.vitals.started();
        loop {
            if !self.wanted() {
                break;
            }
            if !open {
                match camera.open(cfg).await {
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
                        self.sleep_unless_unwanted(backoff.next());
                        continue;
                    }
                }
            }
            let next = async_std::future::timeout(frame_timeout, camera.next_frame()).await;
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
            camera.close().await;
            open = false;
            fps = FpsMeter::default();
            self.fault(&error);
            self.sleep_unless_unwanted(backoff.next());
        }
        if open {
            camera.close().await;
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

/// Retry pauses: 250 ms doubling to 5 s.
struct Backoff(Duration);

impl Backoff {
    const FIRST: Duration = Duration::from_millis(250);
    const MAX: Duration = Duration::from_secs(5);
    fn new() -> Backoff {
        Backoff(Self::FIRST)
    }
    fn reset(&mut self) {
        self.0 = Self::FIRST;
    }
    fn next(&mut self) -> Duration {
        let now = self.0;
        self.0 = (self.0 * 2).min(Self::MAX);
        now
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_to_a_ceiling_and_resets() {
        let mut b = Backoff::new();
        let seq: Vec<_> = (0..7).map(|_| b.next().as_millis()).collect();
        assert_eq!(seq, [250, 500, 1000, 2000, 4000, 5000, 5000]);
        b.reset();
        assert_eq!(b.next().as_millis(), 250);
    }
}
