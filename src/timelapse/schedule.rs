//! The timelapse's own thread: it sleeps on a condition variable until the next photo is due or
//! the interval is switched (never a polling loop; off, it waits for a switch and nothing else).
//!
//! The camera: an interval shorter than `close_after` (30 s) holds a capture [`Demand`] all along,
//! so the camera stays open; a longer one takes the demand a moment before each photo (a tenth of
//! the interval, at most 3 s: the camera opens and its exposure settles) and drops it after, so with
//! nobody watching the camera closes `--idle-timeout` later and stays closed until the next photo.
//!
//! Each tick: age retention (once a day), the disk guard (which may pause the timelapse), then a
//! fresh frame saved into today's folder. Ticks missed while a tick ran long are skipped, not made up.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Local, NaiveDate};
use parking_lot::MutexGuard;

use super::retention;
use super::{Inner, Timelapse};
use crate::app::FRESH_FRAME_WAIT;
use crate::gallery::photos::PhotoStore;
use crate::video::capture::Demand;

/// The longest head start the camera gets before a photo.
const MAX_WARMUP: Duration = Duration::from_secs(3);

/// How long before a photo the camera is asked for, for interval `every`.
fn warmup(every: Duration) -> Duration {
    (every / 10).min(MAX_WARMUP)
}

/// What the thread keeps between ticks.
#[derive(Default)]
struct Ticking {
    /// Today's folder, opened once a day.
    store: Option<(NaiveDate, PhotoStore)>,
    /// The day age retention last ran.
    expired_on: Option<NaiveDate>,
}

impl Timelapse {
    pub(super) fn run(self: Arc<Self>) {
        let mut demand: Option<Demand> = None;
        let mut next: Option<Instant> = None;
        let mut generation = u64::MAX;
        let mut ticking = Ticking::default();
        let mut st = self.state.lock();
        while !st.stopping {
            if st.generation != generation {
                generation = st.generation;
                next = None;
            }
            let Some(every) = st.every.0 else {
                demand = None;
                st.holding_camera = false;
                self.changed.wait(&mut st);
                continue;
            };
            let now = Instant::now();
            let warmup = warmup(every);
            let keep_open = every < self.close_after;
            // Switched on: the first photo after one warm-up, so there is feedback at once.
            let due = *next.get_or_insert(now + warmup);
            let want_camera = keep_open || now + warmup >= due;
            if !want_camera {
                demand = None;
            } else if demand.is_none() {
                demand = self
                    .capture
                    .try_demand()
                    .inspect_err(|e| log::warn!("timelapse: {e}"))
                    .ok();
            }
            st.holding_camera = demand.is_some();
            if now < due {
                let wake = if want_camera { due } else { due - warmup };
                self.changed.wait_until(&mut st, wake);
                continue;
            }
            MutexGuard::unlocked(&mut st, || self.tick(&mut ticking));
            let mut after = due + every;
            let now = Instant::now();
            while after <= now {
                after += every;
            }
            next = Some(after);
            if !keep_open {
                demand = None;
                st.holding_camera = false;
            }
        }
        st.holding_camera = false;
    }

    /// One photo, after retention and the disk guard.
    fn tick(&self, ticking: &mut Ticking) {
        let today = Local::now().date_naive();
        if ticking.expired_on != Some(today) {
            match retention::expire(&self.root, today, self.keep_days) {
                Ok(gone) => {
                    self.days_deleted.inc_by(gone.len() as u64);
                }
                Err(e) => log::warn!("timelapse: --timelapse-keep: {e}"),
            }
            ticking.expired_on = Some(today);
        }
        if self.min_free > 0 {
            let guarded = retention::guard(&self.root, today, self.min_free, || {
                retention::free_space(&self.pic)
            });
            match guarded {
                Ok(g) => {
                    self.days_deleted.inc_by(g.deleted.len() as u64);
                    if let Some(free) = g.short {
                        let why = format!(
                            "paused: {} free on the photo disk, less than --min-free-space {}, and \
                             no older timelapse day is left to delete",
                            bytesize::ByteSize::b(free),
                            bytesize::ByteSize::b(self.min_free)
                        );
                        let mut st = self.state.lock();
                        if st.paused.as_ref() != Some(&why) {
                            log::warn!("timelapse {why}");
                        }
                        st.paused = Some(why);
                        return;
                    }
                    self.set(|st| st.paused = None);
                }
                Err(e) => log::warn!("timelapse: the disk guard cannot look: {e}"),
            }
        }
        match self.take(ticking) {
            Ok(path) => {
                self.photos.inc();
                log::debug!("timelapse photo {path}");
                self.set(|st| {
                    st.last_photo = Some(path);
                    st.last_error = None;
                });
            }
            Err(why) => self.set(|st| {
                if st.last_error.as_ref() != Some(&why) {
                    log::warn!("timelapse: no photo: {why}");
                }
                st.last_error = Some(why);
            }),
        }
    }

    /// Saves a fresh frame into its day's folder; the photo's path under the photo folder.
    fn take(&self, ticking: &mut Ticking) -> Result<String, String> {
        let frame = async_io::block_on(self.capture.fresh_frame(FRESH_FRAME_WAIT))
            .map_err(|e| e.to_string())?;
        let taken = frame.captured_at();
        // The frame's own date: a photo taken at 23:59:59.9 belongs to that day.
        let day = DateTime::<Local>::from(taken).date_naive();
        let store = match &ticking.store {
            Some((d, store)) if *d == day => store,
            _ => {
                let dir = self.root.join(retention::day_name(day));
                let store = PhotoStore::open(&dir)
                    .map_err(|e| format!("cannot make {}: {e}", dir.display()))?;
                &ticking.store.insert((day, store)).1
            }
        };
        let saved = store
            .save(frame.jpeg(), taken)
            .map_err(|e| format!("cannot save: {e}"))?;
        Ok(format!(
            "{}/{}/{}",
            super::FOLDER,
            retention::day_name(day),
            saved.name
        ))
    }

    fn set(&self, f: impl FnOnce(&mut Inner)) {
        f(&mut self.state.lock());
    }
}
