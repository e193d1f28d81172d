//! The ffmpeg command a video job runs: at the lowest CPU priority (`nice -n 19`; below normal on
//! Windows), MJPEG photos in on standard input, H.264 in MP4 out to the temp file, progress on
//! standard output; and finding the program on `PATH`. Separate from the job slot because it is the
//! one place that knows ffmpeg's arguments.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::VideoJobs;

impl VideoJobs {
    pub(super) fn command(&self, ffmpeg: &Path, fps: u32, temp: &Path) -> Command {
        let mut cmd = match find_program("nice") {
            Some(nice) if cfg!(unix) => {
                let mut c = Command::new(nice);
                c.args(["-n", "19"]).arg(ffmpeg);
                c
            }
            _ => Command::new(ffmpeg),
        };
        #[cfg(windows)]
        {
            use std::os::windows::process::CommandExt;
            const BELOW_NORMAL_PRIORITY_CLASS: u32 = 0x0000_4000;
            cmd.creation_flags(BELOW_NORMAL_PRIORITY_CLASS);
        }
        cmd.args(["-hide_banner", "-loglevel", "error", "-y"]);
        if self.realtime {
            cmd.arg("-re");
        }
        cmd.args(["-f", "image2pipe", "-c:v", "mjpeg", "-framerate"])
            .arg(fps.to_string())
            .args(["-i", "pipe:0"])
            // H.264 in yuv420p wants even sizes; every player plays that.
            .args(["-vf", "scale=trunc(iw/2)*2:trunc(ih/2)*2,format=yuv420p"])
            .args(["-c:v", "libx264", "-preset", "veryfast", "-crf", "23"])
            .args(["-movflags", "+faststart", "-progress", "pipe:1", "-nostats"])
            .args(["-f", "mp4"])
            .arg(temp)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        cmd
    }
}

/// `name` as found on `PATH` (a path with a separator is taken as it is).
pub(super) fn find_program(name: &str) -> Option<PathBuf> {
    let given = Path::new(name);
    if given.components().count() > 1 {
        return given.is_file().then(|| given.to_path_buf());
    }
    let exe = format!("{name}{}", std::env::consts::EXE_SUFFIX);
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(&exe))
        .find(|p| p.is_file())
}
