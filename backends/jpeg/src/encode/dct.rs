//! The forward DCT and quantisation of one 8x8 block: samples in, quantised coefficients out in
//! zigzag order with a bit mask of the non-zero ones (what [`super::entropy`] walks).
//!
//! The DCT is libjpeg's floating-point AAN (Arai, Agui, Nakajima) algorithm (`jfdctflt.c`): 5
//! multiplies per 8-point transform, its output scaled per coefficient by a factor that the
//! quantisation divisors fold in ([`super::quant::Divisors`]). Why floating point: it is at least as
//! accurate as libjpeg-turbo's default integer "islow" DCT (same PSNR at the same quality, checked by
//! the tests and `benches/codec`), and `f32` multiplies are in SSE2, the x86-64 baseline, where
//! 32-bit integer multiplies are not. Each pass works on four columns at once as `[f32; 4]`
//! lanes ([`F4`]): written as plain loops over lanes, the compiler turns every operation into vector
//! instructions (2 SSE2 or 1 AVX instruction per row), no `unsafe` and no intrinsics. Where the CPU
//! has AVX2 (checked at run time), [`avx`] does the same arithmetic eight lanes wide, a whole block
//! row per register, with intrinsics: the same coefficients to the bit, and issue 9 measured the
//! default encoder at 1.26-1.68x libjpeg-turbo's time with it, 2.03-2.58x without
//! (docs/BENCHMARKS.md, "Codecs in turns").
//!
//! Quantising rounds with the "magic number" trick (add 1.5 * 2^23, read the low bits back): one add
//! and one integer subtract, vectorisable and branch-free, instead of libjpeg's per-coefficient sign
//! test. It rounds halves to even where libjpeg rounds them up; a DCT output landing exactly on a half
//! is rare and then costs at most 1 in that coefficient.

use std::ops::{Add, Mul, Sub};

#[cfg(target_arch = "x86_64")]
mod avx;

use super::quant::{Divisors, ZIGZAG_TRANSPOSED};

/// Four lanes of `f32`: half a row of a block (one SSE2 or NEON register).
#[derive(Clone, Copy, Default)]
#[repr(align(16))]
pub struct F4(pub [f32; 4]);

impl Add for F4 {
    type Output = F4;
    #[inline(always)]
    fn add(self, o: F4) -> F4 {
        // Spelled out: a loop zipping the array by value compiled to scalar moves (measured).
        let (a, b) = (self.0, o.0);
        F4([a[0] + b[0], a[1] + b[1], a[2] + b[2], a[3] + b[3]])
    }
}

impl Sub for F4 {
    type Output = F4;
    #[inline(always)]
    fn sub(self, o: F4) -> F4 {
        let (a, b) = (self.0, o.0);
        F4([a[0] - b[0], a[1] - b[1], a[2] - b[2], a[3] - b[3]])
    }
}

impl Mul<f32> for F4 {
    type Output = F4;
    #[inline(always)]
    fn mul(self, k: f32) -> F4 {
        let a = self.0;
        F4([a[0] * k, a[1] * k, a[2] * k, a[3] * k])
    }
}

/// An 8x8 block of samples as its left and right halves, one [`F4`]
/// per row each: `b[h][r]` is row r, columns `4h..4h + 4`. An 8-point transform down four columns
/// then needs 8 registers plus temporaries, which SSE2's 16 hold without spilling (whole 8-lane
/// rows needed 16 registers for the rows alone and spilled: measured 1.5x slower).
pub type Block = [[F4; 8]; 2];

/// One 8-point AAN forward DCT down each lane (`d[k]` is the k-th point): `jfdctflt.c`'s body.
#[inline(always)]
fn fdct_8(d: &mut [F4; 8]) {
    let tmp0 = d[0] + d[7];
    let tmp7 = d[0] - d[7];
    let tmp1 = d[1] + d[6];
    let tmp6 = d[1] - d[6];
    let tmp2 = d[2] + d[5];
    let tmp5 = d[2] - d[5];
    let tmp3 = d[3] + d[4];
    let tmp4 = d[3] - d[4];

    // Even part.
    let tmp10 = tmp0 + tmp3;
    let tmp13 = tmp0 - tmp3;
    let tmp11 = tmp1 + tmp2;
    let tmp12 = tmp1 - tmp2;
    d[0] = tmp10 + tmp11;
    d[4] = tmp10 - tmp11;
    let z1 = (tmp12 + tmp13) * 0.707_106_77;
    d[2] = tmp13 + z1;
    d[6] = tmp13 - z1;

    // Odd part.
    let tmp10 = tmp4 + tmp5;
    let tmp11 = tmp5 + tmp6;
    let tmp12 = tmp6 + tmp7;
    let z5 = (tmp10 - tmp12) * 0.382_683_43;
    let z2 = tmp10 * 0.541_196_1 + z5;
    let z4 = tmp12 * 1.306_563 + z5;
    let z3 = tmp11 * 0.707_106_77;
    let z11 = tmp7 + z3;
    let z13 = tmp7 - z3;
    d[5] = z13 + z2;
    d[3] = z13 - z2;
    d[1] = z11 + z4;
    d[7] = z11 - z4;
}

/// The transpose of four rows of four, written as the two rounds of interleaving that SSE2's
/// `unpcklps`/`unpckhps` and `movlhps`/`movhlps` do (the compiler emits those from this shape).
#[inline(always)]
fn transpose4([a, b, c, d]: [F4; 4]) -> [F4; 4] {
    let (a, b, c, d) = (a.0, b.0, c.0, d.0);
    let lo_ab = [a[0], b[0], a[1], b[1]];
    let lo_cd = [c[0], d[0], c[1], d[1]];
    let hi_ab = [a[2], b[2], a[3], b[3]];
    let hi_cd = [c[2], d[2], c[3], d[3]];
    [
        F4([lo_ab[0], lo_ab[1], lo_cd[0], lo_cd[1]]),
        F4([lo_ab[2], lo_ab[3], lo_cd[2], lo_cd[3]]),
        F4([hi_ab[0], hi_ab[1], hi_cd[0], hi_cd[1]]),
        F4([hi_ab[2], hi_ab[3], hi_cd[2], hi_cd[3]]),
    ]
}

/// The transpose of a block, by its four 4x4 quarters: quarter (rows 4h.., columns 4k..) of `b`
/// becomes quarter (rows 4k.., columns 4h..).
#[inline(always)]
fn transpose(b: &Block) -> Block {
    let mut t = [[F4::default(); 8]; 2];
    for (k, half) in b.iter().enumerate() {
        for (h, out) in t.iter_mut().enumerate() {
            let quarter = [
                half[4 * h],
                half[4 * h + 1],
                half[4 * h + 2],
                half[4 * h + 3],
            ];
            out[4 * k..4 * k + 4].copy_from_slice(&transpose4(quarter));
        }
    }
    t
}

/// 1.5 * 2^23: added to a float of magnitude below 2^22, it leaves the rounded integer in the low
/// mantissa bits.
const MAGIC: f32 = 12_582_912.0;

/// The quantised coefficients of `block`, in zigzag order, and the mask of the non-zero ones
/// (bit i set when `zz[i] != 0`). Eight lanes wide where the CPU has AVX2 ([`avx`]), four
/// otherwise: the same coefficients either way.
#[inline(always)]
pub fn transform(block: &mut Block, div: &Divisors, zz: &mut [i16; 64]) -> u64 {
    let mut q = [0i32; 64];
    #[cfg(target_arch = "x86_64")]
    if avx::available() {
        // SAFETY: the CPU has AVX2, checked just above.
        unsafe { avx::quantised(block, div, &mut q) };
        return zigzag(&q, zz);
    }
    quantised(block, div, &mut q);
    zigzag(&q, zz)
}

/// The DCT of `block` (transformed in place), quantised by `div`, into `q` (indexed as
/// [`Divisors`]: `[u][v]`), four lanes at a time.
#[inline(always)]
fn quantised(block: &mut Block, div: &Divisors, q: &mut [i32; 64]) {
    // Down the columns (each lane a column), then, transposed, along the rows: the output is
    // indexed [v][u] (horizontal frequency first), which the divisors and the zigzag table expect.
    for half in block.iter_mut() {
        fdct_8(half);
    }
    let mut block = transpose(block);
    for half in block.iter_mut() {
        fdct_8(half);
    }
    // The level shift (samples minus 128, T.81 A.3.1) changes only the DC coefficient, which the
    // AAN transform leaves as the sum of the 64 samples: 64 * 128 less.
    block[0][0].0[0] -= 64.0 * 128.0;
    // Quantised, still transposed: row by row, so that each row is one vector multiply and add.
    // In 32 bits: narrowing four lanes to 16 bits is a shuffle sequence on SSE2, narrowing one
    // coefficient as the zigzag copy reads it is free.
    for (h, half) in block.iter().enumerate() {
        for (r, row) in half.iter().enumerate() {
            let at = r * 8 + h * 4;
            let (d, q) = (&div.0[at..at + 4], &mut q[at..at + 4]);
            for ((&x, &d), q) in row.0.iter().zip(d).zip(q) {
                *q = (x * d + MAGIC).to_bits() as i32 - MAGIC.to_bits() as i32;
            }
        }
    }
}

/// The quantised coefficients `q` in zigzag order into `zz`, and the mask of the non-zero ones.
#[inline(always)]
fn zigzag(q: &[i32; 64], zz: &mut [i16; 64]) -> u64 {
    for (z, &n) in zz.iter_mut().zip(ZIGZAG_TRANSPOSED.iter()) {
        *z = q[n as usize] as i16;
    }
    // The non-zero mask: one 0/1 byte per coefficient (a vector compare), then each 8 bytes
    // gathered into 8 bits by one multiply (the bytes land in distinct bits of the top byte).
    let mut nonzero = [0u8; 64];
    for (b, &z) in nonzero.iter_mut().zip(zz.iter()) {
        *b = u8::from(z != 0);
    }
    let mut mask = 0u64;
    for (k, bytes) in nonzero.chunks_exact(8).enumerate() {
        let x = u64::from_le_bytes(bytes.try_into().expect("8 bytes"));
        mask |= (x.wrapping_mul(0x0102_0408_1020_4080) >> 56) << (8 * k);
    }
    mask
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encode::quant::{tables, ZIGZAG};

    /// The textbook 2-D DCT-II (JPEG's normalisation), in f64, natural order.
    fn reference(samples: &[[f64; 8]; 8]) -> [f64; 64] {
        let c = |k: usize| if k == 0 { 0.5f64.sqrt() } else { 1.0 };
        let mut out = [0.0; 64];
        for u in 0..8 {
            for v in 0..8 {
                let mut s = 0.0;
                for (y, row) in samples.iter().enumerate() {
                    for (x, &p) in row.iter().enumerate() {
                        s += p
                            * (((2 * y + 1) * u) as f64 * std::f64::consts::PI / 16.0).cos()
                            * (((2 * x + 1) * v) as f64 * std::f64::consts::PI / 16.0).cos();
                    }
                }
                out[u * 8 + v] = 0.25 * c(u) * c(v) * s;
            }
        }
        out
    }

    #[test]
    fn quantised_coefficients_match_the_textbook_dct() {
        // Quality 100 (every divisor 1): the output is the DCT itself, rounded. Random-ish samples.
        let div = Divisors::new(&tables(100)[0]);
        let mut seed = 0x1234_5678u32;
        for _ in 0..50 {
            let mut samples = [[0f64; 8]; 8];
            let mut block = [[F4::default(); 8]; 2];
            for (r, row) in samples.iter_mut().enumerate() {
                for (c, s) in row.iter_mut().enumerate() {
                    seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                    let sample = (seed >> 24) as u8;
                    *s = f64::from(sample) - 128.0;
                    block[c / 4][r].0[c % 4] = f32::from(sample);
                }
            }
            let want = reference(&samples);
            let mut zz = [0i16; 64];
            let mask = transform(&mut block, &div, &mut zz);
            for (i, &n) in ZIGZAG.iter().enumerate() {
                let w = want[n as usize];
                assert!(
                    (f64::from(zz[i]) - w).abs() <= 0.51,
                    "coefficient {n}: {} vs {w}",
                    zz[i]
                );
                assert_eq!(mask >> i & 1 == 1, zz[i] != 0, "mask bit {i}");
            }
        }
    }

    #[test]
    fn a_flat_block_is_dc_only() {
        let div = Divisors::new(&tables(50)[0]);
        let mut zz = [7i16; 64];
        // 8 * (200 - 128) = 576, divided by the DC step 16: 36.
        let mask = transform(&mut [[F4([200.0; 4]); 8]; 2], &div, &mut zz);
        assert_eq!(zz[0], 36);
        assert!(zz[1..].iter().all(|&z| z == 0));
        assert_eq!(mask, 1);
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn the_avx_path_gives_the_same_coefficients_to_the_bit() {
        // Random blocks (and the extremes, all 0 and all 255) at several qualities: the 8-lane
        // path's quantised coefficients equal the 4-lane path's exactly. Where the CPU lacks AVX2
        // there is nothing to compare.
        if !avx::available() {
            eprintln!("no AVX2 on this CPU: only the 4-lane path runs here");
            return;
        }
        let mut seed = 0x9E37_79B9u32;
        for quality in [10u8, 50, 80, 95, 100] {
            let div = Divisors::new(&tables(quality)[0]);
            for n in 0..400 {
                let mut block = [[F4::default(); 8]; 2];
                for c in 0..8 {
                    for row in block[c / 4].iter_mut() {
                        seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                        let sample = match n {
                            0 => 0,
                            1 => 255,
                            _ => (seed >> 24) as u8,
                        };
                        row.0[c % 4] = f32::from(sample);
                    }
                }
                let (mut wide, mut narrow) = ([0i32; 64], [0i32; 64]);
                // SAFETY: the CPU has AVX2, checked above.
                unsafe { avx::quantised(&block, &div, &mut wide) };
                quantised(&mut block.clone(), &div, &mut narrow);
                assert_eq!(wide, narrow, "quality {quality}, block {n}");
            }
        }
    }
}
