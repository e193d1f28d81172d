//! The exec camera with real programs: ffmpeg's test source, and small shell scripts (run directly as
//! the camera command, not through our shell) that die, hang, ignore SIGTERM or leave children behind.
//! Linux-only: the checks read /proc.
#![cfg(target_os = "linux")]

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use pistream_camera::{Camera, CameraConfig, CameraError, Frame};
use pistream_exec::{ExecCamera, ExecOptions};

const TEST_SOURCE: &str =
    "ffmpeg -loglevel error -re -f lavfi -i testsrc2=size=640x480:rate=30 -f mjpeg -";

/// Whether ffmpeg is installed; a loud SKIPPED line when not (a failure in CI).
fn have_ffmpeg() -> bool {
    let ok = std::process::Command::new("ffmpeg")
        .arg("-version")
        .output()
        .is_ok();
    if !ok {
        let msg =
            "`ffmpeg` is not installed, so the exec camera was NOT tested (.ci/run installs it)";
        if std::env::var_os("PISTREAM_REQUIRE_TOOLS").is_some() {
            panic!("{msg}");
        }
        eprintln!("\n!!!!!!!! SKIPPED: {msg} !!!!!!!!\n");
    }
    ok
}

fn config(source: &str) -> CameraConfig {
    CameraConfig {
        device: Some(source.to_string()),
        ..CameraConfig::default()
    }
}

/// A camera that notices a hang after 1 s and gives SIGTERM 1 s (the defaults are for real cameras).
fn quick() -> ExecCamera {
    ExecCamera::with_options(ExecOptions {
        stall_timeout: Some(Duration::from_secs(1)),
        stop_grace: Duration::from_secs(1),
        ..ExecOptions::default()
    })
}

/// Whether `pid` is still a live process (a zombie left for init to reap counts as dead).
fn alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => !stat
            .rsplit(')')
            .next()
            .is_some_and(|rest| rest.trim_start().starts_with('Z')),
        Err(_) => false,
    }
}

/// Waits (polling /proc, at most 30 s) until `pid` is dead.
fn wait_dead(pid: u32) -> bool {
    let deadline = Instant::now() + Duration::from_secs(30);
    while alive(pid) {
        if Instant::now() > deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    true
}

fn script(dir: &Path, name: &str, body: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

fn decodes(frame: &Frame) -> (u32, u32) {
    let img = image::load_from_memory_with_format(&frame.data, image::ImageFormat::Jpeg)
        .expect("the frame decodes");
    (img.width(), img.height())
}

#[async_std::test]
async fn ffmpeg_frames_arrive_decode_and_the_child_is_gone_after_close() {
    if !have_ffmpeg() {
        return;
    }
    let mut cam = ExecCamera::new();
    let info = cam.open(&config(TEST_SOURCE)).await.expect("open");
    assert_eq!((info.width, info.height), (640, 480));
    let pid = cam.child_pid().expect("a child runs while open");
    assert!(alive(pid));
    let mut last = None;
    for _ in 0..10 {
        let f = cam.next_frame().await.expect("frame");
        assert_eq!(decodes(&f), (640, 480));
        assert!(
            last.is_none_or(|t| f.captured_at >= t),
            "stamped on arrival, in order"
        );
        last = Some(f.captured_at);
    }
    cam.close().await;
    assert!(cam.child_pid().is_none());
    assert!(
        !Path::new(&format!("/proc/{pid}")).exists(),
        "stopped and reaped by close: no process, not even a zombie"
    );
}

#[async_std::test]
async fn a_missing_program_and_one_that_exits_at_once_are_named() {
    let mut cam = ExecCamera::new();
    let err = cam
        .open(&config("no-such-camera-program --flag"))
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("`no-such-camera-program` not found"), "{err}");
    if !have_ffmpeg() {
        return;
    }
    let err = cam
        .open(&config(
            "ffmpeg -loglevel error -i /no/such/video.mp4 -f mjpeg -",
        ))
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("`ffmpeg` exited with status ") && err.contains("before writing a frame"),
        "{err}"
    );
    assert!(
        err.contains("No such file or directory"),
        "its stderr: {err}"
    );
}

#[async_std::test]
async fn a_child_that_dies_mid_stream_is_reported_and_the_next_open_runs_a_new_one() {
    if !have_ffmpeg() {
        return;
    }
    let mut cam = quick();
    let source = "ffmpeg -loglevel error -re -f lavfi -i testsrc2=size=320x240:rate=30 -frames:v 15 -f mjpeg -";
    cam.open(&config(source)).await.expect("open");
    let first = cam.child_pid().unwrap();
    let err = loop {
        match cam.next_frame().await {
            Ok(f) => assert_eq!(decodes(&f), (320, 240)),
            Err(e) => break e,
        }
    };
    assert!(matches!(err, CameraError::Disconnected(_)), "{err:?}");
    assert!(err.to_string().contains("exited with status 0"), "{err}");
    cam.close().await;
    assert!(!Path::new(&format!("/proc/{first}")).exists(), "reaped");
    cam.open(&config(source)).await.expect("open again");
    assert_ne!(cam.child_pid(), Some(first));
    assert!(cam.next_frame().await.is_ok());
    cam.close().await;
}

#[async_std::test]
async fn a_hung_child_is_reported_and_stopped_with_what_it_started() {
    if !have_ffmpeg() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let pids = dir.path().join("pids");
    // A few frames, then silence; a helper process left running in the background too.
    let hang = script(
        dir.path(),
        "hang.sh",
        &format!(
            "sleep 600 &\necho $! > {}\n\
             ffmpeg -loglevel error -f lavfi -i testsrc2=size=320x240:rate=30 -frames:v 3 -f mjpeg -\n\
             echo 'frames written, now hanging' >&2\nexec sleep 600",
            pids.display()
        ),
    );
    let mut cam = quick();
    cam.open(&config(&hang.display().to_string()))
        .await
        .expect("open");
    let pid = cam.child_pid().unwrap();
    let err = loop {
        match cam.next_frame().await {
            Ok(_) => continue,
            Err(e) => break e.to_string(),
        }
    };
    assert!(err.contains("wrote no frame for 1s (hung?)"), "{err}");
    assert!(err.contains("now hanging"), "its last words: {err}");
    let helper: u32 = std::fs::read_to_string(&pids)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(alive(pid) && alive(helper));
    cam.close().await;
    assert!(
        !Path::new(&format!("/proc/{pid}")).exists(),
        "stopped and reaped"
    );
    assert!(wait_dead(helper), "its background helper stopped too");
}

#[async_std::test]
async fn a_child_that_ignores_sigterm_is_killed_after_the_grace_period() {
    let dir = tempfile::tempdir().unwrap();
    let pidfile = dir.path().join("pid");
    // Starts a JPEG it never finishes, ignores SIGTERM (inherited across exec), then sleeps.
    let stubborn = script(
        dir.path(),
        "stubborn.sh",
        &format!(
            "trap '' TERM\necho $$ > {}\nprintf '\\377\\330\\377'\nexec sleep 600",
            pidfile.display()
        ),
    );
    let mut cam = ExecCamera::with_options(ExecOptions {
        startup_timeout: Duration::from_secs(1),
        stall_timeout: Some(Duration::from_secs(1)),
        stop_grace: Duration::from_millis(500),
    });
    let err = cam
        .open(&config(&stubborn.display().to_string()))
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("wrote no JPEG frame to its stdout within 1s"),
        "{err}"
    );
    let pid: u32 = std::fs::read_to_string(&pidfile)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(
        !Path::new(&format!("/proc/{pid}")).exists(),
        "SIGKILLed after the grace period and reaped"
    );
}
