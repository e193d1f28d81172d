//! The `pistream` binary itself: flags, `pistream cameras`, graceful shutdown on SIGTERM.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::Duration;

fn pistream() -> Command {
    Command::new(env!("CARGO_BIN_EXE_pistream"))
}

#[test]
fn a_bad_flag_value_is_one_line_naming_the_flag_and_exit_2() {
    for (flag, value) in [
        ("--fps", "fast"),
        ("--quality", "0"),
        ("--bind", "here"),
        ("--idle-timeout", "-1"),
    ] {
        let out = pistream().args([flag, value]).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{flag} {value}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.lines().next().unwrap().contains(flag), "{flag}: {err}");
    }
}

#[test]
fn env_variables_set_flags_too() {
    let out = pistream().env("PISTREAM_QUALITY", "500").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--quality"));
}

#[test]
fn cameras_lists_the_compiled_in_backends() {
    let out = pistream().arg("cameras").output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.lines().any(|l| l == "mock") && text.lines().any(|l| l == "replay"),
        "{text}"
    );
}

#[test]
fn cameras_lists_the_encoders_and_what_auto_picks() {
    let out = pistream().arg("cameras").output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("encoders (--encoder)"), "{text}");
    assert!(text.contains("  rust   pistream-jpeg"), "{text}");
    let auto = if cfg!(feature = "turbojpeg") {
        "turbo"
    } else {
        "rust"
    };
    assert!(
        text.contains(&format!("auto (the default) is {auto} in this build")),
        "{text}"
    );
}

/// A build without libjpeg-turbo refuses `--encoder turbo` at once (clap's exit status 2), saying
/// how to build one that has it.
#[cfg(not(feature = "turbojpeg"))]
#[test]
fn asking_a_build_without_libjpeg_turbo_for_it_says_how_to_get_it() {
    let out = pistream().args(["--encoder", "turbo"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--features turbojpeg"), "{err}");
    assert!(err.contains("--encoder rust"), "{err}");
}

#[cfg(unix)]
#[test]
fn cameras_lists_the_camera_programs_on_the_path_with_ready_made_lines() {
    use std::os::unix::fs::PermissionsExt;
    let bin = tempfile::tempdir().unwrap();
    let fake = |name: &str, mode: u32| {
        let path = bin.path().join(name);
        std::fs::write(&path, "#!/bin/sh\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
    };
    fake("rpicam-vid", 0o755);
    fake("libcamera-vid", 0o644); // there, but not executable: not a program
    let out = pistream()
        .arg("cameras")
        .env("PATH", bin.path())
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    let found = format!("  rpicam-vid: {}", bin.path().join("rpicam-vid").display());
    assert!(text.lines().any(|l| l.starts_with(&found)), "{text}");
    assert!(
        text.contains("pistream --camera exec --source 'rpicam-vid -t 0 -n --codec mjpeg --width "),
        "{text}"
    );
    assert!(text.contains("  libcamera-vid: not on the PATH"), "{text}");
    assert!(text.contains("  ffmpeg: not on the PATH"), "{text}");
    assert!(
        !text.contains("--source 'ffmpeg"),
        "no line for a missing program: {text}"
    );
    let exec = text.lines().position(|l| l == "exec");
    assert!(exec.is_some(), "exec is a backend of every build: {text}");
}

#[cfg(unix)]
#[test]
fn sigterm_ends_streams_cleanly_and_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = pistream()
        .args(["--bind", "127.0.0.1:0", "--watch", "off", "--fps", "15"])
        .arg("--pic")
        .arg(dir.path().join("pic"))
        .arg("--content")
        .arg(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let line = lines.next().unwrap().unwrap();
    let addr: std::net::SocketAddr = line.rsplit("http://").next().unwrap().parse().expect(&line);
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    s.write_all(b"GET /stream HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let mut first = [0u8; 4096];
    let n = s.read(&mut first).unwrap();
    assert!(n > 0);
    // SAFETY: sending a signal to our own child process.
    assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGTERM) }, 0);
    // The stream ends with a clean close (EOF), not a reset or a hang.
    let mut rest = Vec::new();
    s.read_to_end(&mut rest).expect("clean end of stream");
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "graceful exit");
    assert!(TcpStream::connect(addr).is_err(), "no longer listening");
}

#[test]
fn theme_init_writes_the_default_theme_and_refuses_to_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("mytheme");
    let first = pistream()
        .args(["theme", "init"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    // Every file of the built-in theme, byte for byte, and nothing else.
    let builtin = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("themes/default");
    let files = |root: &std::path::Path| -> Vec<(String, Vec<u8>)> {
        let mut found = Vec::new();
        for dir in ["assets", "partials", "templates"] {
            for e in std::fs::read_dir(root.join(dir)).unwrap().flatten() {
                let rel = format!("{dir}/{}", e.file_name().to_string_lossy());
                found.push((rel, std::fs::read(e.path()).unwrap()));
            }
        }
        found.sort();
        found
    };
    let written = files(&out);
    assert_eq!(written, files(&builtin));
    for must in [
        "templates/search.hbs",
        "partials/embed_snapshot.hbs",
        "partials/toc.hbs",
        "assets/embed.js",
    ] {
        assert!(written.iter().any(|(rel, _)| rel == must), "{must}");
    }
    let again = pistream()
        .args(["theme", "init"])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(
        again.status.code(),
        Some(1),
        "a theme folder that is not empty is left alone"
    );
    assert!(
        !String::from_utf8_lossy(&again.stderr).trim().is_empty(),
        "and says why"
    );
}
