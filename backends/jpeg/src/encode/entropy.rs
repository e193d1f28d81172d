//! Huffman coding of quantised blocks with the standard tables (the ones [`crate::STANDARD_DHT`]
//! writes: ITU T.81 Annex K.3).
//!
//! Speed: a block arrives with a 64-bit mask of its non-zero coefficients ([`super::dct`]), so the
//! coder jumps from one non-zero coefficient to the next with `trailing_zeros` (a typical block at
//! quality 80 has 5-20 of its 63 AC coefficients non-zero) instead of testing all 63 in turn; each
//! coefficient is one table lookup and one write of its code and value bits together.

use super::bits::BitWriter;
use crate::huffman::{
    CHROMA_AC_CODE_LENGTHS, CHROMA_AC_VALUES, CHROMA_DC_CODE_LENGTHS, CHROMA_DC_VALUES,
    LUMA_AC_CODE_LENGTHS, LUMA_AC_VALUES, LUMA_DC_CODE_LENGTHS, LUMA_DC_VALUES,
};

/// Each symbol's code, right-aligned, with its length in bits (0 for a symbol the table lacks).
#[derive(Clone, Copy)]
pub struct Code {
    pub bits: u16,
    pub len: u8,
}

/// A Huffman table as codes indexed by symbol.
pub struct Codes(pub [Code; 256]);

/// Canonical Huffman codes (T.81 Annex C) from the 16 code counts and the symbols.
const fn codes(counts: &[u8; 16], symbols: &[u8]) -> Codes {
    let mut table = [Code { bits: 0, len: 0 }; 256];
    let mut code = 0u32;
    let mut k = 0;
    let mut len = 1;
    while len <= 16 {
        let mut i = 0;
        while i < counts[len - 1] {
            table[symbols[k] as usize] = Code {
                bits: code as u16,
                len: len as u8,
            };
            code += 1;
            k += 1;
            i += 1;
        }
        code <<= 1;
        len += 1;
    }
    Codes(table)
}

pub static LUMA_DC: Codes = codes(&LUMA_DC_CODE_LENGTHS, &LUMA_DC_VALUES);
pub static LUMA_AC: Codes = codes(&LUMA_AC_CODE_LENGTHS, &LUMA_AC_VALUES);
pub static CHROMA_DC: Codes = codes(&CHROMA_DC_CODE_LENGTHS, &CHROMA_DC_VALUES);
pub static CHROMA_AC: Codes = codes(&CHROMA_AC_CODE_LENGTHS, &CHROMA_AC_VALUES);

/// The DC and AC tables of one component.
pub struct Tables {
    pub dc: &'static Codes,
    pub ac: &'static Codes,
}

pub const LUMA: Tables = Tables {
    dc: &LUMA_DC,
    ac: &LUMA_AC,
};
pub const CHROMA: Tables = Tables {
    dc: &CHROMA_DC,
    ac: &CHROMA_AC,
};

/// A value's magnitude category (its bit length) and its value bits: the value itself when
/// positive, `value - 1` (low bits) when negative (T.81 F.1.2.1), branch-free.
#[inline(always)]
fn category(v: i32) -> (u32, u32) {
    let sign = v >> 31;
    let magnitude = ((v ^ sign) - sign) as u32;
    let size = 32 - magnitude.leading_zeros();
    let bits = (v + sign) as u32 & ((1u32 << size) - 1);
    (size, bits)
}

/// Writes `code` followed by `size` value bits.
#[inline(always)]
fn put_coded(w: &mut BitWriter, code: Code, size: u32, bits: u32) {
    w.put(
        (u32::from(code.bits) << size) | bits,
        u32::from(code.len) + size,
    );
}

/// Codes one block: `zz` its quantised coefficients in zigzag order, `mask` their non-zero bits,
/// `pred` the component's previous DC (updated).
#[inline(always)]
pub fn encode_block(w: &mut BitWriter, t: &Tables, zz: &[i16; 64], mask: u64, pred: &mut i32) {
    let dc = i32::from(zz[0]);
    let (size, bits) = category(dc - *pred);
    *pred = dc;
    put_coded(w, t.dc.0[size as usize], size, bits);

    let ac = &t.ac.0;
    // Bit k of `rest` stands for coefficient `next + k`.
    let mut rest = mask >> 1;
    let mut next = 1usize;
    while rest != 0 {
        let mut run = rest.trailing_zeros();
        let at = next + run as usize;
        rest = (rest >> run) >> 1;
        next = at + 1;
        while run >= 16 {
            put_coded(w, ac[0xF0], 0, 0);
            run -= 16;
        }
        let (size, bits) = category(i32::from(zz[at & 63]));
        put_coded(w, ac[((run << 4) | size) as usize], size, bits);
    }
    if next < 64 {
        put_coded(w, ac[0x00], 0, 0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn categories_and_value_bits_follow_the_spec() {
        // T.81 Table F.1 and F.1.2.1: -1 is category 1 with bits 0, -3 category 2 with bits 00,
        // 5 category 3 with bits 101, -2047 category 11 with bits 00000000000.
        assert_eq!(category(0), (0, 0));
        assert_eq!(category(1), (1, 1));
        assert_eq!(category(-1), (1, 0));
        assert_eq!(category(-3), (2, 0));
        assert_eq!(category(-2), (2, 1));
        assert_eq!(category(5), (3, 5));
        assert_eq!(category(2047), (11, 2047));
        assert_eq!(category(-2047), (11, 0));
    }

    #[test]
    fn standard_codes_are_the_spec_ones() {
        // T.81 Table K.3 (luma DC): category 0 is 00, 5 is 110; K.5 (luma AC): EOB 1010,
        // ZRL 11111111001, 0/1 00.
        let c = |t: &Codes, s: usize| (t.0[s].bits, t.0[s].len);
        assert_eq!(c(&LUMA_DC, 0), (0b00, 2));
        assert_eq!(c(&LUMA_DC, 5), (0b110, 3));
        assert_eq!(c(&LUMA_AC, 0x00), (0b1010, 4));
        assert_eq!(c(&LUMA_AC, 0xF0), (0b111_1111_1001, 11));
        assert_eq!(c(&LUMA_AC, 0x01), (0b00, 2));
        // K.4 (chroma DC): category 0 is 00, 11 is 11111111110.
        assert_eq!(c(&CHROMA_DC, 11), (0b111_1111_1110, 11));
    }

    /// The same block coded by testing each coefficient in turn (the plain reading of T.81 F.1.2.2).
    fn plain(w: &mut BitWriter, t: &Tables, zz: &[i16; 64], pred: &mut i32) {
        let (size, bits) = category(i32::from(zz[0]) - *pred);
        *pred = i32::from(zz[0]);
        put_coded(w, t.dc.0[size as usize], size, bits);
        let mut run = 0;
        for &z in &zz[1..] {
            if z == 0 {
                run += 1;
                continue;
            }
            while run >= 16 {
                put_coded(w, t.ac.0[0xF0], 0, 0);
                run -= 16;
            }
            let (size, bits) = category(i32::from(z));
            put_coded(w, t.ac.0[(run << 4 | size) as usize], size, bits);
            run = 0;
        }
        if run > 0 {
            put_coded(w, t.ac.0[0], 0, 0);
        }
    }

    #[test]
    fn skipping_zeros_by_mask_codes_what_the_plain_loop_does() {
        let mut seed = 99u32;
        let mut blocks = vec![[0i16; 64], [1i16; 64]];
        let mut last = [0i16; 64];
        last[63] = -1;
        last[17] = 1023;
        blocks.push(last);
        for density in [2u32, 8, 32, 128] {
            for _ in 0..20 {
                let mut zz = [0i16; 64];
                for z in zz.iter_mut() {
                    seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                    if (seed >> 8) % 256 < density {
                        *z = ((seed >> 20) as i16 % 2047) - 1023;
                    }
                }
                blocks.push(zz);
            }
        }
        let (mut fast, mut slow) = (Vec::new(), Vec::new());
        let (mut wf, mut ws) = (BitWriter::new(&mut fast), BitWriter::new(&mut slow));
        let (mut pf, mut ps) = (0, 0);
        for (i, zz) in blocks.iter().enumerate() {
            let t = if i % 3 == 0 { &CHROMA } else { &LUMA };
            let mask = zz
                .iter()
                .enumerate()
                .fold(0u64, |m, (i, &z)| m | u64::from(z != 0) << i);
            encode_block(&mut wf, t, zz, mask, &mut pf);
            plain(&mut ws, t, zz, &mut ps);
        }
        wf.finish();
        ws.finish();
        assert!(fast == slow);
    }
}
