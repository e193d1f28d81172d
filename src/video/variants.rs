//! Stream variants (`/stream?width=320&quality=40`): the original's "smaller / lower quality on a poor
//! network" buttons, made per viewer. Each distinct variant is encoded once, on its own thread, from
//! the main hub's frames into a hub of its own that all its viewers share; the thread stops when the
//! last viewer of the variant leaves. The main stream is never re-encoded for a variant viewer.

use parking_lot::{Condvar, Mutex};
use std::collections::HashMap;
use std::sync::{Arc, Weak};
use std::time::Duration;

use crate::supervise::{self, Exit, Wanted};
use crate::video::capture::{CaptureService, Demand};
use crate::video::encode;
use crate::video::hub::{EncodedFrame, FrameHub, Next};

/// What a variant is: an output width (`None` = the camera's) and a JPEG quality.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct VariantKey {
    pub width: Option<u32>,
    pub quality: u8,
}

/// One variant's hub, alive while one of its viewers holds it.
pub struct Variant {
    hub: FrameHub,
    _demand: Demand,
}

impl Variant {
    pub fn hub(&self) -> &FrameHub {
        &self.hub
    }
}

/// The variants being encoded now.
pub struct Variants {
    capture: Arc<CaptureService>,
    live: Mutex<HashMap<VariantKey, Weak<Variant>>>,
    encoders: Mutex<usize>,
    encoders_changed: Condvar,
}

impl Variants {
    pub fn new(capture: Arc<CaptureService>) -> Arc<Variants> {
        Arc::new(Variants {
            capture,
            live: Mutex::new(HashMap::new()),
            encoders: Mutex::new(0),
            encoders_changed: Condvar::new(),
        })
    }

    /// The variant `key`, started if nobody watches it yet.
    pub fn join(self: &Arc<Self>, key: VariantKey) -> Arc<Variant> {
        let mut live = self.live.lock();
        if let Some(v) = live.get(&key).and_then(Weak::upgrade) {
            return v;
        }
        live.retain(|_, v| v.strong_count() > 0);
        let variant = Arc::new(Variant {
            hub: FrameHub::new(),
            _demand: self.capture.demand(),
        });
        live.insert(key, Arc::downgrade(&variant));
        *self.encoders.lock() += 1;
        let me = self.clone();
        let weak = Arc::downgrade(&variant);
        std::thread::Builder::new()
            .name("variant".into())
            .spawn(move || {
                me.supervised(key, weak);
                *me.encoders.lock() -= 1;
                me.encoders_changed.notify_all();
            })
            .expect("spawn a variant encoder thread");
        variant
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
                    encode::target_size(f.source.width, f.source.height, key.width)
                });
                let frame =
                    encode::no_signal_frame(w, h, &format!("encoder crashed: {}", p.message));
                match encode::to_jpeg(&frame, key.quality) {
                    Ok(jpeg) => {
                        v.hub
                            .publish(Arc::new(EncodedFrame::new(&jpeg, frame, false)));
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
                    match encode::variant(&frame.source, key.width, key.quality) {
                        Ok(jpeg) => {
                            let out = EncodedFrame::new(&jpeg, frame.source.clone(), frame.live);
                            v.hub.publish(Arc::new(out));
                        }
                        Err(e) => log::warn!("variant {key:?}: cannot encode: {e}"),
                    }
                }
            }
        }
    }
}
