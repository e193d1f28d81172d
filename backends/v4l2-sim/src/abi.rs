//! The slice of the V4L2 ABI (64-bit `linux/videodev2.h`) that rscam uses, laid out exactly as the
//! kernel's structs. Ioctl numbers are computed from the struct sizes (as `_IOWR` does) and the sizes
//! are asserted at compile time, so a layout mistake shows up as an unknown ioctl (ENOTTY) or a build
//! failure, never as the simulator writing past the caller's struct.

#![allow(dead_code)] // fields mirror the kernel structs; not every one is read

use std::mem::size_of;

const IOC_WRITE: u64 = 1;
const IOC_READ: u64 = 2;

const fn ioc(dir: u64, nr: u64, size: usize) -> u64 {
    (dir << 30) | ((size as u64) << 16) | ((b'V' as u64) << 8) | nr
}
const fn iowr(nr: u64, size: usize) -> u64 {
    ioc(IOC_READ | IOC_WRITE, nr, size)
}
const fn iow(nr: u64, size: usize) -> u64 {
    ioc(IOC_WRITE, nr, size)
}

pub const VIDIOC_ENUM_FMT: u64 = iowr(2, size_of::<FmtDesc>());
pub const VIDIOC_G_FMT: u64 = iowr(4, size_of::<Format>());
pub const VIDIOC_S_FMT: u64 = iowr(5, size_of::<Format>());
pub const VIDIOC_REQBUFS: u64 = iowr(8, size_of::<RequestBuffers>());
pub const VIDIOC_QUERYBUF: u64 = iowr(9, size_of::<Buffer>());
pub const VIDIOC_QBUF: u64 = iowr(15, size_of::<Buffer>());
pub const VIDIOC_DQBUF: u64 = iowr(17, size_of::<Buffer>());
pub const VIDIOC_STREAMON: u64 = iow(18, size_of::<i32>());
pub const VIDIOC_STREAMOFF: u64 = iow(19, size_of::<i32>());
pub const VIDIOC_S_PARM: u64 = iowr(22, size_of::<StreamParm>());
pub const VIDIOC_ENUM_FRAMESIZES: u64 = iowr(74, size_of::<FrmSizeEnum>());
pub const VIDIOC_ENUM_FRAMEINTERVALS: u64 = iowr(75, size_of::<FrmIvalEnum>());
pub const VIDIOC_G_CTRL: u64 = iowr(27, size_of::<Control>());
pub const VIDIOC_S_CTRL: u64 = iowr(28, size_of::<Control>());
pub const VIDIOC_QUERYCTRL: u64 = iowr(36, size_of::<QueryCtrl>());
pub const VIDIOC_QUERYMENU: u64 = iowr(37, size_of::<QueryMenu>());
pub const VIDIOC_G_EXT_CTRLS: u64 = iowr(71, size_of::<ExtControls>());
pub const VIDIOC_S_EXT_CTRLS: u64 = iowr(72, size_of::<ExtControls>());
pub const VIDIOC_TRY_EXT_CTRLS: u64 = iowr(73, size_of::<ExtControls>());

pub const CTRL_FLAG_NEXT_CTRL: u32 = 0x8000_0000;
pub const CTRL_FLAG_NEXT_COMPOUND: u32 = 0x4000_0000;
pub const CTRL_FLAG_READ_ONLY: u32 = 0x0004;
pub const CTRL_FLAG_INACTIVE: u32 = 0x0010;

/// `V4L2_COLORSPACE_*` and `V4L2_QUANTIZATION_*`: what a format's colour is, as G_FMT/S_FMT report it.
pub const COLORSPACE_JPEG: u32 = 7;
pub const COLORSPACE_SRGB: u32 = 8;
pub const QUANTIZATION_DEFAULT: u32 = 0;
pub const QUANTIZATION_FULL_RANGE: u32 = 1;
pub const QUANTIZATION_LIM_RANGE: u32 = 2;

pub const BUF_TYPE_VIDEO_CAPTURE: u32 = 1;
pub const MEMORY_MMAP: u32 = 1;
pub const FIELD_NONE: u32 = 1;
pub const FMT_FLAG_COMPRESSED: u32 = 1;
pub const FRMSIZE_TYPE_DISCRETE: u32 = 1;
pub const FRMIVAL_TYPE_DISCRETE: u32 = 1;
pub const BUF_FLAG_MAPPED: u32 = 0x1;
pub const BUF_FLAG_QUEUED: u32 = 0x2;
pub const BUF_FLAG_DONE: u32 = 0x4;
pub const BUF_FLAG_ERROR: u32 = 0x40;

#[repr(C)]
pub struct FmtDesc {
    pub index: u32,
    pub typ: u32,
    pub flags: u32,
    pub description: [u8; 32],
    pub pixelformat: u32,
    pub mbus_code: u32,
    pub reserved: [u32; 3],
}

#[repr(C)]
pub struct PixFormat {
    pub width: u32,
    pub height: u32,
    pub pixelformat: u32,
    pub field: u32,
    pub bytesperline: u32,
    pub sizeimage: u32,
    pub colorspace: u32,
    pub private: u32,
    pub flags: u32,
    pub ycbcr_enc: u32,
    pub quantization: u32,
    pub xfer_func: u32,
}

/// `struct v4l2_format`: the union holds pointers in some members, hence 8-byte alignment and the
/// padding after `type` on 64-bit.
#[repr(C)]
pub struct Format {
    pub typ: u32,
    pub pad: u32,
    pub pix: PixFormat,
    pub rest: [u8; 200 - size_of::<PixFormat>()],
}

#[repr(C)]
pub struct RequestBuffers {
    pub count: u32,
    pub typ: u32,
    pub memory: u32,
    pub capabilities: u32,
    pub flags: u8,
    pub reserved: [u8; 3],
}

#[repr(C)]
pub struct TimeCode {
    pub typ: u32,
    pub flags: u32,
    pub frames: u8,
    pub seconds: u8,
    pub minutes: u8,
    pub hours: u8,
    pub userbits: [u8; 4],
}

#[repr(C)]
pub struct Buffer {
    pub index: u32,
    pub typ: u32,
    pub bytesused: u32,
    pub flags: u32,
    pub field: u32,
    pub timestamp: libc::timeval,
    pub timecode: TimeCode,
    pub sequence: u32,
    pub memory: u32,
    /// `m.offset` for MMAP buffers (the union is pointer-sized).
    pub offset: u64,
    pub length: u32,
    pub reserved2: u32,
    pub request_fd: i32,
}

#[repr(C)]
pub struct Fract {
    pub numerator: u32,
    pub denominator: u32,
}

#[repr(C)]
pub struct CaptureParm {
    pub capability: u32,
    pub capturemode: u32,
    pub timeperframe: Fract,
    pub extendedmode: u32,
    pub readbuffers: u32,
    pub reserved: [u32; 4],
}

#[repr(C)]
pub struct StreamParm {
    pub typ: u32,
    pub capture: CaptureParm,
    pub rest: [u8; 200 - size_of::<CaptureParm>()],
}

#[repr(C)]
pub struct FrmSizeEnum {
    pub index: u32,
    pub pixel_format: u32,
    pub typ: u32,
    /// Discrete: width, height. Stepwise: min_w, max_w, step_w, min_h, max_h, step_h.
    pub data: [u32; 6],
    pub reserved: [u32; 2],
}

#[repr(C)]
pub struct FrmIvalEnum {
    pub index: u32,
    pub pixel_format: u32,
    pub width: u32,
    pub height: u32,
    pub typ: u32,
    /// Discrete: numerator, denominator.
    pub data: [u32; 6],
    pub reserved: [u32; 2],
}

/// `struct v4l2_queryctrl`.
#[repr(C)]
pub struct QueryCtrl {
    pub id: u32,
    pub typ: u32,
    pub name: [u8; 32],
    pub minimum: i32,
    pub maximum: i32,
    pub step: i32,
    pub default_value: i32,
    pub flags: u32,
    pub reserved: [u32; 2],
}

/// `struct v4l2_querymenu` (packed): the 32 bytes are a name, or an `i64` for integer menus.
#[repr(C, packed)]
pub struct QueryMenu {
    pub id: u32,
    pub index: u32,
    pub name: [u8; 32],
    pub reserved: u32,
}

/// `struct v4l2_control`.
#[repr(C)]
pub struct Control {
    pub id: u32,
    pub value: i32,
}

/// `struct v4l2_ext_control` (packed): the union's `value64` member is the one read and written.
#[repr(C, packed)]
pub struct ExtControl {
    pub id: u32,
    pub size: u32,
    pub reserved2: u32,
    pub value: i64,
}

/// `struct v4l2_ext_controls`.
#[repr(C)]
pub struct ExtControls {
    pub which: u32,
    pub count: u32,
    pub error_idx: u32,
    pub request_fd: i32,
    pub reserved: u32,
    pub controls: *mut ExtControl,
}

const _: () = assert!(size_of::<QueryCtrl>() == 68);
const _: () = assert!(size_of::<QueryMenu>() == 44);
const _: () = assert!(size_of::<Control>() == 8);
const _: () = assert!(size_of::<ExtControl>() == 20);
const _: () = assert!(size_of::<ExtControls>() == 32);
const _: () = assert!(size_of::<FmtDesc>() == 64);
const _: () = assert!(size_of::<Format>() == 208);
const _: () = assert!(size_of::<RequestBuffers>() == 20);
const _: () = assert!(size_of::<Buffer>() == 88);
const _: () = assert!(size_of::<StreamParm>() == 204);
const _: () = assert!(size_of::<FrmSizeEnum>() == 44);
const _: () = assert!(size_of::<FrmIvalEnum>() == 52);

#[cfg(test)]
mod tests {
    use super::*;

    /// The numbers rscam 0.5.5 hard-codes for 64-bit Linux.
    #[test]
    fn ioctl_numbers_match_rscams() {
        assert_eq!(VIDIOC_ENUM_FMT, 3225441794);
        assert_eq!(VIDIOC_ENUM_FRAMEINTERVALS, 3224655435);
        assert_eq!(VIDIOC_ENUM_FRAMESIZES, 3224131146);
        assert_eq!(VIDIOC_REQBUFS, 3222558216);
        assert_eq!(VIDIOC_S_PARM, 3234616854);
        assert_eq!(VIDIOC_STREAMON, 1074026002);
        assert_eq!(VIDIOC_STREAMOFF, 1074026003);
        assert_eq!(VIDIOC_DQBUF, 3227014673);
        assert_eq!(VIDIOC_QBUF, 3227014671);
        assert_eq!(VIDIOC_QUERYBUF, 3227014665);
        assert_eq!(VIDIOC_S_FMT, 3234878981);
        // _IOWR('V', 4, struct v4l2_format), from linux/videodev2.h (rscam never calls it).
        assert_eq!(VIDIOC_G_FMT, 0xc0d0_5604);
        assert_eq!(VIDIOC_G_CTRL, 3221771803);
        assert_eq!(VIDIOC_QUERYCTRL, 3225703972);
        assert_eq!(VIDIOC_QUERYMENU, 3224131109);
        assert_eq!(VIDIOC_G_EXT_CTRLS, 3223344711);
        assert_eq!(VIDIOC_S_EXT_CTRLS, 3223344712);
    }
}
