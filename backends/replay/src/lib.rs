//! The replay camera (`--camera replay --source PATH`): plays a folder of JPEGs, sorted by name, or a
//! recorded MJPEG stream, looping, with every frame's bytes unchanged. It is the demo source, the test
//! source with real photographic frames, and the fan-out benchmark source, so delivering a frame must
//! cost almost nothing: everything is read into memory once at open, and a frame is handed out by
//! cloning an `Arc`, never the bytes.
//!
//! Pacing is by deadline ([`pistream_camera::pacing`]) at the configured fps, or for recordings with `X-Timestamp`
//! headers at the recorded intervals when asked ([`Timing::Recorded`]).

mod frame;
mod recording;
mod source;

use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime};

use pistream_camera::{
    async_trait, Camera, CameraConfig, CameraError, Frame, PixelFormat, StreamInfo,
};

use crate::frame::ReplayFrame;
use pistream_camera::pacing::Pacer;

/// Recorded gaps longer than this are treated as a pause in the recording, not replayed.
const MAX_RECORDED_GAP: Duration = Duration::from_secs(10);

/// When frames are delivered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Timing {
    /// Evenly at the configured fps.
    #[default]
    Fps,
    /// At the intervals between the recording's `X-Timestamp` headers; gaps the recording does not give
    /// (no timestamp, going backwards, longer than 10 s, the loop back to the start) use the fps.
    Recorded,
}

impl std::str::FromStr for Timing {
    type Err = String;

    /// `fps` or `recorded` (any case), as a command-line value.
    fn from_str(s: &str) -> Result<Timing, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "fps" => Ok(Timing::Fps),
            "recorded" => Ok(Timing::Recorded),
            other => Err(format!(
                "`{other}` is not a replay timing: use `fps` or `recorded`"
            )),
        }
    }
}

/// How the replay camera plays.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReplayOptions {
    pub timing: Timing,
}

/// Loops a folder of JPEGs or a recorded MJPEG file. `CameraConfig.device` is the source path.
#[derive(Debug, Default)]
pub struct ReplayCamera {
    options: ReplayOptions,
    playing: Option<Playing>,
}

#[derive(Debug)]
struct Playing {
    frames: Vec<ReplayFrame>,
    next: usize,
    interval: Duration,
    pacer: Pacer,
}

impl Playing {
    /// The gap before frame `i`, per the timing option.
    fn gap_before(&self, i: usize, timing: Timing) -> Duration {
        if timing == Timing::Recorded && i > 0 {
            let (prev, this) = (self.frames[i - 1].timestamp, self.frames[i].timestamp);
            if let (Some(prev), Some(this)) = (prev, this) {
                if this > prev && this - prev <= MAX_RECORDED_GAP {
                    return this - prev;
                }
            }
        }
        self.interval
    }
}

impl ReplayCamera {
    pub fn new() -> ReplayCamera {
        ReplayCamera::default()
    }

    pub fn with_options(options: ReplayOptions) -> ReplayCamera {
        ReplayCamera {
            options,
            playing: None,
        }
    }
}

#[async_trait]
impl Camera for ReplayCamera {
    fn backend(&self) -> &'static str {
        "replay"
    }

    async fn open(&mut self, config: &CameraConfig) -> Result<StreamInfo, CameraError> {
        self.playing = None;
        let path = config.device.as_deref().map(PathBuf::from).ok_or_else(|| {
            CameraError::Other(
                "the replay camera needs --source: a folder of JPEGs or a recorded .mjpeg file"
                    .into(),
            )
        })?;
        if !(config.fps.is_finite() && config.fps > 0.0) {
            return Err(CameraError::Unsupported(format!("{} fps", config.fps)));
        }
        let frames = source::load(&path)?;
        let first = &frames[0];
        let info = StreamInfo {
            width: first.width,
            height: first.height,
            fps: config.fps,
            format: PixelFormat::Jpeg,
            description: format!(
                "replay of {} frame(s) from {} ({:?} timing, looping)",
                frames.len(),
                path.display(),
                self.options.timing
            ),
            yuv_range: None,
        };
        log::info!("{}", info.description);
        self.playing = Some(Playing {
            frames,
            next: 0,
            interval: Duration::from_secs_f64(1.0 / config.fps),
            pacer: Pacer::default(),
        });
        Ok(info)
    }

    async fn next_frame(&mut self) -> Result<Frame, CameraError> {
        let timing = self.options.timing;
        let playing = self.playing.as_mut().ok_or(CameraError::NotOpen)?;
        let i = playing.next;
        let gap = playing.gap_before(i, timing);
        let due = playing.pacer.next_due(Instant::now(), gap);
        let wait = due.saturating_duration_since(Instant::now());
        if !wait.is_zero() {
            async_std::task::sleep(wait).await;
        }
        let f = &playing.frames[i];
        playing.next = (i + 1) % playing.frames.len();
        Ok(Frame {
            format: PixelFormat::Jpeg,
            width: f.width,
            height: f.height,
            data: f.data.clone(),
            captured_at: SystemTime::now(),
        })
    }

    async fn close(&mut self) {
        self.playing = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn frame(timestamp: Option<f64>) -> ReplayFrame {
        ReplayFrame {
            data: Arc::from(&b""[..]),
            width: 1,
            height: 1,
            timestamp: timestamp.map(Duration::from_secs_f64),
        }
    }

    fn playing(stamps: &[Option<f64>]) -> Playing {
        Playing {
            frames: stamps.iter().map(|&s| frame(s)).collect(),
            next: 0,
            interval: Duration::from_millis(100),
            pacer: Pacer::default(),
        }
    }

    #[test]
    fn recorded_timing_follows_timestamps_and_falls_back_to_fps() {
        let p = playing(&[
            Some(5.0),
            Some(5.25),
            None,
            Some(6.0),
            Some(5.5),
            Some(30.0),
        ]);
        let gaps: Vec<u128> = (0..6)
            .map(|i| p.gap_before(i, Timing::Recorded).as_millis())
            .collect();
        // first (loop start) → fps; +0.25 s; missing → fps; after a missing one → fps;
        // backwards → fps; a 24.5 s pause → fps.
        assert_eq!(gaps, [100, 250, 100, 100, 100, 100]);
    }

    #[test]
    fn timing_parses_from_its_command_line_names() {
        assert_eq!("recorded".parse(), Ok(Timing::Recorded));
        assert_eq!(" FPS ".parse(), Ok(Timing::Fps));
        let err = "realtime".parse::<Timing>().unwrap_err();
        assert!(
            err.contains("`realtime`") && err.contains("recorded"),
            "{err}"
        );
    }

    #[test]
    fn fps_timing_ignores_timestamps() {
        let p = playing(&[Some(1.0), Some(1.5)]);
        assert_eq!(p.gap_before(1, Timing::Fps), Duration::from_millis(100));
    }
}
