//! Timelapse: a photo every `--timelapse` interval (or as switched on the live page), saved with the
//! photo writer's atomic, never-overwriting save into `timelapse/YYYY-MM-DD/` in the photo folder (local date), so
//! each day is one album. Photos taken by hand stay at the top of the photo folder, untouched.
//!
//! Here: the service, its state as `/api/state` shows it, and switching. Beside it:
//! [`settings`] (the interval's words and the saved page choice), `schedule` (the thread that
//! ticks and keeps the camera open or lets it close), [`retention`] (what may be deleted, and the
//! disk guard), [`video`] (a day made into an MP4 by ffmpeg, one job at a time).

pub mod retention;
mod schedule;
pub mod settings;
pub mod video;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use parking_lot::{Condvar, Mutex};
use prometheus_client::metrics::counter::Counter;
use serde::Serialize;

use crate::config::Config;
use crate::video::capture::CaptureService;
use settings::{Every, SettingsFile};

/// Intervals from this long let the camera close between photos when nobody watches; shorter
/// ones keep it open (opening a camera, and letting its exposure settle, takes a second or two).
pub const CLOSE_BETWEEN_TICKS: Duration = Duration::from_secs(30);
/// The folder under the photo folder that holds the day folders.
pub const FOLDER: &str = "timelapse";

/// The day a gallery album is, when it is a timelapse day folder (`timelapse/YYYY-MM-DD`): its
/// album page offers to make that day's video.
pub fn day_of_album(album: &str) -> Option<&str> {
    let day = album.strip_prefix(FOLDER)?.strip_prefix('/')?;
    retention::day_of(day).map(|_| day)
}

/// The timelapse of one server.
pub struct Timelapse {
    root: PathBuf,
    pic: PathBuf,
    flag: Every,
    file: SettingsFile,
    keep_days: u32,
    min_free: u64,
    close_after: Duration,
    capture: Arc<CaptureService>,
    state: Mutex<Inner>,
    changed: Condvar,
    /// `pistream_timelapse_photos_total`.
    pub photos: Counter,
    /// `pistream_timelapse_days_deleted_total`.
    pub days_deleted: Counter,
    pub video: Arc<video::VideoJobs>,
}

#[derive(Default)]
struct Inner {
    every: Every,
    /// Bumped on every switch, so the schedule starts over.
    generation: u64,
    paused: Option<String>,
    last_photo: Option<String>,
    last_error: Option<String>,
    /// Whether the schedule holds the camera open now.
    holding_camera: bool,
    stopping: bool,
}

/// The timelapse as `/api/state` and `/api/timelapse` show it.
#[derive(Debug, Clone, Serialize)]
pub struct TimelapseState {
    /// Whether it is switched on (it may still be paused).
    pub enabled: bool,
    /// The interval in words (`30s`, `5m`), or `off`.
    pub every: String,
    pub every_secs: Option<f64>,
    /// Why no photos are being taken although it is on (the disk is full), else `null`.
    pub paused: Option<String>,
    /// Photos taken since the server started.
    pub photos_taken: u64,
    /// The last photo, as a path under the photo folder (`timelapse/2026-12-02/NAME.jpg`).
    pub last_photo: Option<String>,
    /// Why the last photo failed (camera down, disk error), cleared by the next success.
    pub last_error: Option<String>,
    /// Whether the camera is kept open for the timelapse now (short intervals, or the moment
    /// before a photo).
    pub holding_camera: bool,
    pub keep_days: u32,
    pub min_free_bytes: u64,
}

/// One day folder, for the page's list of days.
#[derive(Debug, Clone, Serialize)]
pub struct DayInfo {
    /// `YYYY-MM-DD`.
    pub day: String,
    pub photos: usize,
    /// The day's video, as a path under the photo folder, when one was made.
    pub video: Option<String>,
}

/// Why a switch was refused.
#[derive(Debug, thiserror::Error)]
pub enum SwitchError {
    #[error("{0}")]
    BadInterval(String),
    #[error("the timelapse setting could not be saved: {0}")]
    Save(#[from] std::io::Error),
}

impl Timelapse {
    /// The timelapse for `config` (the interval from the saved page choice or `--timelapse`),
    /// with its schedule thread running.
    pub fn start(config: &Config, capture: Arc<CaptureService>) -> std::io::Result<Arc<Timelapse>> {
        let file = SettingsFile::beside(&config.pic);
        let every = file.load(config.timelapse);
        let root = config.pic.join(FOLDER);
        video::remove_stale_temps(&root);
        let tl = Arc::new(Timelapse {
            video: video::VideoJobs::new(
                root.clone(),
                config.timelapse_ffmpeg.clone(),
                config.timelapse_video_realtime,
            ),
            root,
            pic: config.pic.clone(),
            flag: config.timelapse,
            file,
            keep_days: config.timelapse_keep,
            min_free: config.min_free_space,
            close_after: config.timelapse_close_after,
            capture,
            state: Mutex::new(Inner {
                every,
                ..Inner::default()
            }),
            changed: Condvar::new(),
            photos: Counter::default(),
            days_deleted: Counter::default(),
        });
        let me = tl.clone();
        std::thread::Builder::new()
            .name("timelapse".into())
            .spawn(move || me.run())?;
        Ok(tl)
    }

    /// The folder holding the day folders.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Switches to `every` (from the page) and saves the choice. Blocking (the file is synced).
    pub fn switch(&self, every: &str) -> Result<TimelapseState, SwitchError> {
        let every = settings::parse_every(every).map_err(SwitchError::BadInterval)?;
        self.file.save(every, self.flag)?;
        let mut st = self.state.lock();
        if st.every != every {
            log::info!("timelapse switched to {every} on the page");
        }
        st.every = every;
        st.generation += 1;
        st.paused = None;
        st.last_error = None;
        drop(st);
        self.changed.notify_all();
        Ok(self.state())
    }

    pub fn state(&self) -> TimelapseState {
        let st = self.state.lock();
        TimelapseState {
            enabled: st.every.0.is_some(),
            every: st.every.to_string(),
            every_secs: st.every.0.map(|d| d.as_secs_f64()),
            paused: st.paused.clone(),
            photos_taken: self.photos.get(),
            last_photo: st.last_photo.clone(),
            last_error: st.last_error.clone(),
            holding_camera: st.holding_camera,
            keep_days: self.keep_days,
            min_free_bytes: self.min_free,
        }
    }

    /// The day folders, newest first. Blocking (reads the folders).
    pub fn days(&self) -> std::io::Result<Vec<DayInfo>> {
        let mut days = Vec::new();
        for (day, dir) in retention::days(&self.root)?.into_iter().rev() {
            let day = retention::day_name(day);
            let video_name = video::file_name(&day);
            let mut photos = 0;
            let mut video = None;
            for entry in std::fs::read_dir(&dir)?.flatten() {
                let name = entry.file_name().to_string_lossy().to_ascii_lowercase();
                if name == video_name {
                    video = Some(format!("{FOLDER}/{day}/{video_name}"));
                } else if video::is_photo_name(&name) {
                    photos += 1;
                }
            }
            days.push(DayInfo { day, photos, video });
        }
        Ok(days)
    }

    /// Stops the schedule (server shutdown) and any video job.
    pub fn shutdown(&self) {
        self.state.lock().stopping = true;
        self.changed.notify_all();
        self.video.cancel_quietly();
    }
}

#[cfg(test)]
mod tests {
    use super::day_of_album;

    #[test]
    fn only_a_day_folder_right_under_timelapse_is_a_day() {
        assert_eq!(day_of_album("timelapse/2026-12-02"), Some("2026-12-02"));
        for not_a_day in [
            "",
            "timelapse",
            "timelapse/",
            "timelapse/2026-13-02",
            "timelapse/2026-1-2",
            "timelapse/2026-12-02/sub",
            "holiday/2026-12-02",
            "timelapses/2026-12-02",
            "2026-12-02",
        ] {
            assert_eq!(day_of_album(not_a_day), None, "{not_a_day:?}");
        }
    }
}
