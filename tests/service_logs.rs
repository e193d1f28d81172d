//! The real binary's log output, with and without the systemd journal: the banner once, timestamps
//! and levels as env_logger writes them in a terminal, `<N>` priorities and no timestamps when stderr
//! is the stream `JOURNAL_STREAM` names.
#![cfg(unix)]

use std::fs::File;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::os::unix::fs::MetadataExt;
use std::process::{Command, Stdio};
use std::time::Duration;

/// What one run of `pistream` printed.
struct Run {
    stdout: String,
    stderr: String,
}

/// Runs pistream with the replay camera and no `--source` (so opening the camera fails and logs a
/// warning), asks for a snapshot (503), stops it with SIGTERM and returns what it printed. `journal`
/// decides `JOURNAL_STREAM`: given the stderr file's own identity, or `Some(other)`, or unset.
fn run(journal: impl FnOnce(&File) -> Option<String>) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let err_path = dir.path().join("stderr");
    let err_file = File::create(&err_path).unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_pistream"));
    cmd.args([
        "--bind",
        "127.0.0.1:0",
        "--watch",
        "off",
        "--camera",
        "replay",
    ])
    .arg("--pic")
    .arg(dir.path().join("pic"))
    .arg("--content")
    .arg(dir.path())
    .env_remove("RUST_LOG")
    .env_remove("JOURNAL_STREAM");
    if let Some(v) = journal(&err_file) {
        cmd.env("JOURNAL_STREAM", v);
    }
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::from(err_file))
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut banner = String::new();
    out.read_line(&mut banner).unwrap();
    let addr: SocketAddr = banner
        .trim()
        .rsplit("http://")
        .next()
        .unwrap()
        .parse()
        .expect(&banner);
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    s.write_all(b"GET /snapshot.jpg HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut reply = String::new();
    let _ = s.read_to_string(&mut reply);
    assert!(reply.starts_with("HTTP/1.1 503"), "{reply}");
    // SAFETY: signalling our own child.
    assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGTERM) }, 0);
    let mut rest = String::new();
    out.read_to_string(&mut rest).unwrap();
    assert!(child.wait().unwrap().success());
    Run {
        stdout: banner + &rest,
        stderr: std::fs::read_to_string(&err_path).unwrap(),
    }
}

fn identity(f: &File) -> String {
    let m = f.metadata().unwrap();
    format!("{}:{}", m.dev(), m.ino())
}

fn listening_lines(run: &Run) -> usize {
    (run.stdout.clone() + &run.stderr)
        .lines()
        .filter(|l| l.contains("listening on"))
        .count()
}

#[test]
fn in_a_terminal_lines_keep_timestamps_and_the_banner_shows_once() {
    let run = run(|_| None);
    assert_eq!(listening_lines(&run), 1, "{}{}", run.stdout, run.stderr);
    let warn = run
        .stderr
        .lines()
        .find(|l| l.contains("WARN") && l.contains("NO SIGNAL"))
        .unwrap_or_else(|| panic!("a warning about the camera: {}", run.stderr));
    assert!(warn.starts_with("[20"), "timestamped: {warn}");
    assert!(!run.stderr.contains("<4>") && !run.stderr.contains("<6>"));
}

#[test]
fn under_the_journal_lines_carry_priorities_and_no_timestamps() {
    let run = run(|f| Some(identity(f)));
    assert_eq!(listening_lines(&run), 1, "{}{}", run.stdout, run.stderr);
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert!(!lines.is_empty());
    for line in &lines {
        let prio = line
            .strip_prefix('<')
            .and_then(|l| l.split_once('>'))
            .map(|(p, _)| p);
        assert!(
            matches!(prio, Some("3" | "4" | "6" | "7")),
            "every line starts with a priority: {line}"
        );
        assert!(!line.contains("Z "), "no timestamp: {line}");
    }
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("<4>") && l.contains("NO SIGNAL")),
        "the camera warning at priority 4: {lines:?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("<6>pistream::server: SIGTERM: shutting down")),
        "shutdown at priority 6: {lines:?}"
    );
}

#[test]
fn a_journal_stream_that_is_not_our_stderr_is_ignored() {
    // A child of a service whose stderr was redirected to a file inherits JOURNAL_STREAM.
    let run = run(|f| {
        let m = f.metadata().unwrap();
        Some(format!("{}:{}", m.dev(), m.ino() + 1))
    });
    assert!(
        run.stderr.lines().all(|l| !l.starts_with('<')),
        "{}",
        run.stderr
    );
    assert!(run.stderr.lines().any(|l| l.starts_with("[20")));
}
