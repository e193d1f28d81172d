//! Starting and stopping the camera program on Linux, so that it never outlives pistream and never
//! lingers as a zombie:
//! - it runs in a process group of its own (`setpgid`), so that stopping it reaches whatever it
//!   started too, and a Ctrl-C in pistream's terminal reaches pistream (which stops it in order)
//!   rather than killing it under a live stream;
//! - `PR_SET_PDEATHSIG` makes the kernel SIGKILL it when pistream dies, even by SIGKILL. The kernel
//!   ties this to the *thread* that started it: the capture thread, which closes the camera (stopping
//!   the program) before it ends; if that thread died anyway, the program goes with it and the next
//!   open starts a new one;
//! - a watcher thread waits for its exit without reaping it (`waitid(WNOWAIT)`), so its pid, and so
//!   its group id, stay ours until [`stop`] has signalled the group and reaps it: no signal can reach
//!   a stranger that reused the number.

use std::io;
use std::os::unix::process::CommandExt;
use std::process::{Child, Command};
use std::sync::Arc;
use std::time::Duration;

use crate::session::{spawn_thread, Shared};

/// After SIGKILL, how long to wait for the exit before giving up on the program (a process stuck in
/// the kernel, e.g. a hung USB driver, cannot be killed).
const KILL_WAIT: Duration = Duration::from_secs(5);

/// Own process group; killed with pistream.
pub(crate) fn prepare(cmd: &mut Command) {
    let parent = std::process::id() as libc::pid_t;
    // SAFETY: runs in the forked child before exec: only async-signal-safe calls (setpgid, prctl,
    // getppid) and no allocation (errors are built from raw OS codes).
    unsafe {
        cmd.pre_exec(move || {
            if libc::setpgid(0, 0) != 0 {
                return Err(io::Error::last_os_error());
            }
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL, 0, 0, 0) != 0 {
                return Err(io::Error::last_os_error());
            }
            // pistream died between fork and prctl: the death signal will never come.
            if libc::getppid() != parent {
                return Err(io::Error::from_raw_os_error(libc::ESRCH));
            }
            Ok(())
        });
    }
}

/// Watches for the program's exit (without reaping it) and records how it ended.
pub(crate) fn watch_exit(pid: u32, shared: Arc<Shared>) -> io::Result<()> {
    spawn_thread("exec-wait", move || shared.set_exit(wait_unreaped(pid)))
}

fn wait_unreaped(pid: u32) -> String {
    loop {
        // SAFETY: an all-zero siginfo_t is a valid value for waitid to fill in.
        let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
        // SAFETY: `info` is a valid, writable siginfo_t; WNOWAIT leaves the child to be reaped later.
        let rc = unsafe {
            libc::waitid(
                libc::P_PID,
                pid as libc::id_t,
                &mut info,
                libc::WEXITED | libc::WNOWAIT,
            )
        };
        if rc == 0 {
            // SAFETY: waitid succeeded for a child, so the SIGCHLD fields are set.
            let status = unsafe { info.si_status() };
            return describe(info.si_code, status);
        }
        let e = io::Error::last_os_error();
        if e.kind() != io::ErrorKind::Interrupted {
            return format!("ended ({e})");
        }
    }
}

fn describe(code: i32, status: i32) -> String {
    match code {
        libc::CLD_EXITED => format!("exited with status {status}"),
        libc::CLD_KILLED | libc::CLD_DUMPED => {
            let name = match status {
                libc::SIGTERM => " (SIGTERM)",
                libc::SIGKILL => " (SIGKILL)",
                libc::SIGINT => " (SIGINT)",
                libc::SIGSEGV => " (SIGSEGV)",
                libc::SIGABRT => " (SIGABRT)",
                libc::SIGPIPE => " (SIGPIPE)",
                _ => "",
            };
            format!("was killed by signal {status}{name}")
        }
        _ => "ended".to_string(),
    }
}

fn signal_group(leader: u32, sig: libc::c_int) {
    // SAFETY: plain kill(2) on the program's own process group, whose leader is not reaped yet.
    unsafe { libc::kill(-(leader as libc::pid_t), sig) };
}

/// SIGTERM to the program's group, SIGKILL after `grace`; reaps it. How it ended, or `None` when it
/// could not be stopped.
pub(crate) fn stop(child: &mut Child, shared: &Shared, grace: Duration) -> Option<String> {
    let pid = child.id();
    if shared.wait_exit(Duration::ZERO).is_none() {
        signal_group(pid, libc::SIGTERM);
        if shared.wait_exit(grace).is_none() {
            log::warn!("camera command (pid {pid}) ignored SIGTERM for {grace:?}: SIGKILL");
            signal_group(pid, libc::SIGKILL);
        }
    }
    let how = shared.wait_exit(KILL_WAIT);
    // Anything the program started and left behind in its group goes too.
    signal_group(pid, libc::SIGKILL);
    match how {
        Some(_) => drop(child.wait()),
        None => {
            log::error!("camera command (pid {pid}) does not die even by SIGKILL; leaving it");
            drop(child.try_wait());
        }
    }
    how
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exits_and_signals_read_as_words() {
        assert_eq!(describe(libc::CLD_EXITED, 1), "exited with status 1");
        assert_eq!(
            describe(libc::CLD_KILLED, libc::SIGKILL),
            "was killed by signal 9 (SIGKILL)"
        );
    }
}
