//! The capture thread of a polled camera, in plain code so it is tested on any OS with a fake
//! [`Grabber`]; on Windows the grabber is escapi's device. The device is opened *on* the thread (the
//! Windows capture APIs tie a device to the thread that initialised it), captures happen at the paced
//! deadlines, and the newest frame waits in a one-frame slot that `next` reads with a timeout. A stop
//! request interrupts the wait between frames at once.

use parking_lot::{Condvar, Mutex, MutexGuard};
use std::sync::mpsc;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use pistream_camera::{CameraError, Frame, PixelFormat};

use pistream_camera::pacing::Pacer;

use crate::pacing::interval;

/// A camera that hands over one BGRA frame when asked.
pub trait Grabber {
    /// Captures the next frame: `width * height * 4` bytes of BGRA.
    fn grab(&mut self) -> Result<&[u8], CameraError>;
}

/// An opened camera and what it delivers.
pub struct Opened<G> {
    pub grabber: G,
    pub width: u32,
    pub height: u32,
    pub name: String,
}

/// What an opened camera delivers, as the worker reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct Granted {
    pub width: u32,
    pub height: u32,
    pub name: String,
}

#[derive(Default)]
struct Slot {
    latest: Option<Result<Frame, CameraError>>,
    stop: bool,
    exited: bool,
}

#[derive(Default)]
struct Shared {
    slot: Mutex<Slot>,
    changed: Condvar,
}

impl Shared {
    /// Waits on the condvar until `done` or `deadline`; returns the guard and whether `done` holds.
    fn wait_until<'a>(
        &'a self,
        mut slot: MutexGuard<'a, Slot>,
        deadline: Instant,
        done: impl Fn(&Slot) -> bool,
    ) -> (MutexGuard<'a, Slot>, bool) {
        loop {
            if done(&slot) {
                return (slot, true);
            }
            let now = Instant::now();
            if now >= deadline {
                return (slot, false);
            }
            self.changed.wait_until(&mut slot, deadline);
        }
    }
}

/// A running capture thread.
pub struct Worker {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

impl Worker {
    /// Starts a thread that opens the camera with `open` and captures at `fps`. Waits up to
    /// `open_timeout` for the open to succeed or fail.
    pub fn spawn<G, F>(
        open: F,
        fps: f64,
        open_timeout: Duration,
    ) -> Result<(Worker, Granted), CameraError>
    where
        G: Grabber + 'static,
        F: FnOnce() -> Result<Opened<G>, CameraError> + Send + 'static,
    {
        let shared = Arc::new(Shared::default());
        let (tx, rx) = mpsc::sync_channel(1);
        let for_thread = shared.clone();
        let thread = std::thread::Builder::new()
            .name("escapi capture".into())
            .spawn(move || {
                let opened = match open() {
                    Ok(o) => o,
                    Err(e) => {
                        let _ = tx.send(Err(e));
                        return;
                    }
                };
                let granted = Granted {
                    width: opened.width,
                    height: opened.height,
                    name: opened.name.clone(),
                };
                if tx.send(Ok(granted)).is_ok() {
                    run(opened, fps, &for_thread);
                }
            })?;
        let worker = Worker {
            shared,
            thread: Some(thread),
        };
        match rx.recv_timeout(open_timeout) {
            Ok(Ok(granted)) => Ok((worker, granted)),
            Ok(Err(e)) => Err(e),
            Err(_) => Err(CameraError::Timeout(open_timeout)),
        }
    }

    /// The newest frame, waiting up to `timeout` for one.
    pub fn next(&self, timeout: Duration) -> Result<Frame, CameraError> {
        let slot = self.shared.slot.lock();
        let deadline = Instant::now() + timeout;
        let (mut slot, ready) = self
            .shared
            .wait_until(slot, deadline, |s| s.latest.is_some() || s.exited);
        match slot.latest.take() {
            Some(result) => result,
            None if ready => Err(CameraError::NotOpen),
            None => Err(CameraError::Timeout(timeout)),
        }
    }

    /// Stops the thread and waits up to `timeout` for it to release the camera.
    pub fn stop(mut self, timeout: Duration) -> bool {
        let mut slot = self.shared.slot.lock();
        slot.stop = true;
        self.shared.changed.notify_all();
        let (slot, exited) = self
            .shared
            .wait_until(slot, Instant::now() + timeout, |s| s.exited);
        drop(slot);
        if exited {
            if let Some(t) = self.thread.take() {
                let _ = t.join();
            }
        }
        exited
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        self.shared.slot.lock().stop = true;
        self.shared.changed.notify_all();
    }
}

fn run<G: Grabber>(mut opened: Opened<G>, fps: f64, shared: &Shared) {
    let (mut pacer, gap) = (Pacer::default(), interval(fps));
    let (w, h) = (opened.width, opened.height);
    let need = PixelFormat::Bgra.frame_len(w, h);
    loop {
        let due = pacer.next_due(Instant::now(), gap);
        let (slot, stopped) = shared.wait_until(shared.slot.lock(), due, |s| s.stop);
        drop(slot);
        if stopped {
            break;
        }
        let result = opened.grabber.grab().and_then(|bytes| {
            if Some(bytes.len()) == need {
                Ok(Frame::new(PixelFormat::Bgra, w, h, bytes))
            } else {
                Err(CameraError::Other(format!(
                    "the camera delivered {} bytes for a {w}x{h} BGRA frame",
                    bytes.len()
                )))
            }
        });
        let failed = result.is_err();
        shared.slot.lock().latest = Some(result);
        shared.changed.notify_all();
        if failed {
            break;
        }
    }
    drop(opened);
    shared.slot.lock().exited = true;
    shared.changed.notify_all();
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hands out numbered frames, then fails with `then` once `frames` run out.
    struct Fake {
        frames: Vec<Vec<u8>>,
        current: Vec<u8>,
        then: fn() -> CameraError,
    }

    impl Grabber for Fake {
        fn grab(&mut self) -> Result<&[u8], CameraError> {
            if self.frames.is_empty() {
                return Err((self.then)());
            }
            self.current = self.frames.remove(0);
            Ok(&self.current)
        }
    }

    const WAIT: Duration = Duration::from_secs(10);

    fn fake(frames: Vec<Vec<u8>>) -> Opened<Fake> {
        Opened {
            grabber: Fake {
                frames,
                current: Vec::new(),
                then: || CameraError::Disconnected("gone".into()),
            },
            width: 2,
            height: 1,
            name: "fake".into(),
        }
    }

    #[test]
    fn frames_arrive_as_bgra_then_the_error_that_ended_capture() {
        let frames = vec![vec![1; 8], vec![2; 8]];
        let (worker, granted) = Worker::spawn(move || Ok(fake(frames)), 1000.0, WAIT).unwrap();
        assert_eq!((granted.width, granted.height), (2, 1));
        let mut seen = Vec::new();
        let err = loop {
            match worker.next(WAIT) {
                Ok(f) => {
                    assert_eq!((f.format, f.width, f.height), (PixelFormat::Bgra, 2, 1));
                    seen.push(f.data[0]);
                }
                Err(e) => break e,
            }
        };
        assert!(matches!(err, CameraError::Disconnected(_)), "{err:?}");
        // Latest-wins may skip a frame the reader was too slow for, but never reorders.
        assert!(
            !seen.is_empty() && seen.windows(2).all(|w| w[0] < w[1]),
            "{seen:?}"
        );
        assert!(matches!(worker.next(WAIT), Err(CameraError::NotOpen)));
        assert!(worker.stop(WAIT));
    }

    #[test]
    fn an_open_failure_is_reported_by_spawn() {
        let err = Worker::spawn(
            || Err::<Opened<Fake>, _>(CameraError::Busy { device: "0".into() }),
            30.0,
            WAIT,
        )
        .err()
        .expect("open fails");
        assert!(matches!(err, CameraError::Busy { .. }));
    }

    #[test]
    fn a_wrong_frame_size_is_an_error_not_a_frame() {
        let (worker, _) = Worker::spawn(|| Ok(fake(vec![vec![0; 7]])), 1000.0, WAIT).unwrap();
        let err = worker.next(WAIT).unwrap_err();
        assert!(err.to_string().contains("7 bytes"), "{err}");
    }

    #[test]
    fn stop_interrupts_the_wait_between_frames() {
        // At 0.01 fps the second capture is 100 s away: stop must not wait for it.
        let (worker, _) = Worker::spawn(|| Ok(fake(vec![vec![0; 8]; 3])), 0.01, WAIT).unwrap();
        worker.next(WAIT).unwrap();
        assert!(worker.stop(WAIT));
    }
}
