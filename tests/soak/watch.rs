//! What the soak's log and panic hook saw: warn and error records, and panics outside the server's
//! supervision, kept for the end-of-run check; and which logged lines the injected faults explain.

use std::sync::atomic::{AtomicU64, Ordering::SeqCst};
use std::sync::{Arc, Mutex};

/// Log records at warn level and above, and panics outside the server's supervision.
#[derive(Default)]
pub struct Seen {
    pub records: Mutex<Vec<(log::Level, String)>>,
    pub unsupervised_panics: AtomicU64,
}

static SEEN: std::sync::OnceLock<Arc<Seen>> = std::sync::OnceLock::new();

struct Recorder(Arc<Seen>);

impl log::Log for Recorder {
    fn enabled(&self, m: &log::Metadata) -> bool {
        m.level() <= log::Level::Warn
    }
    fn log(&self, r: &log::Record) {
        if self.enabled(r.metadata()) {
            let line = format!("{}: {}", r.target(), r.args());
            self.0.records.lock().unwrap().push((r.level(), line));
        }
    }
    fn flush(&self) {}
}

/// Installs the recorder and a panic hook that counts panics; the server's own hook (installed
/// when it starts) handles supervised panics and hands the others to this one.
pub fn watch_logs_and_panics() -> Arc<Seen> {
    SEEN.get_or_init(|| {
        let seen = Arc::new(Seen::default());
        log::set_boxed_logger(Box::new(Recorder(seen.clone()))).expect("no other logger");
        log::set_max_level(log::LevelFilter::Warn);
        let counted = seen.clone();
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            counted.unsupervised_panics.fetch_add(1, SeqCst);
            previous(info);
        }));
        seen
    })
    .clone()
}

/// Whether a logged line is explained by the injected faults: the capture stage telling what
/// happened to the mock camera (an injected error, a stall or hang it reopened, an injected panic it
/// survived, an unplug). The mock fails only when told to, so every such line is one of ours;
/// anything else at warn or error level is a finding.
pub fn explained_by_faults(line: &str) -> bool {
    line.starts_with("pistream::video::capture: camera mock: ")
}
