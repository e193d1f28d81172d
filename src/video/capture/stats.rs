//! What the capture stage reports: frame counters, measured frame rate, status in words and what
//! the camera granted, for `/api/state`, `/healthz` and `/metrics`. Written by the capture thread
//! and by viewers; read by anyone.

use parking_lot::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::time::Instant;

use pistream_camera::StreamInfo;

use crate::video::vitals::CaptureVitals;

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
    /// Frames the encode pipeline dropped: a newer frame came before a worker was free, or was
    /// published first.
    pub frames_dropped: AtomicU64,
    /// Encoder threads running now.
    pub encode_workers: AtomicUsize,
    /// Measured frames per second, as `f64` bits (an exponential moving average).
    pub(super) fps_bits: AtomicU64,
    /// Measures it, at every live frame published.
    fps: Mutex<FpsMeter>,
    status: Mutex<String>,
    pub(super) stream: Mutex<Option<StreamInfo>>,
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
    pub(super) fn set_status(&self, s: impl Into<String>) {
        *self.status.lock() = s.into();
    }
    /// A live frame was published: the measured rate takes it in.
    pub(super) fn tick_fps(&self) {
        let fps = self.fps.lock().tick();
        self.fps_bits.store(fps.to_bits(), Relaxed);
    }
    /// The next frame starts a new measurement (the camera (re)opened).
    pub(super) fn reset_fps(&self) {
        *self.fps.lock() = FpsMeter::default();
    }
}

/// Frames per second as an exponential moving average of frame intervals.
#[derive(Default)]
pub(super) struct FpsMeter {
    last: Option<Instant>,
    interval: Option<f64>,
}

impl FpsMeter {
    pub(super) fn tick(&mut self) -> f64 {
        let now = Instant::now();
        if let Some(last) = self.last.replace(now) {
            let dt = (now - last).as_secs_f64();
            let avg = self.interval.map_or(dt, |avg| avg * 0.9 + dt * 0.1);
            self.interval = Some(avg);
        }
        self.interval.filter(|i| *i > 0.0).map_or(0.0, |i| 1.0 / i)
    }
}
