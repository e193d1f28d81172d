//! The simulated devices and their open file descriptions: what the five `v4l2_*` entry points do.
//! All state lives in one process-wide registry keyed by device path (each test uses its own path,
//! since libtest runs tests as threads of one process) and by fd.
//!
//! Buffers are real shared memory: `open` returns a `memfd`, `REQBUFS` sizes it, `mmap` maps it for real,
//! and `DQBUF` writes the next frame into it, so rscam reads frames exactly as from a kernel buffer.
//! Like the kernel, a DQBUF with nothing to deliver blocks; unplugging wakes it with EIO, and later
//! calls on the old fds fail with ENODEV.

use parking_lot::{Condvar, Mutex};
use std::collections::{HashMap, VecDeque};
use std::sync::OnceLock;
use std::time::Duration;

use libc::c_int;

use crate::controls::SimControl;

/// A pixel format the simulated camera offers, with its sizes and the intervals it offers at each.
#[derive(Debug, Clone)]
pub struct SimFormat {
    pub fourcc: [u8; 4],
    pub compressed: bool,
    pub sizes: Vec<(u32, u32)>,
    /// Frame intervals (numerator, denominator) offered at every size: (1, 30) is 30 fps.
    pub intervals: Vec<(u32, u32)>,
}

impl SimFormat {
    pub fn mjpeg(sizes: &[(u32, u32)], fps: &[u32]) -> SimFormat {
        SimFormat::new(*b"MJPG", true, sizes, fps)
    }

    pub fn yuyv(sizes: &[(u32, u32)], fps: &[u32]) -> SimFormat {
        SimFormat::new(*b"YUYV", false, sizes, fps)
    }

    pub fn new(fourcc: [u8; 4], compressed: bool, sizes: &[(u32, u32)], fps: &[u32]) -> SimFormat {
        SimFormat {
            fourcc,
            compressed,
            sizes: sizes.to_vec(),
            intervals: fps.iter().map(|&f| (1, f)).collect(),
        }
    }

    pub(crate) fn code(&self) -> u32 {
        u32::from_le_bytes(self.fourcc)
    }
}

/// What the stream was set to, for tests to check the backend's choice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Negotiated {
    pub fourcc: [u8; 4],
    pub width: u32,
    pub height: u32,
    pub interval: (u32, u32),
}

impl Device {
    /// How long the camera takes to deliver its next continuous frame.
    pub fn frame_interval(&self) -> Duration {
        match &self.negotiated {
            Some(n) if self.paced && n.interval.1 > 0 => {
                Duration::from_secs_f64(n.interval.0 as f64 / n.interval.1 as f64)
            }
            _ => Duration::from_millis(1),
        }
    }
}

pub(crate) struct Device {
    pub formats: Vec<SimFormat>,
    pub plugged: bool,
    pub deny: bool,
    pub frames: VecDeque<Vec<u8>>,
    /// Delivered (about every millisecond, or at the negotiated frame interval when `paced`)
    /// whenever no pushed frame waits: a camera that streams on.
    pub continuous: Option<Vec<u8>>,
    pub paced: bool,
    /// Bumped on unplug: fds opened in an older generation are dead.
    pub generation: u64,
    pub negotiated: Option<Negotiated>,
    /// The most buffers the client ever held dequeued at once.
    pub max_held: usize,
    pub delivered: usize,
    /// The device's controls, in id order; values kept across opens, reset on unplug.
    pub controls: Vec<SimControl>,
    /// The colorspace and quantization S_FMT and G_FMT report (`V4L2_COLORSPACE_*`,
    /// `V4L2_QUANTIZATION_*`).
    pub colorspace: u32,
    pub quantization: u32,
}

pub(crate) struct Open {
    pub path: String,
    pub generation: u64,
    pub memfd: c_int,
    pub fourcc: u32,
    pub size: (u32, u32),
    pub buf_len: u32,
    pub n_bufs: u32,
    pub queued: VecDeque<u32>,
    pub held: usize,
    pub streaming: bool,
    /// Set when the device is unplugged while this fd streams: the next DQBUF reports EIO once.
    pub eio_pending: bool,
}

#[derive(Default)]
pub(crate) struct Registry {
    pub devices: HashMap<String, Device>,
    pub fds: HashMap<c_int, Open>,
}

pub(crate) struct Sim {
    /// Does not poison: a test that panicked while holding it must not take every other test down.
    pub state: Mutex<Registry>,
    /// Signalled whenever a DQBUF might now succeed or must fail (frame pushed, buffer queued,
    /// unplug, stream off).
    pub changed: Condvar,
}

pub(crate) fn sim() -> &'static Sim {
    static SIM: OnceLock<Sim> = OnceLock::new();
    SIM.get_or_init(|| Sim {
        state: Mutex::new(Registry::default()),
        changed: Condvar::new(),
    })
}

impl Registry {
    /// The open fd if its device is still the one it was opened on, else the errno to fail with.
    pub(crate) fn live(&mut self, fd: c_int) -> Result<(&mut Open, &mut Device), c_int> {
        let open = self.fds.get_mut(&fd).ok_or(libc::EBADF)?;
        let dev = self.devices.get_mut(&open.path).ok_or(libc::ENODEV)?;
        if !dev.plugged || dev.generation != open.generation {
            return Err(libc::ENODEV);
        }
        Ok((open, dev))
    }

    /// Another fd of the same device is streaming or owns buffers (the kernel's EBUSY).
    pub(crate) fn other_owner(&self, fd: c_int) -> bool {
        let Some(me) = self.fds.get(&fd) else {
            return false;
        };
        self.fds.iter().any(|(&other, o)| {
            other != fd && o.path == me.path && o.generation == me.generation && o.n_bufs > 0
        })
    }
}
