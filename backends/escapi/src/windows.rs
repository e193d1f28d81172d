//! The only Windows-specific part: escapi calls. Everything else (pacing, device choice, the capture
//! thread) is plain code tested on every OS. escapi panics on a few odd answers from the system (an
//! assertion after opening, a device name that is not UTF-8); those panics are caught here and turned
//! into errors, since a camera fault must never take the server down.

use std::panic::{catch_unwind, AssertUnwindSafe};

use pistream_camera::CameraError;

use crate::pacing::escapi_fps;
use crate::worker::{Grabber, Opened};

/// How many cameras are present.
pub fn camera_count() -> usize {
    escapi::num_devices()
}

/// The names of the cameras present, in escapi's index order.
pub fn camera_names() -> Vec<String> {
    (0..camera_count())
        .map(|i| name_of(i).unwrap_or_else(|| format!("camera {i}")))
        .collect()
}

/// escapi gives a name only through an opened device; a tiny open is enough.
fn name_of(index: usize) -> Option<String> {
    catch_unwind(|| escapi::init(index, 32, 24, 1).ok().map(|d| d.name()))
        .ok()
        .flatten()
}

impl Grabber for escapi::Device {
    fn grab(&mut self) -> Result<&[u8], CameraError> {
        // escapi polls 10 times, one frame interval apart, before giving up.
        self.capture().map_err(|e| match e {
            escapi::Error::CaptureTimeout => CameraError::Disconnected(
                "no frame from the webcam (unplugged, or in use by another program?)".into(),
            ),
            other => CameraError::Other(other.to_string()),
        })
    }
}

/// Opens camera `index` at the requested size; escapi scales to whatever size is asked.
pub fn open(
    index: usize,
    width: u32,
    height: u32,
    fps: f64,
) -> Result<Opened<escapi::Device>, CameraError> {
    let device = catch_unwind(AssertUnwindSafe(|| {
        escapi::init(index, width, height, escapi_fps(fps))
    }))
    .map_err(|_| CameraError::Other(format!("escapi failed while opening camera {index}")))?
    .map_err(|e| {
        CameraError::Other(format!(
            "could not open camera {index} ({e}); is another program using it?"
        ))
    })?;
    let name = catch_unwind(AssertUnwindSafe(|| device.name()))
        .unwrap_or_else(|_| format!("camera {index}"));
    let (width, height) = (device.capture_width(), device.capture_height());
    Ok(Opened {
        grabber: device,
        width,
        height,
        name,
    })
}
