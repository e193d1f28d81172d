//! `--camera exec` end to end, through the real `pistream` binary and real child programs (ffmpeg's
//! test source; small shell scripts run directly as the camera command): started on demand, stopped
//! and reaped when idle, restarted after dying or hanging while viewers see NO SIGNAL and then video on
//! the same connection, the program's last words in `/api/state`, and no child left when pistream is
//! killed. Linux-only: the checks read /proc.
#![cfg(target_os = "linux")]

mod common;

use std::net::SocketAddr;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use common::{decode, have_tool, request, MjpegClient};

const TEST_SOURCE: &str =
    "ffmpeg -loglevel error -re -f lavfi -i testsrc2=size=640x480:rate=30 -f mjpeg -";
/// ffmpeg writing `n` frames of 320x240, then exiting.
fn frames(n: u32) -> String {
    format!("ffmpeg -loglevel error -re -f lavfi -i testsrc2=size=320x240:rate=30 -frames:v {n} -f mjpeg -")
}
const WAIT: Duration = Duration::from_secs(60);

/// A pistream process, and the folder it keeps photos and pages in.
struct Pistream {
    child: Child,
    addr: SocketAddr,
    _dir: tempfile::TempDir,
}

impl Pistream {
    fn start(source: &str, extra: &[&str]) -> Pistream {
        let dir = tempfile::tempdir().unwrap();
        let (child, addr) = common::spawn_for_banner(
            Command::new(env!("CARGO_BIN_EXE_pistream"))
                .args([
                    "--bind",
                    "127.0.0.1:0",
                    "--watch",
                    "off",
                    "--camera",
                    "exec",
                ])
                .args(["--source", source, "--width", "320", "--height", "240"])
                .args(extra)
                .arg("--pic")
                .arg(dir.path().join("pic"))
                .arg("--content")
                .arg(dir.path()),
        );
        Pistream {
            child,
            addr,
            _dir: dir,
        }
    }

    /// The camera programs pistream runs now (its child processes).
    fn camera_pids(&self) -> Vec<u32> {
        children_of(self.child.id())
    }

    fn status(&self) -> String {
        let r = request(self.addr, "GET", "/api/state", &[], b"");
        let v: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
        v["status"].as_str().unwrap_or_default().to_string()
    }
}

impl Drop for Pistream {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn script(dir: &Path, name: &str, body: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

/// Processes whose parent is `parent`, from /proc.
fn children_of(parent: u32) -> Vec<u32> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // pid (comm) state ppid ...: comm may hold spaces and parentheses, so read after the last ')'.
        let mut rest = stat.rsplit(')').next().unwrap_or("").split_whitespace();
        let (state, ppid) = (rest.next(), rest.next().and_then(|p| p.parse::<u32>().ok()));
        if ppid == Some(parent) && state != Some("Z") {
            out.push(pid);
        }
    }
    out
}

/// Whether `pid` runs (a zombie left for init to reap counts as dead).
fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| {
        !s.rsplit(')')
            .next()
            .unwrap_or("")
            .trim_start()
            .starts_with('Z')
    })
}

/// Polls `cond` (a look at /proc or one HTTP request) until it holds, at most [`WAIT`].
fn wait_for(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + WAIT;
    while !cond() {
        assert!(Instant::now() < deadline, "waited {WAIT:?} for {what}");
        std::thread::sleep(Duration::from_millis(25));
    }
}

/// Reads parts until one is (`live`) or is not (NO SIGNAL); returns it.
fn read_until(viewer: &mut MjpegClient, live: bool) -> common::Part {
    for _ in 0..10_000 {
        let part = viewer.next_part().expect("the stream goes on");
        if part.no_signal() != live {
            return part;
        }
    }
    panic!(
        "no {} part in 10000",
        if live { "live" } else { "NO SIGNAL" }
    );
}

#[test]
fn the_program_runs_only_while_somebody_watches_and_is_reaped_when_idle() {
    if !have_tool("ffmpeg", "the exec camera") {
        return;
    }
    let p = Pistream::start(TEST_SOURCE, &["--idle-timeout", "1"]);
    assert!(
        p.camera_pids().is_empty(),
        "nothing runs before anybody asks"
    );
    let mut viewer = MjpegClient::open(p.addr, "/stream", false);
    let part = read_until(&mut viewer, true);
    assert_eq!(
        decode(&part.jpeg),
        (640, 480),
        "the command's own frame size"
    );
    let r = request(p.addr, "GET", "/snapshot.jpg", &[], b"");
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(decode(&r.body), (640, 480));
    let pids = p.camera_pids();
    assert_eq!(
        pids.len(),
        1,
        "one camera program for every viewer: {pids:?}"
    );
    let cmdline = std::fs::read_to_string(format!("/proc/{}/cmdline", pids[0])).unwrap();
    assert!(
        cmdline.starts_with("ffmpeg\0-loglevel\0error\0"),
        "run directly, words as split: {cmdline:?}"
    );
    drop(viewer);
    wait_for("the idle camera program to stop", || {
        p.camera_pids().is_empty()
    });
    assert!(
        !Path::new(&format!("/proc/{}", pids[0])).exists(),
        "stopped and reaped: no zombie"
    );
}

#[test]
fn a_program_that_dies_shows_no_signal_with_its_last_words_then_video_on_the_same_connection() {
    if !have_tool("ffmpeg", "the exec camera") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (runs, go) = (dir.path().join("runs"), dir.path().join("go"));
    // Run 1 streams a little and dies; later runs fail at once until the test says go.
    let camera = script(
        dir.path(),
        "camera.sh",
        &format!(
            "n=$(cat {runs} 2>/dev/null || echo 0); echo $((n + 1)) > {runs}\n\
             if [ \"$n\" = 0 ]; then {}; echo 'lost the sensor' >&2; exit 3; fi\n\
             if [ ! -e {go} ]; then echo \"sensor timeout (run $n)\" >&2; exit 4; fi\n\
             exec {TEST_SOURCE}",
            frames(20),
            runs = runs.display(),
            go = go.display()
        ),
    );
    let p = Pistream::start(&camera.display().to_string(), &[]);
    let mut viewer = MjpegClient::open(p.addr, "/stream", false);
    let first = read_until(&mut viewer, true);
    assert_eq!(decode(&first.jpeg), (320, 240));
    read_until(&mut viewer, false);
    wait_for("the failure and its last words in /api/state", || {
        let s = p.status();
        s.contains("exited with status 4") && s.contains("sensor timeout (run")
    });
    std::fs::write(&go, "").unwrap();
    let back = read_until(&mut viewer, true);
    assert_eq!(
        decode(&back.jpeg),
        (640, 480),
        "the restarted program's video"
    );
    wait_for("status streaming", || p.status() == "streaming");
}

#[test]
fn a_program_that_hangs_is_killed_and_restarted() {
    if !have_tool("ffmpeg", "the exec camera") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let runs = dir.path().join("runs");
    // Run 1 writes a few frames, then stays silent (as sleep, same pid); later runs stream.
    let camera = script(
        dir.path(),
        "camera.sh",
        &format!(
            "n=$(cat {runs} 2>/dev/null || echo 0); echo $((n + 1)) > {runs}\n\
             if [ \"$n\" = 0 ]; then {}; exec sleep 600; fi\n\
             exec {TEST_SOURCE}",
            frames(5),
            runs = runs.display()
        ),
    );
    let p = Pistream::start(&camera.display().to_string(), &[]);
    let mut viewer = MjpegClient::open(p.addr, "/stream", false);
    read_until(&mut viewer, true);
    let hung = p.camera_pids();
    assert_eq!(hung.len(), 1);
    read_until(&mut viewer, false);
    let back = read_until(&mut viewer, true);
    assert_eq!(decode(&back.jpeg), (640, 480));
    assert!(
        !Path::new(&format!("/proc/{}", hung[0])).exists(),
        "the hung program was stopped and reaped"
    );
}

#[test]
fn killing_pistream_leaves_no_camera_program_behind() {
    if !have_tool("ffmpeg", "the exec camera") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    // Silent after its frames: only the death signal can end it (it never writes to the broken pipe).
    let camera = script(
        dir.path(),
        "camera.sh",
        &format!("{}\nexec sleep 600", frames(3)),
    );
    let mut p = Pistream::start(&camera.display().to_string(), &[]);
    let r = request(p.addr, "GET", "/snapshot.jpg", &[], b"");
    assert_eq!(r.status, 200);
    let pids = p.camera_pids();
    assert_eq!(pids.len(), 1);
    p.child.kill().unwrap(); // SIGKILL: pistream gets no chance to clean up
    p.child.wait().unwrap();
    wait_for("the orphaned camera program to die", || !alive(pids[0]));
}

#[test]
fn the_test_pattern_line_pistream_cameras_prints_works_as_printed() {
    if !have_tool("ffmpeg", "the exec camera") {
        return;
    }
    let out = Command::new(env!("CARGO_BIN_EXE_pistream"))
        .arg("cameras")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .skip_while(|l| !l.contains("test pattern"))
        .nth(1)
        .expect("a test pattern line under ffmpeg");
    let words = pistream_exec::parse_command(line.trim()).unwrap();
    assert_eq!(words[..4], ["pistream", "--camera", "exec", "--source"]);
    let p = Pistream::start(&words[4], &[]);
    let r = request(p.addr, "GET", "/snapshot.jpg", &[], b"");
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(decode(&r.body), (640, 480));
}
