//! The capture thread. rscam's `capture()` blocks in `VIDIOC_DQBUF` (forever, if the device stalls), so
//! the rscam camera lives on a thread of its own that captures continuously and leaves the newest
//! frame in a one-frame slot; `next_frame` waits on the slot with a timeout. Each rscam frame is copied
//! out and dropped — re-queueing its buffer — before the next capture, so the driver never runs out of
//! buffers because of us. The thread owns the camera and drops it (STREAMOFF, munmap, close) before it
//! says it has exited, so a reopen after `close` does not find the device busy. (The camera is an
//! `Arc` shared with the controls handle, which lets go of it before capture is stopped.)

use parking_lot::{Condvar, Mutex};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime};

use pistream_camera::{CameraError, Frame, PixelFormat};

use crate::frames::{prepare, Dropped};

/// What the thread hands over.
#[derive(Default)]
struct Slot {
    /// The newest frame not yet taken, or the error that ended capture.
    latest: Option<Result<Frame, CameraError>>,
    exited: bool,
}

struct Shared {
    slot: Mutex<Slot>,
    changed: Condvar,
    stop: AtomicBool,
}

/// The stream being delivered.
#[derive(Debug, Clone, Copy)]
pub struct Stream {
    pub format: PixelFormat,
    pub width: u32,
    pub height: u32,
}

/// A running capture thread.
pub struct Worker {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

impl Worker {
    /// Starts capturing from a started rscam camera.
    pub fn spawn(
        camera: Arc<rscam::Camera>,
        device: String,
        stream: Stream,
    ) -> std::io::Result<Worker> {
        let shared = Arc::new(Shared {
            slot: Mutex::new(Slot::default()),
            changed: Condvar::new(),
            stop: AtomicBool::new(false),
        });
        let for_thread = shared.clone();
        let thread = std::thread::Builder::new()
            .name(format!("v4l2 {device}"))
            .spawn(move || run(camera, &device, stream, &for_thread))?;
        Ok(Worker {
            shared,
            thread: Some(thread),
        })
    }

    /// The newest frame, waiting up to `timeout` for one.
    pub fn next(&self, timeout: Duration) -> Result<Frame, CameraError> {
        let deadline = Instant::now() + timeout;
        let mut slot = self.shared.slot.lock();
        loop {
            if let Some(result) = slot.latest.take() {
                return result;
            }
            if slot.exited {
                return Err(CameraError::NotOpen);
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(CameraError::Timeout(timeout));
            }
            self.shared.changed.wait_until(&mut slot, deadline);
        }
    }

    /// Asks the thread to stop and waits up to `timeout` for it to release the device. A thread stuck
    /// in DQBUF on a stalled device is left to end by itself when the driver answers.
    pub fn stop(mut self, timeout: Duration) -> bool {
        self.shared.stop.store(true, Ordering::SeqCst);
        let deadline = Instant::now() + timeout;
        let mut slot = self.shared.slot.lock();
        while !slot.exited {
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            self.shared.changed.wait_until(&mut slot, deadline);
        }
        drop(slot);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        true
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        // Never block in drop: the thread notices at its next frame.
        self.shared.stop.store(true, Ordering::SeqCst);
    }
}

fn run(camera: Arc<rscam::Camera>, device: &str, stream: Stream, shared: &Shared) {
    let mut dropped = 0u64;
    while !shared.stop.load(Ordering::SeqCst) {
        let result = match camera.capture() {
            Ok(raw) => {
                let captured_at = SystemTime::now();
                let prepared = prepare(&raw, stream.format, stream.width, stream.height);
                // Re-queue the buffer before anything else happens (and before the next capture).
                drop(raw);
                match prepared {
                    Ok(data) => Ok(Frame {
                        format: stream.format,
                        width: stream.width,
                        height: stream.height,
                        data,
                        captured_at,
                    }),
                    Err(why) => {
                        dropped += 1;
                        log_drop(device, why, dropped);
                        continue;
                    }
                }
            }
            Err(e) => Err(crate::errors::from_io(device, e)),
        };
        let failed = result.is_err();
        if let Err(e) = &result {
            log::warn!("{device}: capture stopped: {e}");
        }
        shared.slot.lock().latest = Some(result);
        shared.changed.notify_all();
        if failed {
            break;
        }
    }
    drop(camera);
    shared.slot.lock().exited = true;
    shared.changed.notify_all();
}

fn log_drop(device: &str, why: Dropped, count: u64) {
    // The first few are worth a line each; after that, every hundredth, so a bad cable does not
    // flood the log.
    if count <= 3 || count.is_multiple_of(100) {
        log::info!("{device}: dropped a frame ({why:?}); {count} dropped so far");
    } else {
        log::debug!("{device}: dropped a frame ({why:?})");
    }
}
