//! Reusable frame buffers: a backend that makes raw frames (the mock, a copy out of a driver's mmap
//! buffer) takes each frame's buffer from a [`FramePool`] instead of allocating a fresh one.
//!
//! A [`crate::Frame`] shares its bytes as an `Arc<[u8]>`: the encoder, the hub's newest frame and the
//! variant encoders all hold it for a while. The pool keeps one handle of every buffer it made; a
//! buffer whose other handles are all gone (`Arc::get_mut` succeeds) is free again, so "returning a
//! buffer" needs no hook and no lock on the consumers' side: dropping the last `Frame` returns it.
//!
//! Why it matters: a 1920x1080 YUYV frame is 4 MB. Allocated per frame it is fresh pages from the
//! kernel each time (above glibc's mmap threshold): ~1000 page faults and zeroing per frame, on the
//! capture thread, at 30 fps.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;

/// How many buffers a pool keeps at most. A pipeline holds a frame in the camera, one per encode
/// worker, one in the hub and one per variant encoder being read; past this, extra buffers are made
/// and dropped (and counted as allocations) rather than kept forever.
pub const DEFAULT_KEEP: usize = 12;

/// What a pool has done, for tests and measurements.
#[derive(Debug, Default)]
pub struct PoolCounters {
    /// Buffers handed out again after their last user dropped them.
    pub reused: AtomicU64,
    /// Buffers newly allocated (the first ones, and whenever every kept buffer was in use).
    pub allocated: AtomicU64,
}

/// Buffers of one length, reused once nobody else holds them.
#[derive(Debug)]
pub struct FramePool {
    len: usize,
    keep: usize,
    buffers: Vec<Arc<[u8]>>,
    counters: Arc<PoolCounters>,
}

impl FramePool {
    /// A pool of `len`-byte buffers keeping at most `keep`, counting into `counters`.
    pub fn new(len: usize, keep: usize, counters: Arc<PoolCounters>) -> FramePool {
        FramePool {
            len,
            keep: keep.max(1),
            buffers: Vec::new(),
            counters,
        }
    }

    /// The length of every buffer of this pool.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the buffers are empty (a zero-length pool).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// A buffer nobody else holds, filled by `fill` (it gets the old contents of a reused buffer, or
    /// zeros), returned as shared bytes for a [`crate::Frame`].
    pub fn fill(&mut self, fill: impl FnOnce(&mut [u8])) -> Arc<[u8]> {
        let free = self
            .buffers
            .iter_mut()
            .position(|b| Arc::get_mut(b).is_some());
        let mut buffer = match free {
            Some(i) => {
                self.counters.reused.fetch_add(1, Relaxed);
                // Take it out while writing: only this handle exists, so `get_mut` below succeeds.
                self.buffers.swap_remove(i)
            }
            None => {
                self.counters.allocated.fetch_add(1, Relaxed);
                Arc::from(vec![0u8; self.len])
            }
        };
        fill(Arc::get_mut(&mut buffer).expect("a pool buffer with no other handle"));
        if self.buffers.len() < self.keep {
            self.buffers.push(buffer.clone());
        }
        buffer
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dropped_buffer_is_reused_and_a_held_one_is_not() {
        let counters = Arc::new(PoolCounters::default());
        let mut pool = FramePool::new(4, 2, counters.clone());
        let a = pool.fill(|b| b.copy_from_slice(&[1, 2, 3, 4]));
        let b = pool.fill(|b| {
            assert_eq!(b, [0; 4], "a new buffer, not the held one");
            b[0] = 9;
        });
        assert_eq!((&a[..], b[0]), (&[1, 2, 3, 4][..], 9));
        assert_eq!(counters.allocated.load(Relaxed), 2);
        drop(a);
        let c = pool.fill(|b| {
            assert_eq!(b, [1, 2, 3, 4], "the dropped buffer came back");
            b[3] = 7;
        });
        assert_eq!(&c[..], [1, 2, 3, 7]);
        assert_eq!(counters.reused.load(Relaxed), 1);
        // Both kept buffers held: a third is made, and not kept (keep = 2).
        let d = pool.fill(|_| {});
        assert_eq!(counters.allocated.load(Relaxed), 3);
        assert_eq!(pool.buffers.len(), 2);
        drop(d);
        drop((b, c));
        pool.fill(|_| {});
        assert_eq!(counters.reused.load(Relaxed), 2);
    }
}
