//! What a `pistream-load` run measured, printed: the viewers' frame rates, gaps, frame ages and
//! first-frame times, and the server's CPU, memory, threads and descriptors read from `/proc`.

use std::time::Duration;

use crate::ViewerReport;

/// (open fds, threads, VmRSS kB) of a process.
pub(crate) fn server_resources(pid: u32) -> (usize, u64, u64) {
    let fds = std::fs::read_dir(format!("/proc/{pid}/fd")).map_or(0, |d| d.count());
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |key: &str| {
        status
            .lines()
            .find(|l| l.starts_with(key))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (fds, field("Threads:"), field("VmRSS:"))
}

pub(crate) fn report_viewers(reports: &[ViewerReport], window: Duration) {
    let errors: Vec<_> = reports.iter().filter_map(|r| r.error.clone()).collect();
    let mut fps: Vec<f64> = reports
        .iter()
        .map(|r| r.frames as f64 / window.as_secs_f64())
        .collect();
    fps.sort_by(f64::total_cmp);
    let mut firsts: Vec<f64> = reports
        .iter()
        .filter_map(|r| r.first_frame)
        .map(|d| d.as_secs_f64() * 1000.0)
        .collect();
    firsts.sort_by(f64::total_cmp);
    let max_gap = reports.iter().map(|r| r.max_gap).max().unwrap_or_default();
    let mut stale: Vec<f64> = reports
        .iter()
        .flat_map(|r| r.staleness.iter().copied())
        .collect();
    stale.sort_by(f64::total_cmp);
    let pct = |v: &[f64], p: f64| {
        v.get(((v.len() as f64 - 1.0) * p).round() as usize)
            .copied()
            .unwrap_or(0.0)
    };
    println!(
        "viewers: {} ({} errors{})",
        reports.len(),
        errors.len(),
        errors
            .first()
            .map(|e| format!(", first: {e}"))
            .unwrap_or_default()
    );
    println!(
        "fps per viewer: min {:.2}  median {:.2}  max {:.2}",
        pct(&fps, 0.0),
        pct(&fps, 0.5),
        pct(&fps, 1.0)
    );
    println!(
        "largest gap between two frames of one viewer: {:.0} ms",
        max_gap.as_secs_f64() * 1000.0
    );
    if !stale.is_empty() {
        println!(
            "frame age on arrival (now - X-Timestamp): median {:.0} ms  p99 {:.0} ms  max {:.0} ms",
            pct(&stale, 0.5) * 1000.0,
            pct(&stale, 0.99) * 1000.0,
            pct(&stale, 1.0) * 1000.0
        );
    }
    println!(
        "first frame after start: median {:.1} ms  p99 {:.1} ms  max {:.1} ms",
        pct(&firsts, 0.5),
        pct(&firsts, 0.99),
        pct(&firsts, 1.0)
    );
}

pub(crate) fn report_server(pid: Option<u32>, before: Option<u64>, window: Duration) {
    let Some(pid) = pid else { return };
    let ticks_per_sec = 100.0; // USER_HZ on Linux
    if let (Some(b), Some(a)) = (before, proc_cpu_ticks(pid)) {
        let cpu = (a - b) as f64 / ticks_per_sec / window.as_secs_f64() * 100.0;
        println!(
            "server cpu: {cpu:.1}% of one core over {:.0} s",
            window.as_secs_f64()
        );
    }
    if let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status")) {
        for key in ["VmRSS:", "VmHWM:", "Threads:"] {
            if let Some(l) = status.lines().find(|l| l.starts_with(key)) {
                println!(
                    "server {}",
                    l.split_whitespace().collect::<Vec<_>>().join(" ")
                );
            }
        }
    }
}

/// utime + stime of a process, in clock ticks.
pub(crate) fn proc_cpu_ticks(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after_comm = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = after_comm.split_whitespace().collect();
    Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
}
