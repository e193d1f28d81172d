//! The command line (clap): every flag also reads an environment variable `PISTREAM_*`. A bad value
//! gets clap's one-line message naming the flag and exit status 2. Tests and benchmarks rely on these
//! names: keep them.
//!
//! This module is the list of serving flags ([`Config`]) and what they mean together; beside it:
//! `commands.rs` (the subcommands), `picture.rs` (the picture flags' values) and `values.rs` (the
//! checks a flag's text passes).

mod commands;
mod picture;
mod values;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, ValueEnum};

pub use commands::{Cli, Command, ThemeCommand};
pub use picture::{FlipArg, RotateArg, YuvRangeArg};
use values::{parse_fps, parse_origin, parse_positive_seconds, parse_seconds};

/// How the watcher learns of file changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum WatchMode {
    /// Native file system events (inotify on Linux).
    Native,
    /// Poll twice a second: for file systems that send no events (some network and FUSE mounts).
    Poll,
    /// Do not watch: the site is read once at start.
    Off,
}

/// Everything `pistream` (serving) is told.
#[derive(Debug, Clone, Args)]
pub struct Config {
    /// Address to listen on. Use 0.0.0.0:8080 to let other machines in.
    #[arg(long, env = "PISTREAM_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,

    /// Camera backend (see `pistream cameras`).
    #[arg(long, env = "PISTREAM_CAMERA", default_value = "mock")]
    pub camera: String,

    /// Device to open: a V4L2 path such as /dev/video0 (also /dev/v4l/by-id/...), a camera index on Windows.
    #[arg(long, env = "PISTREAM_DEVICE")]
    pub device: Option<String>,

    /// What the replay camera plays: a folder of JPEGs or a recorded .mjpeg file. For `--camera exec`,
    /// the command that writes MJPEG to its stdout (split like a shell would; no shell runs it).
    #[arg(long, env = "PISTREAM_SOURCE")]
    pub source: Option<PathBuf>,

    /// How `replay` paces a recorded .mjpeg file: `fps` (evenly at --fps) or `recorded` (at the
    /// recording's own X-Timestamp intervals).
    #[arg(long, env = "PISTREAM_REPLAY_TIMING", default_value = "fps")]
    pub replay_timing: pistream_replay::Timing,

    /// Frame width asked of the camera.
    #[arg(long, env = "PISTREAM_WIDTH", allow_negative_numbers = true, default_value_t = 640, value_parser = clap::value_parser!(u32).range(16..=7680))]
    pub width: u32,

    /// Frame height asked of the camera.
    #[arg(long, env = "PISTREAM_HEIGHT", allow_negative_numbers = true, default_value_t = 480, value_parser = clap::value_parser!(u32).range(16..=4320))]
    pub height: u32,

    /// Frames per second asked of the camera.
    #[arg(long, env = "PISTREAM_FPS", allow_negative_numbers = true, default_value_t = 30.0, value_parser = parse_fps)]
    pub fps: f64,

    /// JPEG quality (1-100) of the frames pistream encodes.
    #[arg(long, env = "PISTREAM_QUALITY", allow_negative_numbers = true, default_value_t = 80, value_parser = clap::value_parser!(u8).range(1..=100))]
    pub quality: u8,

    /// Folder photos are saved in and the gallery shows.
    #[arg(long, env = "PISTREAM_PIC", default_value = "./pic")]
    pub pic: PathBuf,

    /// Folder of markdown pages.
    #[arg(long, env = "PISTREAM_CONTENT", default_value = "./content")]
    pub content: PathBuf,

    /// Theme folder overriding the built-in theme file by file.
    #[arg(long, env = "PISTREAM_THEME")]
    pub theme: Option<PathBuf>,

    /// Seconds the camera stays open after the last viewer leaves.
    #[arg(long, env = "PISTREAM_IDLE_TIMEOUT", allow_negative_numbers = true, default_value_t = 10.0, value_parser = parse_seconds)]
    pub idle_timeout: f64,

    /// How file changes are noticed.
    #[arg(long, env = "PISTREAM_WATCH", value_enum, default_value_t = WatchMode::Native)]
    pub watch: WatchMode,

    // --- service: health checks, metrics, systemd
    /// Seconds the camera may keep failing (or capture publish nothing) before /healthz answers 503;
    /// capture that publishes nothing that long also stops feeding the systemd watchdog.
    #[arg(long, env = "PISTREAM_UNHEALTHY_AFTER", allow_negative_numbers = true, default_value_t = 30.0, value_parser = parse_seconds)]
    pub unhealthy_after: f64,

    /// With auth: /metrics and /healthz stay open (GET, HEAD) for a scraper or uptime checker that
    /// cannot log in; every other route still needs the password.
    #[arg(long, env = "PISTREAM_METRICS_PUBLIC")]
    pub metrics_public: bool,

    /// Serve under this path prefix, e.g. /cam1 for one of several cameras behind one proxy: every
    /// link, redirect and event stream carries it, and requests may come with it (it is taken off)
    /// or without it (a proxy that strips it). docs/SCALING.md has the nginx configuration.
    #[arg(long, env = "PISTREAM_BASE_PATH", value_name = "PATH", default_value = "", value_parser = crate::urls::parse_base)]
    pub base_path: String,

    // --- edge: access control, cross-site requests and HTTP limits (src/web/auth.rs, origin.rs,
    // limits.rs). Each limit answers with its own status and a log line; SECURITY.md explains them.
    /// Require HTTP Basic login as USER:PASSWORD on every route. The password shows in `ps` and
    /// shell history: prefer --auth-file.
    #[arg(long, env = "PISTREAM_AUTH", value_name = "USER:PASSWORD")]
    pub auth: Option<String>,

    /// Require HTTP Basic login against a file of `user:hash` lines made by `pistream passwd`.
    #[arg(long, env = "PISTREAM_AUTH_FILE", value_name = "FILE")]
    pub auth_file: Option<PathBuf>,

    /// With auth: anyone may watch and browse (GET, HEAD); taking and deleting photos (every other
    /// method) still needs the password.
    #[arg(long, env = "PISTREAM_PUBLIC_VIEW")]
    pub public_view: bool,

    /// Another site allowed to call this server from a browser (CORS), e.g. `https://dash.example`.
    #[arg(long, env = "PISTREAM_ALLOW_ORIGIN", value_name = "ORIGIN", value_parser = parse_origin)]
    pub allow_origin: Option<String>,

    /// Trust a reverse proxy's Forwarded / X-Forwarded-Host / -Proto / -For headers: for the
    /// same-origin check and for the client address that login limits count. Only behind a proxy
    /// that sets them (anyone else could forge them).
    #[arg(long, env = "PISTREAM_TRUST_PROXY")]
    pub trust_proxy: bool,

    /// Most live video viewers at once; past it 503 with Retry-After.
    #[arg(long, env = "PISTREAM_MAX_VIEWERS", default_value_t = 100)]
    pub max_viewers: usize,

    /// Most open connections from one client address (0: no limit); past it 429. Behind a proxy on
    /// the same machine every client shares the proxy's address: raise it or use 0.
    #[arg(
        long,
        env = "PISTREAM_MAX_CONNECTIONS_PER_CLIENT",
        default_value_t = 64
    )]
    pub max_connections_per_client: usize,

    /// Largest request head in bytes; more gets 431.
    #[arg(long, env = "PISTREAM_MAX_HEAD_BYTES", default_value_t = 16 * 1024, value_parser = clap::value_parser!(u32).range(1024..=1024 * 1024))]
    pub max_head_bytes: u32,

    /// Seconds a client has to send a whole request head once it started; then 408.
    #[arg(long, env = "PISTREAM_HEAD_TIMEOUT", default_value_t = 30.0, value_parser = parse_positive_seconds)]
    pub head_timeout: f64,

    /// Largest request body in bytes; more gets 413.
    #[arg(long, env = "PISTREAM_MAX_BODY_BYTES", default_value_t = 1024 * 1024)]
    pub max_body_bytes: u64,

    /// Seconds a client has to send a whole request body; then 408.
    #[arg(long, env = "PISTREAM_BODY_TIMEOUT", default_value_t = 30.0, value_parser = parse_positive_seconds)]
    pub body_timeout: f64,

    /// Seconds an idle keep-alive connection stays open waiting for the next request.
    #[arg(long, env = "PISTREAM_KEEP_ALIVE_TIMEOUT", default_value_t = 15.0, value_parser = parse_positive_seconds)]
    pub keep_alive_timeout: f64,

    /// Seconds a client's socket may accept no bytes at all before the connection is dropped (a
    /// viewer that stopped reading).
    #[arg(long, env = "PISTREAM_STALL_TIMEOUT", default_value_t = 20.0, value_parser = parse_positive_seconds)]
    pub stall_timeout: f64,

    // --- robust: supervision and the variant cap
    /// Most stream variants (`/stream?width=&quality=`) encoded at once; past it a viewer gets the
    /// nearest live variant. Each costs an encoder thread (a 320-wide variant of 640x480: ~45% of
    /// a core).
    #[arg(long, env = "PISTREAM_MAX_VARIANTS", default_value_t = 4)]
    pub max_variants: usize,

    /// Seconds one camera call may block before the camera counts as hung and is reopened.
    #[arg(long, env = "PISTREAM_HANG_TIMEOUT", allow_negative_numbers = true, default_value_t = 20.0, value_parser = parse_seconds)]
    pub hang_timeout: f64,

    // --- pipeline: encoder threads
    /// Most threads encoding the camera's raw frames at once [default: one per core, at most 8].
    /// Extra ones start only while an encode takes longer than the frame interval (1080p from a
    /// raw camera); a JPEG camera's frames are never re-encoded.
    #[arg(long, env = "PISTREAM_ENCODE_WORKERS", value_parser = clap::value_parser!(u16).range(1..=64))]
    pub encode_workers: Option<u16>,

    // --- controls
    /// File the camera controls set from the browser are saved in, and applied from whenever the
    /// camera opens [default: pistream-controls.json next to the --pic folder].
    #[arg(long, env = "PISTREAM_CONTROLS_FILE")]
    pub controls_file: Option<PathBuf>,

    // --- picture: colour range and orientation (src/video/encode/orient.rs)
    /// Range of a YUYV camera's samples: `limited` (luma 16-235, chroma 16-240: most USB webcams),
    /// `full` (0-255), or `auto`: what the camera reports, else limited.
    #[arg(long, env = "PISTREAM_YUV_RANGE", value_enum, default_value_t = YuvRangeArg::Auto)]
    pub yuv_range: YuvRangeArg,

    /// Turn the picture clockwise by this many degrees (a camera mounted sideways or upside
    /// down); 90 and 270 swap width and height. Applied once per frame, for every viewer and photo.
    #[arg(long, env = "PISTREAM_ROTATE", value_enum, default_value_t = RotateArg::R0)]
    pub rotate: RotateArg,

    /// Mirror the picture after rotating: `h` left-right, `v` top-bottom, `hv` both (the same as
    /// another 180 degrees).
    #[arg(long, env = "PISTREAM_FLIP", value_enum)]
    pub flip: Option<FlipArg>,

    // --- encoders (src/video/encode/codec.rs; README "Encoders")
    /// The JPEG library that encodes raw frames, turns MJPEG ones and makes stream variants: `rust`
    /// (pure Rust, in every build), `turbo` (libjpeg-turbo: only in a build with `--features
    /// turbojpeg`), or `auto`: turbo when the build has it, else rust.
    #[arg(long, env = "PISTREAM_ENCODER", default_value = "auto", value_parser = picture::parse_encoder())]
    pub encoder: crate::video::encode::Codec,

    // --- timelapse (src/timelapse/; README "Timelapse")
    /// Take a photo this often into timelapse/YYYY-MM-DD/ in --pic (local date): `2s`, `30s`, `5m`,
    /// `1h`, `1h 30m`, at least 1s; `off` takes none. The live page can switch it too: that choice is
    /// saved (pistream-timelapse.json next to the --pic folder) and wins over this flag at the next
    /// start, until this flag's value changes.
    #[arg(long, env = "PISTREAM_TIMELAPSE", value_name = "EVERY", default_value = "off", value_parser = crate::timelapse::settings::parse_every)]
    pub timelapse: crate::timelapse::settings::Every,

    /// Delete timelapse days older than this many days (today counts as one); 0 keeps them all.
    /// Photos taken by hand are never deleted.
    #[arg(
        long,
        env = "PISTREAM_TIMELAPSE_KEEP",
        value_name = "DAYS",
        default_value_t = 0
    )]
    pub timelapse_keep: u32,

    /// Free space the timelapse leaves on the photo folder's disk (`500MB`, `2GiB`, `0` for no
    /// guard): below it the oldest timelapse days are deleted (never today's, never a photo taken by
    /// hand), and when that is not enough the timelapse pauses and says why on the live page.
    #[arg(long, env = "PISTREAM_MIN_FREE_SPACE", value_name = "SIZE", default_value = "500MB", value_parser = crate::timelapse::settings::parse_size)]
    pub min_free_space: u64,

    /// Intervals shorter than this keep the camera open between timelapse photos; longer ones let
    /// it close when nobody watches. Not a flag: tests shorten it.
    #[arg(skip = crate::timelapse::CLOSE_BETWEEN_TICKS)]
    pub timelapse_close_after: Duration,

    /// Makes ffmpeg read the photos at the video's frame rate (`-re`) instead of as fast as it can.
    /// Not a flag: tests use it for a video job that lasts long enough to be cancelled.
    #[arg(skip)]
    pub timelapse_video_realtime: bool,

    /// The ffmpeg program videos are made with. Not a flag: tests name a missing one.
    #[arg(skip = String::from("ffmpeg"))]
    pub timelapse_ffmpeg: String,
}

impl Config {
    pub fn idle_timeout(&self) -> Duration {
        Duration::from_secs_f64(self.idle_timeout)
    }

    pub fn unhealthy_after(&self) -> Duration {
        Duration::from_secs_f64(self.unhealthy_after)
    }

    pub fn hang_timeout(&self) -> Duration {
        // Zero would call every camera call a hang.
        Duration::from_secs_f64(self.hang_timeout.max(0.5))
    }

    /// How many encoder threads may run: `--encode-workers`, else one per core up to 8 (beyond
    /// that a frame is split among more threads than 1080p30 needs).
    pub fn encode_workers(&self) -> usize {
        self.encode_workers.map_or_else(
            || std::thread::available_parallelism().map_or(1, |n| n.get().min(8)),
            usize::from,
        )
    }

    /// The source a backend opens: `--source` for replay and exec, else `--device`.
    pub fn device_for_backend(&self) -> Option<String> {
        match (&self.source, &self.device) {
            (Some(src), _) if self.camera == "replay" || self.camera == "exec" => {
                Some(src.display().to_string())
            }
            (_, Some(dev)) => Some(dev.clone()),
            (Some(src), None) => Some(src.display().to_string()),
            (None, None) => None,
        }
    }

    /// Where the camera controls are saved: `--controls-file`, else beside the photo folder.
    pub fn controls_file(&self) -> PathBuf {
        self.controls_file
            .clone()
            .unwrap_or_else(|| crate::video::control_store::ControlStore::default_path(&self.pic))
    }

    /// A configuration for tests: ephemeral port, everything else default.
    pub fn for_tests() -> Config {
        let cli =
            Cli::try_parse_from(["pistream", "--bind", "127.0.0.1:0"]).expect("defaults parse");
        cli.serve
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_documented_ones() {
        let c = Cli::try_parse_from(["pistream"]).unwrap().serve;
        assert_eq!(c.bind.to_string(), "127.0.0.1:8080");
        assert_eq!(c.camera, "mock");
        assert_eq!((c.width, c.height, c.quality), (640, 480, 80));
        assert_eq!(c.idle_timeout(), Duration::from_secs(10));
    }

    #[test]
    fn bad_values_name_the_flag() {
        for args in [
            ["pistream", "--fps", "0"],
            ["pistream", "--quality", "101"],
            ["pistream", "--bind", "nowhere"],
            ["pistream", "--width", "abc"],
        ] {
            let err = Cli::try_parse_from(args).unwrap_err();
            assert_eq!(err.exit_code(), 2, "{args:?}");
            assert!(err.to_string().contains(args[1]), "{err}");
        }
    }
}
