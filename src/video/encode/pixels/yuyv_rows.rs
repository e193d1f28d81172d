//! YUYV rows split into full-width Y, Cb, Cr rows, written for speed: every row of every YUYV frame
//! the default encoder writes goes through here. On x86-64 it is SSE2 (the architecture's baseline:
//! nothing to detect at run time), 16 pixels a step, limited range expanded by arithmetic that equals
//! the tables for all 256 values (tested; libjpeg-turbo's split in `yuyv_split.rs` uses it too);
//! other targets and each row's last few pixels take the scalar loop (range matched once a row,
//! tables for limited range).
//!
//! Why, measured: `perf record` of `benches/codec` at 1080p YUYV put the former per-pair split
//! (`range.rs`'s `yuyv_samples` behind a `match` per pair, through `Oriented` and `RawPixels`) at
//! ~16 % of the encode; plain loops left to the compiler stayed scalar in the encoder (byte loads
//! and shifts, ~5 % of the bench's samples) even where a standalone build vectorised them, and
//! did not move the bench. With this SSE2 path (and `fast.rs`'s upright path), old and new binary
//! alternated: FastEncoder from YUYV 1.91 -> 1.76 ms at 640x480, 5.09 -> 4.65 ms at 1280x720,
//! 10.79 -> 10.23 ms at 1920x1080 (2.98x -> 2.69x, 2.57x -> 2.36x, 2.97x -> 2.82x libjpeg-turbo's
//! time; docs/BENCHMARKS.md, "YUYV row split").

use pistream_camera::YuvRange;

use super::range::{LIMITED_CHROMA, LIMITED_LUMA};

/// One YUYV row (`Y0 U Y1 V` per pixel pair) whose samples have `range` to full-range Y, Cb, Cr
/// rows of one value a pixel (each chroma sample repeated for both pixels of its pair). Converts as
/// many pairs as every slice holds.
pub fn split_yuyv_row(range: YuvRange, src: &[u8], y: &mut [u8], cb: &mut [u8], cr: &mut [u8]) {
    // SAFETY: SSE2 is part of the x86-64 baseline, so every x86-64 CPU has it.
    #[cfg(target_arch = "x86_64")]
    let done = unsafe { sse2::split(range == YuvRange::Limited, src, y, cb, cr) };
    #[cfg(not(target_arch = "x86_64"))]
    let done = 0;
    let src = src.get(2 * done..).unwrap_or(&[]);
    let (y, cb, cr) = (&mut y[done..], &mut cb[done..], &mut cr[done..]);
    let pairs = src
        .chunks_exact(4)
        .zip(y.chunks_exact_mut(2))
        .zip(cb.chunks_exact_mut(2))
        .zip(cr.chunks_exact_mut(2));
    match range {
        YuvRange::Full => {
            for (((s, y), cb), cr) in pairs {
                y.copy_from_slice(&[s[0], s[2]]);
                cb.copy_from_slice(&[s[1]; 2]);
                cr.copy_from_slice(&[s[3]; 2]);
            }
        }
        YuvRange::Limited => {
            let (l, c) = (&LIMITED_LUMA, &LIMITED_CHROMA);
            for (((s, y), cb), cr) in pairs {
                y.copy_from_slice(&[l[s[0] as usize], l[s[2] as usize]]);
                cb.copy_from_slice(&[c[s[1] as usize]; 2]);
                cr.copy_from_slice(&[c[s[3] as usize]; 2]);
            }
        }
    }
}

#[cfg(target_arch = "x86_64")]
pub(super) mod sse2 {
    use std::arch::x86_64::*;

    /// Limited-range luma to full range, from 16-bit lanes that hold the sample in their high byte
    /// (`v << 8`, as a YUYV vector shifted left by a byte does): `(v * 38154 / 2^8 - 2320) / 2^7`,
    /// floored, the subtraction saturating at 0 (below black), results over 255 (above white) left
    /// for the caller's saturating pack. Equal to the table's `(v - 16) * 255 / 219`, rounded, for
    /// every one of the 256 values (tested): the multiplier and offset came from a search over
    /// all 256 inputs. Three instructions where the direct formula took five.
    #[target_feature(enable = "sse2")]
    pub(in crate::video::encode) fn expand_luma_high(v: __m128i) -> __m128i {
        let t = _mm_mulhi_epu16(v, _mm_set1_epi16(38154u16 as i16));
        _mm_srli_epi16(_mm_subs_epu16(t, _mm_set1_epi16(2320)), 7)
    }

    /// Limited-range chroma to full range, from 16-bit lanes that hold the sample in their high
    /// byte: `(v * 37304 / 2^8 - 2204) / 2^7`, as [`expand_luma_high`] (over 255 left for the
    /// pack). Equal to the table's `128 + (v - 128) * 255 / 224`, rounded half away from 128, for
    /// every value (tested); three instructions where the two one-sided steps it replaces took
    /// twelve.
    #[target_feature(enable = "sse2")]
    pub(in crate::video::encode) fn expand_chroma_high(v: __m128i) -> __m128i {
        let t = _mm_mulhi_epu16(v, _mm_set1_epi16(37304u16 as i16));
        _mm_srli_epi16(_mm_subs_epu16(t, _mm_set1_epi16(2204)), 7)
    }

    /// Limited-range luma in 16-bit lanes (the sample in the low byte) to full range, results over
    /// 255 left for the pack: [`expand_luma_high`] of the sample moved to the high byte.
    #[target_feature(enable = "sse2")]
    fn expand_luma(v: __m128i) -> __m128i {
        expand_luma_high(_mm_slli_epi16(v, 8))
    }

    /// Limited-range chroma in 16-bit lanes (the sample in the low byte) to full range, results
    /// over 255 left for the pack: [`expand_chroma_high`] of the sample moved to the high byte.
    #[target_feature(enable = "sse2")]
    fn expand_chroma(v: __m128i) -> __m128i {
        expand_chroma_high(_mm_slli_epi16(v, 8))
    }

    /// [`super::split_yuyv_row`] for whole blocks of 16 pixels; returns how many pixels it did.
    #[target_feature(enable = "sse2")]
    pub unsafe fn split(
        limited: bool,
        src: &[u8],
        y: &mut [u8],
        cb: &mut [u8],
        cr: &mut [u8],
    ) -> usize {
        let blocks = (src.len() / 32)
            .min(y.len() / 16)
            .min(cb.len() / 16)
            .min(cr.len() / 16);
        let low = _mm_set1_epi16(0x00FF);
        let luma = |v: __m128i| if limited { expand_luma(v) } else { v };
        let chroma = |v: __m128i| if limited { expand_chroma(v) } else { v };
        for i in 0..blocks {
            // SAFETY: `blocks` is bounded by every slice's length in whole blocks, so each load
            // (32 bytes of the row at 32 * i) and store (16 bytes of each output at 16 * i) is in
            // bounds; the unaligned load and store intrinsics take any address.
            unsafe {
                let a0 = _mm_loadu_si128(src.as_ptr().add(32 * i).cast::<__m128i>());
                let a1 = _mm_loadu_si128(src.as_ptr().add(32 * i + 16).cast::<__m128i>());
                // Luma: the low byte of each 16-bit lane.
                let l =
                    _mm_packus_epi16(luma(_mm_and_si128(a0, low)), luma(_mm_and_si128(a1, low)));
                _mm_storeu_si128(y.as_mut_ptr().add(16 * i).cast(), l);
                // Chroma: the high bytes, U V U V ..., expanded, then each U (V) in both bytes of
                // a 16-bit lane: the sample for both pixels of its pair.
                let uv =
                    _mm_packus_epi16(chroma(_mm_srli_epi16(a0, 8)), chroma(_mm_srli_epi16(a1, 8)));
                let u = _mm_and_si128(uv, low);
                let v = _mm_srli_epi16(uv, 8);
                let u = _mm_or_si128(u, _mm_slli_epi16(u, 8));
                let v = _mm_or_si128(v, _mm_slli_epi16(v, 8));
                _mm_storeu_si128(cb.as_mut_ptr().add(16 * i).cast(), u);
                _mm_storeu_si128(cr.as_mut_ptr().add(16 * i).cast(), v);
            }
        }
        blocks * 16
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::video::encode::pixels::range::yuyv_samples;
    use crate::video::encode::tests::random_bytes;

    #[test]
    fn split_equals_the_per_pair_samples_in_both_ranges() {
        // 256 pairs in which each of Y0, U, Y1, V takes every value 0..=255 (32 sixteen-pixel
        // steps), then 134 pixels of random samples (8 more steps and a scalar tail of 6).
        let mut src: Vec<u8> = (0..256 * 4)
            .map(|i| ((i / 4 + 64 * (i % 4)) % 256) as u8)
            .collect();
        src.extend(random_bytes(134 * 2, 0x9E37_79B9_7F4A_7C15));
        for range in [YuvRange::Full, YuvRange::Limited] {
            let (mut y, mut cb, mut cr) = (vec![0; 646], vec![0; 646], vec![0; 646]);
            split_yuyv_row(range, &src, &mut y, &mut cb, &mut cr);
            for (i, pair) in src.chunks_exact(4).enumerate() {
                let (y0, y1, u, v) = yuyv_samples(range, pair);
                let x = 2 * i;
                assert_eq!(
                    (&y[x..x + 2], &cb[x..x + 2], &cr[x..x + 2]),
                    (&[y0, y1][..], &[u, u][..], &[v, v][..]),
                    "{range} pair {i}"
                );
            }
        }
    }

    #[test]
    fn short_outputs_truncate() {
        let (mut y, mut cb, mut cr) = ([7u8; 3], [7u8; 4], [7u8; 4]);
        split_yuyv_row(
            YuvRange::Full,
            &[1, 2, 3, 4, 5, 6, 7, 8],
            &mut y,
            &mut cb,
            &mut cr,
        );
        assert_eq!((y, cb, cr), ([1, 3, 7], [2, 2, 7, 7], [4, 4, 7, 7]));
    }
}
