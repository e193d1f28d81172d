//! [`super::transform`] eight lanes wide, with AVX, where the CPU has it (checked at run time: AVX
//! is not part of the x86-64 baseline). A block row is one 8-lane register, so each pass is one
//! 8-point transform of whole rows (8 registers and temporaries: AVX's 16 hold them) where SSE2
//! needs two of four lanes, and the transpose between the passes is the usual 24 shuffles of an 8x8
//! matrix. The same operations in the same order, one lane each, as the 4-lane path (no fused
//! multiply-add: it would round differently), so the output is the same to the bit (tested).

use std::arch::x86_64::*;

use super::{Block, MAGIC};
use crate::encode::quant::Divisors;

/// Whether this CPU has AVX2 (std caches the answer): AVX for the floats, AVX2 for the 8-lane
/// integer subtract of the quantisation.
pub fn available() -> bool {
    std::is_x86_feature_detected!("avx2")
}

/// One 8-point AAN forward DCT down each lane: [`super::fdct_8`] on 8-lane registers.
#[target_feature(enable = "avx")]
#[inline]
fn fdct_8(d: &mut [__m256; 8]) {
    let (add, sub, mul) = (_mm256_add_ps, _mm256_sub_ps, _mm256_mul_ps);
    let k = |v: f32| _mm256_set1_ps(v);
    let tmp0 = add(d[0], d[7]);
    let tmp7 = sub(d[0], d[7]);
    let tmp1 = add(d[1], d[6]);
    let tmp6 = sub(d[1], d[6]);
    let tmp2 = add(d[2], d[5]);
    let tmp5 = sub(d[2], d[5]);
    let tmp3 = add(d[3], d[4]);
    let tmp4 = sub(d[3], d[4]);

    // Even part.
    let tmp10 = add(tmp0, tmp3);
    let tmp13 = sub(tmp0, tmp3);
    let tmp11 = add(tmp1, tmp2);
    let tmp12 = sub(tmp1, tmp2);
    d[0] = add(tmp10, tmp11);
    d[4] = sub(tmp10, tmp11);
    let z1 = mul(add(tmp12, tmp13), k(0.707_106_77));
    d[2] = add(tmp13, z1);
    d[6] = sub(tmp13, z1);

    // Odd part.
    let tmp10 = add(tmp4, tmp5);
    let tmp11 = add(tmp5, tmp6);
    let tmp12 = add(tmp6, tmp7);
    let z5 = mul(sub(tmp10, tmp12), k(0.382_683_43));
    let z2 = add(mul(tmp10, k(0.541_196_1)), z5);
    let z4 = add(mul(tmp12, k(1.306_563)), z5);
    let z3 = mul(tmp11, k(0.707_106_77));
    let z11 = add(tmp7, z3);
    let z13 = sub(tmp7, z3);
    d[5] = add(z13, z2);
    d[3] = sub(z13, z2);
    d[1] = add(z11, z4);
    d[7] = sub(z11, z4);
}

/// The transpose of eight rows of eight: pairs interleaved, then quads, then the 128-bit halves
/// swapped across.
#[target_feature(enable = "avx")]
#[inline]
fn transpose8(r: &[__m256; 8]) -> [__m256; 8] {
    let t0 = _mm256_unpacklo_ps(r[0], r[1]);
    let t1 = _mm256_unpackhi_ps(r[0], r[1]);
    let t2 = _mm256_unpacklo_ps(r[2], r[3]);
    let t3 = _mm256_unpackhi_ps(r[2], r[3]);
    let t4 = _mm256_unpacklo_ps(r[4], r[5]);
    let t5 = _mm256_unpackhi_ps(r[4], r[5]);
    let t6 = _mm256_unpacklo_ps(r[6], r[7]);
    let t7 = _mm256_unpackhi_ps(r[6], r[7]);
    let s0 = _mm256_shuffle_ps::<0b01_00_01_00>(t0, t2);
    let s1 = _mm256_shuffle_ps::<0b11_10_11_10>(t0, t2);
    let s2 = _mm256_shuffle_ps::<0b01_00_01_00>(t1, t3);
    let s3 = _mm256_shuffle_ps::<0b11_10_11_10>(t1, t3);
    let s4 = _mm256_shuffle_ps::<0b01_00_01_00>(t4, t6);
    let s5 = _mm256_shuffle_ps::<0b11_10_11_10>(t4, t6);
    let s6 = _mm256_shuffle_ps::<0b01_00_01_00>(t5, t7);
    let s7 = _mm256_shuffle_ps::<0b11_10_11_10>(t5, t7);
    [
        _mm256_permute2f128_ps::<0x20>(s0, s4),
        _mm256_permute2f128_ps::<0x20>(s1, s5),
        _mm256_permute2f128_ps::<0x20>(s2, s6),
        _mm256_permute2f128_ps::<0x20>(s3, s7),
        _mm256_permute2f128_ps::<0x31>(s0, s4),
        _mm256_permute2f128_ps::<0x31>(s1, s5),
        _mm256_permute2f128_ps::<0x31>(s2, s6),
        _mm256_permute2f128_ps::<0x31>(s3, s7),
    ]
}

/// The DCT of `block`, quantised by `div`, into `q` (indexed as [`Divisors`]: `[u][v]`, horizontal
/// frequency first), as 32-bit integers.
///
/// # Safety
/// The CPU must have AVX2 ([`available`]).
#[target_feature(enable = "avx2")]
pub unsafe fn quantised(block: &Block, div: &Divisors, q: &mut [i32; 64]) {
    // SAFETY: `F4` is 16 bytes aligned to 16, so each half row is an aligned 4-lane load; the
    // stores write 8 lanes at q[8u..8u + 8], inside the 64; the rest is register arithmetic.
    unsafe {
        // Row r: its left half (columns 0..4) in the low lanes, its right half in the high ones.
        let mut rows: [__m256; 8] = std::array::from_fn(|r| {
            let lo = _mm_load_ps(block[0][r].0.as_ptr());
            let hi = _mm_load_ps(block[1][r].0.as_ptr());
            _mm256_insertf128_ps::<1>(_mm256_castps128_ps256(lo), hi)
        });
        // Down the columns (each lane a column), then, transposed, along the rows.
        fdct_8(&mut rows);
        let mut t = transpose8(&rows);
        fdct_8(&mut t);
        // The level shift: 64 * 128 off the DC coefficient (lane 0 of the first row).
        t[0] = _mm256_sub_ps(
            t[0],
            _mm256_set_ps(0., 0., 0., 0., 0., 0., 0., 64.0 * 128.0),
        );
        let magic = _mm256_set1_ps(MAGIC);
        let magic_bits = _mm256_castps_si256(magic);
        for (u, row) in t.iter().enumerate() {
            let d = _mm256_loadu_ps(div.0.as_ptr().add(8 * u));
            let x = _mm256_add_ps(_mm256_mul_ps(*row, d), magic);
            let n = _mm256_sub_epi32(_mm256_castps_si256(x), magic_bits);
            _mm256_storeu_si256(q.as_mut_ptr().add(8 * u).cast(), n);
        }
    }
}
