//! Test support: a real pistream server on an ephemeral port with a mock camera whose fault knobs the
//! test holds, and small blocking clients that speak HTTP by hand (a raw socket is the strictest
//! client there is).
//!
//! Here: [`TestServer`] and the pistream binary as a child process; beside it `http.rs` (requests and
//! replies), `mjpeg.rs` (a stream viewer), `sse.rs` (event streams), `controls.rs`
//! (`/api/controls`), `fixtures.rs` (folders tests lay out), `browser.rs` (Chromium) and `nginx.rs`.
#![allow(dead_code)]

pub mod browser;
pub mod controls;
mod fixtures;
#[cfg(unix)]
pub mod gallery_folder;
mod http;
mod mjpeg;
pub mod nginx;
pub mod sse;

// Each test binary uses a different subset.
#[allow(unused_imports)]
pub use fixtures::{copy_dir, file_names, make_timelapse_day};
#[allow(unused_imports)]
pub use http::{basic, read_head, request, take_photo, Reply};
#[allow(unused_imports)]
pub use mjpeg::{decode, MjpegClient, Part};

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use pistream::config::Config;
use pistream::server::Running;
use pistream_mock::{MockCamera, MockControl};

pub struct TestServer {
    pub addr: SocketAddr,
    pub control: Arc<MockControl>,
    pub running: Option<Running>,
    pub pic: PathBuf,
    _dir: tempfile::TempDir,
}

/// Starts a server with the mock camera; `tune` adjusts the configuration first.
pub fn start(tune: impl FnOnce(&mut Config)) -> TestServer {
    let control = Arc::new(MockControl::new());
    let for_factory = control.clone();
    let factory: pistream::video::capture::CameraFactory = Box::new(move || {
        Ok(Box::new(MockCamera::with_control(for_factory.clone()))
            as Box<dyn pistream_camera::Camera>)
    });
    start_with_factory(factory, control, tune)
}

/// Starts a server whose cameras `factory` makes (a real backend against a simulated device, say);
/// `control` is the mock's knobs when the factory makes mocks (other cameras ignore it).
pub fn start_with_factory(
    factory: pistream::video::capture::CameraFactory,
    control: Arc<MockControl>,
    tune: impl FnOnce(&mut Config),
) -> TestServer {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut config = Config::for_tests();
    config.pic = dir.path().join("pic");
    config.content = dir.path().join("content");
    std::fs::create_dir_all(&config.content).unwrap();
    config.fps = 20.0;
    config.width = 320;
    config.height = 240;
    config.watch = pistream::config::WatchMode::Off;
    tune(&mut config);
    let pic = config.pic.clone();
    let running = async_std::task::block_on(Running::start_with_factory(config, factory))
        .expect("server starts");
    TestServer {
        addr: running.addr,
        control,
        running: Some(running),
        pic,
        _dir: dir,
    }
}

impl TestServer {
    /// Has the gallery rescan the photo folder now (tests run without the file watcher).
    pub fn refresh_gallery(&self) {
        self.running
            .as_ref()
            .unwrap()
            .app
            .gallery
            .refresh()
            .unwrap();
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// `/api/state` as JSON.
    pub fn state(&self) -> serde_json::Value {
        let r = request(self.addr, "GET", "/api/state", &[], b"");
        assert_eq!(r.status, 200);
        serde_json::from_slice(&r.body).expect("state is JSON")
    }

    /// Polls `/api/state` until `ok` holds, at most `timeout`. For conditions that only the server's
    /// counters show (a viewer's task noticing its peer left); each look is a real request. A 429
    /// is a look too early: connections the test just dropped still count against the address's
    /// connection limit until the server notices them gone, which on a loaded machine takes a while.
    pub fn wait_state(
        &self,
        timeout: Duration,
        ok: impl Fn(&serde_json::Value) -> bool,
    ) -> serde_json::Value {
        let deadline = Instant::now() + timeout;
        loop {
            let r = request(self.addr, "GET", "/api/state", &[], b"");
            if r.status == 429 && Instant::now() <= deadline {
                std::thread::sleep(Duration::from_millis(20));
                continue;
            }
            assert_eq!(r.status, 200);
            let s: serde_json::Value = serde_json::from_slice(&r.body).expect("state is JSON");
            if ok(&s) || Instant::now() > deadline {
                return s;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn stop(&mut self) -> bool {
        let running = self.running.take().expect("running");
        async_std::task::block_on(running.shutdown())
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(r) = self.running.take() {
            async_std::task::block_on(r.shutdown());
        }
    }
}

/// A child process (pistream, ffmpeg) killed and reaped on drop, also when an assertion fails.
pub struct Killed(pub std::process::Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Spawns `cmd` (the pistream binary with its flags; stdout piped, stderr discarded) and reads its
/// banner, the first line on stdout (`... http://ADDR`): the child and the address it listens on.
pub fn spawn_for_banner(cmd: &mut std::process::Command) -> (std::process::Child, SocketAddr) {
    let mut child = cmd
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .trim()
        .rsplit("http://")
        .next()
        .unwrap()
        .parse()
        .unwrap_or_else(|e| panic!("banner {line:?}: {e}"));
    (child, addr)
}

/// Open file descriptors of this process.
pub fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .map(|d| d.count())
        .unwrap_or(0)
}

/// Threads of this process.
pub fn threads() -> usize {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Threads:"))
                .and_then(|l| l[8..].trim().parse().ok())
        })
        .unwrap_or(0)
}

/// Whether a command-line tool exists; prints a loud notice when it does not.
pub fn have_tool(tool: &str, why: &str) -> bool {
    let ok = std::process::Command::new(tool)
        .arg("-version")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok();
    if !ok {
        let msg = format!("`{tool}` is not installed, so {why} was NOT tested. `.ci/run` installs it (apt-get install {tool}).");
        // CI installs every tool: there, a missing one is a failure, not a skip.
        if std::env::var_os("PISTREAM_REQUIRE_TOOLS").is_some() {
            panic!("{msg}");
        }
        eprintln!("\n!!!!!!!! SKIPPED: {msg} !!!!!!!!\n");
    }
    ok
}

/// The photos (`.jpg` files) directly in the server's photo folder.
pub fn photos_in(server: &TestServer) -> usize {
    std::fs::read_dir(&server.pic)
        .map(|d| {
            d.filter(|e| {
                e.as_ref()
                    .is_ok_and(|e| e.file_name().to_string_lossy().ends_with(".jpg"))
            })
            .count()
        })
        .unwrap_or(0)
}
