//! What `pistream cameras` says for the exec backend: which camera programs are on the PATH, each with
//! ready-made `--source` lines. Looks only (no program is run), so listing is instant and safe.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

/// A camera program pistream knows how to use.
#[derive(Debug, Clone, PartialEq)]
pub struct Tool {
    pub program: &'static str,
    /// Where it was found on the PATH, if it was.
    pub path: Option<PathBuf>,
    /// What it is for, and how to install it when missing.
    pub about: &'static str,
    pub suggestions: Vec<Suggestion>,
}

/// One ready-made `--source`.
#[derive(Debug, Clone, PartialEq)]
pub struct Suggestion {
    pub label: &'static str,
    /// The command, to be given as `--source '...'`.
    pub source: String,
}

impl Suggestion {
    /// The whole `pistream` command line, `--source` quoted for a POSIX shell.
    pub fn command_line(&self) -> String {
        let quoted = shlex::try_quote(&self.source).unwrap_or_else(|_| self.source.as_str().into());
        format!("pistream --camera exec --source {quoted}")
    }
}

/// The known camera programs, found or not, looked up on `PATH` (the environment's when `None`).
pub fn discover(path: Option<&OsStr>) -> Vec<Tool> {
    let env_path = std::env::var_os("PATH");
    let path = path.or(env_path.as_deref()).unwrap_or_default();
    let model = std::fs::read_to_string("/proc/device-tree/model").unwrap_or_default();
    let (w, h, fps) = pi_camera_mode(&model);
    let rpicam = |program: &str| {
        vec![Suggestion {
            label: "Pi camera module",
            source: format!(
                "{program} -t 0 -n --codec mjpeg --width {w} --height {h} --framerate {fps} -o -"
            ),
        }]
    };
    let tools = [
        (
            "rpicam-vid",
            "Raspberry Pi camera modules on Raspberry Pi OS Bookworm (apt install rpicam-apps)",
            rpicam("rpicam-vid"),
        ),
        (
            "libcamera-vid",
            "the same program under its Bullseye name (apt install libcamera-apps)",
            rpicam("libcamera-vid"),
        ),
        (
            "ffmpeg",
            "IP cameras (RTSP) and anything else ffmpeg reads (apt install ffmpeg)",
            vec![
                Suggestion {
                    label: "IP camera (RTSP; put in your camera's address)",
                    source: "ffmpeg -loglevel error -rtsp_transport tcp -i rtsp://USER:PASS@CAMERA/stream \
                             -an -c:v mjpeg -q:v 5 -f mjpeg -"
                        .into(),
                },
                Suggestion {
                    label: "test pattern (checks that exec works)",
                    source: "ffmpeg -loglevel error -re -f lavfi -i testsrc2=size=640x480:rate=30 \
                             -q:v 5 -f mjpeg -"
                        .into(),
                },
            ],
        ),
    ];
    tools
        .into_iter()
        .map(|(program, about, suggestions)| Tool {
            program,
            path: find_program(program, path),
            about,
            suggestions,
        })
        .collect()
}

/// A size and rate for a Pi camera module on this board. rpicam-vid encodes MJPEG in software on
/// every model (libjpeg, 4 threads; the Pi 5 has no JPEG encoder at all), and that cost grows with
/// pixels per second: 720p at 30 fps for the Pi 4 and 5, less on the smaller boards (docs/PLATFORMS.md).
fn pi_camera_mode(model: &str) -> (u32, u32, u32) {
    let pi = |n: &str| model.contains(&format!("Raspberry Pi {n}"));
    if pi("5") || pi("4") || pi("Compute Module 4") || pi("Compute Module 5") {
        (1280, 720, 30)
    } else if pi("3") || pi("Zero 2") || pi("Compute Module 3") {
        (640, 480, 15)
    } else if model.contains("Raspberry Pi") {
        (640, 480, 10)
    } else {
        (1280, 720, 30)
    }
}

/// `program` in one of the folders of `path`, if it is an executable file there.
fn find_program(program: &str, path: &OsStr) -> Option<PathBuf> {
    std::env::split_paths(path)
        .flat_map(|dir| candidates(&dir, program))
        .find(|p| is_executable(p))
}

fn candidates(dir: &Path, program: &str) -> Vec<PathBuf> {
    if cfg!(windows) {
        vec![dir.join(format!("{program}.exe")), dir.join(program)]
    } else {
        vec![dir.join(program)]
    }
}

#[cfg(unix)]
fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    p.metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(p: &Path) -> bool {
    p.is_file()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mode_follows_the_board() {
        assert_eq!(
            pi_camera_mode("Raspberry Pi 5 Model B Rev 1.0\0"),
            (1280, 720, 30)
        );
        assert_eq!(
            pi_camera_mode("Raspberry Pi Zero 2 W Rev 1.0"),
            (640, 480, 15)
        );
        assert_eq!(
            pi_camera_mode("Raspberry Pi Zero W Rev 1.1"),
            (640, 480, 10)
        );
        assert_eq!(pi_camera_mode(""), (1280, 720, 30), "not a Pi: a desktop");
    }

    #[test]
    fn every_suggestion_splits_into_a_runnable_command_line() {
        for tool in discover(Some(OsStr::new(""))) {
            assert_eq!(tool.path, None, "an empty PATH finds nothing");
            for s in tool.suggestions {
                let words = crate::parse_command(&s.source).expect(&s.source);
                assert_eq!(words[0], tool.program);
                assert_eq!(
                    words.last().map(String::as_str),
                    Some("-"),
                    "writes to stdout"
                );
            }
        }
    }
}
