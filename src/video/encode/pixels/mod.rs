//! Pixel conversions shared by the encoders and the scaler: YUYV 4:2:2, RGB and BGRA rows to the
//! planar YCbCr rows a JPEG encoder consumes, and back.
//!
//! Colour maths is BT.601 full range, as JFIF defines it (the same fixed-point constants as
//! libjpeg's `jccolor.c`). A camera's full-range YUYV
//! already is JFIF YCbCr and passes through unchanged: that is what makes YUYV cheap to encode.
//! Limited-range YUYV (luma 16-235, chroma 16-240: what most UVC webcams send, BT.601 "studio
//! swing") is expanded to full range in the same row split, through two 256-entry tables: no extra
//! pass over the frame. Passed through as it was, it looked washed out (black as dark grey, white as
//! light grey, colours faded by 12%).
//! Every function writes into slices the caller provides and converts as many pixels as all of them
//! hold, so nothing is allocated per pixel and a short slice truncates instead of panicking.
//! [`RawPixels`] reads a whole raw frame this way for [`super::orient::Oriented`].
//!
//! This module holds the row conversions; beside it: `colour.rs` (the per-pixel BT.601 maths),
//! `range.rs` (limited-range expansion), `raw.rs` ([`RawPixels`]) and `yuyv_rows.rs` (the YUYV row
//! split, written for speed: the default encoder's hot loop).

mod colour;
mod range;
mod raw;
mod yuyv_rows;

use pistream_camera::{PixelFormat, YuvRange};

pub use colour::{rgb_to_ycbcr, ycbcr_to_rgb};
use range::yuyv_samples;
pub use range::{LIMITED_CHROMA, LIMITED_LUMA};
pub use raw::RawPixels;
pub use yuyv_rows::split_yuyv_row;
#[cfg(target_arch = "x86_64")] // for the split into planes too
pub(super) use yuyv_rows::sse2::{expand_chroma_high, expand_luma_high};

/// One full-range YUYV row (`Y0 U Y1 V` per pixel pair) to Y, Cb, Cr rows of one value a pixel
/// (each chroma sample repeated for both pixels of its pair).
pub fn yuyv_row_to_ycbcr(src: &[u8], y: &mut [u8], cb: &mut [u8], cr: &mut [u8]) {
    yuyv_row_to_ycbcr_in(YuvRange::Full, src, y, cb, cr)
}

/// One YUYV row whose samples have `range` to full-range Y, Cb, Cr rows (see [`split_yuyv_row`]).
pub fn yuyv_row_to_ycbcr_in(
    range: YuvRange,
    src: &[u8],
    y: &mut [u8],
    cb: &mut [u8],
    cr: &mut [u8],
) {
    split_yuyv_row(range, src, y, cb, cr)
}

/// One row of interleaved YCbCr (3 bytes a pixel, as a JPEG decoder gives it) to Y, Cb, Cr rows.
pub fn ycbcr24_row_to_planes(src: &[u8], y: &mut [u8], cb: &mut [u8], cr: &mut [u8]) {
    let px = src.chunks_exact(3).zip(y).zip(cb).zip(cr);
    for (((s, y), cb), cr) in px {
        (*y, *cb, *cr) = (s[0], s[1], s[2]);
    }
}

/// One row of packed pixels, `bpp` bytes each with red, green, blue at `ri`, `gi`, `bi`, to YCbCr rows.
#[inline]
fn packed_row_to_ycbcr<const BPP: usize, const RI: usize, const GI: usize, const BI: usize>(
    src: &[u8],
    y: &mut [u8],
    cb: &mut [u8],
    cr: &mut [u8],
) {
    let px = src.chunks_exact(BPP).zip(y).zip(cb).zip(cr);
    for (((s, y), cb), cr) in px {
        (*y, *cb, *cr) = rgb_to_ycbcr(s[RI], s[GI], s[BI]);
    }
}

/// One RGB24 row to YCbCr rows.
pub fn rgb_row_to_ycbcr(src: &[u8], y: &mut [u8], cb: &mut [u8], cr: &mut [u8]) {
    packed_row_to_ycbcr::<3, 0, 1, 2>(src, y, cb, cr)
}

/// One BGRA row (alpha ignored) to YCbCr rows.
pub fn bgra_row_to_ycbcr(src: &[u8], y: &mut [u8], cb: &mut [u8], cr: &mut [u8]) {
    packed_row_to_ycbcr::<4, 2, 1, 0>(src, y, cb, cr)
}

/// One row of any raw format to full-range YCbCr rows (`range`: that of YUYV samples; RGB and BGRA
/// have none); `false` for a format that is not raw pixels (JPEG).
pub fn row_to_ycbcr(
    format: PixelFormat,
    range: YuvRange,
    src: &[u8],
    y: &mut [u8],
    cb: &mut [u8],
    cr: &mut [u8],
) -> bool {
    match format {
        PixelFormat::Yuyv => yuyv_row_to_ycbcr_in(range, src, y, cb, cr),
        PixelFormat::Rgb24 => rgb_row_to_ycbcr(src, y, cb, cr),
        PixelFormat::Bgra => bgra_row_to_ycbcr(src, y, cb, cr),
        PixelFormat::Jpeg => return false,
    }
    true
}

/// Y, Cb, Cr rows back to one YUYV row; the two chroma samples of a pair are averaged.
pub fn ycbcr_row_to_yuyv(y: &[u8], cb: &[u8], cr: &[u8], dst: &mut [u8]) {
    let avg = |c: &[u8]| (c[0] as u16 + c[1] as u16).div_ceil(2) as u8;
    let pairs = dst
        .chunks_exact_mut(4)
        .zip(y.chunks_exact(2))
        .zip(cb.chunks_exact(2))
        .zip(cr.chunks_exact(2));
    for (((d, y), cb), cr) in pairs {
        d.copy_from_slice(&[y[0], avg(cb), y[1], avg(cr)]);
    }
}

/// YUYV pixels whose samples have `range` to RGB24 pixels (`dst` holds 3 bytes for each 2 of `src`).
pub fn yuyv_to_rgb(range: YuvRange, src: &[u8], dst: &mut [u8]) {
    for (s, d) in src.chunks_exact(4).zip(dst.chunks_exact_mut(6)) {
        let (y0, y1, cb, cr) = yuyv_samples(range, s);
        let (r0, g0, b0) = ycbcr_to_rgb(y0, cb, cr);
        let (r1, g1, b1) = ycbcr_to_rgb(y1, cb, cr);
        d.copy_from_slice(&[r0, g0, b0, r1, g1, b1]);
    }
}

/// BGRA pixels to RGB24 pixels (alpha dropped).
pub fn bgra_to_rgb(src: &[u8], dst: &mut [u8]) {
    for (s, d) in src.chunks_exact(4).zip(dst.chunks_exact_mut(3)) {
        d.copy_from_slice(&[s[2], s[1], s[0]]);
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    pub(super) type Rgb = (u8, u8, u8);
    pub(super) type Ycc = (u8, u8, u8);

    /// Each channel of `a` within `tol` of `b`'s.
    pub(super) fn close(a: (u8, u8, u8), b: (u8, u8, u8), tol: i32) -> bool {
        (a.0 as i32 - b.0 as i32).abs() <= tol
            && (a.1 as i32 - b.1 as i32).abs() <= tol
            && (a.2 as i32 - b.2 as i32).abs() <= tol
    }

    #[test]
    fn yuyv_pair_splits_into_planes() {
        let src = [50, 100, 200, 150, 10, 20, 30, 40];
        let (mut y, mut cb, mut cr) = ([0u8; 4], [0u8; 4], [0u8; 4]);
        yuyv_row_to_ycbcr(&src, &mut y, &mut cb, &mut cr);
        assert_eq!(
            (y, cb, cr),
            ([50, 200, 10, 30], [100, 100, 20, 20], [150, 150, 40, 40])
        );
        let mut back = [0u8; 8];
        ycbcr_row_to_yuyv(&y, &cb, &cr, &mut back);
        assert_eq!(back, src);
    }

    #[test]
    fn interleaved_ycbcr_splits_into_planes() {
        let (mut y, mut cb, mut cr) = ([0u8; 2], [0u8; 2], [0u8; 2]);
        ycbcr24_row_to_planes(&[1, 2, 3, 4, 5, 6], &mut y, &mut cb, &mut cr);
        assert_eq!((y, cb, cr), ([1, 4], [2, 5], [3, 6]));
    }

    #[test]
    fn full_range_passes_straight_through() {
        let src = [0, 1, 255, 254, 16, 128, 235, 240];
        let (mut y, mut cb, mut cr) = ([0u8; 4], [0u8; 4], [0u8; 4]);
        yuyv_row_to_ycbcr_in(YuvRange::Full, &src, &mut y, &mut cb, &mut cr);
        assert_eq!(
            (y, cb, cr),
            ([0, 255, 16, 235], [1, 1, 128, 128], [254, 254, 240, 240])
        );
    }

    #[test]
    fn packed_rows_follow_channel_order() {
        let rgb = [255, 0, 0, 0, 0, 255];
        let bgra = [0, 0, 255, 9, 255, 0, 0, 9];
        let (mut y, mut cb, mut cr) = ([0u8; 2], [0u8; 2], [0u8; 2]);
        rgb_row_to_ycbcr(&rgb, &mut y, &mut cb, &mut cr);
        let from_rgb = (y, cb, cr);
        assert!(row_to_ycbcr(
            PixelFormat::Bgra,
            YuvRange::Limited, // no YUV samples: no effect
            &bgra,
            &mut y,
            &mut cb,
            &mut cr
        ));
        assert_eq!((y, cb, cr), from_rgb);
        assert_eq!((y[0], cb[0], cr[0]), rgb_to_ycbcr(255, 0, 0));
        assert_eq!((y[1], cb[1], cr[1]), rgb_to_ycbcr(0, 0, 255));
        assert!(!row_to_ycbcr(
            PixelFormat::Jpeg,
            YuvRange::Full,
            &rgb,
            &mut y,
            &mut cb,
            &mut cr
        ));
    }

    #[test]
    fn yuyv_red_pair_is_red_in_rgb() {
        let (y, cb, cr) = rgb_to_ycbcr(255, 0, 0);
        let mut rgb = [0u8; 6];
        yuyv_to_rgb(YuvRange::Full, &[y, cb, y, cr], &mut rgb);
        assert!(close((rgb[0], rgb[1], rgb[2]), (255, 0, 0), 2), "{rgb:?}");
        assert_eq!(rgb[..3], rgb[3..]);
        let mut out = [0u8; 3];
        bgra_to_rgb(&[1, 2, 3, 4], &mut out);
        assert_eq!(out, [3, 2, 1]);
    }

    #[test]
    fn short_slices_truncate_instead_of_panicking() {
        let (mut y, mut cb, mut cr) = ([7u8; 1], [7u8; 4], [7u8; 4]);
        yuyv_row_to_ycbcr(&[1, 2, 3, 4, 5, 6, 7, 8], &mut y, &mut cb, &mut cr);
        assert_eq!(y, [7]); // a single byte cannot take a pixel pair: left alone
        let mut small = [0u8; 2];
        rgb_row_to_ycbcr(&[255; 9], &mut small, &mut [0; 3], &mut [0; 3]);
        assert_eq!(small, [255, 255]);
    }
}
