//! Which webcam `--device` means on Windows: an index (`0`, `1`, ...) or part of the camera's name
//! (`--device "HD Pro"`), the first camera when none is given. Errors list the cameras that exist.
//!
//! escapi tells a camera's name only by opening it, so names are asked for (`names`) only when they
//! are needed: a name to match, or an error to explain.

use pistream_camera::CameraError;

/// The index of the camera `device` names, among `count` cameras whose names `names` gives.
pub fn select(
    device: Option<&str>,
    count: usize,
    names: impl FnOnce() -> Vec<String>,
) -> Result<usize, CameraError> {
    let device = device.map(str::trim).filter(|d| !d.is_empty());
    let index = match device {
        None => 0,
        Some(d) => match d.parse::<usize>() {
            Ok(i) => i,
            Err(_) => {
                let names = names();
                let needle = d.to_lowercase();
                return names
                    .iter()
                    .position(|n| n.to_lowercase().contains(&needle))
                    .ok_or_else(|| not_found(d, &names));
            }
        },
    };
    if index < count {
        Ok(index)
    } else {
        Err(not_found(device.unwrap_or("0"), &names()))
    }
}

fn not_found(device: &str, names: &[String]) -> CameraError {
    CameraError::NotFound {
        device: device.to_string(),
        available: names
            .iter()
            .enumerate()
            .map(|(i, n)| format!("{i} ({n})"))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cams() -> Vec<String> {
        vec![
            "Integrated Camera".into(),
            "Logitech HD Pro Webcam C920".into(),
        ]
    }

    #[test]
    fn by_index_by_name_or_the_first() {
        assert_eq!(select(None, 2, cams).unwrap(), 0);
        assert_eq!(select(Some("1"), 2, cams).unwrap(), 1);
        assert_eq!(select(Some(" hd pro "), 2, cams).unwrap(), 1);
        assert_eq!(select(Some(""), 2, cams).unwrap(), 0);
    }

    #[test]
    fn an_index_does_not_open_cameras_for_their_names() {
        let no_names = || -> Vec<String> { panic!("names asked for") };
        assert_eq!(select(Some("1"), 2, no_names).unwrap(), 1);
    }

    #[test]
    fn a_missing_camera_lists_those_present() {
        let err = select(Some("2"), 2, cams).unwrap_err();
        assert_eq!(
            err.to_string(),
            "no such camera \"2\" (available: 0 (Integrated Camera), 1 (Logitech HD Pro Webcam C920))"
        );
        let err = select(None, 0, Vec::new).unwrap_err();
        assert!(err.to_string().contains("no cameras found"), "{err}");
        assert!(matches!(
            select(Some("nikon"), 2, cams),
            Err(CameraError::NotFound { .. })
        ));
    }
}
