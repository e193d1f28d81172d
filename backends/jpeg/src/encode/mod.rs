//! A baseline JPEG encoder for YCbCr planes: pistream's default encoder core (issue 9).
//!
//! Why our own: the default encoder used the `jpeg-encoder` crate, measured at 2.4-3.1x
//! libjpeg-turbo's time per frame where issue 9 asks for at most 2.5x. `perf` put ~92 % of that time
//! inside the crate, in loops that cannot be changed from outside it: scalar quantisation with a
//! branch per coefficient (~31-34 %), Huffman coding that tests all 63 AC coefficients of every block
//! one by one (~31 %), scalar 4:2:0 downsampling and block gathering (~10 %); and it cannot be fed
//! chroma that is already subsampled, which a YUYV camera frame nearly is. This encoder takes 4:2:0
//! or 4:2:2 planes as they are and does only what those planes need, each stage written to
//! vectorise or to skip work: see `dct.rs` (float AAN DCT over 8-lane rows, quantisation by
//! reciprocals, zigzag with a non-zero mask), `entropy.rs` (Huffman coding that jumps over zero runs)
//! and `bits.rs` (a 64-bit bit buffer written 8 bytes at a time).
//!
//! What it writes is what libjpeg-turbo writes for the same planes at the same quality, bar the DCT's
//! rounding: JFIF, the IJG quality scaling (`quant.rs`), the standard Huffman tables, no restart
//! markers, edge blocks padded by repeating the last column and row of each plane (`frame.rs` has the
//! headers). One function, [`encode`]; it allocates nothing but the output's growth.
//!
//! Measured (`benches/codec`, docs/BENCHMARKS.md "Codecs side by side"): the default encoder built on
//! this core takes 1.85-2.30x libjpeg-turbo's time per frame from YUYV and 2.10-2.21x from RGB at
//! 640x480 to 1920x1080 (with jpeg-encoder: 2.38-2.89x and 2.50-2.82x in the same run), with
//! 0.994-0.999x its bytes at the same luma PSNR.

mod bits;
mod dct;
mod entropy;
mod frame;
mod quant;
#[cfg(test)]
mod tests;

use std::fmt;

use bits::BitWriter;
use dct::{Block, F4};
use quant::Divisors;

/// How the chroma planes are subsampled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Subsampling {
    /// Half width, half height (the camera default: 6 blocks per 16x16 pixels).
    #[default]
    S420,
    /// Half width, full height (YUYV's own sampling: 8 blocks per 16x16 pixels).
    S422,
}

/// A picture as full-range (JFIF) YCbCr planes. Luma is `width` x `height`, each chroma plane
/// `ceil(width / 2)` x `ceil(height / 2)` (4:2:0) or `ceil(width / 2)` x `height` (4:2:2); a row
/// starts every `stride` bytes (at least the plane's width), and the last row needs only the width.
#[derive(Debug, Clone, Copy)]
pub struct Planes<'a> {
    pub width: usize,
    pub height: usize,
    pub subsampling: Subsampling,
    pub y: &'a [u8],
    pub y_stride: usize,
    pub cb: &'a [u8],
    pub cr: &'a [u8],
    pub chroma_stride: usize,
}

impl Planes<'_> {
    /// The chroma planes' width and height.
    pub fn chroma_size(&self) -> (usize, usize) {
        chroma_size(self.width, self.height, self.subsampling)
    }
}

/// The chroma planes' width and height for a `width` x `height` picture.
pub fn chroma_size(width: usize, height: usize, subsampling: Subsampling) -> (usize, usize) {
    match subsampling {
        Subsampling::S420 => (width.div_ceil(2), height.div_ceil(2)),
        Subsampling::S422 => (width.div_ceil(2), height),
    }
}

/// Why planes could not be encoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EncodeError {
    /// A side is 0 or over 65535 (JPEG's limit).
    Size { width: usize, height: usize },
    /// Quality outside 1..=100.
    Quality(u8),
    /// A plane's stride is below its width, or the plane is shorter than its rows need.
    Plane {
        plane: &'static str,
        needed: usize,
        stride: usize,
        len: usize,
    },
}

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            EncodeError::Size { width, height } => write!(
                f,
                "a {width}x{height} picture: each side must be 1 to 65535"
            ),
            EncodeError::Quality(q) => write!(f, "JPEG quality must be 1 to 100, got {q}"),
            EncodeError::Plane {
                plane,
                needed,
                stride,
                len,
            } => write!(
                f,
                "the {plane} plane (stride {stride}) has {len} bytes, its rows need {needed}"
            ),
        }
    }
}

impl std::error::Error for EncodeError {}

/// Checks that `len` bytes with rows every `stride` hold `rows` rows of `width`.
fn check_plane(
    plane: &'static str,
    len: usize,
    width: usize,
    rows: usize,
    stride: usize,
) -> Result<(), EncodeError> {
    let needed = (rows - 1).saturating_mul(stride).saturating_add(width);
    if stride < width || len < needed {
        return Err(EncodeError::Plane {
            plane,
            needed,
            stride,
            len,
        });
    }
    Ok(())
}

/// One plane and its size, as blocks are read from it.
#[derive(Clone, Copy)]
struct Plane<'a> {
    data: &'a [u8],
    stride: usize,
    width: usize,
    height: usize,
}

impl Plane<'_> {
    /// The 8x8 block at (`x0`, `y0`) (not level-shifted: [`dct::transform`] takes the 128 off the
    /// DC coefficient alone, one subtraction instead of 64); past the right or bottom edge the last
    /// column or row is repeated (as libjpeg pads).
    #[inline(always)]
    fn block(&self, x0: usize, y0: usize, b: &mut Block) {
        // Each half row built as one value (not stored lane by lane, which the vector loads of the
        // DCT then waited on: measured 4.5 % of the encode in the conversion alone).
        let mut put = |r: usize, row: &[u8; 8]| {
            for (h, half) in b.iter_mut().enumerate() {
                let s = &row[4 * h..4 * h + 4];
                half[r] = F4([s[0], s[1], s[2], s[3]].map(f32::from));
            }
        };
        if x0 + 8 <= self.width && y0 + 8 <= self.height {
            for r in 0..8 {
                let at = (y0 + r) * self.stride + x0;
                put(r, self.data[at..at + 8].try_into().expect("8 samples"));
            }
        } else {
            for r in 0..8 {
                let y = (y0 + r).min(self.height - 1);
                let row = &self.data[y * self.stride..][..self.width];
                put(
                    r,
                    &std::array::from_fn(|c| row[(x0 + c).min(self.width - 1)]),
                );
            }
        }
    }
}

/// Appends the baseline JPEG of `planes` at `quality` (1..=100, libjpeg's scale) to `out`.
pub fn encode(planes: &Planes, quality: u8, out: &mut Vec<u8>) -> Result<(), EncodeError> {
    let (width, height) = (planes.width, planes.height);
    let (Ok(w16), Ok(h16)) = (u16::try_from(width), u16::try_from(height)) else {
        return Err(EncodeError::Size { width, height });
    };
    if width == 0 || height == 0 {
        return Err(EncodeError::Size { width, height });
    }
    if !(1..=100).contains(&quality) {
        return Err(EncodeError::Quality(quality));
    }
    let (cw, ch) = planes.chroma_size();
    check_plane("Y", planes.y.len(), width, height, planes.y_stride)?;
    check_plane("Cb", planes.cb.len(), cw, ch, planes.chroma_stride)?;
    check_plane("Cr", planes.cr.len(), cw, ch, planes.chroma_stride)?;

    let tables = quant::tables(quality);
    frame::write_header(out, w16, h16, planes.subsampling, &tables);
    let luma = Plane {
        data: planes.y,
        stride: planes.y_stride,
        width,
        height,
    };
    let chroma = |data| Plane {
        data,
        stride: planes.chroma_stride,
        width: cw,
        height: ch,
    };
    scan(
        luma,
        [chroma(planes.cb), chroma(planes.cr)],
        planes.subsampling,
        &[Divisors::new(&tables[0]), Divisors::new(&tables[1])],
        out,
    );
    frame::write_trailer(out);
    Ok(())
}

/// The entropy-coded data: MCU after MCU (16 pixels wide, 16 or 8 high), each its 4 or 2 luma
/// blocks then one Cb and one Cr block.
fn scan(
    luma: Plane,
    chroma: [Plane; 2],
    subsampling: Subsampling,
    div: &[Divisors; 2],
    out: &mut Vec<u8>,
) {
    let luma_rows = match subsampling {
        Subsampling::S420 => 2,
        Subsampling::S422 => 1,
    };
    let mcus_x = luma.width.div_ceil(16);
    let mcus_y = luma.height.div_ceil(8 * luma_rows);
    let mut w = BitWriter::new(out);
    let mut pred = [0i32; 3];
    let mut zz = [0i16; 64];
    // One block filled and transformed in place, block after block (passed by value, each block
    // was copied by `memcpy` calls: measured 5.6 % of the encode).
    let mut block: Block = Default::default();
    for my in 0..mcus_y {
        // Room for a row of MCUs at ~1 bit per sample; a busier row grows the output as it goes.
        w.reserve(mcus_x * 16 * 8 * luma_rows * 2 / 8);
        for mx in 0..mcus_x {
            for by in 0..luma_rows {
                for bx in 0..2 {
                    let (x0, y0) = (mx * 16 + bx * 8, (my * luma_rows + by) * 8);
                    luma.block(x0, y0, &mut block);
                    let mask = dct::transform(&mut block, &div[0], &mut zz);
                    entropy::encode_block(&mut w, &entropy::LUMA, &zz, mask, &mut pred[0]);
                }
            }
            for (plane, pred) in chroma.iter().zip(&mut pred[1..]) {
                plane.block(mx * 8, my * 8, &mut block);
                let mask = dct::transform(&mut block, &div[1], &mut zz);
                entropy::encode_block(&mut w, &entropy::CHROMA, &zz, mask, pred);
            }
        }
    }
    w.finish();
}
