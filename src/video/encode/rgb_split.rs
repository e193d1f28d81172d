//! RGB24 and BGRA rows split into the 4:2:0 or 4:2:2 planes the default encoder encodes from
//! ([`super::planes`]): the upright RGB frame's path, as [`super::yuyv_split`] is YUYV's.
//!
//! BT.601 full range (JFIF) in 16.16 fixed point with libjpeg's coefficients (`jccolor.c`, the
//! same as [`super::pixels::rgb_to_ycbcr`], whose luma this equals to the bit). Chroma is computed
//! once per 2x2 (or 2x1) block from the block's summed colour, one rounding, instead of per pixel
//! and then averaged: half the multiplies, and within one level of the per-pixel-then-averaged
//! planes of the general path (tested). The work is done in chunks of 64 pixels, each pixel first
//! read as one 32-bit word (see `chunk`), so the compiler vectorises the arithmetic (SSE2's
//! `pmaddwd` on x86-64, NEON on a Pi).
//!
//! Why a path of its own, measured (`benches/codec`, 1920x1080 RGB, the default encoder's CPU per
//! frame against libjpeg-turbo's in the same run): through the general row reader and a separate
//! downsampling pass 3.38x (16.5 ms, 5.4 ms more than a YUYV frame); split per pixel pair but
//! scalar (the compiler did not vectorise that shape) 2.77x; channels copied into planar arrays
//! first 2.60x (then 2.35-2.41x once the core had sped up); each pixel read as one word 2.10-2.15x
//! (alternated with the planar version: 10-12 % less time at every size).

/// Luma of one pixel (equal to [`super::pixels::rgb_to_ycbcr`]'s).
#[inline(always)]
fn luma(r: u32, g: u32, b: u32) -> u8 {
    ((19595 * r + 38470 * g + 7471 * b + 0x7FFF) >> 16) as u8
}

/// Cb and Cr of the colour summed over `n` pixels (`n` = 2 or 4, `shift` its log2), rounded once.
#[inline(always)]
fn chroma(r: i32, g: i32, b: i32, shift: u32) -> (u8, u8) {
    let offset = (128 << 16 << shift) + (1 << (15 + shift)) - 1;
    let cb = (-11059 * r - 21709 * g + 32768 * b + offset) >> (16 + shift);
    let cr = (32768 * r - 27439 * g - 5329 * b + offset) >> (16 + shift);
    (cb as u8, cr as u8)
}

/// Splits the rows `r0` and `r1` (the same row for 4:2:2 or an odd last row) of `BPP`-byte pixels,
/// red, green and blue at `RI`, `GI`, `BI`: luma of `r0` into `y0`, of `r1` into `y1` when given,
/// chroma of each pixel pair (both rows) into `cb` and `cr`. `y0` is the row's width; an odd last
/// pixel makes a chroma sample of its own.
pub fn split_rows<'a, const BPP: usize, const RI: usize, const GI: usize, const BI: usize>(
    r0: &'a [u8],
    r1: &'a [u8],
    y0: &mut [u8],
    mut y1: Option<&mut [u8]>,
    cb: &mut [u8],
    cr: &mut [u8],
) {
    let w = y0.len();
    let (r0, r1) = (&r0[..w * BPP], &r1[..w * BPP]);
    // Whole chunks of CHUNK pixels in the vectorised shape, the rest one pair at a time.
    let chunks = w / CHUNK;
    let mut spare = [0u8; CHUNK];
    for c in 0..chunks {
        let px = CHUNK * c;
        let out1 = match y1.as_deref_mut() {
            Some(y1) => &mut y1[px..px + CHUNK],
            None => &mut spare[..],
        };
        chunk::<BPP, RI, GI, BI>(
            &r0[px * BPP..(px + CHUNK) * BPP],
            &r1[px * BPP..(px + CHUNK) * BPP],
            [&mut y0[px..px + CHUNK], out1],
            &mut cb[px / 2..(px + CHUNK) / 2],
            &mut cr[px / 2..(px + CHUNK) / 2],
        );
    }
    let done = chunks * CHUNK;
    let (r0, r1) = (&r0[done * BPP..], &r1[done * BPP..]);
    let (cb, cr) = (&mut cb[done / 2..], &mut cr[done / 2..]);
    luma_row::<BPP, RI, GI, BI>(r0, &mut y0[done..]);
    if let Some(y1) = y1 {
        luma_row::<BPP, RI, GI, BI>(r1, &mut y1[done..w]);
    }
    let pairs = r0.chunks_exact(2 * BPP).zip(r1.chunks_exact(2 * BPP));
    for ((a, b), (cb, cr)) in pairs.zip(cb.iter_mut().zip(cr.iter_mut())) {
        let sum = |i: usize| {
            i32::from(a[i]) + i32::from(a[BPP + i]) + i32::from(b[i]) + i32::from(b[BPP + i])
        };
        (*cb, *cr) = chroma(sum(RI), sum(GI), sum(BI), 2);
    }
    let left = w - done;
    if left % 2 == 1 {
        let (a, b) = (&r0[(left - 1) * BPP..], &r1[(left - 1) * BPP..]);
        let sum = |i: usize| i32::from(a[i]) + i32::from(b[i]);
        (cb[left / 2], cr[left / 2]) = chroma(sum(RI), sum(GI), sum(BI), 1);
    }
}

/// Pixels per vectorised chunk.
const CHUNK: usize = 64;

/// [`split_rows`] on one chunk of [`CHUNK`] pixels of each row, in passes the compiler vectorises
/// (measured: written per pixel, or per pixel pair over lanes, it stayed scalar, 15 % of a 1080p
/// RGB encode): each pixel read as one little-endian 32-bit word (one load, where copying its three
/// channels out one by one was three loads and three stores), then luma and chroma each a plain
/// loop over those words, channels taken out by shifts and masks, in 32-bit integers of 8- and
/// 16-bit operands (16-bit multiplies).
#[inline(always)]
fn chunk<const BPP: usize, const RI: usize, const GI: usize, const BI: usize>(
    a: &[u8],
    b: &[u8],
    y: [&mut [u8]; 2],
    cb: &mut [u8],
    cr: &mut [u8],
) {
    let mut words = [[0u32; CHUNK]; 2];
    for (src, words) in [a, b].into_iter().zip(words.iter_mut()) {
        // RGB24's last pixel has no fourth byte in the chunk: read it alone.
        let whole = if BPP == 4 { CHUNK } else { CHUNK - 1 };
        for (i, word) in words.iter_mut().enumerate().take(whole) {
            let at = i * BPP;
            *word = u32::from_le_bytes(src[at..at + 4].try_into().expect("4 bytes"));
        }
        if whole < CHUNK {
            let at = (CHUNK - 1) * BPP;
            words[CHUNK - 1] = u32::from_le_bytes([src[at], src[at + 1], src[at + 2], 0]);
        }
    }
    let channel = |word: u32, c: usize| (word >> (8 * c)) & 0xFF;
    for (words, y) in words.iter().zip(y) {
        for (&w, y) in words.iter().zip(y.iter_mut()) {
            *y = luma(channel(w, RI), channel(w, GI), channel(w, BI));
        }
    }
    let [w0, w1] = &words;
    let sum = |i: usize, c: usize| {
        (channel(w0[2 * i], c)
            + channel(w0[2 * i + 1], c)
            + channel(w1[2 * i], c)
            + channel(w1[2 * i + 1], c)) as i32
    };
    for (i, (cb, cr)) in cb.iter_mut().zip(cr.iter_mut()).enumerate().take(CHUNK / 2) {
        (*cb, *cr) = chroma(sum(i, RI), sum(i, GI), sum(i, BI), 2);
    }
}

fn luma_row<const BPP: usize, const RI: usize, const GI: usize, const BI: usize>(
    row: &[u8],
    y: &mut [u8],
) {
    for (px, y) in row.chunks_exact(BPP).zip(y.iter_mut()) {
        *y = luma(px[RI].into(), px[GI].into(), px[BI].into());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::video::encode::pixels::rgb_to_ycbcr;

    #[test]
    fn luma_is_the_per_pixel_conversion_and_chroma_the_mean_within_one_level() {
        for w in [1usize, 2, 5, 16, 33, 64, 70, 81] {
            let r0: Vec<u8> = (0..w * 3).map(|i| (i * 97 % 256) as u8).collect();
            let r1: Vec<u8> = (0..w * 3).map(|i| (i * 61 % 251) as u8).collect();
            let cw = w.div_ceil(2);
            let (mut y0, mut y1, mut cb, mut cr) =
                (vec![0; w], vec![0; w], vec![0; cw], vec![0; cw]);
            split_rows::<3, 0, 1, 2>(&r0, &r1, &mut y0, Some(&mut y1), &mut cb, &mut cr);
            let px =
                |row: &[u8], x: usize| rgb_to_ycbcr(row[3 * x], row[3 * x + 1], row[3 * x + 2]);
            for x in 0..w {
                assert_eq!(y0[x], px(&r0, x).0, "{w}: luma {x}");
                assert_eq!(y1[x], px(&r1, x).0, "{w}: luma {x}");
            }
            for c in 0..cw {
                let xs: Vec<usize> = (2 * c..(2 * c + 2).min(w)).collect();
                let mean = |f: fn((u8, u8, u8)) -> u8| {
                    let s: f64 = xs
                        .iter()
                        .map(|&x| f64::from(f(px(&r0, x))) + f64::from(f(px(&r1, x))))
                        .sum();
                    s / (2 * xs.len()) as f64
                };
                assert!(
                    (f64::from(cb[c]) - mean(|p| p.1)).abs() <= 1.0,
                    "{w}: cb {c}"
                );
                assert!(
                    (f64::from(cr[c]) - mean(|p| p.2)).abs() <= 1.0,
                    "{w}: cr {c}"
                );
            }
        }
    }

    #[test]
    fn bgra_reads_its_own_channel_order_and_extremes_stay_in_range() {
        // Pure blue as BGRA and as RGB: the same planes; black and white give 0/255 and neutral
        // chroma (no overflow at the extremes of the fixed-point sums).
        for (rgb, want) in [
            ((0u8, 0u8, 255u8), (29, 255, 107)),
            ((0, 0, 0), (0, 128, 128)),
            ((255, 255, 255), (255, 128, 128)),
        ] {
            let rgb_row: Vec<u8> = [rgb.0, rgb.1, rgb.2].repeat(4);
            let bgra_row: Vec<u8> = [rgb.2, rgb.1, rgb.0, 9].repeat(4);
            let (mut y, mut cb, mut cr) = (vec![0; 4], vec![0; 2], vec![0; 2]);
            split_rows::<3, 0, 1, 2>(&rgb_row, &rgb_row, &mut y, None, &mut cb, &mut cr);
            let from_rgb = (y.clone(), cb.clone(), cr.clone());
            split_rows::<4, 2, 1, 0>(&bgra_row, &bgra_row, &mut y, None, &mut cb, &mut cr);
            assert_eq!((y.clone(), cb.clone(), cr.clone()), from_rgb);
            assert!(y.iter().all(|&v| v == want.0), "{rgb:?}: {y:?}");
            assert!(
                cb.iter().all(|&v| v.abs_diff(want.1) <= 1),
                "{rgb:?}: {cb:?}"
            );
            assert!(
                cr.iter().all(|&v| v.abs_diff(want.2) <= 1),
                "{rgb:?}: {cr:?}"
            );
        }
    }
}
