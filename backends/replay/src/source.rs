//! Loading what the replay camera plays, once, at open: a folder of JPEG files (sorted by name) or a
//! recorded MJPEG file (see [`crate::recording`]). Every frame is read into its own `Arc<[u8]>` so that
//! delivering it later is a reference-count increment, never a copy.

use std::fs;
use std::io::ErrorKind;
use std::path::Path;

use pistream_camera::CameraError;

use crate::frame::ReplayFrame;
use crate::recording;

/// Loads every frame of `path`: a folder of `*.jpg`/`*.jpeg` files, or a recording file.
pub(crate) fn load(path: &Path) -> Result<Vec<ReplayFrame>, CameraError> {
    let meta = fs::metadata(path).map_err(|e| open_error(path, e))?;
    if meta.is_dir() {
        load_folder(path)
    } else {
        let bytes = fs::read(path).map_err(|e| open_error(path, e))?;
        let frames = recording::parse(&bytes);
        if frames.is_empty() {
            return Err(CameraError::Other(format!(
                "replay source {}: no complete JPEG frame found (expected a multipart MJPEG recording, \
                 e.g. `curl http://host/stream > rec.mjpeg`, or concatenated JPEGs)",
                path.display()
            )));
        }
        Ok(frames)
    }
}

fn open_error(path: &Path, e: std::io::Error) -> CameraError {
    match e.kind() {
        ErrorKind::NotFound => CameraError::NotFound {
            device: path.display().to_string(),
            available: Vec::new(),
        },
        ErrorKind::PermissionDenied => CameraError::Other(format!(
            "replay source {}: permission denied",
            path.display()
        )),
        _ => CameraError::Other(format!("replay source {}: {e}", path.display())),
    }
}

fn is_jpeg_name(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("jpg") || e.eq_ignore_ascii_case("jpeg"))
}

fn load_folder(dir: &Path) -> Result<Vec<ReplayFrame>, CameraError> {
    let entries = fs::read_dir(dir).map_err(|e| open_error(dir, e))?;
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| open_error(dir, e))?;
        let path = entry.path();
        if is_jpeg_name(&path) && path.is_file() {
            files.push(path);
        }
    }
    files.sort();
    if files.is_empty() {
        return Err(CameraError::Other(format!(
            "replay source {}: no JPEG files (*.jpg, *.jpeg) in this folder",
            dir.display()
        )));
    }
    files
        .iter()
        .map(|file| {
            let bytes = fs::read(file).map_err(|e| open_error(file, e))?;
            ReplayFrame::from_jpeg(&bytes, None).ok_or_else(|| {
                CameraError::Other(format!(
                    "replay source {}: not a readable JPEG (no frame header)",
                    file.display()
                ))
            })
        })
        .collect()
}
