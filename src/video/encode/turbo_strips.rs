//! A YUYV frame compressed by libjpeg-turbo one iMCU row at a time (feature `turbojpeg`): the
//! frame is split ([`YuyvSplit`]) into a strip of 16 rows (8 for 4:2:2), which libjpeg's raw-data
//! API (`jpeg_write_raw_data`, through the few lines of C in `turbo_strips.c`) compresses while it
//! is still in the cache.
//!
//! Why not TurboJPEG's `tj3CompressFromYUVPlanes`, as before: it takes whole planes, so a 1920x1080
//! frame was split into 3.1 MB of planes that the library then read back. That cost 1.12-1.18x the
//! library's own time on ready planes where issue 9 asks for 1.1x, and reading the 4 MB frame alone
//! is 5-7 % of the library's time at this machine's memory speed (docs/BENCHMARKS.md, "Codecs side
//! by side"). A strip of a 1920-wide frame is 46 KB. The settings are TurboJPEG's own, and so are
//! the JPEG's bytes (tested against `tj3CompressFromYUVPlanes` on the whole planes).
//!
//! Each encoding thread keeps one compressor, one strip and one JPEG buffer for good (libjpeg
//! handles are not thread-safe), like [`super::turbo`]'s.

use std::cell::RefCell;
use std::ffi::{c_char, c_int, c_uint, CStr};
use std::ptr::NonNull;

use super::fast::Sampling;
use super::turbo::{subsamp, tj_err};
use super::yuyv_split::{PlaneRows, YuyvSplit};
use super::EncodeError;

/// `struct pistream_strips` of `turbo_strips.c`: a libjpeg compressor and its error state.
#[repr(C)]
struct RawStrips {
    _opaque: [u8; 0],
}

extern "C" {
    fn pistream_strips_new() -> *mut RawStrips;
    fn pistream_strips_free(s: *mut RawStrips);
    fn pistream_strips_message(s: *const RawStrips) -> *const c_char;
    fn pistream_strips_start(
        s: *mut RawStrips,
        width: c_uint,
        height: c_uint,
        quality: c_int,
        rows_per_chroma: c_int,
        buf: *mut u8,
        cap: usize,
    ) -> c_int;
    fn pistream_strips_write(
        s: *mut RawStrips,
        y: *const u8,
        y_stride: usize,
        cb: *const u8,
        cr: *const u8,
        c_stride: usize,
    ) -> c_int;
    fn pistream_strips_finish(s: *mut RawStrips, jpeg: *mut *const u8, len: *mut usize) -> c_int;
}

/// One iMCU row of the three planes, each row padded to whole 8x8 blocks.
#[derive(Default)]
struct Strip {
    y: Vec<u8>,
    cb: Vec<u8>,
    cr: Vec<u8>,
    /// Luma row length: the width rounded up to whole blocks.
    y_stride: usize,
    /// Chroma row length: half the width rounded up to whole blocks.
    c_stride: usize,
    /// Luma rows: 8 for each chroma row a block holds (16 for 4:2:0, 8 for 4:2:2).
    luma_rows: usize,
}

/// libjpeg's rows per block.
const BLOCK: usize = 8;

impl Strip {
    /// Shapes the strip for a `width`-wide picture (even) sampled as `sampling`, reusing its memory.
    fn reshape(&mut self, width: usize, sampling: Sampling) {
        self.y_stride = width.next_multiple_of(BLOCK);
        self.c_stride = (width / 2).next_multiple_of(BLOCK);
        self.luma_rows = BLOCK * sampling.rows_per_chroma();
        self.y.resize(self.y_stride * self.luma_rows, 0);
        self.cb.resize(self.c_stride * BLOCK, 0);
        self.cr.resize(self.c_stride * BLOCK, 0);
    }

    fn rows(&mut self) -> PlaneRows<'_> {
        PlaneRows {
            y: &mut self.y,
            y_stride: self.y_stride,
            cb: &mut self.cb,
            cr: &mut self.cr,
            c_stride: self.c_stride,
        }
    }

    /// Pads the strip, `luma` luma rows `width` wide and `chroma` chroma rows filled, to whole
    /// blocks by repeating the last column and row: what TurboJPEG does with planes that do not
    /// fill whole blocks, so the JPEG is the same.
    fn pad(&mut self, width: usize, luma: usize, chroma: usize) {
        pad_plane(&mut self.y, self.y_stride, width, luma);
        pad_plane(&mut self.cb, self.c_stride, width / 2, chroma);
        pad_plane(&mut self.cr, self.c_stride, width / 2, chroma);
    }
}

/// Repeats each of the first `rows` rows' last sample (of `width`) to the end of its row, then the
/// last of those rows over the rest of `plane`.
fn pad_plane(plane: &mut [u8], stride: usize, width: usize, rows: usize) {
    for row in plane.chunks_exact_mut(stride).take(rows) {
        let last = row[width - 1];
        row[width..].fill(last);
    }
    let (filled, rest) = plane.split_at_mut(rows * stride);
    let last = &filled[filled.len() - stride..];
    for row in rest.chunks_exact_mut(stride) {
        row.copy_from_slice(last);
    }
}

/// This thread's libjpeg compressor (made on its first frame), strip and JPEG buffer (as long as
/// libjpeg-turbo's worst case for the largest frame yet: it is never grown during a frame).
struct StripEncoder {
    handle: NonNull<RawStrips>,
    strip: Strip,
    jpeg: Vec<u8>,
}

impl Drop for StripEncoder {
    fn drop(&mut self) {
        // SAFETY: the handle came from pistream_strips_new and is freed only here.
        unsafe { pistream_strips_free(self.handle.as_ptr()) }
    }
}

thread_local! {
    static ENCODER: RefCell<Option<StripEncoder>> = const { RefCell::new(None) };
}

impl StripEncoder {
    fn new() -> Result<StripEncoder, EncodeError> {
        // SAFETY: no arguments; null when out of memory.
        let handle = NonNull::new(unsafe { pistream_strips_new() }).ok_or_else(|| {
            EncodeError::Encode("libjpeg-turbo: no memory for a compressor".into())
        })?;
        Ok(StripEncoder {
            handle,
            strip: Strip::default(),
            jpeg: Vec::new(),
        })
    }

    /// libjpeg's message for the error a call just returned.
    fn error(&self) -> EncodeError {
        // SAFETY: the handle is live; the message is a NUL-terminated array inside it.
        let msg = unsafe { CStr::from_ptr(pistream_strips_message(self.handle.as_ptr())) };
        EncodeError::Encode(format!("libjpeg-turbo: {}", msg.to_string_lossy()))
    }

    /// Compresses the YUYV frame `split` describes at `quality` and appends the JPEG to `out`.
    fn encode(
        &mut self,
        split: &YuyvSplit,
        quality: u8,
        out: &mut Vec<u8>,
    ) -> Result<(), EncodeError> {
        let (w, h) = (usize::from(split.raw.width), usize::from(split.raw.height));
        let need = turbojpeg::compressed_buf_len(w, h, subsamp(split.sampling)).map_err(tj_err)?;
        if self.jpeg.len() < need {
            self.jpeg = vec![0; need];
        }
        self.strip.reshape(w, split.sampling);
        let per = split.sampling.rows_per_chroma();
        let handle = self.handle.as_ptr();
        // SAFETY: the handle is live; the buffer is `need` bytes, libjpeg-turbo's worst case for
        // this picture, and outlives the compression (it is ours until the next frame).
        let started = unsafe {
            pistream_strips_start(
                handle,
                c_uint::from(split.raw.width),
                c_uint::from(split.raw.height),
                c_int::from(quality),
                per as c_int,
                self.jpeg.as_mut_ptr(),
                self.jpeg.len(),
            )
        };
        if started != 0 {
            return Err(self.error());
        }
        for top in (0..h).step_by(self.strip.luma_rows) {
            let bottom = (top + self.strip.luma_rows).min(h);
            split.rows(top..bottom, self.strip.rows());
            let luma = bottom - top;
            self.strip.pad(w, luma, luma.div_ceil(per));
            let s = &self.strip;
            // SAFETY: the strip holds `luma_rows` luma rows and 8 rows of each chroma plane, each
            // padded to whole blocks of the picture libjpeg was started with (`reshape`), which is
            // what one iMCU row of it reads.
            let wrote = unsafe {
                pistream_strips_write(
                    handle,
                    s.y.as_ptr(),
                    s.y_stride,
                    s.cb.as_ptr(),
                    s.cr.as_ptr(),
                    s.c_stride,
                )
            };
            if wrote != 0 {
                return Err(self.error());
            }
        }
        let (mut jpeg, mut len) = (std::ptr::null(), 0usize);
        // SAFETY: the handle is live and every row has been written.
        if unsafe { pistream_strips_finish(handle, &mut jpeg, &mut len) } != 0 {
            return Err(self.error());
        }
        // SAFETY: libjpeg wrote `len` bytes at `jpeg`: in our buffer, or (had it outgrown it) in
        // one the handle owns until the next start.
        out.extend_from_slice(unsafe { std::slice::from_raw_parts(jpeg, len) });
        Ok(())
    }
}

/// Compresses the YUYV frame `split` describes (a checked frame, any row-keeping turn) at
/// `quality` with this thread's compressor, and appends the JPEG to `out`.
pub(crate) fn encode_yuyv(
    split: &YuyvSplit,
    quality: u8,
    out: &mut Vec<u8>,
) -> Result<(), EncodeError> {
    ENCODER.with_borrow_mut(|slot| {
        let encoder = match slot {
            Some(e) => e,
            None => slot.insert(StripEncoder::new()?),
        };
        encoder.encode(split, quality, out)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::video::encode::orient::{Conversion, Orientation, Rotation};
    use crate::video::encode::planes::with_planes;
    use crate::video::encode::tests::mock_frame;
    use crate::video::encode::turbo::encode_planes;
    use crate::video::encode::{Raw, TurboEncoder};
    use pistream_camera::{Frame, PixelFormat, YuvRange};

    /// A YUYV frame whose every sample differs, `w` x `h`.
    fn noisy(w: u32, h: u32) -> Frame {
        let data: Vec<u8> = (0..w as usize * h as usize * 2)
            .map(|i| (i * 7919 % 251) as u8)
            .collect();
        Frame::new(PixelFormat::Yuyv, w, h, data)
    }

    /// The frame through TurboJPEG's own planar compression: split whole into planes first.
    fn through_whole_planes(frame: &Frame, conv: &Conversion, sampling: Sampling) -> Vec<u8> {
        let raw = Raw::of(frame).unwrap();
        let mut out = Vec::new();
        with_planes(|planes| {
            planes.fill_raw(&raw, conv, sampling);
            encode_planes(planes, 75, &mut out)
        })
        .unwrap();
        out
    }

    #[test]
    fn strips_make_the_same_jpeg_as_whole_planes() {
        // Sizes that fill whole iMCU rows and blocks, and ones that do not (a width short of a
        // block, a height ending mid-block and on an odd row, a strip of one row), in both ranges,
        // both samplings and every turn that keeps rows rows: byte for byte what
        // tj3CompressFromYUVPlanes makes of the same planes.
        let frames = [
            mock_frame(64, 48),
            noisy(32, 16),
            noisy(36, 21),
            noisy(18, 1),
            noisy(102, 40),
        ];
        let turns = [
            (Rotation::R0, false),
            (Rotation::R180, false),
            (Rotation::R0, true),
            (Rotation::R180, true),
        ];
        for frame in &frames {
            for range in [YuvRange::Full, YuvRange::Limited] {
                for sampling in [Sampling::S420, Sampling::S422] {
                    for (rotate, flip_h) in turns {
                        let o = Orientation {
                            rotate,
                            flip_h,
                            flip_v: false,
                        };
                        let conv = Conversion::new(range, o);
                        let mut strips = Vec::new();
                        TurboEncoder::with_sampling(sampling)
                            .encode_raw(&Raw::of(frame).unwrap(), &conv, 75, &mut strips)
                            .unwrap();
                        let whole = through_whole_planes(frame, &conv, sampling);
                        assert!(
                            strips == whole,
                            "{}x{} {range} {sampling:?} {}: {} bytes against {}",
                            frame.width,
                            frame.height,
                            o.describe(),
                            strips.len(),
                            whole.len()
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn a_frame_after_a_bigger_one_is_whole_and_the_compressor_recovers_from_an_error() {
        // The thread keeps its strip and buffer as long as the largest frame's: a small frame after
        // a large one is its own JPEG, nothing of the large one's. A frame libjpeg refuses (wider
        // than JPEG allows) is an error with libjpeg's message and no output, after which the same
        // thread's compressor encodes again.
        let (big, small) = (noisy(640, 480), noisy(48, 32));
        let enc = TurboEncoder::new();
        let mut out = Vec::new();
        enc.encode_raw(&Raw::of(&big).unwrap(), &Conversion::NONE, 75, &mut out)
            .unwrap();
        let mut after = Vec::new();
        enc.encode_raw(&Raw::of(&small).unwrap(), &Conversion::NONE, 75, &mut after)
            .unwrap();
        assert_eq!(
            after,
            through_whole_planes(&small, &Conversion::NONE, Sampling::S420)
        );
        let too_wide = Frame::new(PixelFormat::Yuyv, 65_534, 1, vec![128; 65_534 * 2]);
        let mut none = Vec::new();
        let err = enc
            .encode_raw(
                &Raw::of(&too_wide).unwrap(),
                &Conversion::NONE,
                75,
                &mut none,
            )
            .unwrap_err();
        assert!(err.to_string().contains("libjpeg-turbo"), "{err}");
        assert!(none.is_empty(), "no half JPEG on error");
        let mut again = Vec::new();
        enc.encode_raw(&Raw::of(&small).unwrap(), &Conversion::NONE, 75, &mut again)
            .unwrap();
        assert_eq!(again, after);
    }
}
