//! Stream variants (`/stream?width=320&quality=40`): the original's "smaller / lower quality on a poor
//! network" buttons, made per viewer. Each distinct variant is encoded once, on its own thread, from
//! the main hub's frames into a hub of its own that all its viewers share; the thread stops when the
//! last viewer of the variant leaves. The main stream is never re-encoded for a variant viewer.
//!
//! Requests snap to the [`ladder`] and at most `--max-variants` encoders run:
//! past the cap a request gets the nearest live variant (or the main stream), never a new thread.

use parking_lot::{Condvar, Mutex};
use std::collections::HashMap;
use std::sync::{Arc, Weak};
use std::time::Duration;

use crate::supervise::{self, Exit, Spawner, Wanted};
use crate::video::capture::{CaptureService, Demand, Unavailable};
use crate::video::encode;
use crate::video::hub::{EncodedFrame, FrameHub, Next};
use crate::video::ladder;

/// What a variant is: an output width (`None` = the camera's) and a JPEG quality.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct VariantKey {
    pub width: Option<u32>,
    pub quality: u8,
}

/// One variant's hub, alive while one of its viewers holds it.
pub struct Variant {
    key: VariantKey,
    hub: FrameHub,
    _demand: Demand,
}

impl Variant {
    pub fn hub(&self) -> &FrameHub {
        &self.hub
    }

    /// What this variant is (after snapping and the cap: not always what was asked).
    pub fn key(&self) -> VariantKey {
        self.key
    }
}

/// The variants being encoded now.
pub struct Variants {
    capture: Arc<CaptureService>,
    /// The most variants encoded at once (`--max-variants`).
    cap: usize,
    live: Mutex<HashMap<VariantKey, Weak<Variant>>>,
    encoders: Mutex<usize>,
    encoders_changed: Condvar,
    /// Starts encoder threads (tests make it fail).
    pub threads: Spawner,
}

// The thinned log line of the HTTP limits: one a second, however many requests hit the cap.
static CAP_LOG: crate::web::limits::ThinLog = crate::web::limits::ThinLog::new();

impl Variants {
    /// Variants of `capture`'s stream, at most `cap` encoded at once.
    pub fn new(capture: Arc<CaptureService>, cap: usize) -> Arc<Variants> {
        Arc::new(Variants {
            capture,
            cap,
            live: Mutex::new(HashMap::new()),
            encoders: Mutex::new(0),
            encoders_changed: Condvar::new(),
            threads: Spawner::default(),
        })
    }

    /// The stream a viewer asking for `wanted` (already snapped to the ladder) gets: the variant
    /// `wanted`, started if nobody watches it yet; past the cap the nearest live variant, or the
    /// main stream (`None`). Fails only when a thread is needed and cannot be started.
    pub fn join(self: &Arc<Self>, wanted: VariantKey) -> Result<Option<Arc<Variant>>, Unavailable> {
        let mut live = self.live.lock();
        if let Some(v) = live.get(&wanted).and_then(Weak::upgrade) {
            return Ok(Some(v));
        }
        live.retain(|_, v| v.strong_count() > 0);
        if live.len() >= self.cap {
            let camera_width = self.capture.options().output_size().0;
            let own_quality = self.capture.options().quality;
            let near = ladder::nearest(wanted, live.keys().copied(), camera_width, own_quality);
            CAP_LOG.info(|| {
                format!(
                    "--max-variants ({}) reached: {wanted:?} is served {}",
                    self.cap,
                    near.map_or("the main stream".into(), |k| format!("{k:?}"))
                )
            });
            return Ok(near.and_then(|k| live.get(&k).and_then(Weak::upgrade)));
        }
        let variant = Arc::new(Variant {
            key: wanted,
            hub: FrameHub::new(),
            _demand: self.capture.try_demand()?,
        });
        *self.encoders.lock() += 1;
        let me = self.clone();
        let weak = Arc::downgrade(&variant);
        let started = self.threads.spawn("variant", move || {
            me.supervised(wanted, weak);
            *me.encoders.lock() -= 1;
            me.encoders_changed.notify_all();
        });
        if let Err(e) = started {
            *self.encoders.lock() -= 1;
            self.encoders_changed.notify_all();
            return Err(Unavailable(format!("cannot start a variant encoder: {e}")));
        }
        live.insert(wanted, Arc::downgrade(&variant));
        Ok(Some(variant))
    }

    /// The JPEG library variants are made with: the capture's (`--encoder`).
    fn codec(&self) -> encode::Codec {
        self.capture.options().codec
    }

    /// How many variant encoders run now.
    pub fn encoders(&self) -> usize {
        *self.encoders.lock()
    }

    /// Waits until at most `n` variant encoders run; false on timeout.
    pub fn wait_encoders_at_most(&self, n: usize, timeout: Duration) -> bool {
        let mut guard = self.encoders.lock();
        self.encoders_changed
            .wait_while_for(&mut guard, |count| *count > n, timeout);
        *guard <= n
    }

    /// The encoder under supervision: a panic (a bug meeting an odd frame) is logged once, its
    /// viewers get a NO SIGNAL frame, and encoding restarts with backoff while anybody watches.
    fn supervised(&self, key: VariantKey, variant: Weak<Variant>) {
        supervise::restarting(
            &format!("variant encoder {key:?}"),
            || {
                self.encode_loop(key, variant.clone());
                Exit::Done
            },
            |p| {
                let Some(v) = variant.upgrade() else { return };
                let (w, h) = self.capture.hub().latest().map_or((320, 240), |(_, f)| {
                    let (fw, fh) = f.size();
                    encode::target_size(fw, fh, key.width)
                });
                let frame =
                    encode::no_signal_frame(w, h, &format!("encoder crashed: {}", p.message));
                let none = encode::Conversion::NONE;
                match self.codec().to_jpeg(&frame, &none, key.quality) {
                    Ok(jpeg) => {
                        let out = EncodedFrame::new(&jpeg, frame, none, false);
                        v.hub.publish(Arc::new(out));
                    }
                    Err(e) => log::error!("cannot encode the NO SIGNAL frame: {e}"),
                }
            },
            |pause| {
                std::thread::sleep(pause);
                if variant.strong_count() > 0 {
                    Wanted::Yes
                } else {
                    Wanted::No
                }
            },
        );
    }

    fn encode_loop(&self, key: VariantKey, variant: Weak<Variant>) {
        let main = self.capture.hub();
        let mut seen = 0;
        loop {
            // The timeout only bounds how long a variant nobody watches lingers while the camera is
            // silent; frames wake this thread far more often.
            match main.next_after_blocking(seen, Duration::from_secs(1)) {
                Next::Closed => {
                    if let Some(v) = variant.upgrade() {
                        v.hub.close();
                    }
                    return;
                }
                Next::TimedOut if variant.strong_count() == 0 => return,
                Next::TimedOut => {}
                Next::Frame((seq, frame)) => {
                    seen = seq;
                    let Some(v) = variant.upgrade() else { return };
                    let (source, conv) = (&frame.source, &frame.conversion);
                    match self.codec().variant(source, conv, key.width, key.quality) {
                        Ok(jpeg) => {
                            let out = EncodedFrame::new(&jpeg, source.clone(), *conv, frame.live);
                            v.hub.publish(Arc::new(out));
                        }
                        Err(e) => log::warn!("variant {key:?}: cannot encode: {e}"),
                    }
                }
            }
        }
    }
}
