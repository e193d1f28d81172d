//! `pistream-load`: opens N viewers of an MJPEG stream and reports what they got — per-viewer fps,
//! the largest gap between frames, how long each took to see its first frame — and, given the
//! server's pid, the server's CPU (share of one core) and memory over the run. Loopback only: it is a
//! measuring tool for `docs/BENCHMARKS.md`, bounded in viewers and seconds.
//!
//! ```text
//! pistream-load --url http://127.0.0.1:8080/stream --viewers 200 --seconds 20 --pid $(pidof pistream)
//! pistream-load --idle --seconds 30 --pid $(pidof pistream)     # no viewers: idle CPU
//! pistream-load --viewers 1 --rate 256 --seconds 20              # a slow viewer: how stale its video is
//! pistream-load --storm 1000 --pid $(pidof pistream)              # abrupt disconnects: fds, threads, memory
//! ```

mod report;

use std::net::{SocketAddr, ToSocketAddrs};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use async_std::io::BufReader;
use async_std::net::TcpStream;
use clap::Parser;
use futures_lite::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt};

use report::{proc_cpu_ticks, report_server, report_viewers, server_resources};

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
    /// Read at most this many KB/s per viewer (a slow viewer); reports how old its frames are.
    #[arg(long)]
    rate: Option<f64>,
    /// Instead of watching: open this many streams and reset each in the middle of a frame, then
    /// report the server's fds, threads and memory before and after.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    storm: Option<u32>,
}

#[derive(Default, Clone)]
pub(crate) struct ViewerReport {
    /// Age of each frame on arrival (now - its X-Timestamp), in the measured window.
    staleness: Vec<f64>,
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
    if let Some(n) = args.storm {
        storm(addr, &path, n, args.pid).await;
        return;
    }
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
            let rate = args.rate;
            async_std::task::spawn(viewer(addr, path, started, warmup, window, rate))
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
    rate: Option<f64>,
) -> ViewerReport {
    let mut report = ViewerReport::default();
    let times = Times {
        started,
        warmup,
        window,
    };
    if let Err(e) = watch(addr, &path, times, rate, &mut report).await {
        report.error = Some(e.to_string());
    }
    report
}

/// When the run started, how long the warm-up lasts, how long the measured window is.
#[derive(Clone, Copy)]
struct Times {
    started: Instant,
    warmup: Duration,
    window: Duration,
}

async fn watch(
    addr: SocketAddr,
    path: &str,
    times: Times,
    rate: Option<f64>,
    report: &mut ViewerReport,
) -> std::io::Result<()> {
    // A slow viewer's own buffer must be small too, or it hides the server's behaviour.
    let (stream, _) = connect(addr, rate.map(|_| 32 * 1024))?;
    (&stream)
        .write_all(format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\n\r\n").as_bytes())
        .await?;
    let mut r = BufReader::with_capacity(if rate.is_some() { 4096 } else { 128 * 1024 }, stream);
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
    let window_start = times.started + times.warmup;
    let window_end = window_start + times.window;
    let mut last: Option<Instant> = None;
    let mut scratch = vec![0u8; 256 * 1024];
    let mut throttle = rate.map(|kbps| Throttle::new(kbps * 1000.0));
    loop {
        // Boundary line, then part headers up to a blank line.
        let mut len = None;
        let mut stamp = None;
        loop {
            line.clear();
            if r.read_line(&mut line).await? == 0 {
                return Err(std::io::ErrorKind::UnexpectedEof.into());
            }
            if line == "\r\n" && len.is_some() {
                break;
            }
            let lower = line.to_ascii_lowercase();
            if let Some(v) = lower.strip_prefix("content-length:") {
                len = v.trim().parse::<usize>().ok();
            } else if let Some(v) = lower.strip_prefix("x-timestamp:") {
                stamp = v.trim().parse::<f64>().ok();
            }
        }
        let len = len.unwrap_or(0) + 2;
        if scratch.len() < len {
            scratch.resize(len, 0);
        }
        match throttle.as_mut() {
            None => r.read_exact(&mut scratch[..len]).await?,
            Some(t) => {
                // Read in small pieces, no faster than the rate.
                let mut done = 0;
                while done < len {
                    let n = (len - done).min(4096);
                    r.read_exact(&mut scratch[done..done + n]).await?;
                    done += n;
                    t.spend(n).await;
                }
            }
        }
        let now = Instant::now();
        if report.first_frame.is_none() {
            report.first_frame = Some(now - times.started);
        }
        if now >= window_end {
            return Ok(());
        }
        if now >= window_start {
            report.frames += 1;
            if let Some(prev) = last.filter(|p| *p >= window_start) {
                report.max_gap = report.max_gap.max(now - prev);
            }
            if let Some(stamp) = stamp {
                let wall = SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .unwrap_or_default();
                report.staleness.push(wall.as_secs_f64() - stamp);
            }
        }
        last = Some(now);
    }
}

/// Paces reads to a byte rate.
struct Throttle {
    bytes_per_sec: f64,
    start: Instant,
    spent: f64,
}

impl Throttle {
    fn new(bytes_per_sec: f64) -> Throttle {
        Throttle {
            bytes_per_sec,
            start: Instant::now(),
            spent: 0.0,
        }
    }

    async fn spend(&mut self, n: usize) {
        self.spent += n as f64;
        let due = self.start + Duration::from_secs_f64(self.spent / self.bytes_per_sec);
        let now = Instant::now();
        if due > now {
            async_std::task::sleep(due - now).await;
        }
    }
}

/// Opens `n` streams one after another and resets each in the middle of a frame, then reports the
/// server's descriptors, threads and memory before and after.
async fn storm(addr: SocketAddr, path: &str, n: u32, pid: Option<u32>) {
    let before = pid.map(server_resources);
    let mut failed = 0;
    for i in 0..n {
        let ok = async {
            let (stream, handle) = connect(addr, None)?;
            (&stream)
                .write_all(format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\n\r\n").as_bytes())
                .await?;
            let mut buf = vec![0u8; 1 + (i as usize % 13) * 2500];
            (&stream).read_exact(&mut buf).await?;
            socket2::SockRef::from(&handle).set_linger(Some(Duration::ZERO))?;
            std::io::Result::Ok(())
        }
        .await;
        failed += ok.is_err() as u32;
    }
    // Give the server's viewer tasks a moment to notice (each does at its next write).
    async_std::task::sleep(Duration::from_secs(2)).await;
    println!("abrupt disconnects: {n} ({failed} failed to connect or read)");
    if let (Some(b), Some(pid)) = (before, pid) {
        let a = server_resources(pid);
        println!("server fds: {} -> {}", b.0, a.0);
        println!("server threads: {} -> {}", b.1, a.1);
        println!("server VmRSS kB: {} -> {}", b.2, a.2);
    }
}

/// Connects, with an optional receive buffer size; also returns a std handle of the same socket
/// for setting options later. Loopback connects do not block for long.
fn connect(
    addr: SocketAddr,
    recv_buffer: Option<usize>,
) -> std::io::Result<(TcpStream, std::net::TcpStream)> {
    let std_stream = std::net::TcpStream::connect(addr)?;
    if let Some(size) = recv_buffer {
        socket2::SockRef::from(&std_stream).set_recv_buffer_size(size)?;
    }
    std_stream.set_nonblocking(true)?;
    let handle = std_stream.try_clone()?;
    Ok((TcpStream::from(std_stream), handle))
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
