//! What `pistream cameras` shows for V4L2: every `/dev/video*` node that captures video, with its
//! formats, sizes and frame rates. Nodes that capture nothing we can use (the metadata node a UVC
//! camera also creates, codecs, the Pi's ISP nodes) are left out. [`describe`] takes any path, so
//! `/dev/v4l/by-id/...` links and the test simulator's devices work too.

use pistream_camera::{CameraError, DeviceInfo, Mode};
use rscam::{IntervalInfo, ResolutionInfo};

use crate::errors::{from_io, list_video_nodes};
use crate::negotiate::{pixel_format, Offer};

/// Every video node that offers a format we capture.
pub fn all() -> Vec<DeviceInfo> {
    list_video_nodes()
        .iter()
        .filter_map(|path| match describe(path) {
            Ok(info) if !info.modes.is_empty() => Some(info),
            Ok(_) => None,
            Err(e) => {
                log::debug!("{path}: skipped: {e}");
                None
            }
        })
        .collect()
}

/// The name the kernel gives the device (`/sys/class/video4linux/videoN/name`), else its path.
fn device_name(path: &str) -> String {
    let resolved = std::fs::canonicalize(path).unwrap_or_else(|_| path.into());
    resolved
        .file_name()
        .and_then(|node| {
            let sys = format!("/sys/class/video4linux/{}/name", node.to_string_lossy());
            std::fs::read_to_string(sys).ok()
        })
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| path.to_string())
}

/// The formats the device offers that we capture, with their sizes.
pub fn offers(camera: &rscam::Camera) -> std::io::Result<Vec<Offer>> {
    let mut offers = Vec::new();
    for info in camera.formats() {
        let info = info?;
        if pixel_format(&info.format).is_none() {
            continue;
        }
        match camera.resolutions(&info.format) {
            Ok(sizes) => offers.push(Offer {
                fourcc: info.format,
                emulated: info.emulated,
                sizes,
            }),
            Err(rscam::Error::Io(e)) => return Err(e),
            Err(_) => continue,
        }
    }
    Ok(offers)
}

fn rates(camera: &rscam::Camera, fourcc: &[u8; 4], size: (u32, u32)) -> Vec<f64> {
    let mut fps: Vec<f64> = match camera.intervals(fourcc, size) {
        Ok(IntervalInfo::Discretes(list)) => list
            .iter()
            .filter(|(n, d)| *n > 0 && *d > 0)
            .map(|&(n, d)| d as f64 / n as f64)
            .collect(),
        Ok(IntervalInfo::Stepwise { min, max, .. }) if min.0 > 0 && max.0 > 0 => {
            vec![max.1 as f64 / max.0 as f64, min.1 as f64 / min.0 as f64]
        }
        _ => Vec::new(),
    };
    fps.sort_by(|a, b| b.total_cmp(a));
    fps.dedup();
    fps
}

/// The device at `path` with its modes (stepwise size ranges are shown by their two ends).
pub fn describe(path: &str) -> Result<DeviceInfo, CameraError> {
    let camera = rscam::new(path).map_err(|e| from_io(path, e))?;
    let offers = offers(&camera).map_err(|e| from_io(path, e))?;
    let mut modes = Vec::new();
    for offer in &offers {
        let format = pixel_format(&offer.fourcc).expect("offers() keeps known formats only");
        let sizes = match &offer.sizes {
            ResolutionInfo::Discretes(list) => list.clone(),
            ResolutionInfo::Stepwise { min, max, .. } => vec![*min, *max],
        };
        for (width, height) in sizes {
            modes.push(Mode {
                format,
                width,
                height,
                fps: rates(&camera, &offer.fourcc, (width, height)),
            });
        }
    }
    Ok(DeviceInfo {
        id: path.to_string(),
        name: device_name(path),
        modes,
    })
}
