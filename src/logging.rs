//! Log output that fits where it goes. In a terminal or a file: env_logger's usual lines with a
//! timestamp. Under systemd, when stderr is the journal's stream: no timestamp (the journal adds its
//! own) and each line starts with the syslog priority in the `<N>` form journald reads off stream
//! lines (error `<3>`, warn `<4>`, info `<6>`, debug and trace `<7>`), so `journalctl -p warning`
//! filters and colours our lines like any daemon's.
//!
//! How we know the journal is listening: systemd sets `JOURNAL_STREAM=DEV:INODE` to the stream it
//! connected to stdout/stderr. A child whose stderr was redirected elsewhere inherits the variable,
//! so, as `sd_journal_stream_fd(3)` advises, it counts only when stderr really is that stream.

use std::io::Write;

use log::Level;

/// The default filter when `RUST_LOG` is unset: our info lines, tide's warnings only.
const DEFAULT_FILTER: &str = "info,tide=warn";

/// Where log lines go, as far as their format is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sink {
    /// The systemd journal: priority prefixes, no timestamps.
    Journal,
    /// A terminal, a file or a pipe: env_logger's format.
    Plain,
}

/// Installs the global logger (`RUST_LOG` filters as usual). Call once, first thing in `main`.
pub fn init() -> Sink {
    let sink = detect();
    let mut builder =
        env_logger::Builder::from_env(env_logger::Env::default().default_filter_or(DEFAULT_FILTER));
    if sink == Sink::Journal {
        builder.format(|buf, record| {
            writeln!(
                buf,
                "<{}>{}: {}",
                journal_priority(record.level()),
                record.target(),
                record.args()
            )
        });
    }
    builder.init();
    sink
}

/// The syslog priority (`sd-daemon(3)`) of a log level.
pub fn journal_priority(level: Level) -> u8 {
    match level {
        Level::Error => 3,
        Level::Warn => 4,
        Level::Info => 6,
        Level::Debug | Level::Trace => 7,
    }
}

/// [`Sink::Journal`] when `JOURNAL_STREAM` names the very stream stderr is connected to.
pub fn detect() -> Sink {
    match std::env::var("JOURNAL_STREAM") {
        Ok(v) if stderr_is(&v) => Sink::Journal,
        _ => Sink::Plain,
    }
}

/// Whether stderr's device and inode are the `DEV:INODE` pair `value` names.
fn stderr_is(value: &str) -> bool {
    let Some((dev, ino)) = value.split_once(':') else {
        return false;
    };
    let (Ok(dev), Ok(ino)) = (dev.parse::<u64>(), ino.parse::<u64>()) else {
        return false;
    };
    stderr_identity() == Some((dev, ino))
}

#[cfg(unix)]
fn stderr_identity() -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    // Borrow fd 2 without taking ownership (dropping a File would close stderr).
    let stderr = std::io::stderr();
    let fd = std::os::fd::AsFd::as_fd(&stderr);
    let file = std::fs::File::from(fd.try_clone_to_owned().ok()?);
    let meta = file.metadata().ok()?;
    Some((meta.dev(), meta.ino()))
}

#[cfg(not(unix))]
fn stderr_identity() -> Option<(u64, u64)> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_map_to_syslog_priorities() {
        let got: Vec<u8> = [
            Level::Error,
            Level::Warn,
            Level::Info,
            Level::Debug,
            Level::Trace,
        ]
        .into_iter()
        .map(journal_priority)
        .collect();
        assert_eq!(got, [3, 4, 6, 7, 7]);
    }

    #[test]
    fn malformed_journal_stream_values_are_not_the_journal() {
        for v in ["", "12", "a:b", "1:", ":2", "1:2:3"] {
            assert!(!stderr_is(v), "{v:?}");
        }
    }
}
