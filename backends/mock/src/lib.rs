//! pistream's built-in test camera (backend `mock`): what `cargo run` shows and what the tests drive.
//!
//! [`MockCamera`] delivers a moving test pattern as YUYV frames, like a real webcam, at the requested
//! size (an odd width is rounded up to even, as YUYV needs pixel pairs) and frame rate. Every frame
//! shows the local wall clock (`HH:MM:SS.mmm`) and a frame counter drawn with the contract crate's
//! [`pistream_camera::font`], so
//! consecutive frames always differ. The picture has camera-like detail: see `pattern.rs` for its
//! measured JPEG size.
//!
//! Faults are turned on through a shared [`MockControl`]: fail every Nth frame, stall once, hang a
//! thread once, panic once, vanish (unplugged) and reappear; it also reports opens and frames and wakes waiting tests.
//!
//! It has camera controls ([`picture`]: brightness, contrast, a colour effect, a flip) that change its
//! picture, and that it forgets at every open, as a replugged camera would.

pub mod control;
mod pattern;
pub mod picture;

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use async_trait::async_trait;
use pistream_camera::{
    Camera, CameraConfig, CameraControls, CameraError, DeviceInfo, Frame, Mode, PixelFormat,
    StreamInfo,
};

pub use control::MockControl;
pub use picture::PictureControls;

use pattern::Pattern;

/// Smallest and largest frame side the mock grants (it clamps to these, as a camera grants its nearest).
pub const MIN_SIDE: u32 = 16;
pub const MAX_SIDE: u32 = 8192;
/// Highest frame rate the mock grants.
pub const MAX_FPS: f64 = 1000.0;

const DEVICE: &str = "mock";

/// State of an open mock camera.
struct Running {
    pattern: Pattern,
    width: u32,
    height: u32,
    interval: Duration,
    /// When the next frame is due.
    deadline: Instant,
    /// Frames delivered since this open (drawn on the frame).
    seq: u64,
}

/// The test-pattern camera. Cheap to create; the pattern is built at `open`.
pub struct MockCamera {
    control: Arc<MockControl>,
    picture: Arc<PictureControls>,
    running: Option<Running>,
}

impl Default for MockCamera {
    fn default() -> Self {
        MockCamera::new()
    }
}

impl MockCamera {
    /// A mock camera with its own (untouched) control.
    pub fn new() -> MockCamera {
        MockCamera::with_control(Arc::new(MockControl::new()))
    }

    /// A mock camera whose faults are turned, and whose activity is watched, through `control`.
    pub fn with_control(control: Arc<MockControl>) -> MockCamera {
        MockCamera {
            control,
            picture: Arc::new(PictureControls::new()),
            running: None,
        }
    }

    /// The shared control of this camera.
    pub fn control(&self) -> Arc<MockControl> {
        self.control.clone()
    }

    /// The first frame of a fresh mock at `width` x `height` (YUYV), fetched at once: what the
    /// encoder tests and benches encode, the picture a user sees by default.
    pub fn one_frame(width: u32, height: u32) -> Result<Frame, CameraError> {
        let mut cam = MockCamera::new();
        let config = CameraConfig {
            width,
            height,
            fps: MAX_FPS,
            device: None,
        };
        async_std::task::block_on(async {
            cam.open(&config).await?;
            cam.next_frame().await
        })
    }
}

/// The size and rate the mock grants for `config`, or why it cannot.
fn grant(config: &CameraConfig) -> Result<(u32, u32, f64), CameraError> {
    if !config.fps.is_finite() || config.fps <= 0.0 {
        return Err(CameraError::Unsupported(format!(
            "a frame rate of {} fps",
            config.fps
        )));
    }
    let width = config.width.clamp(MIN_SIDE, MAX_SIDE).next_multiple_of(2);
    let height = config.height.clamp(MIN_SIDE, MAX_SIDE);
    Ok((width, height, config.fps.min(MAX_FPS)))
}

#[async_trait]
impl Camera for MockCamera {
    fn backend(&self) -> &'static str {
        "mock"
    }

    async fn open(&mut self, config: &CameraConfig) -> Result<StreamInfo, CameraError> {
        self.close().await;
        if self.control.is_vanished() {
            return Err(CameraError::NotFound {
                device: DEVICE.into(),
                available: Vec::new(),
            });
        }
        let (width, height, fps) = grant(config)?;
        self.picture.reset();
        self.running = Some(Running {
            pattern: Pattern::new(width, height, self.control.buffer_counters()),
            width,
            height,
            interval: Duration::from_secs_f64(1.0 / fps),
            deadline: Instant::now(),
            seq: 0,
        });
        self.control.opened();
        Ok(StreamInfo {
            width,
            height,
            fps,
            format: PixelFormat::Yuyv,
            description: format!("mock test pattern, YUYV {width}x{height} at {fps} fps"),
            // The pattern is drawn in JPEG's own (full-range) YCbCr.
            yuv_range: Some(pistream_camera::YuvRange::Full),
        })
    }

    async fn next_frame(&mut self) -> Result<Frame, CameraError> {
        if self.running.is_none() {
            return Err(CameraError::NotOpen);
        }
        if let Some(stall) = self.control.take_stall() {
            async_std::task::sleep(stall).await;
        }
        if let Some(hang) = self.control.take_hang() {
            std::thread::sleep(hang);
        }
        if self.control.take_panic() {
            panic!("mock camera: injected panic");
        }
        if self.control.is_vanished() {
            return Err(CameraError::Disconnected("mock camera unplugged".into()));
        }
        if self.control.call_should_fail() {
            return Err(CameraError::Other("mock camera: injected failure".into()));
        }
        let Some(run) = self.running.as_mut() else {
            return Err(CameraError::NotOpen);
        };
        // Pace by deadline, so the rate does not drift by the render time; when late by more than a
        // frame (after a stall, or a slow consumer), resynchronise instead of bursting to catch up.
        let now = Instant::now();
        if run.deadline > now {
            async_std::task::sleep(run.deadline - now).await;
        } else if now - run.deadline > run.interval {
            run.deadline = now;
        }
        run.deadline += run.interval;
        // Unplugged while waiting for the frame's time: a real camera would fail this read.
        if self.control.is_vanished() {
            return Err(CameraError::Disconnected("mock camera unplugged".into()));
        }
        run.seq += 1;
        let captured_at = SystemTime::now();
        let data = run.pattern.render(run.seq, captured_at, &self.picture);
        self.control.delivered();
        Ok(Frame {
            format: PixelFormat::Yuyv,
            width: run.width,
            height: run.height,
            data,
            captured_at,
        })
    }

    async fn close(&mut self) {
        self.running = None;
        self.control.closed();
    }

    fn devices(&self) -> Vec<DeviceInfo> {
        vec![DeviceInfo {
            id: DEVICE.into(),
            name: "Test pattern (any size, any rate)".into(),
            modes: vec![Mode {
                format: PixelFormat::Yuyv,
                width: 640,
                height: 480,
                fps: vec![15.0, 30.0, 60.0],
            }],
        }]
    }

    fn controls(&self) -> Option<Arc<dyn CameraControls>> {
        Some(self.picture.clone())
    }
}

#[cfg(test)]
mod tests;
