//! A picture as the three planes a JPEG stores ([`Planes`]): full-size luma, chroma at half width
//! (4:2:2) or half width and height (4:2:0). Both encoders encode from these without any colour
//! conversion: [`super::FastEncoder`] (pistream-jpeg's encoder core) and, with `--features
//! turbojpeg`, libjpeg-turbo. Each encoding thread keeps one set ([`with_planes`]), reused frame
//! after frame.
//!
//! The [`Conversion`] is applied while the planes are filled, as everywhere else: YUYV samples read
//! in their range (limited range expanded through the same tables as [`super::pixels`]), the picture
//! turned by reading it through [`Oriented`]. A YUYV frame, what a raw camera sends, upright or
//! turned in a way that keeps rows rows (a half turn, a flip), has a path of its own: its bytes are
//! only split into planes (its chroma already is at half width), two rows at a time for 4:2:0,
//! with no full-width chroma row in between ([`super::yuyv_split`], SSE2 on x86-64), the rows taken
//! bottom-up and reversed as the turn says (`YuyvSplit`: any run of rows into any rows of planes,
//! which is how libjpeg-turbo gets a YUYV frame, one iMCU row at a time, `turbo_strips`). Quarter
//! turns read columns through [`Oriented`].
//!
//! 4:2:0 chroma is the rounded mean of each 2x2 block (of a pair of rows for YUYV, whose chroma is
//! shared by each pixel pair already), the same picture as the default encoder's downsampling.

use std::cell::RefCell;

use pistream_camera::{PixelFormat, YuvRange};

use super::fast::Sampling;
use super::orient::{Conversion, Oriented, YcbcrSource};
use super::yuyv_split::{PlaneRows, YuyvSplit};
use super::{rgb_split, Raw};

/// Planar YCbCr, full range. The luma plane is padded to whole chroma samples (to an even width,
/// and an even height for 4:2:0) by repeating the last column and row, as libjpeg-turbo reads it;
/// the chroma planes are tightly packed (stride = their width).
#[derive(Debug, Default)]
pub struct Planes {
    pub width: usize,
    pub height: usize,
    /// The luma plane's row length (the width, made even).
    pub y_stride: usize,
    pub sampling: Sampling,
    pub y: Vec<u8>,
    pub cb: Vec<u8>,
    pub cr: Vec<u8>,
}

thread_local! {
    /// This thread's planes, reused frame after frame (a 1920x1080 frame's are 3 MB).
    static PLANES: RefCell<Planes> = RefCell::new(Planes::default());
}

/// Runs `f` with this thread's planes (what they hold on entry is whatever the last frame left).
pub fn with_planes<T>(f: impl FnOnce(&mut Planes) -> T) -> T {
    PLANES.with_borrow_mut(f)
}

/// The size of each chroma plane of a `width` x `height` picture sampled as `sampling` (the
/// encoder core's rule: what it reads is what is filled here).
pub fn chroma_size(width: usize, height: usize, sampling: Sampling) -> (usize, usize) {
    pistream_jpeg::encode::chroma_size(width, height, sampling.core())
}

/// The chroma rows of `cb` and `cr` (each `cw` wide) with, for each, the first picture row it
/// stands for and whether a second follows it (4:2:0 pairs rows; a 4:2:0 picture's odd last row
/// stands for both rows of its pair, its luma row being padding).
fn chroma_rows<'a>(
    cb: &'a mut [u8],
    cr: &'a mut [u8],
    cw: usize,
    height: usize,
    sampling: Sampling,
) -> impl Iterator<Item = (usize, bool, &'a mut [u8], &'a mut [u8])> {
    let per = sampling.rows_per_chroma();
    cb.chunks_exact_mut(cw)
        .zip(cr.chunks_exact_mut(cw))
        .enumerate()
        .map(move |(k, (cb, cr))| (k * per, per == 2 && k * per + 1 < height, cb, cr))
}

impl Planes {
    /// The chroma planes' width and height.
    pub fn chroma_size(&self) -> (usize, usize) {
        chroma_size(self.width, self.height, self.sampling)
    }

    /// Makes the planes `width` x `height` sampled as `sampling`, reusing their memory (a thread
    /// that encodes one size over and over allocates once).
    fn reshape(&mut self, width: usize, height: usize, sampling: Sampling) {
        let (cw, ch) = chroma_size(width, height, sampling);
        (self.width, self.height, self.sampling) = (width, height, sampling);
        self.y_stride = width.next_multiple_of(2);
        self.y.resize(self.y_stride * self.luma_rows(), 0);
        self.cb.resize(cw * ch, 0);
        self.cr.resize(cw * ch, 0);
    }

    /// The luma plane's rows: the height, made even for 4:2:0.
    fn luma_rows(&self) -> usize {
        match self.sampling {
            Sampling::S420 => self.height.next_multiple_of(2),
            Sampling::S422 => self.height,
        }
    }

    /// Fills the luma padding (see [`Planes`]) from the picture's last column and row.
    fn pad_luma(&mut self) {
        let (w, stride) = (self.width, self.y_stride);
        if w < stride {
            for row in self.y.chunks_exact_mut(stride) {
                row[w] = row[w - 1];
            }
        }
        if self.luma_rows() > self.height {
            let last = (self.height - 1) * stride;
            self.y.copy_within(last..last + stride, last + stride);
        }
    }

    /// Fills the planes with the checked raw frame `raw`, read and turned as `conv` says.
    pub(crate) fn fill_raw(&mut self, raw: &Raw, conv: &Conversion, sampling: Sampling) {
        let map = conv.orientation.mapping();
        if raw.format == PixelFormat::Yuyv && !map.transpose {
            self.fill_yuyv(raw, conv.range, sampling, map.mirror_x, map.mirror_y);
        } else if raw.format == PixelFormat::Rgb24 && conv.orientation.is_identity() {
            self.fill_rgb::<3, 0, 1, 2>(raw, sampling);
        } else if raw.format == PixelFormat::Bgra && conv.orientation.is_identity() {
            self.fill_rgb::<4, 2, 1, 0>(raw, sampling);
        } else {
            self.fill(
                &Oriented::new(raw.pixels(conv.range), conv.orientation),
                sampling,
            );
        }
    }

    /// Fills the planes with the turned picture `view` (any source, any orientation): each output
    /// row read whole, chroma then averaged down.
    pub fn fill<S: YcbcrSource>(&mut self, view: &Oriented<S>, sampling: Sampling) {
        let (w, h) = view.size();
        self.reshape(w, h, sampling);
        let cw = w.div_ceil(2);
        // Full-width chroma of the (up to) two rows that make one chroma row.
        let mut rows = [vec![0u8; w], vec![0u8; w], vec![0u8; w], vec![0u8; w]];
        let rows_per_chroma = sampling.rows_per_chroma();
        let luma_rows = self.y.chunks_exact_mut(self.y_stride).take(h);
        let chroma_rows = self
            .cb
            .chunks_exact_mut(cw)
            .zip(self.cr.chunks_exact_mut(cw));
        let mut luma_rows = luma_rows.enumerate();
        for (cb_out, cr_out) in chroma_rows {
            let [cb0, cr0, cb1, cr1] = &mut rows;
            let mut taken = 0;
            for (cb, cr) in [(&mut *cb0, &mut *cr0), (&mut *cb1, &mut *cr1)]
                .into_iter()
                .take(rows_per_chroma)
            {
                let Some((y, luma)) = luma_rows.next() else {
                    break;
                };
                view.row(y, &mut luma[..w], cb, cr);
                taken += 1;
            }
            // An odd last row stands for both rows of its pair.
            if taken == 1 && rows_per_chroma == 2 {
                cb1.copy_from_slice(cb0);
                cr1.copy_from_slice(cr0);
            }
            if rows_per_chroma == 2 {
                downsample(cb0, cb1, cb_out);
                downsample(cr0, cr1, cr_out);
            } else {
                downsample(cb0, cb0, cb_out);
                downsample(cr0, cr0, cr_out);
            }
        }
        self.pad_luma();
    }

    /// A YUYV frame split into planes ([`YuyvSplit::rows`], the whole picture at once).
    fn fill_yuyv(
        &mut self,
        raw: &Raw,
        range: YuvRange,
        sampling: Sampling,
        mirror_x: bool,
        mirror_y: bool,
    ) {
        let (w, h) = (usize::from(raw.width), usize::from(raw.height));
        self.reshape(w, h, sampling);
        let rows = PlaneRows {
            y: &mut self.y,
            y_stride: self.y_stride,
            cb: &mut self.cb,
            cr: &mut self.cr,
            c_stride: w / 2,
        };
        let split = YuyvSplit {
            raw,
            range,
            sampling,
            mirror_x,
            mirror_y,
        };
        split.rows(0..h, rows);
        self.pad_luma();
    }
}

impl Planes {
    /// An upright RGB24 or BGRA frame split into planes by [`rgb_split`], two rows at a time.
    fn fill_rgb<const BPP: usize, const RI: usize, const GI: usize, const BI: usize>(
        &mut self,
        raw: &Raw,
        sampling: Sampling,
    ) {
        let (w, h) = (usize::from(raw.width), usize::from(raw.height));
        self.reshape(w, h, sampling);
        let (stride, y_stride, cw) = (w * BPP, self.y_stride, w.div_ceil(2));
        for (top, pair, cb, cr) in chroma_rows(&mut self.cb, &mut self.cr, cw, h, sampling) {
            let r0 = &raw.data[top * stride..][..stride];
            let r1 = if pair {
                &raw.data[(top + 1) * stride..][..stride]
            } else {
                r0
            };
            let (y0, rest) = self.y[top * y_stride..].split_at_mut(y_stride);
            let y1 = pair.then(|| &mut rest[..w]);
            rgb_split::split_rows::<BPP, RI, GI, BI>(r0, r1, &mut y0[..w], y1, cb, cr);
        }
        self.pad_luma();
    }
}

/// Two full-width chroma rows (the same row twice for 4:2:2) to one of half the width: the rounded
/// mean of each 2x2 block (2x1 at an odd right edge).
fn downsample(r0: &[u8], r1: &[u8], out: &mut [u8]) {
    for (x, o) in out.iter_mut().enumerate() {
        let (a, b) = (2 * x, (2 * x + 1).min(r0.len() - 1));
        let sum = r0[a] as u16 + r0[b] as u16 + r1[a] as u16 + r1[b] as u16;
        *o = ((sum + 2) >> 2) as u8;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::video::encode::orient::{Orientation, Rotation};

    fn raw(format: PixelFormat, w: u32, h: u32, data: &[u8]) -> Raw<'_> {
        Raw::new(format, w, h, data).unwrap()
    }

    /// A YUYV frame whose every sample differs, `w` x `h`.
    fn yuyv(w: usize, h: usize) -> Vec<u8> {
        (0..w * h * 2).map(|i| (i * 7 % 251) as u8).collect()
    }

    #[test]
    fn the_yuyv_fast_path_equals_the_general_one_for_every_row_keeping_turn() {
        for (w, h) in [(8, 4), (6, 5), (2, 1), (16, 9)] {
            let data = yuyv(w, h);
            let frame = raw(PixelFormat::Yuyv, w as u32, h as u32, &data);
            for range in [YuvRange::Full, YuvRange::Limited] {
                for sampling in [Sampling::S420, Sampling::S422] {
                    // Every turn that keeps rows rows: upright, half turn, each flip.
                    for (rotate, flip_h) in [
                        (Rotation::R0, false),
                        (Rotation::R180, false),
                        (Rotation::R0, true),
                        (Rotation::R180, true),
                    ] {
                        let o = Orientation {
                            rotate,
                            flip_h,
                            flip_v: false,
                        };
                        let mut fast = Planes::default();
                        fast.fill_raw(&frame, &Conversion::new(range, o), sampling);
                        let mut general = Planes::default();
                        general.fill(&Oriented::new(frame.pixels(range), o), sampling);
                        let what = format!("{w}x{h} {range} {sampling:?} {}", o.describe());
                        assert_eq!(fast.chroma_size(), general.chroma_size(), "{what}");
                        assert_eq!(fast.y, general.y, "{what}");
                        assert_eq!(fast.cb, general.cb, "{what}");
                        assert_eq!(fast.cr, general.cr, "{what}");
                    }
                }
            }
        }
    }

    #[test]
    fn limited_range_is_expanded_and_chroma_averaged() {
        // Two rows of one pixel pair: luma 16 and 235 (black, white), chroma 16 and 240 averaged.
        let data = [16, 16, 235, 128, 16, 240, 235, 128];
        let frame = raw(PixelFormat::Yuyv, 2, 2, &data);
        let mut p = Planes::default();
        p.fill_raw(
            &frame,
            &Conversion::new(YuvRange::Limited, Orientation::IDENTITY),
            Sampling::S420,
        );
        assert_eq!(p.y, [0, 255, 0, 255]);
        assert_eq!((p.cb[0], p.cr[0]), (128, 128)); // (0 + 255 + 1) / 2, (128 + 128 + 1) / 2
        p.fill_raw(&frame, &Conversion::NONE, Sampling::S422);
        assert_eq!(p.y, [16, 235, 16, 235]);
        assert_eq!(
            (p.cb.as_slice(), p.cr.as_slice()),
            (&[16, 240][..], &[128, 128][..])
        );
    }

    #[test]
    fn a_turned_picture_is_planed_turned() {
        // RGB 3x2 with distinct grey levels: after a quarter turn the luma plane is 2x3, read down
        // the columns from the bottom.
        let greys = [10u8, 20, 30, 40, 50, 60];
        let data: Vec<u8> = greys.iter().flat_map(|&g| [g, g, g]).collect();
        let frame = raw(PixelFormat::Rgb24, 3, 2, &data);
        let turn = Orientation {
            rotate: Rotation::R90,
            ..Orientation::IDENTITY
        };
        let mut p = Planes::default();
        p.fill_raw(
            &frame,
            &Conversion::new(YuvRange::Full, turn),
            Sampling::S420,
        );
        assert_eq!((p.width, p.height, p.chroma_size()), (2, 3, (1, 2)));
        // The luma plane is padded to an even height by repeating the last row.
        assert_eq!(p.y, [40, 10, 50, 20, 60, 30, 60, 30]);
        assert!(
            p.cb.iter().chain(&p.cr).all(|&c| c == 128),
            "grey has no chroma"
        );
    }

    #[test]
    fn odd_sizes_keep_their_edges() {
        // 3 wide, 3 high, 4:2:0: chroma 2x2, the last column and row averaged with themselves.
        let px = |v: u8| [v, 0, 0];
        let data: Vec<u8> = [0u8, 0, 200, 0, 0, 200, 100, 100, 100]
            .iter()
            .flat_map(|&v| px(v))
            .collect();
        let frame = raw(PixelFormat::Rgb24, 3, 3, &data);
        let mut p = Planes::default();
        p.fill_raw(&frame, &Conversion::NONE, Sampling::S420);
        assert_eq!(p.chroma_size(), (2, 2));
        assert_eq!((p.y_stride, p.y.len()), (4, 16), "luma padded to 4x4");
        assert_eq!(p.y[3], p.y[2], "the padding column repeats the last one");
        assert_eq!(
            p.y[12..],
            p.y[8..12],
            "the padding row repeats the last one"
        );
        let cr = |v: u8| crate::video::encode::pixels::rgb_to_ycbcr(v, 0, 0).2;
        assert_eq!(p.cr[1], cr(200), "the right edge column alone");
        assert_eq!(p.cr[2], cr(100), "the bottom edge row alone");
    }
}
