//! What an encoder's output is worth: its size and its luma PSNR against the source, and the size
//! the default encoder needs to reach another encoder's PSNR (quality swept, size interpolated).

use pistream::video::encode::decode::{JpegSource, Layout};
use pistream::video::encode::pixels::LIMITED_LUMA;
use pistream_camera::{Frame, PixelFormat, YuvRange};

/// The source's luma as the JPEG should reproduce it: a YUYV frame's Y samples (expanded to full
/// range when they are taken as limited range), an RGB frame's full-range BT.601 luma (unrounded,
/// as JFIF defines it).
pub fn source_luma(frame: &Frame, range: YuvRange) -> Vec<f64> {
    let expand = |y: u8| match range {
        YuvRange::Full => y,
        YuvRange::Limited => LIMITED_LUMA[y as usize],
    };
    match frame.format {
        PixelFormat::Yuyv => frame
            .data
            .iter()
            .step_by(2)
            .map(|&y| expand(y) as f64)
            .collect(),
        PixelFormat::Rgb24 => frame
            .data
            .chunks_exact(3)
            .map(|p| 0.299 * p[0] as f64 + 0.587 * p[1] as f64 + 0.114 * p[2] as f64)
            .collect(),
        other => panic!("no luma for {other} in this bench"),
    }
}

/// The luma a decoder gets from `jpeg` (decoded at full size, no colour conversion for YCbCr).
fn decoded_luma(jpeg: &[u8]) -> Vec<f64> {
    let source = JpegSource::open(jpeg).expect("a JPEG");
    let (w, h) = (source.width, source.height);
    let pic = source.decode_at_least(w, h).expect("decodes");
    match pic.layout {
        Layout::Ycbcr => pic.data.iter().step_by(3).map(|&y| y as f64).collect(),
        Layout::Grey => pic.data.iter().map(|&y| y as f64).collect(),
        Layout::Rgb => pic
            .data
            .chunks_exact(3)
            .map(|p| 0.299 * p[0] as f64 + 0.587 * p[1] as f64 + 0.114 * p[2] as f64)
            .collect(),
    }
}

/// Sum of squared luma errors of `jpeg` against `luma`, and the number of samples.
fn squared_error(jpeg: &[u8], luma: &[f64]) -> (f64, usize) {
    let got = decoded_luma(jpeg);
    assert_eq!(got.len(), luma.len(), "decoded size");
    let sum = got.iter().zip(luma).map(|(a, b)| (a - b) * (a - b)).sum();
    (sum, luma.len())
}

/// Mean size and pooled luma PSNR of a set of encodes.
#[derive(Debug, Clone, Copy)]
pub struct Score {
    pub bytes: f64,
    pub psnr: f64,
}

/// Encodes every frame with `encode` at `quality` and scores the results against the frames'
/// luma (`lumas[i]` is `frames[i]`'s).
pub fn score(
    frames: &[Frame],
    lumas: &[Vec<f64>],
    quality: u8,
    encode: &mut dyn FnMut(&Frame, u8, &mut Vec<u8>) -> usize,
) -> Score {
    let (mut bytes, mut sse, mut n) = (0usize, 0.0, 0usize);
    let mut out = Vec::new();
    for (frame, luma) in frames.iter().zip(lumas) {
        let len = encode(frame, quality, &mut out);
        bytes += len;
        let (s, k) = squared_error(&out[..len], luma);
        sse += s;
        n += k;
    }
    let mse = (sse / n as f64).max(1e-12);
    Score {
        bytes: bytes as f64 / frames.len() as f64,
        psnr: 10.0 * (255.0f64 * 255.0 / mse).log10(),
    }
}

/// The size `encode` needs to reach `psnr`: its quality stepped from 80 until two neighbouring
/// qualities bracket `psnr`, the size interpolated linearly in PSNR between them. Returns the
/// (fractional) quality and the size; `None` if even quality 100 falls short.
pub fn bytes_at_psnr(
    frames: &[Frame],
    lumas: &[Vec<f64>],
    psnr: f64,
    encode: &mut dyn FnMut(&Frame, u8, &mut Vec<u8>) -> usize,
) -> Option<(f64, f64)> {
    let mut at = |q: u8| score(frames, lumas, q, encode);
    let mut q = 80u8;
    let mut here = at(q);
    let up = here.psnr < psnr;
    loop {
        let next_q = if up { q.checked_add(1)? } else { q - 1 };
        if !(1..=100).contains(&next_q) {
            return None;
        }
        let next = at(next_q);
        let (lo, hi, lo_q) = if up {
            (here, next, q)
        } else {
            (next, here, next_q)
        };
        if lo.psnr <= psnr && psnr <= hi.psnr {
            let t = if hi.psnr > lo.psnr {
                (psnr - lo.psnr) / (hi.psnr - lo.psnr)
            } else {
                0.0
            };
            return Some((lo_q as f64 + t, lo.bytes + t * (hi.bytes - lo.bytes)));
        }
        (q, here) = (next_q, next);
    }
}
