//! The encode stage between the camera and the hub: capture, encode and publish as stages, so that
//! one core is not the ceiling. The capture thread only takes frames from the camera and hands each
//! to [`Pipeline::submit`]; encoder threads turn them into framed JPEG parts; the publish step puts
//! them in the hub, in capture order.
//!
//! - **Workers only when needed.** Workers are started lazily: the first frame starts one, and another
//!   starts only when a frame arrives while every worker is still encoding (an encode takes longer
//!   than the frame interval), up to `max_workers` (`--encode-workers`, default one per core). A
//!   640x480 stream at 30 fps never has more than one encoder thread; 1080p30 on two cores has two.
//! - **Newest first, never a queue.** The hand-over is one slot: a frame no worker has taken yet is
//!   replaced by a newer one (counted as dropped), so latency never grows behind a slow encoder.
//! - **Capture order.** Every frame gets a sequence number at capture. Publishing is one short step
//!   under a lock: a frame that finishes after a newer one was published is dropped, never sent out
//!   of order (a viewer's clock would jump back). The NO SIGNAL frame takes a number too
//!   ([`Pipeline::publish_now`]), so a live frame still in a worker cannot cover it.
//! - **Reused buffers.** Each worker keeps its JPEG output buffer for its life (only the hub's
//!   framed part, shared by every viewer, is made per frame); raw frames come from the camera's
//!   pool ([`pistream_camera::pool`]) and go back to it when the last holder drops them.
//! - **Plain threads, no polling.** Workers wait on a condvar; [`Pipeline::close`] wakes and joins
//!   them, so an idle server has no encoder thread. A worker that cannot be started leaves fewer
//!   workers (none: the capture thread encodes inline, as before the pipeline); an encode error or a
//!   panic on a worker is handed to the capture thread at its next frame, which treats it as it
//!   always did (NO SIGNAL and retry; a panic restarts capture under supervision).
//!
//! Measured: docs/BENCHMARKS.md, "Encode pipeline".

use parking_lot::{Condvar, Mutex, MutexGuard};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use pistream_camera::Frame;

use crate::supervise::{self, Panicked};
use crate::video::encode::EncodeError;
use crate::video::hub::EncodedFrame;

/// Past this, a worker's JPEG buffer is released after use (a one-off huge frame keeps no memory).
const SCRATCH_KEEP: usize = 8 << 20;

/// What the pipeline drives. The capture service is the one implementation in the server; tests plug
/// in their own to decide when each encode finishes.
pub trait Stages: Send + Sync + 'static {
    /// Whether `frame` needs a worker: an MJPEG camera's frame passed on as it came does not (it is
    /// published at once, on the capture thread, in order).
    fn needs_encoding(&self, _frame: &Frame) -> bool {
        true
    }
    /// Encodes `frame`, on a worker thread; `scratch` is that worker's reusable output buffer.
    fn encode(&self, frame: Frame, scratch: &mut Vec<u8>) -> Result<EncodedFrame, EncodeError>;
    /// Publishes `frame` (which took `encode_time`). Called in capture order, one at a time.
    fn publish(&self, frame: EncodedFrame, encode_time: Duration);
    /// Starts a worker thread (the capture service's spawner, which tests can make fail).
    fn spawn(&self, name: &str, work: Box<dyn FnOnce() + Send>) -> std::io::Result<JoinHandle<()>>;
    /// The counts changed (`dropped` more frames dropped, a worker started or ended...): for
    /// `/api/state`.
    fn counted(&self, _counts: &PipelineCounts, _dropped: u64) {}
}

/// Why a frame could not be encoded; the capture thread gets it at its next [`Pipeline::submit`].
#[derive(Debug)]
pub enum Fault {
    Encode(EncodeError),
    Panicked(Panicked),
}

/// What the pipeline has done, for `/api/state` and tests.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct PipelineCounts {
    /// Frames published.
    pub published: u64,
    /// Frames replaced by a newer one before any worker took them.
    pub skipped: u64,
    /// Frames encoded but not published: a newer frame had been published first.
    pub late: u64,
    /// Encoder threads running now.
    pub workers: usize,
    /// Frames being encoded now.
    pub encoding: usize,
    /// The most frames being encoded at the same time so far.
    pub busiest: usize,
}

struct State {
    /// The newest frame no worker has taken yet, with its capture sequence number.
    pending: Option<(u64, Frame)>,
    next_seq: u64,
    /// Workers started (or being started) and not ended.
    running: usize,
    /// How many workers may run: `max_workers`, lowered when a thread cannot be started.
    limit: usize,
    closed: bool,
    /// A thread could not be started (logged once: with none at all, every frame tries again).
    spawn_failed: bool,
    fault: Option<Fault>,
    counts: PipelineCounts,
}

struct Shared<S> {
    stages: Arc<S>,
    state: Mutex<State>,
    /// Wakes workers: a frame is pending, or the pipeline closed.
    work: Condvar,
    /// The sequence number of the newest frame published (the order lock).
    published: Mutex<u64>,
}

/// Capture to encode to publish; see the module docs.
pub struct Pipeline<S: Stages> {
    shared: Arc<Shared<S>>,
    handles: Mutex<Vec<JoinHandle<()>>>,
    /// The capture thread's own buffer, for frames it encodes itself (no worker could be started).
    inline_scratch: Mutex<Vec<u8>>,
}

impl<S: Stages> Pipeline<S> {
    /// A pipeline for `stages` with at most `max_workers` (at least 1) encoder threads, none started.
    pub fn new(stages: Arc<S>, max_workers: usize) -> Pipeline<S> {
        Pipeline {
            shared: Arc::new(Shared {
                stages,
                state: Mutex::new(State {
                    pending: None,
                    next_seq: 0,
                    running: 0,
                    limit: max_workers.max(1),
                    closed: false,
                    spawn_failed: false,
                    fault: None,
                    counts: PipelineCounts::default(),
                }),
                work: Condvar::new(),
                published: Mutex::new(0),
            }),
            handles: Mutex::new(Vec::new()),
            inline_scratch: Mutex::new(Vec::new()),
        }
    }

    /// Hands a captured frame on (the capture thread). Returns at once: a worker encodes it, unless
    /// there is nothing to encode (an MJPEG frame: published here) or no worker could be started
    /// (encoded here).
    /// Fails with the fault of an earlier frame, if a worker met one since the last call.
    pub fn submit(&self, frame: Frame) -> Result<(), Fault> {
        let mut st = self.shared.state.lock();
        if let Some(fault) = st.fault.take() {
            return Err(fault);
        }
        if st.closed {
            return Ok(()); // an abandoned capture thread woke up late: nobody wants its frame
        }
        st.next_seq += 1;
        let seq = st.next_seq;
        if !self.shared.stages.needs_encoding(&frame) {
            drop(st);
            self.process_inline(seq, frame);
        } else {
            if st.pending.replace((seq, frame)).is_some() {
                st.counts.skipped += 1;
                self.shared.stages.counted(&st.counts, 1);
            }
            // Every worker is encoding: this frame came sooner than an encode takes.
            let grow = st.counts.encoding >= st.running && st.running < st.limit;
            if grow {
                st.running += 1;
            }
            drop(st);
            self.shared.work.notify_one();
            if grow {
                self.start_worker();
            }
        }
        self.shared.state.lock().fault.take().map_or(Ok(()), Err)
    }

    /// Publishes an already encoded frame now, ahead of every frame still being encoded (those are
    /// then dropped): the NO SIGNAL frame.
    pub fn publish_now(&self, frame: EncodedFrame) {
        let seq = {
            let mut st = self.shared.state.lock();
            if st.pending.take().is_some() {
                st.counts.skipped += 1;
                self.shared.stages.counted(&st.counts, 1);
            }
            st.next_seq += 1;
            st.next_seq
        };
        self.shared.publish_in_order(seq, frame, Duration::ZERO);
    }

    /// What the pipeline has done so far.
    pub fn counts(&self) -> PipelineCounts {
        self.shared.state.lock().counts
    }

    /// Stops the workers and joins them (after the frame each is encoding). Frames submitted later
    /// are dropped.
    pub fn close(&self) {
        {
            let mut st = self.shared.state.lock();
            st.closed = true;
            st.pending = None;
        }
        self.shared.work.notify_all();
        let handles = std::mem::take(&mut *self.handles.lock());
        for handle in handles {
            // A worker catches its encoder's panics: a join error is a bug elsewhere, already shown.
            let _ = handle.join();
        }
    }

    fn start_worker(&self) {
        let shared = self.shared.clone();
        let started = self
            .shared
            .stages
            .spawn("encoder", Box::new(move || shared.work_loop()));
        match started {
            Ok(handle) => self.handles.lock().push(handle),
            Err(e) => {
                let mut st = self.shared.state.lock();
                st.running -= 1;
                st.limit = st.running.max(1);
                if !std::mem::replace(&mut st.spawn_failed, true) {
                    log::warn!(
                        "cannot start an encoder thread ({e}): encoding on {} thread{}",
                        st.running.max(1),
                        if st.running > 1 { "s" } else { "" },
                    );
                }
                // No worker at all: this frame is encoded here, on the capture thread.
                if st.running == 0 {
                    if let Some((seq, frame)) = st.pending.take() {
                        drop(st);
                        self.process_inline(seq, frame);
                    }
                }
            }
        }
    }

    fn process_inline(&self, seq: u64, frame: Frame) {
        let mut scratch = self.inline_scratch.lock();
        self.shared.process(seq, frame, &mut scratch);
    }
}

impl<S: Stages> Drop for Pipeline<S> {
    fn drop(&mut self) {
        self.close();
    }
}

impl<S: Stages> Shared<S> {
    fn work_loop(&self) {
        let mut scratch = Vec::new();
        let mut st = self.state.lock();
        st.counts.workers += 1;
        self.stages.counted(&st.counts, 0);
        loop {
            if let Some((seq, frame)) = st.pending.take() {
                st.counts.encoding += 1;
                st.counts.busiest = st.counts.busiest.max(st.counts.encoding);
                MutexGuard::unlocked(&mut st, || self.process(seq, frame, &mut scratch));
                st.counts.encoding -= 1;
                self.stages.counted(&st.counts, 0);
                continue;
            }
            if st.closed {
                break;
            }
            self.work.wait(&mut st);
        }
        st.running -= 1;
        st.counts.workers -= 1;
        self.stages.counted(&st.counts, 0);
    }

    fn process(&self, seq: u64, frame: Frame, scratch: &mut Vec<u8>) {
        let started = Instant::now();
        match supervise::catch(|| self.stages.encode(frame, scratch)) {
            Ok(Ok(encoded)) => self.publish_in_order(seq, encoded, started.elapsed()),
            Ok(Err(e)) => self.fail(Fault::Encode(e)),
            Err(p) => self.fail(Fault::Panicked(p)),
        }
        if scratch.capacity() > SCRATCH_KEEP {
            *scratch = Vec::new();
        }
    }

    fn publish_in_order(&self, seq: u64, frame: EncodedFrame, encode_time: Duration) {
        let mut newest = self.published.lock();
        let published = seq > *newest;
        if published {
            *newest = seq;
            self.stages.publish(frame, encode_time);
        }
        drop(newest);
        let mut st = self.state.lock();
        match published {
            true => st.counts.published += 1,
            false => st.counts.late += 1,
        }
        self.stages.counted(&st.counts, u64::from(!published));
    }

    /// Keeps the first fault until the capture thread takes it.
    fn fail(&self, fault: Fault) {
        self.state.lock().fault.get_or_insert(fault);
    }
}

#[cfg(test)]
mod tests;
