//! The five entry points rscam links against (`v4l2_open`, `v4l2_close`, `v4l2_ioctl`, `v4l2_mmap`,
//! `v4l2_munmap`), as plain functions; [`crate::export_v4l2!`] gives them their C names inside the
//! test binary. Failures set `errno` and return -1, as libv4l2 does.

use std::ffi::{c_char, c_int, c_ulong, c_void, CStr};

use crate::device::{sim, Open};

fn fail(errno: c_int) -> c_int {
    // SAFETY: errno is thread-local; writing it is how C reports the error.
    unsafe { *libc::__errno_location() = errno };
    -1
}

/// # Safety
/// `file` must be a NUL-terminated string.
pub unsafe fn open(file: *const c_char, _flags: c_int, _mode: c_int) -> c_int {
    let path = CStr::from_ptr(file).to_string_lossy().into_owned();
    let mut reg = sim().state.lock();
    let generation = match reg.devices.get(&path) {
        None => return fail(libc::ENOENT),
        Some(dev) if !dev.plugged => return fail(libc::ENOENT),
        Some(dev) if dev.deny => return fail(libc::EACCES),
        Some(dev) => dev.generation,
    };
    // A real memory file stands in for the device: mmap of it gives real shared buffers.
    let memfd = libc::memfd_create(c"pistream-v4l2-sim".as_ptr(), libc::MFD_CLOEXEC);
    if memfd < 0 {
        return -1;
    }
    reg.fds.insert(
        memfd,
        Open {
            path,
            generation,
            memfd,
            fourcc: 0,
            size: (0, 0),
            buf_len: 0,
            n_bufs: 0,
            queued: Default::default(),
            held: 0,
            streaming: false,
            eio_pending: false,
        },
    );
    memfd
}

/// # Safety
/// Closes `fd`, which must not be used afterwards.
pub unsafe fn close(fd: c_int) -> c_int {
    let mut reg = sim().state.lock();
    match reg.fds.remove(&fd) {
        None => fail(libc::EBADF),
        Some(open) => {
            sim().changed.notify_all();
            libc::close(open.memfd)
        }
    }
}

/// # Safety
/// `arg` must point to the struct `request` names.
pub unsafe fn ioctl(fd: c_int, request: c_ulong, arg: *mut c_void) -> c_int {
    match crate::ioctl::ioctl(fd, request, arg) {
        Ok(()) => 0,
        Err(errno) => fail(errno),
    }
}

/// # Safety
/// As `mmap(2)`.
pub unsafe fn mmap(
    start: *mut c_void,
    length: usize,
    prot: c_int,
    flags: c_int,
    fd: c_int,
    offset: libc::off_t,
) -> *mut c_void {
    {
        let mut reg = sim().state.lock();
        if let Err(errno) = reg.live(fd) {
            fail(errno);
            return libc::MAP_FAILED;
        }
    }
    libc::mmap(start, length, prot, flags, fd, offset)
}

/// # Safety
/// As `munmap(2)`.
pub unsafe fn munmap(start: *mut c_void, length: usize) -> c_int {
    libc::munmap(start, length)
}
