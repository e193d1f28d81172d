//! A simulated V4L2 camera for tests: stands in for the five libv4l2 functions rscam calls, so the
//! backend's real rscam code runs against a device that offers MJPEG and YUYV modes, delivers the
//! frames a test pushes, has controls ([`SimCamera::set_controls`], e.g. [`uvc_controls`]), reports
//! its format's colorspace and quantization through S_FMT and G_FMT ([`SimCamera::report_colour`]),
//! and can be unplugged (EIO, then ENODEV) and plugged back — on a machine with no camera, no kernel module
//! and no libv4l2.
//!
//! Use it as a dev-dependency, together with `pistream-v4l2-stub` (an empty `libv4l2.a` so that
//! `-lv4l2` links), and invoke [`export_v4l2!`] once per test binary. Give every test its own device
//! path: tests run as threads of one process and the simulator's state is keyed by path.
//!
//! The struct layouts mirror 64-bit Linux; on other targets the crate refuses to build.
#![cfg(target_os = "linux")]

#[cfg(not(target_pointer_width = "64"))]
compile_error!("the V4L2 simulator mirrors the 64-bit Linux ABI only");

mod abi;
mod controls;
mod device;
#[doc(hidden)]
pub mod ffi;
mod ioctl;

use std::time::{Duration, Instant};

pub use abi::{
    COLORSPACE_JPEG, COLORSPACE_SRGB, QUANTIZATION_DEFAULT, QUANTIZATION_FULL_RANGE,
    QUANTIZATION_LIM_RANGE,
};
pub use controls::{uvc_controls, SimControl, SimControlType};
pub use device::{Negotiated, SimFormat};
#[doc(hidden)]
pub use libc;

use device::{sim, Device};

/// Defines `v4l2_open`, `v4l2_close`, `v4l2_ioctl`, `v4l2_mmap` and `v4l2_munmap` in the calling crate,
/// routed to the simulator. Invoke exactly once per test binary.
#[macro_export]
macro_rules! export_v4l2 {
    () => {
        #[no_mangle]
        pub unsafe extern "C" fn v4l2_open(
            file: *const ::std::ffi::c_char,
            flags: ::std::ffi::c_int,
            mode: ::std::ffi::c_int,
        ) -> ::std::ffi::c_int {
            $crate::ffi::open(file, flags, mode)
        }

        #[no_mangle]
        pub unsafe extern "C" fn v4l2_close(fd: ::std::ffi::c_int) -> ::std::ffi::c_int {
            $crate::ffi::close(fd)
        }

        #[no_mangle]
        pub unsafe extern "C" fn v4l2_ioctl(
            fd: ::std::ffi::c_int,
            request: ::std::ffi::c_ulong,
            arg: *mut ::std::ffi::c_void,
        ) -> ::std::ffi::c_int {
            $crate::ffi::ioctl(fd, request, arg)
        }

        #[no_mangle]
        pub unsafe extern "C" fn v4l2_mmap(
            start: *mut ::std::ffi::c_void,
            length: usize,
            prot: ::std::ffi::c_int,
            flags: ::std::ffi::c_int,
            fd: ::std::ffi::c_int,
            offset: $crate::libc::off_t,
        ) -> *mut ::std::ffi::c_void {
            $crate::ffi::mmap(start, length, prot, flags, fd, offset)
        }

        #[no_mangle]
        pub unsafe extern "C" fn v4l2_munmap(
            start: *mut ::std::ffi::c_void,
            length: usize,
        ) -> ::std::ffi::c_int {
            $crate::ffi::munmap(start, length)
        }
    };
}

/// A simulated camera at a device path, present until dropped.
pub struct SimCamera {
    path: String,
}

impl SimCamera {
    /// Plugs in a camera at `path` offering `formats` (in the order ENUM_FMT lists them).
    pub fn install(path: &str, formats: Vec<SimFormat>) -> SimCamera {
        let mut reg = sim().state.lock();
        reg.devices.insert(
            path.to_string(),
            Device {
                formats,
                plugged: true,
                deny: false,
                frames: Default::default(),
                continuous: None,
                paced: false,
                generation: 0,
                negotiated: None,
                max_held: 0,
                delivered: 0,
                controls: Vec::new(),
                // What the UVC driver reports for YUYV: sRGB, quantization left at the default
                // (which V4L2 defines as limited range for YUV).
                colorspace: COLORSPACE_SRGB,
                quantization: QUANTIZATION_DEFAULT,
            },
        );
        SimCamera {
            path: path.to_string(),
        }
    }

    pub fn path(&self) -> &str {
        &self.path
    }

    fn with<T>(&self, f: impl FnOnce(&mut Device) -> T) -> T {
        let mut reg = sim().state.lock();
        let dev = reg
            .devices
            .get_mut(&self.path)
            .expect("a SimCamera's device stays registered until it is dropped");
        let out = f(dev);
        sim().changed.notify_all();
        out
    }

    /// Queues a frame: the next DQBUF delivers these bytes (cut to the buffer size, as hardware would).
    pub fn push_frame(&self, bytes: impl Into<Vec<u8>>) {
        let bytes = bytes.into();
        self.with(|d| d.frames.push_back(bytes));
    }

    /// From now on, whenever no pushed frame waits, deliver `frame` about every millisecond, as a
    /// camera that keeps streaming does (so a capture thread sees its stop request at the next frame).
    pub fn stream_continuously(&self, frame: impl Into<Vec<u8>>) {
        let frame = frame.into();
        self.with(|d| {
            d.continuous = Some(frame);
            d.paced = false;
        });
    }

    /// Like [`SimCamera::stream_continuously`], but at the frame rate the client negotiated (as a
    /// real camera paces itself): for a whole server on top, which would otherwise spend its time
    /// passing on a thousand frames a second.
    pub fn stream_at_frame_rate(&self, frame: impl Into<Vec<u8>>) {
        let frame = frame.into();
        self.with(|d| {
            d.continuous = Some(frame);
            d.paced = true;
        });
    }

    /// Gives the camera `controls` (kept sorted by id, as drivers list them).
    pub fn set_controls(&self, mut controls: Vec<SimControl>) {
        controls.sort_by_key(|c| c.id);
        self.with(|d| d.controls = controls);
    }

    /// Makes S_FMT and G_FMT report `colorspace` and `quantization` (e.g. [`COLORSPACE_SRGB`] and
    /// [`QUANTIZATION_FULL_RANGE`] for a camera that sends full-range YUYV). A new camera reports
    /// sRGB with the default quantization, as the UVC driver does.
    pub fn report_colour(&self, colorspace: u32, quantization: u32) {
        self.with(|d| {
            d.colorspace = colorspace;
            d.quantization = quantization;
        });
    }

    /// The value control `id` holds in the device now.
    pub fn control_value(&self, id: u32) -> Option<i32> {
        self.with(|d| d.controls.iter().find(|c| c.id == id).map(|c| c.value))
    }

    /// Frames pushed and not yet dequeued.
    pub fn pending_frames(&self) -> usize {
        self.with(|d| d.frames.len())
    }

    /// Waits (on the simulator's signal, not a sleep) until every pushed frame has been dequeued.
    pub fn wait_consumed(&self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let mut reg = sim().state.lock();
        loop {
            let pending = reg.devices.get(&self.path).map_or(0, |d| d.frames.len());
            let now = Instant::now();
            if pending == 0 {
                return true;
            }
            if now >= deadline {
                return false;
            }
            sim().changed.wait_until(&mut reg, deadline);
        }
    }

    /// Pulls the plug: a DQBUF blocked now (or the next one) fails with EIO, every later call on an
    /// fd opened before fails with ENODEV, and opening fails with ENOENT until [`SimCamera::replug`].
    pub fn unplug(&self) {
        let mut reg = sim().state.lock();
        let reg = &mut *reg;
        if let Some(dev) = reg.devices.get_mut(&self.path) {
            dev.plugged = false;
            dev.generation += 1;
            dev.frames.clear();
            dev.negotiated = None;
            // A replugged camera starts from its defaults.
            for c in &mut dev.controls {
                c.value = c.default;
            }
        }
        for open in reg.fds.values_mut().filter(|o| o.path == self.path) {
            open.eio_pending = open.streaming;
        }
        sim().changed.notify_all();
    }

    /// Plugs the camera back in; fds from before the unplug stay dead.
    pub fn replug(&self) {
        self.with(|d| d.plugged = true);
    }

    /// Makes `open` fail with EACCES (as without membership of the `video` group).
    pub fn deny_access(&self, deny: bool) {
        self.with(|d| d.deny = deny);
    }

    /// The mode the stream was last set to (S_FMT, then S_PARM).
    pub fn negotiated(&self) -> Option<Negotiated> {
        self.with(|d| d.negotiated.clone())
    }

    /// The most buffers the client held dequeued at once (1 means each frame was released before the
    /// next capture).
    pub fn max_buffers_held(&self) -> usize {
        self.with(|d| d.max_held)
    }

    /// How many fds are open on this device.
    pub fn open_fds(&self) -> usize {
        sim()
            .state
            .lock()
            .fds
            .values()
            .filter(|o| o.path == self.path)
            .count()
    }
}

impl Drop for SimCamera {
    fn drop(&mut self) {
        let mut reg = sim().state.lock();
        if let Some(dev) = reg.devices.get_mut(&self.path) {
            dev.plugged = false;
            dev.generation += 1;
        }
        sim().changed.notify_all();
    }
}
