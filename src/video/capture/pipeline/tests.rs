//! The pipeline against a stage whose encodes finish when the test says so: order kept under
//! out-of-order completion, workers started only when every one is busy, spawn failures, faults,
//! and close joining the workers.

use super::*;
use crate::video::encode::Conversion;
use pistream_camera::PixelFormat;
use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::thread::ThreadId;

const WAIT: Duration = Duration::from_secs(20);

/// An encoder stage whose every encode blocks until the test releases that frame's tag (its first
/// byte). 0xEE fails to encode, 0xFF panics.
#[derive(Default)]
struct Gated {
    state: Mutex<GateState>,
    changed: Condvar,
    /// Spawns still allowed (`usize::MAX`: all).
    spawns_left: AtomicUsize,
}

#[derive(Default)]
struct GateState {
    entered: Vec<(u8, ThreadId)>,
    released: HashSet<u8>,
    published: Vec<u8>,
    /// Bumped whenever the pipeline's counts change.
    generation: u64,
    /// Every encode may finish (a failing test must not hang joining blocked workers).
    open_all: bool,
}

impl Gated {
    fn new(spawns: usize) -> Arc<Gated> {
        let g = Gated::default();
        g.spawns_left.store(spawns, SeqCst);
        Arc::new(g)
    }

    fn release(&self, tag: u8) {
        self.state.lock().released.insert(tag);
        self.changed.notify_all();
    }

    /// Waits until `ok` holds of the gate's state.
    fn wait(&self, what: &str, ok: impl Fn(&GateState) -> bool) {
        let deadline = Instant::now() + WAIT;
        let mut st = self.state.lock();
        while !ok(&st) {
            assert!(
                !self.changed.wait_until(&mut st, deadline).timed_out(),
                "timed out waiting for {what}"
            );
        }
    }

    fn published(&self) -> Vec<u8> {
        self.state.lock().published.clone()
    }

    fn thread_of(&self, tag: u8) -> ThreadId {
        let st = self.state.lock();
        st.entered.iter().find(|(t, _)| *t == tag).unwrap().1
    }
}

/// Opens the gate for good when dropped: declared after the pipeline, it drops first, so that a
/// failed assertion unblocks the workers that the pipeline's drop joins.
struct OpenOnDrop(Arc<Gated>);

impl Drop for OpenOnDrop {
    fn drop(&mut self) {
        self.0.state.lock().open_all = true;
        self.0.changed.notify_all();
    }
}

impl Stages for Gated {
    fn encode(&self, frame: Frame, _scratch: &mut Vec<u8>) -> Result<EncodedFrame, EncodeError> {
        let tag = frame.data[0];
        let mut st = self.state.lock();
        st.entered.push((tag, std::thread::current().id()));
        self.changed.notify_all();
        while !st.released.contains(&tag) && !st.open_all {
            self.changed.wait(&mut st);
        }
        match tag {
            0xEE => Err(EncodeError::Encode("bad frame".into())),
            0xFF => panic!("encoder bug"),
            _ => Ok(EncodedFrame::new(&[tag], frame, Conversion::NONE, true)),
        }
    }

    fn publish(&self, frame: EncodedFrame, _: Duration) {
        self.state.lock().published.push(frame.jpeg()[0]);
        self.changed.notify_all();
    }

    fn spawn(&self, name: &str, work: Box<dyn FnOnce() + Send>) -> std::io::Result<JoinHandle<()>> {
        let left = self.spawns_left.load(SeqCst);
        if left == 0 {
            return Err(std::io::Error::other("no threads (injected)"));
        }
        self.spawns_left.store(left.saturating_sub(1), SeqCst);
        std::thread::Builder::new().name(name.into()).spawn(work)
    }

    fn counted(&self, _: &PipelineCounts, _: u64) {
        // Under the pipeline's lock (pipeline, then gate: `wait_counts` never holds both).
        self.state.lock().generation += 1;
        self.changed.notify_all();
    }
}

fn frame(tag: u8) -> Frame {
    Frame::new(PixelFormat::Yuyv, 2, 1, vec![tag, 128, 16, 128])
}

/// Waits until the pipeline's counts (or anything else of it) satisfy `ok`.
fn wait_counts(
    p: &Pipeline<Gated>,
    what: &str,
    ok: impl Fn(&PipelineCounts) -> bool,
) -> PipelineCounts {
    let gate = &p.shared.stages;
    let deadline = Instant::now() + WAIT;
    loop {
        let seen = gate.state.lock().generation;
        // Not under the gate's lock: the pipeline takes its own, then the gate's.
        let counts = p.counts();
        if ok(&counts) {
            return counts;
        }
        let mut st = gate.state.lock();
        while st.generation == seen {
            assert!(
                !gate.changed.wait_until(&mut st, deadline).timed_out(),
                "timed out waiting for {what}"
            );
        }
    }
}

#[test]
fn a_frame_that_finishes_after_a_newer_one_is_dropped_never_published() {
    let gate = Gated::new(usize::MAX);
    let p = Pipeline::new(gate.clone(), 2);
    let _open = OpenOnDrop(gate.clone());
    p.submit(frame(1)).unwrap();
    gate.wait("frame 1 encoding", |s| s.entered.len() == 1);
    p.submit(frame(2)).unwrap();
    gate.wait("frame 2 encoding", |s| s.entered.len() == 2);
    // Two encodes at once, on two threads.
    assert_ne!(gate.thread_of(1), gate.thread_of(2));
    assert_eq!((p.counts().workers, p.counts().busiest), (2, 2));
    gate.release(2);
    gate.wait("frame 2 published", |s| s.published == [2]);
    gate.release(1);
    let counts = wait_counts(&p, "frame 1 dropped", |c| c.late == 1);
    assert_eq!(gate.published(), [2], "the older frame is never sent after");
    assert_eq!(counts.published, 1);
    // In order, both are published.
    p.submit(frame(3)).unwrap();
    gate.wait("frame 3 encoding", |s| s.entered.len() == 3);
    p.submit(frame(4)).unwrap();
    gate.wait("frame 4 encoding", |s| s.entered.len() == 4);
    gate.release(3);
    gate.wait("frame 3 published", |s| s.published == [2, 3]);
    gate.release(4);
    gate.wait("frame 4 published", |s| s.published == [2, 3, 4]);
}

#[test]
fn a_second_worker_starts_only_when_a_frame_finds_every_worker_busy() {
    let gate = Gated::new(usize::MAX);
    let p = Pipeline::new(gate.clone(), 4);
    let _open = OpenOnDrop(gate.clone());
    // Encodes faster than frames come: one worker does everything.
    for tag in 1..=5 {
        gate.release(tag);
        p.submit(frame(tag)).unwrap();
        wait_counts(&p, "the frame done", |c| {
            c.published == u64::from(tag) && c.encoding == 0
        });
    }
    let threads: HashSet<ThreadId> = gate.state.lock().entered.iter().map(|e| e.1).collect();
    assert_eq!(threads.len(), 1);
    assert_eq!((p.counts().workers, p.counts().busiest), (1, 1));
    // One encode outlasts the next frame: a second worker takes it.
    p.submit(frame(6)).unwrap();
    gate.wait("frame 6 encoding", |s| s.entered.len() == 6);
    p.submit(frame(7)).unwrap();
    gate.wait("frame 7 encoding", |s| s.entered.len() == 7);
    assert_eq!(p.counts().workers, 2);
    gate.release(6);
    gate.release(7);
    wait_counts(&p, "both done", |c| c.published + c.late == 7);
}

#[test]
fn with_every_worker_busy_a_waiting_frame_is_replaced_by_a_newer_one() {
    let gate = Gated::new(usize::MAX);
    let p = Pipeline::new(gate.clone(), 1);
    let _open = OpenOnDrop(gate.clone());
    p.submit(frame(1)).unwrap();
    gate.wait("frame 1 encoding", |s| s.entered.len() == 1);
    p.submit(frame(2)).unwrap();
    p.submit(frame(3)).unwrap();
    assert_eq!(p.counts().skipped, 1, "frame 2 never waits behind frame 3");
    assert_eq!(p.counts().workers, 1);
    gate.release(1);
    gate.release(3);
    gate.wait("1 and 3 published", |s| s.published == [1, 3]);
    assert!(!gate.state.lock().entered.iter().any(|e| e.0 == 2));
}

#[test]
fn close_joins_the_workers_and_later_frames_are_dropped() {
    let gate = Gated::new(usize::MAX);
    let p = Pipeline::new(gate.clone(), 2);
    p.submit(frame(1)).unwrap();
    gate.wait("frame 1 encoding", |s| s.entered.len() == 1);
    p.submit(frame(2)).unwrap();
    gate.wait("frame 2 encoding", |s| s.entered.len() == 2);
    assert_eq!(
        Arc::strong_count(&p.shared),
        3,
        "two workers share the state"
    );
    gate.release(1);
    gate.release(2);
    p.close();
    // Joined: the workers ended and let go of the shared state.
    assert_eq!(Arc::strong_count(&p.shared), 1);
    assert_eq!(p.counts().workers, 0);
    assert!(p.handles.lock().is_empty());
    gate.release(3);
    p.submit(frame(3)).unwrap();
    assert!(!gate.published().contains(&3));
}

#[test]
fn failed_spawns_leave_fewer_workers_and_none_means_inline() {
    // One worker can be started, the second cannot: frames wait for the one.
    let gate = Gated::new(1);
    let p = Pipeline::new(gate.clone(), 3);
    let _open = OpenOnDrop(gate.clone());
    p.submit(frame(1)).unwrap();
    gate.wait("frame 1 encoding", |s| s.entered.len() == 1);
    p.submit(frame(2)).unwrap();
    assert_eq!(p.counts().workers, 1);
    gate.release(1);
    gate.release(2);
    gate.wait("1 and 2 published", |s| s.published == [1, 2]);
    assert_eq!(gate.thread_of(1), gate.thread_of(2));
    // No thread at all: the caller encodes.
    let gate = Gated::new(0);
    let p = Pipeline::new(gate.clone(), 2);
    gate.release(5);
    p.submit(frame(5)).unwrap();
    assert_eq!(gate.published(), [5]);
    assert_eq!(gate.thread_of(5), std::thread::current().id());
    // And the next frame too (each frame tries for a thread again, quietly).
    gate.release(6);
    p.submit(frame(6)).unwrap();
    assert_eq!(gate.published(), [5, 6]);
    assert_eq!(p.counts().workers, 0);
}

/// Submits frame `tag` and returns the fault it caused: from that submit if the worker was quick,
/// else from the next one (whose frame is then dropped, never encoded).
fn fault_of(p: &Pipeline<Gated>, tag: u8) -> Fault {
    if let Err(fault) = p.submit(frame(tag)) {
        return fault;
    }
    wait_counts(p, "the fault", |_| p.shared.state.lock().fault.is_some());
    let fault = p.submit(frame(0xAA)).expect_err("the fault");
    assert!(!p
        .shared
        .stages
        .state
        .lock()
        .entered
        .iter()
        .any(|e| e.0 == 0xAA));
    fault
}

#[test]
fn encode_errors_and_panics_reach_the_capture_thread() {
    let gate = Gated::new(usize::MAX);
    let p = Pipeline::new(gate.clone(), 1);
    gate.release(0xEE);
    gate.release(0xFF);
    assert!(matches!(fault_of(&p, 0xEE), Fault::Encode(_)));
    match fault_of(&p, 0xFF) {
        Fault::Panicked(panic) => assert_eq!(panic.message, "encoder bug"),
        other => panic!("expected the panic, got {other:?}"),
    }
    assert!(gate.published().is_empty());
    // Taken once: the pipeline goes on.
    gate.release(1);
    p.submit(frame(1)).unwrap();
    gate.wait("frame 1 published", |s| s.published == [1]);
}

#[test]
fn publish_now_overtakes_frames_still_encoding() {
    let gate = Gated::new(usize::MAX);
    let p = Pipeline::new(gate.clone(), 2);
    let _open = OpenOnDrop(gate.clone());
    p.submit(frame(1)).unwrap();
    gate.wait("frame 1 encoding", |s| s.entered.len() == 1);
    p.publish_now(EncodedFrame::new(&[9], frame(9), Conversion::NONE, false));
    assert_eq!(gate.published(), [9]);
    gate.release(1);
    wait_counts(&p, "frame 1 dropped", |c| c.late == 1);
    assert_eq!(gate.published(), [9]);
}
