//! One run of the camera program: spawned directly (never through a shell) with stdout and stderr
//! piped, read by two threads of its own — stdout through the shared MJPEG splitter into a one-frame
//! slot (the newest frame wins: a slow consumer never makes the program block on a full pipe), stderr
//! into the log and the tail — and stopped gracefully. How it is started and stopped per platform is
//! in `process.rs`.

use std::io::{ErrorKind, Read};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use parking_lot::{Condvar, Mutex};
use pistream_camera::{CameraError, Frame, PixelFormat};
use pistream_jpeg::MjpegSplitter;

use crate::process;
use crate::stderr::{self, Tail};

/// What the reading threads and the exit watcher tell the camera.
#[derive(Debug, Default)]
pub(crate) struct Shared {
    state: Mutex<State>,
    changed: Condvar,
    pub(crate) tail: Tail,
}

#[derive(Debug, Default)]
struct State {
    /// The newest frame not yet taken.
    frame: Option<Frame>,
    /// Frames cut from the stream whose size could not be read (not JPEGs): skipped.
    unreadable: u64,
    output_ended: bool,
    /// How the program ended ("exited with status 1"), once it has.
    exit: Option<String>,
}

impl Shared {
    /// Records how the program ended (called by the platform's exit watcher).
    pub(crate) fn set_exit(&self, how: String) {
        self.state.lock().exit = Some(how);
        self.changed.notify_all();
    }

    /// Whether the program has ended, waiting up to `timeout` for it.
    pub(crate) fn wait_exit(&self, timeout: Duration) -> Option<String> {
        let mut st = self.state.lock();
        let deadline = Instant::now() + timeout;
        while st.exit.is_none() {
            if self.changed.wait_until(&mut st, deadline).timed_out() {
                break;
            }
        }
        st.exit.clone()
    }
}

/// What waiting for a frame gave.
pub(crate) enum Waited {
    Frame(Frame),
    /// The program closed its output; how it ended when known (it usually exited).
    Ended(Option<String>),
    TimedOut,
}

/// A running camera program.
pub(crate) struct Session {
    /// The program's name as given (for messages and log lines).
    pub(crate) program: String,
    pub(crate) pid: u32,
    child: Option<Child>,
    pub(crate) shared: Arc<Shared>,
}

impl Session {
    /// Starts `argv` (program and arguments). A program that cannot be started is a clear error
    /// naming it.
    pub(crate) fn start(argv: &[String]) -> Result<Session, CameraError> {
        let program = argv[0].clone();
        let mut cmd = Command::new(&program);
        cmd.args(&argv[1..])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        process::prepare(&mut cmd);
        let mut child = cmd.spawn().map_err(|e| spawn_error(&program, e))?;
        let pid = child.id();
        let shared = Arc::new(Shared::default());
        let stdout = child.stdout.take().expect("stdout is piped");
        let stderr = child.stderr.take().expect("stderr is piped");
        let threads = [
            spawn_thread("exec-stdout", {
                let shared = shared.clone();
                move || read_frames(stdout, &shared)
            }),
            spawn_thread("exec-stderr", {
                let (shared, name) = (shared.clone(), program.clone());
                move || stderr::pump(stderr, &name, &shared.tail)
            }),
            process::watch_exit(pid, shared.clone()),
        ];
        let mut session = Session {
            program,
            pid,
            child: Some(child),
            shared,
        };
        if let Some(Err(e)) = threads.into_iter().find(Result::is_err) {
            session.stop(Duration::ZERO);
            return Err(CameraError::Other(format!(
                "cannot start a thread to read the camera command: {e}"
            )));
        }
        log::info!("camera command `{}` started (pid {pid})", session.program);
        Ok(session)
    }

    /// The newest frame, waiting at most `timeout` for one.
    pub(crate) fn wait_frame(&self, timeout: Duration) -> Waited {
        let deadline = Instant::now() + timeout;
        let mut st = self.shared.state.lock();
        loop {
            if let Some(frame) = st.frame.take() {
                return Waited::Frame(frame);
            }
            if st.output_ended {
                break;
            }
            if self
                .shared
                .changed
                .wait_until(&mut st, deadline)
                .timed_out()
            {
                return match st.frame.take() {
                    Some(frame) => Waited::Frame(frame),
                    None => Waited::TimedOut,
                };
            }
        }
        drop(st);
        // Output closed: the program is exiting. Give it a moment to say how.
        Waited::Ended(self.shared.wait_exit(Duration::from_secs(2)))
    }

    /// Frames skipped because their size could not be read.
    pub(crate) fn unreadable(&self) -> u64 {
        self.shared.state.lock().unreadable
    }

    /// Stops the program (gracefully, then by force after `grace`) and reaps it; how it ended.
    pub(crate) fn stop(&mut self, grace: Duration) -> Option<String> {
        let mut child = self.child.take()?;
        let how = process::stop(&mut child, &self.shared, grace);
        log::info!(
            "camera command `{}` (pid {}) stopped: {}",
            self.program,
            self.pid,
            how.as_deref().unwrap_or("still running, abandoned")
        );
        how
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        self.stop(crate::STOP_GRACE);
    }
}

/// Starts a detached thread: it ends by itself when the program's pipe closes.
pub(crate) fn spawn_thread(name: &str, f: impl FnOnce() + Send + 'static) -> std::io::Result<()> {
    std::thread::Builder::new()
        .name(name.into())
        .spawn(f)
        .map(drop)
}

/// Reads the program's stdout to its end, cutting frames and timestamping each on arrival.
fn read_frames(mut stdout: ChildStdout, shared: &Shared) {
    let mut splitter = MjpegSplitter::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = match stdout.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => {
                log::warn!("reading the camera command's output: {e}");
                break;
            }
        };
        let frames = splitter.push(&buf[..n]);
        if frames.is_empty() {
            continue;
        }
        let arrived = SystemTime::now();
        let mut st = shared.state.lock();
        for part in frames {
            match pistream_jpeg::dimensions(&part.jpeg) {
                Some((width, height)) => {
                    st.frame = Some(Frame {
                        format: PixelFormat::Jpeg,
                        width,
                        height,
                        data: part.jpeg.into(),
                        captured_at: arrived,
                    })
                }
                None => st.unreadable += 1,
            }
        }
        drop(st);
        shared.changed.notify_all();
    }
    splitter.finish();
    if splitter.dropped() > 0 {
        log::debug!(
            "camera command output: {} unreadable or unfinished piece(s) skipped",
            splitter.dropped()
        );
    }
    shared.state.lock().output_ended = true;
    shared.changed.notify_all();
}

fn spawn_error(program: &str, e: std::io::Error) -> CameraError {
    match e.kind() {
        ErrorKind::NotFound => CameraError::Other(format!(
            "camera command `{program}` not found: it is not installed, or not on the PATH ({}); \
             `pistream cameras` lists the camera programs it finds",
            std::env::var("PATH").unwrap_or_default()
        )),
        ErrorKind::PermissionDenied => CameraError::Other(format!(
            "camera command `{program}` cannot be run: permission denied (is it executable?)"
        )),
        _ => CameraError::Other(format!("camera command `{program}` cannot be started: {e}")),
    }
}
