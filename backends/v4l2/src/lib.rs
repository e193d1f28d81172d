//! The V4L2 camera backend (`--camera v4l2`, built with `--features pi`): USB webcams and the Raspberry
//! Pi camera on Linux, through rscam.
//!
//! Opening negotiates the mode nearest to the request from what the device enumerates ([`negotiate`]),
//! logging what differs, then starts capture on a thread of its own (`worker.rs`). MJPEG is passed
//! through untouched except for a missing Huffman table; YUYV and RGB24 frames are delivered raw for
//! the server to encode. Errors say what to do ([`errors`]); an unplugged camera turns into
//! [`CameraError::Disconnected`], and opening again after it is back works. The device's [`controls`]
//! are reachable while it captures. A YUYV stream's sample range is what the driver reports for
//! the format just set ([`quantization`]), so `--yuv-range auto` follows the camera.
//!
//! rscam is used with libv4l2 (its default, not `no_wrapper`): see docs/PLATFORMS.md for why, and for
//! the `no-wrapper` feature that switches the whole build to direct ioctls.
#![cfg(target_os = "linux")]

pub mod controls;
pub mod devices;
pub mod errors;
pub mod frames;
pub mod negotiate;
pub mod quantization;
mod worker;

use std::sync::Arc;
use std::time::Duration;

use pistream_camera::{
    async_trait, Camera, CameraConfig, CameraControls, CameraError, DeviceInfo, Frame, PixelFormat,
    StreamInfo, YuvRange,
};

use crate::controls::V4l2Controls;

use crate::negotiate::{choose, intervals_for, Choice};
use crate::worker::{Stream, Worker};

// The unit tests link rscam against the simulator instead of libv4l2 (see backends/v4l2-sim).
#[cfg(all(test, not(feature = "no-wrapper")))]
pistream_v4l2_sim::export_v4l2!();

/// The device opened when none is given.
pub const DEFAULT_DEVICE: &str = "/dev/video0";

/// Buffers asked of the driver: one being copied out by us, two for the driver to fill meanwhile.
const BUFFERS: u32 = 3;

/// Timeouts of the backend.
#[derive(Debug, Clone, PartialEq)]
pub struct V4l2Options {
    /// How long `next_frame` waits before giving up with [`CameraError::Timeout`]. Generous: some
    /// cameras take a second or two to deliver the first frame after streaming starts.
    pub frame_timeout: Duration,
    /// How long `close` waits for the capture thread to release the device.
    pub close_timeout: Duration,
}

impl Default for V4l2Options {
    fn default() -> Self {
        V4l2Options {
            frame_timeout: Duration::from_secs(5),
            close_timeout: Duration::from_secs(2),
        }
    }
}

/// A V4L2 camera. `CameraConfig.device` is the device path (default `/dev/video0`).
#[derive(Default)]
pub struct V4l2Camera {
    options: V4l2Options,
    worker: Option<Worker>,
    controls: Arc<V4l2Controls>,
}

impl V4l2Camera {
    pub fn new() -> V4l2Camera {
        V4l2Camera::default()
    }

    pub fn with_options(options: V4l2Options) -> V4l2Camera {
        V4l2Camera {
            options,
            worker: None,
            controls: Arc::default(),
        }
    }

    fn stop_worker(&mut self) {
        self.controls.detach();
        if let Some(worker) = self.worker.take() {
            if !worker.stop(self.options.close_timeout) {
                log::warn!(
                    "the capture thread is still blocked in the driver after {:?}; \
                     it will release the camera when the driver answers",
                    self.options.close_timeout
                );
            }
        }
    }
}

fn fourcc_str(fourcc: &[u8; 4]) -> String {
    String::from_utf8_lossy(fourcc).into_owned()
}

/// Opens `device`, negotiates and starts streaming. Returns the started camera and what it delivers.
fn start(device: &str, config: &CameraConfig) -> Result<(rscam::Camera, StreamInfo), CameraError> {
    let mut camera = rscam::new(device).map_err(|e| errors::from_io(device, e))?;
    let offers = devices::offers(&camera).map_err(|e| errors::from_io(device, e))?;
    let want = (config.width, config.height);
    let Some(Choice {
        fourcc,
        format,
        size,
    }) = choose(&offers, want)
    else {
        let offered: Vec<String> = camera
            .formats()
            .filter_map(|f| f.ok())
            .map(|f| fourcc_str(&f.format))
            .collect();
        return Err(CameraError::Unsupported(format!(
            "any format pistream captures (MJPG, YUYV, RGB3): {device} offers [{}] \
             (a metadata node? try another /dev/video*)",
            offered.join(", ")
        )));
    };
    if size != want {
        log::info!(
            "{device}: {}x{} is not offered; using the nearest, {}x{} {}",
            want.0,
            want.1,
            size.0,
            size.1,
            fourcc_str(&fourcc)
        );
    }
    let offered = camera.intervals(&fourcc, size).ok();
    let mode = format!("{} {}x{}", fourcc_str(&fourcc), size.0, size.1);
    let mut last_err = None;
    for interval in intervals_for(offered.as_ref(), config.fps)
        .into_iter()
        .take(4)
    {
        let cfg = rscam::Config {
            interval,
            resolution: size,
            format: &fourcc,
            field: rscam::FIELD_NONE,
            nbuffers: BUFFERS,
        };
        match camera.start(&cfg) {
            Ok(()) => {
                let fps = interval.1 as f64 / interval.0 as f64;
                if (fps - config.fps).abs() > 0.01 {
                    log::info!(
                        "{device}: {} fps is not offered at {mode}; using {fps:.2} fps",
                        config.fps
                    );
                }
                let passthrough = if format == PixelFormat::Jpeg {
                    "passed through"
                } else {
                    "raw, encoded by pistream"
                };
                let info = StreamInfo {
                    width: size.0,
                    height: size.1,
                    fps,
                    format,
                    description: format!("V4L2 {device}: {mode} at {fps:.2} fps ({passthrough})"),
                    yuv_range: reported_range(device, format, &fourcc),
                };
                return Ok((camera, info));
            }
            // The driver adjusted the rate: try the next nearest one it listed.
            Err(rscam::Error::BadInterval) => {
                last_err = Some(rscam::Error::BadInterval);
            }
            Err(e) => return Err(errors::from_start(device, &mode, e)),
        }
    }
    Err(errors::from_start(
        device,
        &mode,
        last_err.unwrap_or(rscam::Error::BadInterval),
    ))
}

/// The range of the YUYV samples as the driver reports it (`VIDIOC_G_FMT`, see [`quantization`]);
/// `None` for a format without YUV samples, or when the driver's answer is missing or not about
/// the format just set (the server then assumes limited and says so).
fn reported_range(device: &str, format: PixelFormat, fourcc: &[u8; 4]) -> Option<YuvRange> {
    if format != PixelFormat::Yuyv {
        return None;
    }
    match quantization::query(device) {
        Ok(r) if &r.pixelformat == fourcc => {
            let range = r.yuv_range();
            let said = range.map_or("unknown".to_string(), |r| format!("{r} range"));
            log::debug!("{device}: VIDIOC_G_FMT reports {}: {said}", r.describe());
            range
        }
        Ok(r) => {
            log::debug!(
                "{device}: VIDIOC_G_FMT reports {}, not the {} just set; YUYV range unknown",
                fourcc_str(&r.pixelformat),
                fourcc_str(fourcc)
            );
            None
        }
        Err(e) => {
            log::debug!("{device}: VIDIOC_G_FMT: {e}; YUYV range unknown");
            None
        }
    }
}

#[async_trait]
impl Camera for V4l2Camera {
    fn backend(&self) -> &'static str {
        "v4l2"
    }

    async fn open(&mut self, config: &CameraConfig) -> Result<StreamInfo, CameraError> {
        // Drop any previous stream first: a device still streaming on an old fd answers EBUSY.
        self.stop_worker();
        if !(config.fps.is_finite() && config.fps > 0.0) {
            return Err(CameraError::Unsupported(format!("{} fps", config.fps)));
        }
        let device = config.device.as_deref().unwrap_or(DEFAULT_DEVICE);
        let (camera, info) = start(device, config)?;
        let stream = Stream {
            format: info.format,
            width: info.width,
            height: info.height,
        };
        let camera = Arc::new(camera);
        self.controls.attach(camera.clone(), device);
        match Worker::spawn(camera, device.to_string(), stream) {
            Ok(worker) => self.worker = Some(worker),
            Err(e) => {
                self.controls.detach();
                return Err(e.into());
            }
        }
        log::info!("{}", info.description);
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
        devices::all()
    }

    fn controls(&self) -> Option<Arc<dyn CameraControls>> {
        Some(self.controls.clone())
    }
}
