//! Turning what the kernel (through rscam) reports into the [`CameraError`] the server shows: a missing
//! device lists the ones that exist, EACCES hints at the `video` group, EBUSY says another program has
//! the camera, and EIO/ENODEV (a USB camera pulled out) is a disconnection the server retries.
//!
//! rscam reports ENODEV as `io::ErrorKind::Uncategorized`, so errors are told apart by their raw OS
//! error number, never by kind.

use std::io;

use pistream_camera::CameraError;

/// `/dev/video*` nodes that exist now, in numeric order (`video2` before `video10`).
pub fn list_video_nodes() -> Vec<String> {
    let Ok(entries) = std::fs::read_dir("/dev") else {
        return Vec::new();
    };
    let mut nodes: Vec<(u32, String)> = entries
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let n = name.strip_prefix("video")?.parse().ok()?;
            Some((n, format!("/dev/{name}")))
        })
        .collect();
    nodes.sort();
    nodes.into_iter().map(|(_, path)| path).collect()
}

/// The error for an I/O failure on `device`.
pub fn from_io(device: &str, err: io::Error) -> CameraError {
    match err.raw_os_error() {
        Some(libc::ENOENT) | Some(libc::ENXIO) => CameraError::NotFound {
            device: device.to_string(),
            available: list_video_nodes(),
        },
        Some(libc::EACCES) | Some(libc::EPERM) => CameraError::PermissionDenied {
            device: device.to_string(),
        },
        Some(libc::EBUSY) => CameraError::Busy {
            device: device.to_string(),
        },
        Some(libc::ENOTTY) => CameraError::Other(format!(
            "{device}: not a V4L2 video device (see `pistream cameras` for the ones that are)"
        )),
        Some(libc::EIO) | Some(libc::ENODEV) => {
            CameraError::Disconnected(format!("{device}: {err} (unplugged?)"))
        }
        _ => CameraError::Io(io::Error::new(err.kind(), format!("{device}: {err}"))),
    }
}

/// The error for a failed `rscam::Camera::start`, naming the mode that was refused.
pub fn from_start(device: &str, mode: &str, err: rscam::Error) -> CameraError {
    match err {
        rscam::Error::Io(e) => from_io(device, e),
        other => CameraError::Unsupported(format!(
            "{mode} on {device}: it lists the mode, but its driver changed it ({other}); \
             see `pistream cameras`"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errno(n: i32) -> io::Error {
        io::Error::from_raw_os_error(n)
    }

    #[test]
    fn errnos_map_to_the_states_the_server_shows() {
        let d = "/dev/video7";
        assert!(matches!(
            from_io(d, errno(libc::ENOENT)),
            CameraError::NotFound { .. }
        ));
        assert!(matches!(
            from_io(d, errno(libc::EACCES)),
            CameraError::PermissionDenied { .. }
        ));
        assert!(matches!(
            from_io(d, errno(libc::EBUSY)),
            CameraError::Busy { .. }
        ));
        assert!(matches!(
            from_io(d, errno(libc::ENODEV)),
            CameraError::Disconnected(_)
        ));
        assert!(matches!(
            from_io(d, errno(libc::EIO)),
            CameraError::Disconnected(_)
        ));
        assert!(matches!(
            from_io(d, errno(libc::EINVAL)),
            CameraError::Io(_)
        ));
    }

    #[test]
    fn permission_denied_hints_at_the_video_group() {
        let e = from_io("/dev/video0", errno(libc::EACCES));
        assert!(e.to_string().contains("video"), "{e}");
    }

    #[test]
    fn a_refused_mode_is_named() {
        let e = from_start("/dev/video0", "MJPG 640x480", rscam::Error::BadResolution);
        assert!(matches!(e, CameraError::Unsupported(_)));
        assert!(e.to_string().contains("MJPG 640x480"), "{e}");
    }
}
