//! The forward DCT and quantisation of one 8x8 block: samples in, quantised coefficients out in
//! zigzag order with a bit mask of the non-zero ones (what [`super::entropy`] walks).
//!
//! The DCT is libjpeg's floating-point AAN (Arai, Agui, Nakajima) algorithm (`jfdctflt.c`): 5
//! multiplies per 8-point transform, its output scaled per coefficient by a factor that the
//! quantisation divisors fold in ([`super::quant::Divisors`]). Why floating point: it is at least as
//! accurate as libjpeg-turbo's default integer "islow" DCT (same PSNR at the same quality, checked by
//! the tests and `benches/codec`), and `f32` multiplies are in SSE2, the x86-64 baseline, where
//! 32-bit integer multiplies are not. Each pass works on eight rows (or columns) at once as `[f32; 8]`
//! lanes ([`F8`]): written as plain loops over lanes, the compiler turns every operation into vector
//! instructions (2 SSE2 or 1 AVX instruction per row), no `unsafe` and no intrinsics.
//!
//! Quantising rounds with the "magic number" trick (add 1.5 * 2^23, read the low bits back): one add
//! and one integer subtract, vectorisable and branch-free, instead of libjpeg's per-coefficient sign
//! test. It rounds halves to even where libjpeg rounds them up; a DCT output landing exactly on a half
//! is rare and then costs at most 1 in that coefficient.

use std::ops::{Add, Mul, Sub};

use super::quant::{Divisors, ZIGZAG_TRANSPOSED};

/// Eight lanes of `f32`: one row of a block.
#[derive(Clone, Copy, Default)]
pub struct F8(pub [f32; 8]);

impl Add for F8 {
    type Output = F8;
    #[inline(always)]
    fn add(mut self, o: F8) -> F8 {
        for (a, b) in self.0.iter_mut().zip(o.0) {
            *a += b;
        }
        self
    }
}

impl Sub for F8 {
    type Output = F8;
    #[inline(always)]
    fn sub(mut self, o: F8) -> F8 {
        for (a, b) in self.0.iter_mut().zip(o.0) {
            *a -= b;
        }
        self
    }
}

impl Mul<f32> for F8 {
    type Output = F8;
    #[inline(always)]
    fn mul(mut self, k: f32) -> F8 {
        for a in self.0.iter_mut() {
            *a *= k;
        }
        self
    }
}

/// An 8x8 block of level-shifted samples (`sample - 128`), one [`F8`] per row.
pub type Block = [F8; 8];

/// One 8-point AAN forward DCT down each lane (`d[k]` is the k-th point): `jfdctflt.c`'s body.
#[inline(always)]
fn fdct_8(d: &mut [F8; 8]) {
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

#[inline(always)]
fn transpose(b: &Block) -> Block {
    let mut t = [F8::default(); 8];
    for (r, row) in b.iter().enumerate() {
        for (c, &v) in row.0.iter().enumerate() {
            t[c].0[r] = v;
        }
    }
    t
}

/// 1.5 * 2^23: added to a float of magnitude below 2^22, it leaves the rounded integer in the low
/// mantissa bits.
const MAGIC: f32 = 12_582_912.0;

/// The quantised coefficients of `block`, in zigzag order, and the mask of the non-zero ones
/// (bit i set when `zz[i] != 0`).
#[inline(always)]
pub fn transform(mut block: Block, div: &Divisors, zz: &mut [i16; 64]) -> u64 {
    // Down the columns (each lane a column), then, transposed, along the rows: the output is
    // indexed [v][u] (horizontal frequency first), which the divisors and the zigzag table expect.
    fdct_8(&mut block);
    let mut block = transpose(&block);
    fdct_8(&mut block);
    let mut q = [0i32; 64];
    for (i, q) in q.iter_mut().enumerate() {
        let x = block[i / 8].0[i % 8] * div.0[i] + MAGIC;
        *q = x.to_bits() as i32 - MAGIC.to_bits() as i32;
    }
    let mut mask = 0u64;
    for (i, (z, &n)) in zz.iter_mut().zip(ZIGZAG_TRANSPOSED.iter()).enumerate() {
        let v = q[n as usize];
        *z = v as i16;
        mask |= u64::from(v != 0) << i;
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
            let mut block = [F8::default(); 8];
            for (row, lanes) in samples.iter_mut().zip(block.iter_mut()) {
                for (s, b) in row.iter_mut().zip(lanes.0.iter_mut()) {
                    seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                    *s = f64::from((seed >> 24) as u8) - 128.0;
                    *b = *s as f32;
                }
            }
            let want = reference(&samples);
            let mut zz = [0i16; 64];
            let mask = transform(block, &div, &mut zz);
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
        let mask = transform([F8([72.0; 8]); 8], &div, &mut zz);
        assert_eq!(zz[0], 36);
        assert!(zz[1..].iter().all(|&z| z == 0));
        assert_eq!(mask, 1);
    }
}
