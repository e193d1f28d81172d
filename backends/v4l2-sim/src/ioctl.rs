//! `v4l2_ioctl`: the requests rscam issues, answered the way a UVC driver does — enumerations by index
//! until EINVAL, S_FMT/S_PARM adjusting to the nearest mode offered, G_FMT (which rscam never asks,
//! but the backend does, for the format's quantization) on any fd of the device, buffers queued and dequeued, a
//! blocking DQBUF, the control requests (`controls.rs`) — and ENOTTY for everything else.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use libc::c_int;

use crate::abi::*;
use crate::controls;
use crate::device::{sim, Device, Negotiated, Registry, SimFormat};

/// Answers one ioctl; `Err(errno)` on failure.
///
/// # Safety
/// `arg` must point to the struct the request's number says (rscam's `xioctl` guarantees it).
pub(crate) unsafe fn ioctl(fd: c_int, request: u64, arg: *mut libc::c_void) -> Result<(), c_int> {
    match request {
        VIDIOC_ENUM_FMT => enum_fmt(fd, &mut *(arg as *mut FmtDesc)),
        VIDIOC_ENUM_FRAMESIZES => enum_sizes(fd, &mut *(arg as *mut FrmSizeEnum)),
        VIDIOC_ENUM_FRAMEINTERVALS => enum_intervals(fd, &mut *(arg as *mut FrmIvalEnum)),
        VIDIOC_G_FMT => g_fmt(fd, &mut *(arg as *mut Format)),
        VIDIOC_S_FMT => s_fmt(fd, &mut *(arg as *mut Format)),
        VIDIOC_S_PARM => s_parm(fd, &mut *(arg as *mut StreamParm)),
        VIDIOC_REQBUFS => reqbufs(fd, &mut *(arg as *mut RequestBuffers)),
        VIDIOC_QUERYBUF => querybuf(fd, &mut *(arg as *mut Buffer)),
        VIDIOC_QBUF => qbuf(fd, &mut *(arg as *mut Buffer)),
        VIDIOC_DQBUF => dqbuf(fd, &mut *(arg as *mut Buffer)),
        VIDIOC_STREAMON => stream(fd, true),
        VIDIOC_STREAMOFF => stream(fd, false),
        VIDIOC_QUERYCTRL => controls::queryctrl(fd, &mut *(arg as *mut QueryCtrl)),
        VIDIOC_QUERYMENU => controls::querymenu(fd, &mut *(arg as *mut QueryMenu)),
        VIDIOC_G_CTRL => controls::g_ctrl(fd, &mut *(arg as *mut Control)),
        VIDIOC_S_CTRL => controls::s_ctrl(fd, &mut *(arg as *mut Control)),
        VIDIOC_G_EXT_CTRLS | VIDIOC_S_EXT_CTRLS | VIDIOC_TRY_EXT_CTRLS => {
            controls::ext_ctrls(fd, &mut *(arg as *mut ExtControls), request)
        }
        _ => Err(libc::ENOTTY),
    }
}

fn format_of(formats: &[SimFormat], code: u32) -> Result<&SimFormat, c_int> {
    formats
        .iter()
        .find(|f| f.code() == code)
        .ok_or(libc::EINVAL)
}

fn enum_fmt(fd: c_int, d: &mut FmtDesc) -> Result<(), c_int> {
    let mut reg = sim().state.lock();
    let (_, dev) = reg.live(fd)?;
    if d.typ != BUF_TYPE_VIDEO_CAPTURE {
        return Err(libc::EINVAL);
    }
    let f = dev.formats.get(d.index as usize).ok_or(libc::EINVAL)?;
    d.pixelformat = f.code();
    d.flags = if f.compressed { FMT_FLAG_COMPRESSED } else { 0 };
    let name = format!("Simulated {}", String::from_utf8_lossy(&f.fourcc));
    d.description = [0; 32];
    d.description[..name.len().min(31)].copy_from_slice(&name.as_bytes()[..name.len().min(31)]);
    Ok(())
}

fn enum_sizes(fd: c_int, s: &mut FrmSizeEnum) -> Result<(), c_int> {
    let mut reg = sim().state.lock();
    let (_, dev) = reg.live(fd)?;
    let f = format_of(&dev.formats, s.pixel_format)?;
    let (w, h) = *f.sizes.get(s.index as usize).ok_or(libc::EINVAL)?;
    s.typ = FRMSIZE_TYPE_DISCRETE;
    s.data = [w, h, 0, 0, 0, 0];
    Ok(())
}

fn enum_intervals(fd: c_int, e: &mut FrmIvalEnum) -> Result<(), c_int> {
    let mut reg = sim().state.lock();
    let (_, dev) = reg.live(fd)?;
    let f = format_of(&dev.formats, e.pixel_format)?;
    if !f.sizes.contains(&(e.width, e.height)) {
        return Err(libc::EINVAL);
    }
    let (n, d) = *f.intervals.get(e.index as usize).ok_or(libc::EINVAL)?;
    e.typ = FRMIVAL_TYPE_DISCRETE;
    e.data = [n, d, 0, 0, 0, 0];
    Ok(())
}

fn frame_bytes(fourcc: u32, (w, h): (u32, u32)) -> u32 {
    match &fourcc.to_le_bytes() {
        b"YUYV" => w * h * 2,
        b"RGB3" | b"BGR3" => w * h * 3,
        // Compressed: the worst case a UVC driver reserves is about the raw size.
        _ => w * h * 2,
    }
}

fn s_fmt(fd: c_int, fmt: &mut Format) -> Result<(), c_int> {
    let mut reg = sim().state.lock();
    if reg.other_owner(fd) {
        return Err(libc::EBUSY);
    }
    let (open, dev) = reg.live(fd)?;
    if open.n_bufs > 0 || fmt.typ != BUF_TYPE_VIDEO_CAPTURE {
        return Err(if open.n_bufs > 0 {
            libc::EBUSY
        } else {
            libc::EINVAL
        });
    }
    // Like a driver: an unknown format becomes the first one, a size the nearest offered.
    let f = format_of(&dev.formats, fmt.pix.pixelformat)
        .or_else(|_| dev.formats.first().ok_or(libc::EINVAL))?;
    let want = (fmt.pix.width as i64, fmt.pix.height as i64);
    let size = *f
        .sizes
        .iter()
        .min_by_key(|(w, h)| (*w as i64 - want.0).abs() + (*h as i64 - want.1).abs())
        .ok_or(libc::EINVAL)?;
    let code = f.code();
    let first_interval = f.intervals.first().copied().unwrap_or((1, 30));
    describe(&mut fmt.pix, dev, f, size);
    open.fourcc = code;
    open.size = size;
    open.buf_len = fmt.pix.sizeimage;
    dev.negotiated = Some(Negotiated {
        fourcc: code.to_le_bytes(),
        width: size.0,
        height: size.1,
        interval: first_interval,
    });
    Ok(())
}

/// Fills `pix` with the format `f` at `size`, and the colour the device reports.
fn describe(pix: &mut PixFormat, dev: &Device, f: &SimFormat, size: (u32, u32)) {
    let code = f.code();
    pix.pixelformat = code;
    pix.width = size.0;
    pix.height = size.1;
    pix.field = FIELD_NONE;
    pix.bytesperline = if f.compressed { 0 } else { size.0 * 2 };
    pix.sizeimage = frame_bytes(code, size);
    pix.colorspace = dev.colorspace;
    pix.quantization = dev.quantization;
}

/// The device's current format, on any of its fds (the format is the device's, as in the kernel):
/// what S_FMT last set, else the first mode offered.
fn g_fmt(fd: c_int, fmt: &mut Format) -> Result<(), c_int> {
    let mut reg = sim().state.lock();
    let (_, dev) = reg.live(fd)?;
    if fmt.typ != BUF_TYPE_VIDEO_CAPTURE {
        return Err(libc::EINVAL);
    }
    let (f, size) = match &dev.negotiated {
        Some(n) => (
            format_of(&dev.formats, u32::from_le_bytes(n.fourcc))?,
            (n.width, n.height),
        ),
        None => {
            let f = dev.formats.first().ok_or(libc::EINVAL)?;
            (f, *f.sizes.first().ok_or(libc::EINVAL)?)
        }
    };
    describe(&mut fmt.pix, dev, f, size);
    Ok(())
}

fn s_parm(fd: c_int, p: &mut StreamParm) -> Result<(), c_int> {
    let mut reg = sim().state.lock();
    let (open, dev) = reg.live(fd)?;
    let f = format_of(&dev.formats, open.fourcc)?;
    let tpf = &mut p.capture.timeperframe;
    let want = if tpf.numerator == 0 {
        0.0
    } else {
        tpf.denominator as f64 / tpf.numerator as f64
    };
    let (n, d) = *f
        .intervals
        .iter()
        .min_by(|a, b| {
            let fa = (a.1 as f64 / a.0 as f64 - want).abs();
            let fb = (b.1 as f64 / b.0 as f64 - want).abs();
            fa.total_cmp(&fb)
        })
        .ok_or(libc::EINVAL)?;
    tpf.numerator = n;
    tpf.denominator = d;
    p.capture.capability = 0x1000; // V4L2_CAP_TIMEPERFRAME
    if let Some(neg) = dev.negotiated.as_mut() {
        neg.interval = (n, d);
    }
    Ok(())
}

fn reqbufs(fd: c_int, r: &mut RequestBuffers) -> Result<(), c_int> {
    let mut reg = sim().state.lock();
    if reg.other_owner(fd) {
        return Err(libc::EBUSY);
    }
    let (open, _) = reg.live(fd)?;
    if r.memory != MEMORY_MMAP || open.buf_len == 0 {
        return Err(libc::EINVAL);
    }
    if open.streaming {
        return Err(libc::EBUSY);
    }
    let n = r.count.min(8);
    // SAFETY: memfd is this fd's own memory file.
    if unsafe { libc::ftruncate(open.memfd, n as i64 * stride(open.buf_len) as i64) } != 0 {
        return Err(libc::ENOMEM);
    }
    open.n_bufs = n;
    open.queued.clear();
    open.held = 0;
    r.count = n;
    Ok(())
}

/// Buffers start on page boundaries (mmap offsets must be page-aligned), as a driver's do.
fn stride(len: u32) -> u64 {
    (len as u64).div_ceil(4096) * 4096
}

fn fill(b: &mut Buffer, index: u32, len: u32) {
    b.index = index;
    b.typ = BUF_TYPE_VIDEO_CAPTURE;
    b.memory = MEMORY_MMAP;
    b.offset = index as u64 * stride(len);
    b.length = len;
}

fn querybuf(fd: c_int, b: &mut Buffer) -> Result<(), c_int> {
    let mut reg = sim().state.lock();
    let (open, _) = reg.live(fd)?;
    if b.index >= open.n_bufs {
        return Err(libc::EINVAL);
    }
    fill(b, b.index, open.buf_len);
    b.flags = BUF_FLAG_MAPPED;
    Ok(())
}

fn qbuf(fd: c_int, b: &mut Buffer) -> Result<(), c_int> {
    let mut reg = sim().state.lock();
    let (open, _) = reg.live(fd)?;
    if b.index >= open.n_bufs || open.queued.contains(&b.index) {
        return Err(libc::EINVAL);
    }
    if open.streaming && open.held > 0 {
        open.held -= 1;
    }
    open.queued.push_back(b.index);
    b.flags = BUF_FLAG_MAPPED | BUF_FLAG_QUEUED;
    sim().changed.notify_all();
    Ok(())
}

fn stream(fd: c_int, on: bool) -> Result<(), c_int> {
    let mut reg = sim().state.lock();
    let (open, _) = reg.live(fd)?;
    if on && open.n_bufs == 0 {
        return Err(libc::EINVAL);
    }
    open.streaming = on;
    if !on {
        // STREAMOFF returns every buffer to the application, dequeued or not.
        open.queued.clear();
        open.held = 0;
    }
    sim().changed.notify_all();
    Ok(())
}

/// Blocks until a buffer is queued and a frame is waiting, then writes the frame into the buffer.
fn dqbuf(fd: c_int, b: &mut Buffer) -> Result<(), c_int> {
    let started = Instant::now();
    let mut reg = sim().state.lock();
    loop {
        if let Some(open) = reg.fds.get_mut(&fd) {
            if open.eio_pending {
                open.eio_pending = false;
                return Err(libc::EIO);
            }
        }
        if let Some(done) = try_deliver(&mut reg, fd, b)? {
            return Ok(done);
        }
        let interval = reg
            .fds
            .get(&fd)
            .and_then(|o| reg.devices.get(&o.path))
            .filter(|d| d.continuous.is_some())
            .map(Device::frame_interval);
        if let Some(interval) = interval {
            // The next frame is due one frame interval after the call; past that, poll every 1 ms
            // for a queued buffer.
            let wait = (started + interval)
                .saturating_duration_since(Instant::now())
                .max(Duration::from_millis(1));
            let waited = sim().changed.wait_for(&mut reg, wait);
            if waited.timed_out() {
                if let Some(done) = try_deliver_continuous(&mut reg, fd, b)? {
                    return Ok(done);
                }
            }
        } else {
            sim().changed.wait(&mut reg);
        }
    }
}

fn try_deliver(reg: &mut Registry, fd: c_int, b: &mut Buffer) -> Result<Option<()>, c_int> {
    deliver(reg, fd, b, |dev| dev.frames.pop_front())
}

fn try_deliver_continuous(
    reg: &mut Registry,
    fd: c_int,
    b: &mut Buffer,
) -> Result<Option<()>, c_int> {
    deliver(reg, fd, b, |dev| dev.continuous.clone())
}

/// Writes the frame `next` gives into the first queued buffer, if there is one and a frame.
fn deliver(
    reg: &mut Registry,
    fd: c_int,
    b: &mut Buffer,
    next: impl FnOnce(&mut Device) -> Option<Vec<u8>>,
) -> Result<Option<()>, c_int> {
    let (open, dev) = reg.live(fd)?;
    if !open.streaming {
        return Err(libc::EINVAL);
    }
    if open.queued.is_empty() {
        return Ok(None);
    }
    let Some(frame) = next(dev) else {
        return Ok(None);
    };
    let index = open.queued.pop_front().expect("checked non-empty");
    let len = frame.len().min(open.buf_len as usize);
    let offset = (index as u64 * stride(open.buf_len)) as i64;
    // SAFETY: writing our own bytes into our own memfd, within the size REQBUFS gave it.
    let written = unsafe { libc::pwrite(open.memfd, frame.as_ptr().cast(), len, offset) };
    if written != len as isize {
        return Err(libc::EIO);
    }
    open.held += 1;
    dev.max_held = dev.max_held.max(open.held);
    dev.delivered += 1;
    fill(b, index, open.buf_len);
    b.bytesused = len as u32;
    b.flags = BUF_FLAG_MAPPED | BUF_FLAG_DONE;
    if len < frame.len() {
        b.flags |= BUF_FLAG_ERROR;
    }
    b.field = FIELD_NONE;
    b.sequence = dev.delivered as u32;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    b.timestamp = libc::timeval {
        tv_sec: now.as_secs() as libc::time_t,
        tv_usec: now.subsec_micros() as libc::suseconds_t,
    };
    Ok(Some(()))
}
