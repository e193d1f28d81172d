//! A timelapse day made into a video: `ffmpeg`, at the lowest CPU priority (`nice -n 19`; below
//! normal on Windows), is fed the day's photos in name order (= time order) on its standard input and
//! writes H.264 in MP4 to a hidden temp file in the day folder; on success the file is synced and
//! renamed to `timelapse-YYYY-MM-DD.mp4` beside the photos (replacing an older video of the day),
//! so nobody ever sees half a video. One job at a time; a job can be cancelled (ffmpeg is killed,
//! the temp file removed).
//!
//! Progress: ffmpeg's `-progress pipe:1` key=value blocks are read as they come and each becomes a
//! JSON status on the job's own [`EventBus`] (`/api/timelapse/video/events`, Server-Sent Events),
//! as does the end (`done`, `failed`, `cancelled`).
//!
//! This module is the job slot (start, cancel, status); `run.rs` is one job on its thread and
//! `ffmpeg.rs` the command line it runs.

mod ffmpeg;
mod run;

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::process::Child;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use parking_lot::{Condvar, Mutex};
use serde::Serialize;

use super::retention::day_of;
use crate::site::events::EventBus;
use ffmpeg::find_program;
use run::Run;

const TEMP_PREFIX: &str = ".timelapse-";
const TEMP_SUFFIX: &str = ".tmp";
/// How long a cancel waits for ffmpeg to go and its temp file with it.
const CANCEL_WAIT: Duration = Duration::from_secs(10);

/// Where a job is, as the page and the API show it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct JobStatus {
    /// `running`, `done`, `failed` or `cancelled`.
    pub state: &'static str,
    pub day: String,
    /// Frames encoded so far, of `total` (one per photo).
    pub frame: u64,
    pub total: u64,
    pub percent: u8,
    /// The video, as a path under the photo folder, once done.
    pub file: Option<String>,
    pub error: Option<String>,
}

/// Why a job was not started or cancelled.
#[derive(Debug, thiserror::Error)]
pub enum VideoError {
    #[error("`{0}` is not a day: use YYYY-MM-DD")]
    BadDay(String),
    #[error("there is no timelapse day {0}")]
    NoDay(String),
    #[error("the timelapse day {0} has no photos")]
    NoPhotos(String),
    #[error("a video of {0} is being made: wait for it to finish, or cancel it")]
    Busy(String),
    #[error("no video is being made")]
    NotRunning,
    #[error("`{0}` is not installed on the server, so timelapse days cannot be made into videos (Debian and Raspberry Pi OS: apt install ffmpeg)")]
    NoFfmpeg(String),
    #[error("ffmpeg could not be started: {0}")]
    Start(#[from] io::Error),
}

/// The one video job slot of a server.
pub struct VideoJobs {
    root: PathBuf,
    ffmpeg: String,
    realtime: bool,
    /// Job statuses as they happen.
    pub events: Arc<EventBus>,
    slot: Mutex<Slot>,
    finished: Condvar,
}

#[derive(Default)]
struct Slot {
    running: Option<Job>,
    last: Option<JobStatus>,
}

struct Job {
    child: Arc<Mutex<Child>>,
    cancelled: Arc<AtomicBool>,
}

impl VideoJobs {
    /// Jobs over the day folders in `root`, run with the program `ffmpeg`; `realtime` makes
    /// ffmpeg read at the frame rate (tests).
    pub fn new(root: PathBuf, ffmpeg: String, realtime: bool) -> Arc<VideoJobs> {
        Arc::new(VideoJobs {
            root,
            ffmpeg,
            realtime,
            events: EventBus::new(),
            slot: Mutex::default(),
            finished: Condvar::new(),
        })
    }

    /// The job running now, else the last one's end (`None` before the first).
    pub fn status(&self) -> Option<JobStatus> {
        self.slot.lock().last.clone()
    }

    /// Starts making `day` (YYYY-MM-DD) into a video at `fps` frames per second. Blocking (lists
    /// the folder, starts ffmpeg): call it off the executor.
    pub fn start(self: &Arc<Self>, day: &str, fps: u32) -> Result<JobStatus, VideoError> {
        if day_of(day).is_none() {
            return Err(VideoError::BadDay(day.chars().take(40).collect()));
        }
        let dir = self.root.join(day);
        match fs::symlink_metadata(&dir) {
            Ok(m) if m.is_dir() => {}
            _ => return Err(VideoError::NoDay(day.into())),
        }
        let photos = photos_in(&dir)?;
        if photos.is_empty() {
            return Err(VideoError::NoPhotos(day.into()));
        }
        let ffmpeg =
            find_program(&self.ffmpeg).ok_or_else(|| VideoError::NoFfmpeg(self.ffmpeg.clone()))?;
        let mut slot = self.slot.lock();
        if slot.running.is_some() {
            let busy = slot.last.as_ref().map_or(day, |s| s.day.as_str());
            return Err(VideoError::Busy(busy.into()));
        }
        let temp = dir.join(format!(
            "{TEMP_PREFIX}{day}.mp4.{}{TEMP_SUFFIX}",
            std::process::id()
        ));
        let output = dir.join(file_name(day));
        let mut child = self.command(&ffmpeg, fps, &temp).spawn()?;
        let (stdin, stdout, stderr) =
            (child.stdin.take(), child.stdout.take(), child.stderr.take());
        let job = Job {
            child: Arc::new(Mutex::new(child)),
            cancelled: Arc::default(),
        };
        let status = JobStatus {
            state: "running",
            day: day.into(),
            frame: 0,
            total: photos.len() as u64,
            percent: 0,
            file: None,
            error: None,
        };
        let run = Run {
            jobs: self.clone(),
            status: status.clone(),
            child: job.child.clone(),
            cancelled: job.cancelled.clone(),
            temp,
            output,
        };
        slot.running = Some(job);
        slot.last = Some(status.clone());
        drop(slot);
        log::info!(
            "timelapse: making a video of {day} ({} photos)",
            photos.len()
        );
        self.publish(&status);
        std::thread::Builder::new()
            .name("timelapse-video".into())
            .spawn(move || run.run(photos, stdin, stdout, stderr))?;
        Ok(status)
    }

    /// Cancels the running job and waits (a few seconds at most) until ffmpeg is gone and its temp
    /// file removed. Blocking.
    pub fn cancel(&self) -> Result<JobStatus, VideoError> {
        let mut slot = self.slot.lock();
        let job = slot.running.as_ref().ok_or(VideoError::NotRunning)?;
        job.cancelled.store(true, Ordering::SeqCst);
        let _ = job.child.lock().kill();
        self.finished
            .wait_while_for(&mut slot, |s| s.running.is_some(), CANCEL_WAIT);
        Ok(slot.last.clone().expect("a job ran"))
    }

    /// Kills a running job without waiting (server shutdown).
    pub fn cancel_quietly(&self) {
        if let Some(job) = self.slot.lock().running.as_ref() {
            job.cancelled.store(true, Ordering::SeqCst);
            let _ = job.child.lock().kill();
        }
    }

    fn publish(&self, status: &JobStatus) {
        if let Ok(json) = serde_json::to_string(status) {
            self.events.publish(&json);
        }
    }
}

/// The file name of `day`'s video.
pub fn file_name(day: &str) -> String {
    format!("timelapse-{day}.mp4")
}

/// Whether `name` (lower case) is a photo a video is made of: a JPEG, not hidden.
pub fn is_photo_name(name: &str) -> bool {
    !name.starts_with('.') && (name.ends_with(".jpg") || name.ends_with(".jpeg"))
}

/// The photos of a day folder, in name (= time) order.
fn photos_in(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let mut photos: Vec<PathBuf> = fs::read_dir(dir)?
        .flatten()
        .filter(|e| {
            is_photo_name(&e.file_name().to_string_lossy().to_ascii_lowercase())
                && e.file_type().is_ok_and(|t| t.is_file())
        })
        .map(|e| e.path())
        .collect();
    photos.sort();
    Ok(photos)
}

/// Removes temp videos a killed process left in the day folders under `root`.
pub fn remove_stale_temps(root: &Path) {
    let Ok(days) = super::retention::days(root) else {
        return;
    };
    for (_, dir) in days {
        for entry in fs::read_dir(&dir).into_iter().flatten().flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with(TEMP_PREFIX) && name.ends_with(TEMP_SUFFIX) {
                let _ = fs::remove_file(entry.path());
                log::info!("removed {name}, left by a video job that never finished");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_are_checked_before_anything_runs() {
        let dir = tempfile::tempdir().unwrap();
        let jobs = VideoJobs::new(dir.path().into(), "ffmpeg".into(), false);
        for bad in ["../x", "2026-13-01", "today", ""] {
            assert!(
                matches!(jobs.start(bad, 25), Err(VideoError::BadDay(_))),
                "{bad}"
            );
        }
        assert!(matches!(
            jobs.start("2026-12-01", 25),
            Err(VideoError::NoDay(_))
        ));
        fs::create_dir(dir.path().join("2026-12-01")).unwrap();
        fs::write(dir.path().join("2026-12-01/.photo-x.tmp"), b"x").unwrap();
        assert!(matches!(
            jobs.start("2026-12-01", 25),
            Err(VideoError::NoPhotos(_))
        ));
        fs::write(dir.path().join("2026-12-01/a.jpg"), b"x").unwrap();
        let jobs = VideoJobs::new(dir.path().into(), "no-such-ffmpeg-here".into(), false);
        let e = jobs.start("2026-12-01", 25).unwrap_err();
        assert!(e.to_string().contains("apt install ffmpeg"), "{e}");
        assert!(matches!(jobs.cancel(), Err(VideoError::NotRunning)));
    }
}
