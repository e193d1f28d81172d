//! The Windows webcam backend (`--camera escapi`, built with `--features windows`) through escapi:
//! BGRA frames (delivered as [`PixelFormat::Bgra`]; the server's encoder converts), captured by
//! polling at our own pace.
//!
//! escapi builds only on Windows, so the Windows-only part (`windows` module, escapi calls) is kept
//! thin; pacing ([`pacing`]: escapi divides by the desired fps, so 0 never reaches it), device choice
//! ([`select`]) and the capture thread ([`worker`]) are plain code, compiled and tested everywhere.
//! On other systems the backend exists but opening it says it is Windows-only.
//!
//! [`PixelFormat::Bgra`]: pistream_camera::PixelFormat::Bgra

pub mod pacing;
pub mod select;
#[cfg(windows)]
mod windows;
pub mod worker;

use std::time::Duration;

use pistream_camera::{
    async_trait, Camera, CameraConfig, CameraError, DeviceInfo, Frame, StreamInfo,
};

use crate::worker::Worker;

/// Waits of the backend.
#[derive(Debug, Clone, PartialEq)]
pub struct EscapiOptions {
    /// How long `open` waits for the camera to start.
    pub open_timeout: Duration,
    /// How long `next_frame` waits for a frame.
    pub frame_timeout: Duration,
    /// How long `close` waits for the capture thread to release the camera.
    pub close_timeout: Duration,
}

impl Default for EscapiOptions {
    fn default() -> Self {
        EscapiOptions {
            open_timeout: Duration::from_secs(10),
            frame_timeout: Duration::from_secs(5),
            close_timeout: Duration::from_secs(3),
        }
    }
}

/// A Windows webcam. `CameraConfig.device` is an index (`0`) or part of the camera's name.
#[derive(Default)]
pub struct EscapiCamera {
    options: EscapiOptions,
    worker: Option<Worker>,
}

impl EscapiCamera {
    pub fn new() -> EscapiCamera {
        EscapiCamera::default()
    }

    pub fn with_options(options: EscapiOptions) -> EscapiCamera {
        EscapiCamera {
            options,
            worker: None,
        }
    }

    fn stop_worker(&mut self) {
        if let Some(worker) = self.worker.take() {
            if !worker.stop(self.options.close_timeout) {
                log::warn!("the escapi capture thread did not stop in time; it will end by itself");
            }
        }
    }
}

#[cfg(windows)]
fn start(
    config: &CameraConfig,
    options: &EscapiOptions,
) -> Result<(Worker, StreamInfo), CameraError> {
    let index = select::select(
        config.device.as_deref(),
        windows::camera_count(),
        windows::camera_names,
    )?;
    let (width, height, fps) = (config.width, config.height, config.fps);
    let (worker, granted) = Worker::spawn(
        move || windows::open(index, width, height, fps),
        fps,
        options.open_timeout,
    )?;
    let info = StreamInfo {
        width: granted.width,
        height: granted.height,
        fps,
        format: pistream_camera::PixelFormat::Bgra,
        description: format!(
            "escapi camera {index} ({}): {}x{} BGRA, polled at {fps} fps",
            granted.name, granted.width, granted.height
        ),
        yuv_range: None,
    };
    Ok((worker, info))
}

#[cfg(not(windows))]
fn start(_: &CameraConfig, _: &EscapiOptions) -> Result<(Worker, StreamInfo), CameraError> {
    Err(CameraError::Unsupported(
        "escapi webcams on a system other than Windows (use --camera v4l2 on Linux)".into(),
    ))
}

#[async_trait]
impl Camera for EscapiCamera {
    fn backend(&self) -> &'static str {
        "escapi"
    }

    async fn open(&mut self, config: &CameraConfig) -> Result<StreamInfo, CameraError> {
        self.stop_worker();
        let (worker, info) = start(config, &self.options)?;
        log::info!("{}", info.description);
        self.worker = Some(worker);
        Ok(info)
    }

    async fn next_frame(&mut self) -> Result<Frame, CameraError> {
        let worker = self.worker.as_ref().ok_or(CameraError::NotOpen)?;
        worker.next(self.options.frame_timeout)
    }

    async fn close(&mut self) {
        self.stop_worker();
    }

    fn devices(&self) -> Vec<DeviceInfo> {
        #[cfg(windows)]
        {
            // escapi cannot enumerate modes: it scales to whatever size is asked.
            windows::camera_names()
                .into_iter()
                .enumerate()
                .map(|(i, name)| DeviceInfo {
                    id: i.to_string(),
                    name,
                    modes: Vec::new(),
                })
                .collect()
        }
        #[cfg(not(windows))]
        Vec::new()
    }
}
