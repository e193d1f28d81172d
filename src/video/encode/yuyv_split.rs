//! YUYV rows split into the planes both encoders encode from ([`super::planes`]; a frame's rows,
//! turned, by `YuyvSplit`, whole or a strip at a time for libjpeg-turbo): luma as it is,
//! chroma as the rounded mean of two rows (the same row twice for 4:2:2), limited-range samples
//! expanded to full range on the way. This split is all the default encoder and libjpeg-turbo's
//! `TurboEncoder` add to their encode of an upright YUYV frame, so on x86-64 it is SSE2 (part of that
//! architecture's baseline: nothing to detect at run time), 16 pixels a step; other targets and
//! each row's last few pixels take the scalar loop.
//!
//! Measured (1280x720, one pass over the frame, outside the library, loaded machine): scalar with
//! lookup tables 0.6 ms full range, about 1 ms limited; SSE2 0.17 and 0.43 ms, against 2.7 ms for
//! libjpeg-turbo's own encode of the planes. The SSE2 range expansion is arithmetic that equals the
//! tables of [`super::pixels`] for every one of the 256 values (tested): since issue 9's second
//! pass 3 instructions a vector instead of 5 (luma) and 12 (chroma), which took limited range from
//! 1.13-1.24x the library's own speed to 1.03-1.08x (docs/BENCHMARKS.md, "Codecs side by side").

use pistream_camera::YuvRange;

use super::fast::Sampling;
use super::Raw;

use super::pixels::{LIMITED_CHROMA, LIMITED_LUMA};

/// Splits the YUYV rows `r0` and `r1` (the same row for 4:2:2, or for an odd last row): luma of
/// `r0` into `y0` and of `r1` into `y1` (when given), the mean of their chroma into `cb` and `cr`.
/// Converts as many pixels as every slice holds.
pub fn split_rows(
    range: YuvRange,
    r0: &[u8],
    r1: &[u8],
    y0: &mut [u8],
    #[allow(unused_mut)] // mutated only by the x86-64 path
    mut y1: Option<&mut [u8]>,
    cb: &mut [u8],
    cr: &mut [u8],
) {
    let limited = range == YuvRange::Limited;
    // SAFETY: SSE2 is part of the x86-64 baseline, so every x86-64 CPU has it.
    #[cfg(target_arch = "x86_64")]
    let done = unsafe { sse2::split(limited, r0, r1, y0, y1.as_deref_mut(), cb, cr) };
    #[cfg(not(target_arch = "x86_64"))]
    let done = 0;
    let (luma_t, chroma_t) = match limited {
        true => (Some(&LIMITED_LUMA), Some(&LIMITED_CHROMA)),
        false => (None, None),
    };
    let (r0, r1) = (tail(r0, 2 * done), tail(r1, 2 * done));
    split_luma(r0, tail_mut(y0, done), luma_t);
    if let Some(y1) = y1 {
        split_luma(r1, tail_mut(y1, done), luma_t);
    }
    let (cb, cr) = (tail_mut(cb, done / 2), tail_mut(cr, done / 2));
    match chroma_t {
        Some(t) => split_chroma(r0, r1, cb, cr, |v| t[v as usize]),
        None => split_chroma(r0, r1, cb, cr, |v| v),
    }
}

/// Rows of the three planes, from some picture row on: where [`YuyvSplit::rows`] writes.
pub(crate) struct PlaneRows<'a> {
    pub y: &'a mut [u8],
    pub y_stride: usize,
    pub cb: &'a mut [u8],
    pub cr: &'a mut [u8],
    pub c_stride: usize,
}

/// How a YUYV frame is split into planes ([`split_rows`]): luma as it is (or expanded), chroma
/// taken from each pixel pair and, for 4:2:0, averaged over two rows. Turns that keep rows rows (a
/// half turn, a flip) cost next to nothing here: `mirror_y` takes the source rows bottom-up,
/// `mirror_x` reverses each finished plane row (a pixel pair's chroma stays that pair's).
pub(crate) struct YuyvSplit<'a> {
    /// A checked YUYV frame.
    pub raw: &'a Raw<'a>,
    pub range: YuvRange,
    pub sampling: Sampling,
    pub mirror_x: bool,
    pub mirror_y: bool,
}

impl YuyvSplit<'_> {
    /// Splits the picture rows `rows` (starting on a chroma row: even for 4:2:0) into `out`, whose
    /// first rows stand for picture row `rows.start`: each luma row `width` samples long, each
    /// chroma row `width / 2`; what lies past them in `out` is left as it is. A whole frame at
    /// once ([`Planes`]) or an iMCU row at a time (`TurboEncoder`'s strips).
    pub fn rows(&self, rows: std::ops::Range<usize>, out: PlaneRows) {
        let raw = self.raw;
        let (w, h) = (usize::from(raw.width), usize::from(raw.height));
        let (stride, cw) = (w * 2, w / 2);
        let per = self.sampling.rows_per_chroma();
        debug_assert!(rows.start.is_multiple_of(per) && rows.end <= h);
        let src_row = |y: usize| {
            let sy = if self.mirror_y { h - 1 - y } else { y };
            &raw.data[sy * stride..(sy + 1) * stride]
        };
        let PlaneRows {
            y: luma,
            y_stride,
            cb: cb_plane,
            cr: cr_plane,
            c_stride,
        } = out;
        for (k, top) in rows.clone().step_by(per).enumerate() {
            // A 4:2:0 picture's odd last row stands for both rows of its pair.
            let pair = per == 2 && top + 1 < h;
            let r0 = src_row(top);
            let r1 = if pair { src_row(top + 1) } else { r0 };
            let (y0, rest) = luma[(top - rows.start) * y_stride..].split_at_mut(w);
            let mut y1 = pair.then(|| &mut rest[y_stride - w..][..w]);
            let cb = &mut cb_plane[k * c_stride..][..cw];
            let cr = &mut cr_plane[k * c_stride..][..cw];
            split_rows(self.range, r0, r1, y0, y1.as_deref_mut(), cb, cr);
            if self.mirror_x {
                for row in [Some(y0), y1, Some(cb), Some(cr)].into_iter().flatten() {
                    row.reverse();
                }
            }
        }
    }
}

fn tail(s: &[u8], from: usize) -> &[u8] {
    s.get(from..).unwrap_or(&[])
}

fn tail_mut(s: &mut [u8], from: usize) -> &mut [u8] {
    let from = from.min(s.len());
    &mut s[from..]
}

/// The luma of one YUYV row, through `table` when the samples need expanding.
fn split_luma(src: &[u8], luma: &mut [u8], table: Option<&[u8; 256]>) {
    let px = src.chunks_exact(2).zip(luma.iter_mut());
    match table {
        Some(t) => px.for_each(|(s, l)| *l = t[s[0] as usize]),
        None => px.for_each(|(s, l)| *l = s[0]),
    }
}

/// The chroma of two YUYV rows, mapped by `map`, as one row of Cb and one of Cr: the rounded mean.
fn split_chroma(r0: &[u8], r1: &[u8], cb: &mut [u8], cr: &mut [u8], map: impl Fn(u8) -> u8) {
    let pairs = r0.chunks_exact(4).zip(r1.chunks_exact(4));
    for ((a, b), (cb, cr)) in pairs.zip(cb.iter_mut().zip(cr.iter_mut())) {
        *cb = ((map(a[1]) as u16 + map(b[1]) as u16 + 1) >> 1) as u8;
        *cr = ((map(a[3]) as u16 + map(b[3]) as u16 + 1) >> 1) as u8;
    }
}

#[cfg(target_arch = "x86_64")]
mod sse2 {
    use std::arch::x86_64::*;

    use crate::video::encode::pixels::{expand_chroma_high, expand_luma_high};

    /// [`super::split_rows`] for whole blocks of 16 pixels; returns how many pixels it did.
    #[target_feature(enable = "sse2")]
    pub unsafe fn split(
        limited: bool,
        r0: &[u8],
        r1: &[u8],
        y0: &mut [u8],
        y1: Option<&mut [u8]>,
        cb: &mut [u8],
        cr: &mut [u8],
    ) -> usize {
        // SAFETY: forwarded from the caller (SSE2 is there).
        unsafe {
            match limited {
                true => split_in::<true>(r0, r1, y0, y1, cb, cr),
                false => split_in::<false>(r0, r1, y0, y1, cb, cr),
            }
        }
    }

    /// The luma of eight YUYV pixels (the low byte of each 16-bit lane) in full range, in 16-bit
    /// lanes: as it is, or expanded from limited range (moved to the high byte, which the
    /// expansion takes, by one shift: no mask needed).
    #[target_feature(enable = "sse2")]
    fn luma<const LIMITED: bool>(v: __m128i) -> __m128i {
        match LIMITED {
            true => expand_luma_high(_mm_slli_epi16(v, 8)),
            false => _mm_and_si128(v, _mm_set1_epi16(0x00FF)),
        }
    }

    /// The chroma of eight YUYV pixels (the high byte of each 16-bit lane: U V U V ...) in full
    /// range, in 16-bit lanes: shifted down, or masked in place and expanded from limited range.
    #[target_feature(enable = "sse2")]
    fn chroma<const LIMITED: bool>(v: __m128i) -> __m128i {
        match LIMITED {
            true => expand_chroma_high(_mm_and_si128(v, _mm_set1_epi16(0xFF00u16 as i16))),
            false => _mm_srli_epi16(v, 8),
        }
    }

    /// [`split`] for one range, decided at compile time: no test of the range in the loop.
    #[target_feature(enable = "sse2")]
    unsafe fn split_in<const LIMITED: bool>(
        r0: &[u8],
        r1: &[u8],
        y0: &mut [u8],
        mut y1: Option<&mut [u8]>,
        cb: &mut [u8],
        cr: &mut [u8],
    ) -> usize {
        let blocks = (y0.len() / 16)
            .min(y1.as_ref().map_or(usize::MAX, |y| y.len() / 16))
            .min(r0.len() / 32)
            .min(r1.len() / 32)
            .min(cb.len() / 8)
            .min(cr.len() / 8);
        let low = _mm_set1_epi16(0x00FF);
        let zero = _mm_setzero_si128();
        for i in 0..blocks {
            // SAFETY: `blocks` is bounded by every slice's length in whole blocks, so each load
            // (32 bytes of a row at 32 * i) and store (16 luma, 8 chroma bytes) is in bounds;
            // the unaligned load and store intrinsics take any address.
            unsafe {
                let load =
                    |row: &[u8], at: usize| _mm_loadu_si128(row.as_ptr().add(at).cast::<__m128i>());
                let (a0, a1) = (load(r0, 32 * i), load(r0, 32 * i + 16));
                let (b0, b1) = (load(r1, 32 * i), load(r1, 32 * i + 16));
                let ya = _mm_packus_epi16(luma::<LIMITED>(a0), luma::<LIMITED>(a1));
                _mm_storeu_si128(y0.as_mut_ptr().add(16 * i).cast(), ya);
                if let Some(y1) = y1.as_deref_mut() {
                    let yb = _mm_packus_epi16(luma::<LIMITED>(b0), luma::<LIMITED>(b1));
                    _mm_storeu_si128(y1.as_mut_ptr().add(16 * i).cast(), yb);
                }
                // Chroma: U V U V ... of each row in full range, then the two rows averaged
                // ((a + b + 1) >> 1, as the scalar loop) and split into U and V.
                let uva = _mm_packus_epi16(chroma::<LIMITED>(a0), chroma::<LIMITED>(a1));
                let uvb = _mm_packus_epi16(chroma::<LIMITED>(b0), chroma::<LIMITED>(b1));
                let uv = _mm_avg_epu8(uva, uvb);
                let u = _mm_packus_epi16(_mm_and_si128(uv, low), zero);
                let v = _mm_packus_epi16(_mm_srli_epi16(uv, 8), zero);
                _mm_storel_epi64(cb.as_mut_ptr().add(8 * i).cast(), u);
                _mm_storel_epi64(cr.as_mut_ptr().add(8 * i).cast(), v);
            }
        }
        blocks * 16
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The scalar loops alone, for comparison.
    fn scalar(
        range: YuvRange,
        r0: &[u8],
        r1: &[u8],
        w: usize,
    ) -> (Vec<u8>, Vec<u8>, Vec<u8>, Vec<u8>) {
        let t = match range {
            YuvRange::Limited => Some((&LIMITED_LUMA, &LIMITED_CHROMA)),
            YuvRange::Full => None,
        };
        let (mut y0, mut y1, mut cb, mut cr) =
            (vec![0; w], vec![0; w], vec![0; w / 2], vec![0; w / 2]);
        split_luma(r0, &mut y0, t.map(|t| t.0));
        split_luma(r1, &mut y1, t.map(|t| t.0));
        match t {
            Some((_, c)) => split_chroma(r0, r1, &mut cb, &mut cr, |v| c[v as usize]),
            None => split_chroma(r0, r1, &mut cb, &mut cr, |v| v),
        }
        (y0, y1, cb, cr)
    }

    #[test]
    fn every_sample_value_and_row_length_splits_as_the_scalar_loops_do() {
        // Rows of 2..=70 pixels (whole blocks, tails, both) with every value 0..=255 in every
        // position over the rows, in both ranges: the fast path must equal the tables exactly.
        for w in (2..=70).step_by(2) {
            for seed in 0..8usize {
                let r0: Vec<u8> = (0..2 * w)
                    .map(|i| ((i * 37 + seed * 101) % 256) as u8)
                    .collect();
                let r1: Vec<u8> = (0..2 * w)
                    .map(|i| ((i * 53 + seed * 29 + 7) % 256) as u8)
                    .collect();
                for range in [YuvRange::Full, YuvRange::Limited] {
                    let want = scalar(range, &r0, &r1, w);
                    let (mut y0, mut y1, mut cb, mut cr) =
                        (vec![0; w], vec![0; w], vec![0; w / 2], vec![0; w / 2]);
                    split_rows(range, &r0, &r1, &mut y0, Some(&mut y1), &mut cb, &mut cr);
                    assert_eq!((y0, y1, cb, cr), want, "{w} pixels, {range}, seed {seed}");
                }
            }
        }
    }

    #[test]
    fn random_rows_of_every_length_split_as_the_scalar_loops_do() {
        // Random samples, rows of 1..=100 pixels (odd ones too: their last pixel has no pair),
        // a second luma row or none, both ranges: whole SSE2 blocks and every tail length.
        use crate::video::encode::tests::random_bytes;
        for w in 1..=100usize {
            let r0 = random_bytes(2 * w, 0x5EED_0000 + w as u64);
            let r1 = random_bytes(2 * w, 0xF00D_0000 + w as u64);
            for range in [YuvRange::Full, YuvRange::Limited] {
                let want = scalar(range, &r0, &r1, w);
                let (mut y0, mut y1, mut cb, mut cr) =
                    (vec![0; w], vec![0; w], vec![0; w / 2], vec![0; w / 2]);
                split_rows(range, &r0, &r1, &mut y0, Some(&mut y1), &mut cb, &mut cr);
                assert_eq!(
                    (&y0, &y1, &cb, &cr),
                    (&want.0, &want.1, &want.2, &want.3),
                    "{w} {range}"
                );
                // Without a second luma row: the same first row and chroma, nothing else written.
                let (mut y0, mut cb2, mut cr2) = (vec![0; w], vec![0; w / 2], vec![0; w / 2]);
                split_rows(range, &r0, &r1, &mut y0, None, &mut cb2, &mut cr2);
                assert_eq!(
                    (y0, cb2, cr2),
                    (want.0.clone(), want.2.clone(), want.3.clone()),
                    "{w} {range}"
                );
            }
        }
    }

    #[test]
    fn all_256_values_expand_like_the_tables() {
        // 256 pixels whose luma, Cb and Cr each take every value once.
        let row: Vec<u8> = (0..256usize)
            .flat_map(|i| {
                [
                    i as u8,
                    (i * 2 % 256) as u8 | (i / 128) as u8,
                    i as u8,
                    (255 - i) as u8,
                ]
            })
            .collect();
        let w = 512;
        let (mut y0, mut cb, mut cr) = (vec![0; w], vec![0; w / 2], vec![0; w / 2]);
        split_rows(
            YuvRange::Limited,
            &row,
            &row,
            &mut y0,
            None,
            &mut cb,
            &mut cr,
        );
        for i in 0..256 {
            assert_eq!(y0[2 * i], LIMITED_LUMA[i], "luma {i}");
            assert_eq!(cb[i], LIMITED_CHROMA[row[4 * i + 1] as usize], "cb {i}");
            assert_eq!(cr[i], LIMITED_CHROMA[255 - i], "cr {i}");
        }
    }
}
