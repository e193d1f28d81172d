//! The timelapse interval: how it is written (`--timelapse 30s`, `off`), and where a choice made on
//! the live page is kept across restarts.
//!
//! The rule, precisely: `--timelapse` sets the default. A change made on the page is saved to
//! `pistream-timelapse.json` next to the photo folder together with the `--timelapse` value in force
//! when it was made, and at the next start that saved choice wins — as long as `--timelapse` still
//! has that value. Starting with a *different* `--timelapse` means the operator changed the flag on
//! purpose: the flag wins and the saved choice is dropped (and said so in the log).
//!
//! The file is written whole to a temp file, synced and renamed into place, like the camera controls
//! file; one that does not parse is moved aside to `NAME.bad`, never overwritten unread.

use std::fmt;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// The file's name: next to the photo folder, beside `pistream-controls.json`.
pub const FILE_NAME: &str = "pistream-timelapse.json";
/// The shortest interval: one photo a second is already 86 400 files a day.
pub const MIN_EVERY: Duration = Duration::from_secs(1);

/// A timelapse interval, or off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Every(pub Option<Duration>);

impl fmt::Display for Every {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            None => f.write_str("off"),
            Some(d) => write!(f, "{}", humantime::format_duration(d)),
        }
    }
}

/// `off` (also `0`, `none`, `no`, `false`, empty) or a duration of at least a second, in humantime's
/// words: `2s`, `30s`, `5m`, `1h`, `1h 30m`, `90sec`.
pub fn parse_every(s: &str) -> Result<Every, String> {
    let t = s.trim();
    if matches!(
        t.to_ascii_lowercase().as_str(),
        "" | "off" | "0" | "none" | "no" | "false"
    ) {
        return Ok(Every(None));
    }
    let d = humantime::parse_duration(t)
        .map_err(|e| format!("`{t}` is not an interval like 2s, 30s, 5m or 1h ({e})"))?;
    if d < MIN_EVERY {
        return Err(format!(
            "`{t}` is shorter than the shortest timelapse interval, 1s"
        ));
    }
    if d > Duration::from_secs(7 * 86_400) {
        return Err(format!("`{t}` is longer than a week"));
    }
    Ok(Every(Some(d)))
}

/// A size in bytes: `500MB`, `2GiB`, `1.5 GB`, `0`.
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    t.parse::<bytesize::ByteSize>()
        .map(|b| b.as_u64())
        .map_err(|e| format!("`{t}` is not a size like 500MB or 2GiB ({e})"))
}

#[derive(Debug, Serialize, Deserialize)]
struct Saved {
    /// The interval chosen on the page (`off` or humantime).
    every: String,
    /// `--timelapse` when the choice was made.
    flag: String,
}

/// The saved page choice, backed by the file.
pub struct SettingsFile {
    path: PathBuf,
}

impl SettingsFile {
    /// The file for photos in `pic`: in the folder that holds it.
    pub fn beside(pic: &Path) -> SettingsFile {
        let controls = crate::video::control_store::ControlStore::default_path(pic);
        SettingsFile {
            path: controls.with_file_name(FILE_NAME),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The interval to start with, given `--timelapse` = `flag` (see the module's rule).
    pub fn load(&self, flag: Every) -> Every {
        let bytes = match fs::read(&self.path) {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return flag,
            Err(e) => {
                log::error!(
                    "{}: {e}; timelapse as --timelapse says",
                    self.path.display()
                );
                return flag;
            }
        };
        let saved = serde_json::from_slice::<Saved>(&bytes)
            .map_err(|e| e.to_string())
            .and_then(|s| Ok((parse_every(&s.every)?, parse_every(&s.flag)?)));
        match saved {
            Ok((every, was)) if was == flag => {
                log::info!("timelapse {every}, as set on the live page");
                every
            }
            Ok((every, was)) => {
                log::info!(
                    "--timelapse changed from {was} to {flag} since the live page chose {every}: \
                     using {flag}"
                );
                let _ = fs::remove_file(&self.path);
                flag
            }
            Err(e) => {
                let aside = self.path.with_extension("json.bad");
                let moved = fs::rename(&self.path, &aside).is_ok();
                log::error!(
                    "{}: not a timelapse settings file ({e}){}; timelapse as --timelapse says",
                    self.path.display(),
                    if moved {
                        format!(", moved to {}", aside.display())
                    } else {
                        String::new()
                    }
                );
                flag
            }
        }
    }

    /// Saves `every`, chosen on the page while `--timelapse` is `flag`. Blocking (write and fsync).
    pub fn save(&self, every: Every, flag: Every) -> io::Result<()> {
        let saved = Saved {
            every: every.to_string(),
            flag: flag.to_string(),
        };
        let mut bytes = serde_json::to_vec_pretty(&saved).map_err(io::Error::other)?;
        bytes.push(b'\n');
        crate::video::control_store::write_atomically(&self.path, &bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_in_words() {
        let secs = |s: &str| parse_every(s).unwrap().0.map(|d| d.as_secs());
        assert_eq!(secs("2s"), Some(2));
        assert_eq!(secs("30s"), Some(30));
        assert_eq!(secs("5m"), Some(300));
        assert_eq!(secs(" 1h "), Some(3600));
        assert_eq!(secs("1h 30m"), Some(5400));
        assert_eq!(secs("off"), None);
        assert_eq!(secs("OFF"), None);
        for bad in ["500ms", "0.5s", "fast", "5", "-2s", "30d"] {
            assert!(parse_every(bad).is_err(), "{bad}");
        }
        for s in ["2s", "5m", "1h 30m", "off"] {
            let e = parse_every(s).unwrap();
            assert_eq!(parse_every(&e.to_string()), Ok(e), "{s} round trips");
        }
    }

    #[test]
    fn sizes_in_words() {
        assert_eq!(parse_size("500MB"), Ok(500_000_000));
        assert_eq!(parse_size("2GiB"), Ok(2 << 30));
        assert_eq!(parse_size("0"), Ok(0));
        assert!(parse_size("lots").is_err());
    }

    #[test]
    fn the_page_choice_wins_until_the_flag_changes() {
        let dir = tempfile::tempdir().unwrap();
        let file = SettingsFile::beside(&dir.path().join("pic"));
        let off = Every(None);
        let min5 = parse_every("5m").unwrap();
        let s2 = parse_every("2s").unwrap();
        assert_eq!(file.load(off), off, "no file: the flag");
        file.save(s2, off).unwrap();
        assert_eq!(file.load(off), s2, "same flag: the page's choice");
        assert_eq!(file.load(off), s2, "and again");
        assert_eq!(file.load(min5), min5, "a new flag wins");
        assert!(!file.path().exists(), "and the old choice is dropped");
        assert_eq!(file.load(off), off);
    }

    #[test]
    fn a_broken_file_is_moved_aside() {
        let dir = tempfile::tempdir().unwrap();
        let file = SettingsFile::beside(&dir.path().join("pic"));
        fs::write(file.path(), b"{oops").unwrap();
        let m = parse_every("1m").unwrap();
        assert_eq!(file.load(m), m);
        assert!(dir.path().join("pistream-timelapse.json.bad").exists());
    }
}
