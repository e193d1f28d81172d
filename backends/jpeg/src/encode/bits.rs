//! The entropy-coded segment's bit writer: codes are packed most significant bit first into a
//! 64-bit buffer that is written out 8 bytes at a time. JPEG forbids a 0xFF byte in the scan not
//! followed by a 0x00 ("byte stuffing"); the 8 bytes are tested for 0xFF all at once, with one
//! word-sized bit trick, so the common case is a single 8-byte copy and only a word that holds a
//! 0xFF is written byte by byte. (libjpeg-turbo's `jchuff.c` does the same.)

/// Appends bits to a JPEG scan in `out`.
pub struct BitWriter<'a> {
    out: &'a mut Vec<u8>,
    /// Pending bits, right-aligned: the last `64 - free` bits are the ones not yet written.
    acc: u64,
    /// How many more bits `acc` can take before it must be written out (1..=64).
    free: u32,
}

/// Whether any byte of `x` is 0xFF: a zero byte of `!x` (the classic "has a zero byte" test).
#[inline(always)]
fn has_ff_byte(x: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let n = !x;
    n.wrapping_sub(ONES) & !n & HIGHS != 0
}

impl<'a> BitWriter<'a> {
    pub fn new(out: &'a mut Vec<u8>) -> BitWriter<'a> {
        BitWriter {
            out,
            acc: 0,
            free: 64,
        }
    }

    /// Makes room for at least `bytes` more output bytes (so the writes after it do not grow
    /// the vector one at a time).
    #[inline]
    pub fn reserve(&mut self, bytes: usize) {
        self.out.reserve(bytes);
    }

    /// Appends the low `len` bits of `bits` (`len` <= 32, the bits above `len` zero).
    #[inline(always)]
    pub fn put(&mut self, bits: u32, len: u32) {
        let bits = u64::from(bits);
        if len < self.free {
            self.acc = (self.acc << len) | bits;
            self.free -= len;
        } else {
            // Fill the buffer with the top bits, write it, keep the rest.
            let rest = len - self.free;
            let word = (self.acc << self.free) | (bits >> rest);
            self.flush_word(word);
            self.acc = bits;
            self.free = 64 - rest;
        }
    }

    #[inline(always)]
    fn flush_word(&mut self, word: u64) {
        let bytes = word.to_be_bytes();
        if has_ff_byte(word) {
            for b in bytes {
                self.out.push(b);
                if b == 0xFF {
                    self.out.push(0);
                }
            }
        } else {
            self.out.extend_from_slice(&bytes);
        }
    }

    /// Pads the last byte with 1 bits (as the spec asks) and writes out what is left.
    pub fn finish(self) {
        let used = 64 - self.free;
        let bytes = used.div_ceil(8);
        let pad = bytes * 8 - used;
        // The pending bits, left-aligned with `pad` 1 bits after them (`used` < 64).
        let word = if used == 0 {
            0
        } else {
            ((self.acc << pad) | ((1u64 << pad) - 1)) << (64 - bytes * 8)
        };
        for &b in &word.to_be_bytes()[..bytes as usize] {
            self.out.push(b);
            if b == 0xFF {
                self.out.push(0);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The bits written, most significant first, as a string of 0s and 1s (stuffed zeros removed).
    fn bits_of(out: &[u8]) -> String {
        let mut s = String::new();
        let mut i = 0;
        while i < out.len() {
            s += &format!("{:08b}", out[i]);
            i += if out[i] == 0xFF { 2 } else { 1 };
        }
        s
    }

    #[test]
    fn bits_come_out_in_order_across_words_padded_with_ones() {
        // Codes of every length 1..=32 with a varying pattern: the concatenation must come out.
        let mut out = Vec::new();
        let mut w = BitWriter::new(&mut out);
        let mut want = String::new();
        for round in 0..5u32 {
            for len in 1..=32u32 {
                let v = (0x9E37_79B9u32.wrapping_mul(len + round * 33)) >> (32 - len);
                w.put(v, len);
                want += &format!("{v:0width$b}", width = len as usize);
            }
        }
        w.finish();
        while !want.len().is_multiple_of(8) {
            want.push('1');
        }
        assert_eq!(bits_of(&out), want);
    }

    #[test]
    fn every_ff_byte_is_followed_by_a_stuffed_zero() {
        // All ones: every output byte is 0xFF, in whole words and in the final partial one.
        let mut out = Vec::new();
        let mut w = BitWriter::new(&mut out);
        for _ in 0..37 {
            w.put(0x1FFF, 13);
        }
        w.finish();
        let n = (37 * 13usize).div_ceil(8);
        assert_eq!(out.len(), 2 * n);
        assert!(out.chunks(2).all(|p| p == [0xFF, 0x00]));
        // A word with one 0xFF among other bytes.
        let mut out = Vec::new();
        let mut w = BitWriter::new(&mut out);
        w.put(0x12FF_3456, 32);
        w.put(0x789A_BCDE, 32);
        w.finish();
        assert_eq!(out, [0x12, 0xFF, 0x00, 0x34, 0x56, 0x78, 0x9A, 0xBC, 0xDE]);
    }

    #[test]
    fn the_ff_test_finds_exactly_the_ff_bytes() {
        for shift in 0..8 {
            assert!(has_ff_byte(0xFFu64 << (8 * shift)));
            assert!(!has_ff_byte(0xFEu64 << (8 * shift)));
            let others = 0x7F7F_7F7F_7F7F_7F7Fu64 & !(0xFFu64 << (8 * shift));
            assert!(!has_ff_byte(others | (0xFEu64 << (8 * shift))));
            assert!(has_ff_byte(others | (0xFFu64 << (8 * shift))));
        }
        assert!(!has_ff_byte(0));
        assert!(has_ff_byte(u64::MAX));
    }
}
