//! `pistream-load`: opens N viewers of an MJPEG stream and reports what they got — per-viewer fps,
//! the largest gap between frames, how long each took to see its first frame — and, given the
//! server's pid, the server's CPU (share of one core) and memory over the run. Loopback only: it is a
//! measuring tool for `docs/BENCHMARKS.md`, bounded in viewers and seconds.
//!
//! ```text
//! pistream-load --url http://127.0.0.1:8080/stream --viewers 200 --seconds 20 --pid $(pidof pistream)
//! pistream-load --idle --seconds 30 --pid $(pidof pistream)     # no viewers: idle CPU
//! ```

use std::net::{SocketAddr, ToSocketAddrs};
use std::time::{Duration, Instant};

use async_std::io::BufReader;
use async_std::net::TcpStream;
use clap::Parser;
use futures_lite::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt};

#[derive(Parser, Debug)]
#[command(
    about = "Open N MJPEG viewers against a local pistream and report fps, gaps, CPU and memory"
)]
struct Args {
    /// Stream to watch (loopback addresses only).
    #[arg(long, default_value = "http://127.0.0.1:8080/stream")]
    url: String,
    /// Viewers to open at once.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=2000))]
    viewers: u32,
    /// Length of the measured window, after every viewer has its first frame.
    #[arg(long, default_value_t = 10.0)]
    seconds: f64,
    /// The server's pid, to report its CPU and memory.
    #[arg(long)]
    pid: Option<u32>,
    /// Open no viewer: measure the idle server only.
    #[arg(long)]
    idle: bool,
}

#[derive(Default, Clone)]
struct ViewerReport {
    first_frame: Option<Duration>,
    frames: u64,
    max_gap: Duration,
    error: Option<String>,
}

fn main() {
    let args = Args::parse();
    let (addr, path) = parse_url(&args.url).unwrap_or_else(|e| {
        eprintln!("pistream-load: --url: {e}");
        std::process::exit(2)
    });
    if !addr.ip().is_loopback() {
        eprintln!("pistream-load: --url must point at this machine (loopback), not {addr}");
        std::process::exit(2);
    }
    async_std::task::block_on(run(args, addr, path));
}

async fn run(args: Args, addr: SocketAddr, path: String) {
    let window = Duration::from_secs_f64(args.seconds);
    if args.idle {
        let before = args.pid.and_then(proc_cpu_ticks);
        async_std::task::sleep(window).await;
        report_server(args.pid, before, window);
        return;
    }
    let started = Instant::now();
    // Measured window: from when the slowest viewer got its first frame (or 5 s), for `seconds`.
    let warmup = Duration::from_secs(5);
    let tasks: Vec<_> = (0..args.viewers)
        .map(|_| {
            let path = path.clone();
            async_std::task::spawn(viewer(addr, path, started, warmup, window))
        })
        .collect();
    async_std::task::sleep(warmup).await;
    let before = args.pid.and_then(proc_cpu_ticks);
    let mut reports = Vec::new();
    for t in tasks {
        reports.push(t.await);
    }
    report_server(args.pid, before, window);
    report_viewers(&reports, window);
}

/// One viewer: connect, read parts, count the frames that arrive inside the measured window.
async fn viewer(
    addr: SocketAddr,
    path: String,
    started: Instant,
    warmup: Duration,
    window: Duration,
) -> ViewerReport {
    let mut report = ViewerReport::default();
    if let Err(e) = watch(addr, &path, started, warmup, window, &mut report).await {
        report.error = Some(e.to_string());
    }
    report
}

async fn watch(
    addr: SocketAddr,
    path: &str,
    started: Instant,
    warmup: Duration,
    window: Duration,
    report: &mut ViewerReport,
) -> std::io::Result<()> {
    let mut stream = TcpStream::connect(addr).await?;
    stream
        .write_all(format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\n\r\n").as_bytes())
        .await?;
    let mut r = BufReader::with_capacity(128 * 1024, stream);
    let mut line = String::new();
    // Response head.
    loop {
        line.clear();
        if r.read_line(&mut line).await? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        if line == "\r\n" {
            break;
        }
    }
    let window_start = started + warmup;
    let window_end = window_start + window;
    let mut last: Option<Instant> = None;
    let mut scratch = vec![0u8; 256 * 1024];
    loop {
        // Boundary line, then part headers up to a blank line.
        let mut len = None;
        loop {
            line.clear();
            if r.read_line(&mut line).await? == 0 {
                return Err(std::io::ErrorKind::UnexpectedEof.into());
            }
            if line == "\r\n" && len.is_some() {
                break;
            }
            if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                len = v.trim().parse::<usize>().ok();
            }
        }
        let len = len.unwrap_or(0);
        if scratch.len() < len + 2 {
            scratch.resize(len + 2, 0);
        }
        r.read_exact(&mut scratch[..len + 2]).await?;
        let now = Instant::now();
        if report.first_frame.is_none() {
            report.first_frame = Some(now - started);
        }
        if now >= window_end {
            return Ok(());
        }
        if now >= window_start {
            report.frames += 1;
            if let Some(prev) = last.filter(|p| *p >= window_start) {
                report.max_gap = report.max_gap.max(now - prev);
            }
        }
        last = Some(now);
    }
}

fn report_viewers(reports: &[ViewerReport], window: Duration) {
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
    println!(
        "first frame after start: median {:.1} ms  p99 {:.1} ms  max {:.1} ms",
        pct(&firsts, 0.5),
        pct(&firsts, 0.99),
        pct(&firsts, 1.0)
    );
}

fn report_server(pid: Option<u32>, before: Option<u64>, window: Duration) {
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
fn proc_cpu_ticks(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after_comm = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = after_comm.split_whitespace().collect();
    Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
}

fn parse_url(url: &str) -> Result<(SocketAddr, String), String> {
    let rest = url.strip_prefix("http://").ok_or("only http:// URLs")?;
    let (host, path) = match rest.find('/') {
        Some(i) => (&rest[..i], rest[i..].to_string()),
        None => (rest, "/".to_string()),
    };
    let addr = host
        .to_socket_addrs()
        .map_err(|e| format!("{host}: {e}"))?
        .next()
        .ok_or(format!("{host}: no address"))?;
    Ok((addr, path))
}
