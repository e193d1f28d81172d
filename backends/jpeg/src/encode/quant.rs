//! Quantisation tables: the JPEG spec's example tables (ITU T.81 Annex K.1) scaled for a quality
//! 1..=100 exactly as libjpeg's `jpeg_quality_scaling` and `jpeg_add_quant_table` (with
//! `force_baseline`) do, so that a frame written here at quality q has libjpeg-turbo's tables at q:
//! the same bytes and the same PSNR for the same picture, which is what issue 9 compares.
//!
//! Also the zigzag order (the order coefficients are coded and DQT stores tables in) and the
//! divisors the forward DCT's output is multiplied by ([`Divisors`]): the reciprocal of each table
//! entry with the AAN DCT's scale folded in (see [`super::dct`]), laid out in the order the DCT
//! leaves its coefficients (transposed), so quantising is one multiply per coefficient, no division,
//! no branch.

/// Annex K.1, luminance, natural (row-major) order.
const LUMA_BASE: [u16; 64] = [
    16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56,
    14, 17, 22, 29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113,
    92, 49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
];

/// Annex K.1, chrominance, natural order.
const CHROMA_BASE: [u16; 64] = [
    17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99, 24, 26, 56, 99, 99, 99, 99, 99,
    47, 66, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
    99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
];

/// `ZIGZAG[i]`: the natural-order index of the i-th coefficient in zigzag order.
pub const ZIGZAG: [u8; 64] = [
    0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20,
    13, 6, 7, 14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59,
    52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
];

/// The AAN DCT leaves coefficient (u, v) scaled by `AAN_SCALE[u] * AAN_SCALE[v] * 8`
/// (libjpeg's `aanscalefactor`: 1 for k = 0, `sqrt(2) * cos(k * pi / 16)` otherwise).
const AAN_SCALE: [f64; 8] = [
    1.0,
    1.387_039_845,
    1.306_562_965,
    1.175_875_602,
    1.0,
    0.785_694_958,
    0.541_196_100,
    0.275_899_379,
];

/// libjpeg's `jpeg_quality_scaling`: the percentage the base tables are scaled by.
fn scale_percent(quality: u8) -> u32 {
    let q = u32::from(quality.clamp(1, 100));
    if q < 50 {
        5000 / q
    } else {
        200 - 2 * q
    }
}

/// One table scaled for `quality`, natural order, each entry within 1..=255 (baseline).
fn scaled(base: &[u16; 64], quality: u8) -> [u8; 64] {
    let percent = scale_percent(quality);
    base.map(|b| ((u32::from(b) * percent + 50) / 100).clamp(1, 255) as u8)
}

/// The luminance and chrominance tables for `quality` (1..=100; out of range is clamped), natural
/// order.
pub fn tables(quality: u8) -> [[u8; 64]; 2] {
    [scaled(&LUMA_BASE, quality), scaled(&CHROMA_BASE, quality)]
}

/// One table in zigzag order, as DQT stores it.
pub fn zigzag(table: &[u8; 64]) -> [u8; 64] {
    ZIGZAG.map(|n| table[n as usize])
}

/// What each DCT output is multiplied by to quantise it: `1 / (q[u][v] * 8 * s[u] * s[v])`,
/// indexed as the DCT leaves its output (`[v][u]`, transposed: see [`super::dct`]).
#[derive(Debug, Clone)]
pub struct Divisors(pub [f32; 64]);

impl Divisors {
    pub fn new(table: &[u8; 64]) -> Divisors {
        let mut d = [0f32; 64];
        for (i, d) in d.iter_mut().enumerate() {
            let (v, u) = (i / 8, i % 8);
            let q = f64::from(table[u * 8 + v]);
            *d = (1.0 / (q * AAN_SCALE[u] * AAN_SCALE[v] * 8.0)) as f32;
        }
        Divisors(d)
    }
}

/// `ZIGZAG` for the DCT's transposed output: the index into that output of the i-th coefficient in
/// zigzag order.
pub const ZIGZAG_TRANSPOSED: [u8; 64] = {
    let mut t = [0u8; 64];
    let mut i = 0;
    while i < 64 {
        let n = ZIGZAG[i];
        t[i] = (n % 8) * 8 + n / 8;
        i += 1;
    }
    t
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quality_50_is_the_spec_table_and_100_is_all_ones() {
        let [l50, c50] = tables(50);
        assert!(l50.iter().zip(LUMA_BASE).all(|(&a, b)| u16::from(a) == b));
        assert!(c50.iter().zip(CHROMA_BASE).all(|(&a, b)| u16::from(a) == b));
        assert!(tables(100).iter().flatten().all(|&q| q == 1));
    }

    #[test]
    fn scaling_matches_libjpeg_at_known_points() {
        // libjpeg: q80 scales by 40 %, (16 * 40 + 50) / 100 = 6; q10 by 500 %, 16 * 5 = 80;
        // q1 by 5000 %, clamped to 255 (baseline).
        assert_eq!(tables(80)[0][0], 6);
        assert_eq!(tables(80)[0][63], 40); // (99 * 40 + 50) / 100
        assert_eq!(tables(10)[0][0], 80);
        assert!(tables(1).iter().flatten().all(|&q| q == 255));
        // Lower quality never means a finer table.
        for q in 2..=100 {
            let (a, b) = (tables(q - 1), tables(q));
            assert!(
                a.iter()
                    .flatten()
                    .zip(b.iter().flatten())
                    .all(|(x, y)| x >= y),
                "q{q}"
            );
        }
    }

    #[test]
    fn zigzag_is_a_permutation_walking_the_antidiagonals() {
        let mut seen = [false; 64];
        for (i, &n) in ZIGZAG.iter().enumerate() {
            assert!(!seen[n as usize]);
            seen[n as usize] = true;
            if i > 0 {
                let (r0, c0) = (ZIGZAG[i - 1] / 8, ZIGZAG[i - 1] % 8);
                let (r1, c1) = (n / 8, n % 8);
                // Each step moves to a neighbour (diagonal, right or down), or along the edge.
                assert!(r0.abs_diff(r1) <= 1 && c0.abs_diff(c1) <= 1, "step {i}");
            }
        }
        assert_eq!(zigzag(&tables(50)[0])[..4], [16, 11, 12, 14]);
    }
}
