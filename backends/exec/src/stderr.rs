//! What the camera program says on stderr: every line goes to pistream's log, rate-limited (rpicam-vid
//! prints a line per frame at its default verbosity, ffmpeg a progress line a second), and the last
//! few lines are kept so that an error can say why the program failed (they end up in `/api/state`).
//! Progress lines that end in `\r` (ffmpeg's `frame=  120 fps= 30 ...`) count as lines too.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read};
use std::time::Instant;

use parking_lot::Mutex;

/// Lines kept for error messages.
pub(crate) const TAIL_LINES: usize = 6;
/// Longest line kept or logged, in bytes; longer lines are cut (a program dumping binary to stderr).
const MAX_LINE: usize = 400;
/// Lines logged in a burst, then one a second.
const BURST: f64 = 20.0;
const PER_SECOND: f64 = 1.0;

/// The last lines a program wrote to stderr.
#[derive(Debug, Default)]
pub(crate) struct Tail(Mutex<VecDeque<String>>);

impl Tail {
    pub(crate) fn push(&self, line: String) {
        let mut lines = self.0.lock();
        if lines.len() == TAIL_LINES {
            lines.pop_front();
        }
        lines.push_back(line);
    }

    /// `; its last output: "a" / "b"`, or nothing when it said nothing.
    pub(crate) fn describe(&self) -> String {
        let lines = self.0.lock();
        if lines.is_empty() {
            return String::new();
        }
        let quoted: Vec<String> = lines.iter().map(|l| format!("{l:?}")).collect();
        format!("; its last output: {}", quoted.join(" / "))
    }
}

/// A token bucket: `BURST` lines at once, then `PER_SECOND`.
#[derive(Debug)]
pub(crate) struct RateLimit {
    tokens: f64,
    last: Instant,
    suppressed: u64,
}

impl RateLimit {
    pub(crate) fn new(now: Instant) -> RateLimit {
        RateLimit {
            tokens: BURST,
            last: now,
            suppressed: 0,
        }
    }

    /// Whether a line may be logged at `now`; `Some(n)` with the number of lines suppressed since the
    /// last one that was.
    pub(crate) fn allow(&mut self, now: Instant) -> Option<u64> {
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.last = now;
        self.tokens = (self.tokens + elapsed * PER_SECOND).min(BURST);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            Some(std::mem::take(&mut self.suppressed))
        } else {
            self.suppressed += 1;
            None
        }
    }
}

/// Reads `stderr` to its end, logging each line as `name: line` and keeping the tail. Runs on a thread
/// of its own; returns when the program (and anything it started) has closed its stderr.
pub(crate) fn pump(stderr: impl Read, name: &str, tail: &Tail) {
    let mut reader = BufReader::new(stderr);
    let mut limit = RateLimit::new(Instant::now());
    let mut raw = Vec::new();
    loop {
        raw.clear();
        // Lines end at '\n'; '\r' inside a line splits it further below.
        match reader.by_ref().take(64 * 1024).read_until(b'\n', &mut raw) {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
        for piece in raw.split(|&b| b == b'\r' || b == b'\n') {
            let line = clean(piece);
            if line.is_empty() {
                continue;
            }
            if let Some(suppressed) = limit.allow(Instant::now()) {
                if suppressed > 0 {
                    log::info!("{name}: ({suppressed} more line(s) not logged)");
                }
                log::info!("{name}: {line}");
            }
            tail.push(line);
        }
    }
}

/// A line as text: lossy UTF-8, trimmed, cut at `MAX_LINE` bytes on a character boundary.
fn clean(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let text = text.trim();
    let mut end = text.len().min(MAX_LINE);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    /// How long one more line takes to be allowed once the burst is spent.
    const REFILL: Duration = Duration::from_secs(1);

    #[test]
    fn a_burst_is_logged_then_one_line_a_second_and_the_gap_is_counted() {
        let t0 = Instant::now();
        let mut r = RateLimit::new(t0);
        let allowed = (0..100).filter(|_| r.allow(t0).is_some()).count();
        assert_eq!(allowed, BURST as usize);
        assert_eq!(r.allow(t0 + REFILL), Some(100 - BURST as u64));
        assert_eq!(r.allow(t0 + REFILL), None);
    }

    #[test]
    fn progress_lines_split_at_carriage_returns_and_the_tail_keeps_the_last() {
        let tail = Tail::default();
        let input = b"Input #0, lavfi\nframe=  1 fps=0\rframe=  2 fps=0\r\n\n".to_vec();
        let mut more = Vec::new();
        for i in 0..TAIL_LINES {
            more.extend_from_slice(format!("line {i}\n").as_bytes());
        }
        pump(&input[..], "ffmpeg", &tail);
        assert!(
            tail.describe().contains("\"frame=  2 fps=0\""),
            "{}",
            tail.describe()
        );
        pump(&more[..], "ffmpeg", &tail);
        let d = tail.describe();
        assert!(
            !d.contains("frame="),
            "only the last {TAIL_LINES} lines: {d}"
        );
        assert!(d.ends_with(&format!("\"line {}\"", TAIL_LINES - 1)), "{d}");
    }

    #[test]
    fn long_and_binary_lines_are_cut_and_made_readable() {
        let mut line = vec![0xFFu8; 10];
        line.extend(std::iter::repeat_n(b'x', 2 * MAX_LINE));
        let c = clean(&line);
        assert!(c.len() <= MAX_LINE && c.starts_with('\u{FFFD}'), "{c}");
        assert_eq!(Tail::default().describe(), "");
    }
}
