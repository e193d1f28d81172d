//! Which webcam `--device` means on Windows: an index (`0`, `1`, ...) or part of the camera's name
//! (`--device "HD Pro"`), the first camera when none is given. Errors list the cameras that exist.

use pistream_camera::CameraError;

/// The index of the camera `device` names among `names` (the cameras present, in escapi's order).
pub fn select(device: Option<&str>, names: &[String]) -> Result<usize, CameraError> {
    let not_found = |device: &str| CameraError::NotFound {
        device: device.to_string(),
        available: names
            .iter()
            .enumerate()
            .map(|(i, n)| format!("{i} ({n})"))
            .collect(),
    };
    let device = device.map(str::trim).filter(|d| !d.is_empty());
    let index = match device {
        None => 0,
        Some(d) => match d.parse::<usize>() {
            Ok(i) => i,
            Err(_) => {
                let needle = d.to_lowercase();
                return names
                    .iter()
                    .position(|n| n.to_lowercase().contains(&needle))
                    .ok_or_else(|| not_found(d));
            }
        },
    };
    if index < names.len() {
        Ok(index)
    } else {
        Err(not_found(device.unwrap_or("0")))
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
        assert_eq!(select(None, &cams()).unwrap(), 0);
        assert_eq!(select(Some("1"), &cams()).unwrap(), 1);
        assert_eq!(select(Some(" hd pro "), &cams()).unwrap(), 1);
        assert_eq!(select(Some(""), &cams()).unwrap(), 0);
    }

    #[test]
    fn a_missing_camera_lists_those_present() {
        let err = select(Some("2"), &cams()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "no such camera \"2\" (available: 0 (Integrated Camera), 1 (Logitech HD Pro Webcam C920))"
        );
        let err = select(None, &[]).unwrap_err();
        assert!(err.to_string().contains("no cameras found"), "{err}");
        assert!(matches!(
            select(Some("nikon"), &cams()),
            Err(CameraError::NotFound { .. })
        ));
    }
}
