//! sd_notify as systemd sees it: the real binary, with `NOTIFY_SOCKET` pointing at a unix datagram
//! socket this test holds, says `READY=1` once it answers HTTP, pings `WATCHDOG=1` while
//! `WATCHDOG_USEC` is set, and says `STOPPING=1` on SIGTERM.
#![cfg(unix)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::os::unix::net::UnixDatagram;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// Receives the next notification (one datagram, possibly several `KEY=VALUE` lines).
fn next(sock: &UnixDatagram) -> String {
    let mut buf = [0u8; 4096];
    let n = sock
        .recv(&mut buf)
        .expect("a notification within the timeout");
    String::from_utf8_lossy(&buf[..n]).into_owned()
}

fn spawn(dir: &std::path::Path, sock: &std::path::Path, watchdog_usec: Option<&str>) -> Child {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_pistream"));
    cmd.args(["--bind", "127.0.0.1:0", "--watch", "off"])
        .arg("--pic")
        .arg(dir.join("pic"))
        .arg("--content")
        .arg(dir)
        .env("NOTIFY_SOCKET", sock)
        .env_remove("WATCHDOG_PID")
        .env_remove("WATCHDOG_USEC");
    if let Some(usec) = watchdog_usec {
        cmd.env("WATCHDOG_USEC", usec);
    }
    cmd.stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

fn banner_addr(child: &mut Child) -> SocketAddr {
    let mut line = String::new();
    BufReader::new(child.stdout.as_mut().unwrap())
        .read_line(&mut line)
        .unwrap();
    line.trim()
        .rsplit("http://")
        .next()
        .unwrap()
        .parse()
        .expect(&line)
}

fn terminate(child: &mut Child) {
    // SAFETY: signalling our own child.
    assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGTERM) }, 0);
}

#[test]
fn ready_then_watchdog_pings_then_stopping() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notify.sock");
    let sock = UnixDatagram::bind(&path).unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    // A 1 s watchdog: pistream checks itself every 0.5 s.
    let mut child = spawn(dir.path(), &path, Some("1000000"));

    let ready = next(&sock);
    assert!(ready.lines().any(|l| l == "READY=1"), "{ready}");
    let status = ready.lines().find(|l| l.starts_with("STATUS=")).unwrap();
    assert!(
        status.contains("listening on http://127.0.0.1:"),
        "{status}"
    );
    // READY means it answers: no retry needed.
    let addr = banner_addr(&mut child);
    let mut s = TcpStream::connect(addr).expect("listening once READY=1 was sent");
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut reply = String::new();
    s.read_to_string(&mut reply).unwrap();
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");

    for _ in 0..3 {
        assert_eq!(next(&sock).trim(), "WATCHDOG=1");
    }
    terminate(&mut child);
    let stopping = (0..20)
        .map(|_| next(&sock))
        .find(|m| m.trim() != "WATCHDOG=1")
        .unwrap();
    assert_eq!(stopping.trim(), "STOPPING=1");
    assert!(child.wait().unwrap().success());
}

#[test]
fn without_a_watchdog_only_ready_and_stopping_are_sent() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notify.sock");
    let sock = UnixDatagram::bind(&path).unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    let mut child = spawn(dir.path(), &path, None);
    assert!(next(&sock).lines().any(|l| l == "READY=1"));
    banner_addr(&mut child);
    terminate(&mut child);
    // The very next message is STOPPING: no watchdog ping was sent in between.
    assert_eq!(next(&sock).trim(), "STOPPING=1");
    assert!(child.wait().unwrap().success());
}

/// The shipped unit asks for what this file tests (`Type=notify`, a watchdog) and keeps its
/// hardening: a lint for `deploy/pistream.service`, which the Debian package installs and `.ci/run`
/// checks with `systemd-analyze verify`.
#[test]
fn the_shipped_unit_uses_notify_a_watchdog_and_its_hardening() {
    let unit = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/deploy/pistream.service"
    ))
    .unwrap();
    let value = |key: &str| {
        unit.lines()
            .find_map(|l| l.strip_prefix(key)?.strip_prefix('='))
            .unwrap_or_else(|| panic!("the unit sets {key}="))
            .to_string()
    };
    assert_eq!(value("Type"), "notify");
    let watchdog: u64 = value("WatchdogSec")
        .parse()
        .expect("WatchdogSec in seconds");
    assert!(
        (10..=300).contains(&watchdog),
        "WatchdogSec={watchdog}: long enough for a loaded Pi, short enough to matter"
    );
    for (key, want) in [
        ("User", "pistream"),
        ("SupplementaryGroups", "video"),
        ("ProtectSystem", "strict"),
        ("ReadWritePaths", "/var/lib/pistream"),
        ("WorkingDirectory", "/var/lib/pistream"),
        ("Restart", "on-failure"),
        ("EnvironmentFile", "-/etc/default/pistream"),
        ("ExecStart", "/usr/bin/pistream"),
        ("NoNewPrivileges", "yes"),
    ] {
        assert_eq!(value(key), want, "{key}");
    }
}
