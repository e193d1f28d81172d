//! The exec camera (`--camera exec --source 'COMMAND'`): any program that writes MJPEG to its
//! standard output is a camera — `rpicam-vid` for Raspberry Pi camera modules on Bookworm, `ffmpeg`
//! for IP cameras (RTSP) and everything else ffmpeg reads, GStreamer pipelines ending in
//! `jpegenc ! fdsink`.
//!
//! - `--source` is split into words like a POSIX shell would (quotes, backslashes) and run directly:
//!   no shell, so nothing in it is expanded or interpreted.
//! - Frames are cut from the byte stream by the shared splitter (concatenated JPEGs or a multipart
//!   body; see [`pistream_jpeg::MjpegSplitter`]), passed on unchanged and timestamped on arrival.
//! - The program runs only while the camera is open: the capture stage opens the camera on demand and
//!   closes it after `--idle-timeout`, which stops the program (SIGTERM, SIGKILL after
//!   [`ExecOptions::stop_grace`]). When it exits or stops writing frames, `next_frame` fails with
//!   [`CameraError::Disconnected`] naming the program, how it ended and its last lines of stderr; the
//!   capture stage then shows NO SIGNAL and opens again (a new run) with backoff, as for an unplugged
//!   V4L2 camera.
//! - On Linux it never outlives pistream, even killed by SIGKILL, and is always reaped (see
//!   `process_linux.rs`).

mod discover;
#[cfg(target_os = "linux")]
#[path = "process_linux.rs"]
mod process;
#[cfg(not(target_os = "linux"))]
#[path = "process_portable.rs"]
mod process;
mod session;
mod stderr;

use std::time::Duration;

use pistream_camera::{
    async_trait, Camera, CameraConfig, CameraError, Frame, PixelFormat, StreamInfo,
};

pub use discover::{discover, Suggestion, Tool};
use session::{Session, Waited};

/// Default [`ExecOptions::stop_grace`].
pub(crate) const STOP_GRACE: Duration = Duration::from_secs(3);

/// Timeouts of the exec camera.
#[derive(Debug, Clone, PartialEq)]
pub struct ExecOptions {
    /// How long the program may take to write its first frame. Generous: rpicam-vid takes a second
    /// or two to start the camera, an RTSP camera several to answer.
    pub startup_timeout: Duration,
    /// How long without a frame, once streaming, before the program counts as hung and is restarted.
    /// `None`: 2.5 frame intervals at the asked `--fps`, at least 4 s — below the capture stage's own
    /// frame timeout (at least 5 s), so that the error that reaches viewers is ours, with the
    /// program's last words.
    pub stall_timeout: Option<Duration>,
    /// Between SIGTERM and SIGKILL when stopping the program.
    pub stop_grace: Duration,
}

impl Default for ExecOptions {
    fn default() -> Self {
        ExecOptions {
            startup_timeout: Duration::from_secs(20),
            stall_timeout: None,
            stop_grace: STOP_GRACE,
        }
    }
}

/// Runs `--source` and reads MJPEG from its stdout. `CameraConfig.device` is the command line.
#[derive(Default)]
pub struct ExecCamera {
    options: ExecOptions,
    session: Option<Session>,
    /// The first frame, read during `open` to learn the size; delivered by the first `next_frame`.
    first: Option<Frame>,
    stall: Duration,
}

impl ExecCamera {
    pub fn new() -> ExecCamera {
        ExecCamera::default()
    }

    pub fn with_options(options: ExecOptions) -> ExecCamera {
        ExecCamera {
            options,
            ..ExecCamera::default()
        }
    }

    /// The process id of the running program, while the camera is open.
    pub fn child_pid(&self) -> Option<u32> {
        self.session.as_ref().map(|s| s.pid)
    }

    fn stall_timeout(&self, fps: f64) -> Duration {
        self.options.stall_timeout.unwrap_or_else(|| {
            Duration::from_secs_f64(2.5 / fps.max(0.01)).max(Duration::from_secs(4))
        })
    }
}

/// The words of a `--source` command line, split like a POSIX shell (quotes, backslash escapes)
/// without running one.
pub fn parse_command(source: &str) -> Result<Vec<String>, CameraError> {
    let words = shlex::split(source).ok_or_else(|| {
        CameraError::Other(format!(
            "--source `{source}`: unbalanced quotes (the command is split like a shell would, \
             but no shell runs it)"
        ))
    })?;
    if words.is_empty() {
        return Err(CameraError::Other(
            "--source is empty: give the command that writes MJPEG to its stdout".into(),
        ));
    }
    Ok(words)
}

/// `; N piece(s) of its output were not JPEG frames`, when that explains a missing frame.
fn unreadable_note(session: &Session) -> String {
    match session.unreadable() {
        0 => String::new(),
        n => format!("; {n} piece(s) of its output were not readable JPEG frames"),
    }
}

#[async_trait]
impl Camera for ExecCamera {
    fn backend(&self) -> &'static str {
        "exec"
    }

    async fn open(&mut self, config: &CameraConfig) -> Result<StreamInfo, CameraError> {
        self.close().await;
        let source = config.device.as_deref().ok_or_else(|| {
            CameraError::Other(
                "the exec camera needs --source: the command that writes MJPEG to its stdout, \
                 e.g. --source 'rpicam-vid -t 0 -n --codec mjpeg -o -' (`pistream cameras` \
                 suggests commands for the programs it finds)"
                    .into(),
            )
        })?;
        let argv = parse_command(source)?;
        self.stall = self.stall_timeout(config.fps);
        let mut session = Session::start(&argv)?;
        let program = session.program.clone();
        let tail = |s: &Session| format!("{}{}", unreadable_note(s), s.shared.tail.describe());
        match session.wait_frame(self.options.startup_timeout) {
            Waited::Frame(frame) => {
                let info = StreamInfo {
                    width: frame.width,
                    height: frame.height,
                    fps: config.fps,
                    format: PixelFormat::Jpeg,
                    description: format!(
                        "`{source}` (pid {}): {}x{} MJPEG, passed through as the command writes it",
                        session.pid, frame.width, frame.height
                    ),
                    yuv_range: None,
                };
                self.first = Some(frame);
                self.session = Some(session);
                Ok(info)
            }
            Waited::Ended(how) => {
                session.stop(self.options.stop_grace);
                Err(CameraError::Other(format!(
                    "camera command `{program}` {} before writing a frame{}",
                    how.as_deref().unwrap_or("closed its output"),
                    tail(&session)
                )))
            }
            Waited::TimedOut => {
                session.stop(self.options.stop_grace);
                Err(CameraError::Other(format!(
                    "camera command `{program}` wrote no JPEG frame to its stdout within {:?} \
                     (does it write MJPEG to stdout, e.g. `-o -` or `-f mjpeg -`?){}",
                    self.options.startup_timeout,
                    tail(&session)
                )))
            }
        }
    }

    async fn next_frame(&mut self) -> Result<Frame, CameraError> {
        if let Some(frame) = self.first.take() {
            return Ok(frame);
        }
        let session = self.session.as_ref().ok_or(CameraError::NotOpen)?;
        let why = match session.wait_frame(self.stall) {
            Waited::Frame(frame) => return Ok(frame),
            Waited::Ended(how) => how.unwrap_or_else(|| "closed its output".into()),
            Waited::TimedOut => format!("wrote no frame for {:?} (hung?)", self.stall),
        };
        Err(CameraError::Disconnected(format!(
            "camera command `{}` {why}{}{}",
            session.program,
            unreadable_note(session),
            session.shared.tail.describe()
        )))
    }

    async fn close(&mut self) {
        self.first = None;
        if let Some(mut session) = self.session.take() {
            session.stop(self.options.stop_grace);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_is_split_like_a_shell_without_one() {
        assert_eq!(
            parse_command(r#"ffmpeg -i "rtsp://cam/live 1" -vf 'scale=640:-2' -f mjpeg - ; rm x"#)
                .unwrap(),
            [
                "ffmpeg",
                "-i",
                "rtsp://cam/live 1",
                "-vf",
                "scale=640:-2",
                "-f",
                "mjpeg",
                "-",
                ";",
                "rm",
                "x"
            ],
            "`;` is just a word: nothing runs it"
        );
        let err = parse_command("ffmpeg -i 'unclosed")
            .unwrap_err()
            .to_string();
        assert!(err.contains("unbalanced quotes"), "{err}");
        assert!(parse_command("   ").is_err());
    }

    #[test]
    fn the_stall_timeout_stays_under_the_capture_stages() {
        let cam = ExecCamera::new();
        assert_eq!(cam.stall_timeout(30.0), Duration::from_secs(4));
        assert_eq!(cam.stall_timeout(0.5), Duration::from_secs(5));
    }
}
