//! The range of the stream's YUV samples as the driver reports it: `VIDIOC_G_FMT`'s `quantization`,
//! and when that is `V4L2_QUANTIZATION_DEFAULT`, what V4L2 defines the default to be for the
//! colorspace (full for `V4L2_COLORSPACE_JPEG`, limited for every other YUV colorspace; the
//! kernel's `V4L2_MAP_QUANTIZATION_DEFAULT`).
//!
//! rscam keeps its fd to itself and never asks, so the device node is opened a second time, through
//! the same entry points rscam calls (libv4l2's, or libc's with the `no-wrapper` feature, so the
//! simulator and LD_PRELOAD shims see it too), for this one read-only ioctl once rscam has set the
//! format. The format is the device's, not the fd's: the second fd reads what rscam set. A driver
//! that answers nothing usable leaves the range unknown, and the server assumes limited.

use std::ffi::CString;
use std::io;
use std::mem::size_of;
use std::os::raw::{c_char, c_int, c_ulong, c_void};

use pistream_camera::YuvRange;

/// `V4L2_QUANTIZATION_*`.
pub const QUANTIZATION_DEFAULT: u32 = 0;
pub const QUANTIZATION_FULL_RANGE: u32 = 1;
pub const QUANTIZATION_LIM_RANGE: u32 = 2;
/// `V4L2_COLORSPACE_JPEG`: YCbCr as JFIF stores it, full range by default.
pub const COLORSPACE_JPEG: u32 = 7;

const BUF_TYPE_VIDEO_CAPTURE: u32 = 1;

/// `struct v4l2_pix_format`.
#[repr(C)]
#[derive(Default)]
struct PixFormat {
    width: u32,
    height: u32,
    pixelformat: u32,
    field: u32,
    bytesperline: u32,
    sizeimage: u32,
    colorspace: u32,
    private: u32,
    flags: u32,
    ycbcr_enc: u32,
    quantization: u32,
    xfer_func: u32,
}

/// `struct v4l2_format` on 64-bit Linux: the union holds pointers in some members, hence the
/// padding after `type` and 208 bytes in all.
#[repr(C)]
struct Format {
    typ: u32,
    pad: u32,
    pix: PixFormat,
    rest: [u8; 200 - size_of::<PixFormat>()],
}

#[cfg(target_pointer_width = "64")]
const _: () = assert!(size_of::<Format>() == 208);

/// `VIDIOC_G_FMT` = `_IOWR('V', 4, struct v4l2_format)`.
const VIDIOC_G_FMT: c_ulong =
    (3 << 30) | ((size_of::<Format>() as c_ulong) << 16) | ((b'V' as c_ulong) << 8) | 4;

#[cfg(not(feature = "no-wrapper"))]
mod sys {
    use super::*;
    // The same declarations as rscam's (libv4l2, linked by rscam).
    extern "C" {
        pub fn v4l2_open(file: *const c_char, flags: c_int, arg: c_int) -> c_int;
        pub fn v4l2_close(fd: c_int) -> c_int;
        pub fn v4l2_ioctl(fd: c_int, request: c_ulong, argp: *mut c_void) -> c_int;
    }
    pub use self::{v4l2_close as close, v4l2_ioctl as ioctl, v4l2_open as open};
}

#[cfg(feature = "no-wrapper")]
mod sys {
    use super::*;
    pub unsafe fn open(file: *const c_char, flags: c_int, arg: c_int) -> c_int {
        libc::open(file, flags, arg)
    }
    pub unsafe fn close(fd: c_int) -> c_int {
        libc::close(fd)
    }
    pub unsafe fn ioctl(fd: c_int, request: c_ulong, argp: *mut c_void) -> c_int {
        libc::ioctl(fd, request as _, argp)
    }
}

/// What `VIDIOC_G_FMT` says of the capture format's colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reported {
    pub pixelformat: [u8; 4],
    pub colorspace: u32,
    pub quantization: u32,
}

impl Reported {
    /// The range this means for YUV samples; `None` for a quantization V4L2 does not define.
    pub fn yuv_range(&self) -> Option<YuvRange> {
        match self.quantization {
            QUANTIZATION_FULL_RANGE => Some(YuvRange::Full),
            QUANTIZATION_LIM_RANGE => Some(YuvRange::Limited),
            QUANTIZATION_DEFAULT if self.colorspace == COLORSPACE_JPEG => Some(YuvRange::Full),
            QUANTIZATION_DEFAULT => Some(YuvRange::Limited),
            _ => None,
        }
    }

    /// `quantization` as the V4L2 header names it, for the log.
    pub fn describe(&self) -> String {
        let q = match self.quantization {
            QUANTIZATION_DEFAULT => "DEFAULT",
            QUANTIZATION_FULL_RANGE => "FULL_RANGE",
            QUANTIZATION_LIM_RANGE => "LIM_RANGE",
            _ => "unknown",
        };
        format!("quantization {q}, colorspace {}", self.colorspace)
    }
}

/// Asks `device` (already configured by rscam) for its capture format.
pub fn query(device: &str) -> io::Result<Reported> {
    let path = CString::new(device)?;
    // SAFETY: a NUL-terminated path; the fd is closed below on every path.
    let fd = unsafe { sys::open(path.as_ptr(), libc::O_RDWR | libc::O_CLOEXEC, 0) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    let mut fmt = Format {
        typ: BUF_TYPE_VIDEO_CAPTURE,
        pad: 0,
        pix: PixFormat::default(),
        rest: [0; 200 - size_of::<PixFormat>()],
    };
    // SAFETY: `fmt` is a `struct v4l2_format` (layout asserted above), which G_FMT fills.
    let answer = unsafe { sys::ioctl(fd, VIDIOC_G_FMT, (&mut fmt as *mut Format).cast()) };
    let error = (answer < 0).then(io::Error::last_os_error);
    // SAFETY: our own fd, closed once.
    unsafe { sys::close(fd) };
    match error {
        Some(e) => Err(e),
        None => Ok(Reported {
            pixelformat: fmt.pix.pixelformat.to_le_bytes(),
            colorspace: fmt.pix.colorspace,
            quantization: fmt.pix.quantization,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reported(colorspace: u32, quantization: u32) -> Reported {
        Reported {
            pixelformat: *b"YUYV",
            colorspace,
            quantization,
        }
    }

    #[test]
    fn quantization_maps_to_a_range_and_default_follows_the_colorspace() {
        const SRGB: u32 = 8;
        const REC709: u32 = 3;
        assert_eq!(
            reported(SRGB, QUANTIZATION_FULL_RANGE).yuv_range(),
            Some(YuvRange::Full)
        );
        assert_eq!(
            reported(COLORSPACE_JPEG, QUANTIZATION_LIM_RANGE).yuv_range(),
            Some(YuvRange::Limited)
        );
        assert_eq!(
            reported(SRGB, QUANTIZATION_DEFAULT).yuv_range(),
            Some(YuvRange::Limited)
        );
        assert_eq!(
            reported(REC709, QUANTIZATION_DEFAULT).yuv_range(),
            Some(YuvRange::Limited)
        );
        assert_eq!(
            reported(COLORSPACE_JPEG, QUANTIZATION_DEFAULT).yuv_range(),
            Some(YuvRange::Full)
        );
        assert_eq!(reported(SRGB, 9).yuv_range(), None);
    }
}
