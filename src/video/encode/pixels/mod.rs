//! Pixel conversions shared by the encoders and the scaler: YUYV 4:2:2, RGB and BGRA rows to the
//! planar YCbCr rows a JPEG encoder consumes, and back.
//!
//! Colour maths is BT.601 full range, as JFIF defines it (the same fixed-point constants as
//! `jpeg-encoder`, so our conversions and its own agree to the bit). A camera's full-range YUYV
//! already is JFIF YCbCr and passes through unchanged: that is what makes YUYV cheap to encode.
//! Limited-range YUYV (luma 16-235, chroma 16-240: what most UVC webcams send, BT.601 "studio
//! swing") is expanded to full range in the same row split, through two 256-entry tables: no extra
//! pass over the frame. Passed through as it was, it looked washed out (black as dark grey, white as
//! light grey, colours faded by 12%).
//! Every function writes into slices the caller provides and converts as many pixels as all of them
//! hold, so nothing is allocated per pixel and a short slice truncates instead of panicking.
//! [`RawPixels`] reads a whole raw frame this way for [`super::orient::Oriented`].

use pistream_camera::{PixelFormat, YuvRange};

use super::orient::YcbcrSource;

/// Limited-range luma (16 = black, 235 = white) to full range, rounded and clamped.
pub static LIMITED_LUMA: [u8; 256] = expand_table(16, 0, 219);
/// Limited-range chroma (16..=240 around 128) to full range, rounded and clamped.
pub static LIMITED_CHROMA: [u8; 256] = expand_table(128, 128, 224);

/// `v` maps to `to + (v - from) * 255 / span`, rounded half away from zero, clamped to 0..=255.
const fn expand_table(from: i32, to: i32, span: i32) -> [u8; 256] {
    let mut t = [0u8; 256];
    let mut v = 0;
    while v < 256 {
        let n = (v as i32 - from) * 255;
        let q = if n >= 0 {
            (n + span / 2) / span
        } else {
            -((-n + span / 2) / span)
        };
        let out = to + q;
        t[v] = if out < 0 {
            0
        } else if out > 255 {
            255
        } else {
            out as u8
        };
        v += 1;
    }
    t
}

/// One YUYV sample pair's `(y0, y1, cb, cr)` in full range.
#[inline]
fn yuyv_samples(range: YuvRange, s: &[u8]) -> (u8, u8, u8, u8) {
    match range {
        YuvRange::Full => (s[0], s[2], s[1], s[3]),
        YuvRange::Limited => {
            let (l, c) = (&LIMITED_LUMA, &LIMITED_CHROMA);
            (
                l[s[0] as usize],
                l[s[2] as usize],
                c[s[1] as usize],
                c[s[3] as usize],
            )
        }
    }
}

/// Full-range BT.601 RGB to YCbCr (JFIF), in 16.16 fixed point, rounded.
#[inline]
pub fn rgb_to_ycbcr(r: u8, g: u8, b: u8) -> (u8, u8, u8) {
    let (r, g, b) = (r as i32, g as i32, b as i32);
    let y = 19595 * r + 38470 * g + 7471 * b;
    let cb = -11059 * r - 21709 * g + 32768 * b + (128 << 16);
    let cr = 32768 * r - 27439 * g - 5329 * b + (128 << 16);
    // The weights of each row sum to 0 or 65536, so the results stay within 0..=255.
    (
        ((y + 0x7FFF) >> 16) as u8,
        ((cb + 0x7FFF) >> 16) as u8,
        ((cr + 0x7FFF) >> 16) as u8,
    )
}

/// Full-range BT.601 YCbCr (JFIF) to RGB, in 16.16 fixed point, rounded and clamped.
#[inline]
pub fn ycbcr_to_rgb(y: u8, cb: u8, cr: u8) -> (u8, u8, u8) {
    let y = (y as i32) << 16;
    let (cb, cr) = (cb as i32 - 128, cr as i32 - 128);
    let clamp = |v: i32| ((v + 0x8000) >> 16).clamp(0, 255) as u8;
    (
        clamp(y + 91881 * cr),
        clamp(y - 22554 * cb - 46802 * cr),
        clamp(y + 116130 * cb),
    )
}

/// One full-range YUYV row (`Y0 U Y1 V` per pixel pair) to Y, Cb, Cr rows of one value a pixel
/// (each chroma sample repeated for both pixels of its pair).
pub fn yuyv_row_to_ycbcr(src: &[u8], y: &mut [u8], cb: &mut [u8], cr: &mut [u8]) {
    yuyv_row_to_ycbcr_in(YuvRange::Full, src, y, cb, cr)
}

/// One YUYV row whose samples have `range` to full-range Y, Cb, Cr rows.
pub fn yuyv_row_to_ycbcr_in(
    range: YuvRange,
    src: &[u8],
    y: &mut [u8],
    cb: &mut [u8],
    cr: &mut [u8],
) {
    let pairs = src
        .chunks_exact(4)
        .zip(y.chunks_exact_mut(2))
        .zip(cb.chunks_exact_mut(2))
        .zip(cr.chunks_exact_mut(2));
    for (((s, y), cb), cr) in pairs {
        let (y0, y1, u, v) = yuyv_samples(range, s);
        y.copy_from_slice(&[y0, y1]);
        cb.fill(u);
        cr.fill(v);
    }
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

/// A raw frame's pixels (checked: `data` holds `height` rows of `width` pixels) read as full-range
/// YCbCr, its YUYV samples taken as `range`.
pub struct RawPixels<'a> {
    pub format: PixelFormat,
    pub range: YuvRange,
    pub width: usize,
    pub height: usize,
    pub data: &'a [u8],
}

impl RawPixels<'_> {
    fn stride(&self) -> usize {
        self.width * self.format.bytes_per_pixel().unwrap_or(0)
    }
}

impl YcbcrSource for RawPixels<'_> {
    fn width(&self) -> usize {
        self.width
    }

    fn height(&self) -> usize {
        self.height
    }

    fn row(&self, y: usize, luma: &mut [u8], cb: &mut [u8], cr: &mut [u8]) {
        let stride = self.stride();
        let row = &self.data[y * stride..(y + 1) * stride];
        row_to_ycbcr(self.format, self.range, row, luma, cb, cr);
    }

    fn pixel(&self, x: usize, y: usize) -> (u8, u8, u8) {
        let at = y * self.stride();
        let d = self.data;
        match self.format {
            PixelFormat::Yuyv => {
                let pair = &d[at + (x & !1) * 2..][..4];
                let (y0, y1, cb, cr) = yuyv_samples(self.range, pair);
                (if x & 1 == 0 { y0 } else { y1 }, cb, cr)
            }
            PixelFormat::Rgb24 => {
                let p = &d[at + x * 3..][..3];
                rgb_to_ycbcr(p[0], p[1], p[2])
            }
            PixelFormat::Bgra => {
                let p = &d[at + x * 4..][..4];
                rgb_to_ycbcr(p[2], p[1], p[0])
            }
            PixelFormat::Jpeg => (0, 128, 128),
        }
    }
}

/// BGRA pixels to RGB24 pixels (alpha dropped).
pub fn bgra_to_rgb(src: &[u8], dst: &mut [u8]) {
    for (s, d) in src.chunks_exact(4).zip(dst.chunks_exact_mut(3)) {
        d.copy_from_slice(&[s[2], s[1], s[0]]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// JFIF's full-range values of the primaries, from the defining formulas (rounded).
    type Rgb = (u8, u8, u8);
    type Ycc = (u8, u8, u8);

    const KNOWN: [(Rgb, Ycc); 6] = [
        ((255, 0, 0), (76, 85, 255)),
        ((0, 255, 0), (150, 44, 21)),
        ((0, 0, 255), (29, 255, 107)),
        ((255, 255, 255), (255, 128, 128)),
        ((0, 0, 0), (0, 128, 128)),
        ((128, 128, 128), (128, 128, 128)),
    ];

    fn close(a: (u8, u8, u8), b: (u8, u8, u8), tol: i32) -> bool {
        (a.0 as i32 - b.0 as i32).abs() <= tol
            && (a.1 as i32 - b.1 as i32).abs() <= tol
            && (a.2 as i32 - b.2 as i32).abs() <= tol
    }

    #[test]
    fn rgb_to_ycbcr_matches_jfif() {
        for (rgb, ycc) in KNOWN {
            let got = rgb_to_ycbcr(rgb.0, rgb.1, rgb.2);
            assert!(close(got, ycc, 1), "{rgb:?} gave {got:?}, want {ycc:?}");
        }
    }

    #[test]
    fn ycbcr_to_rgb_inverts_it() {
        for (rgb, ycc) in KNOWN {
            let got = ycbcr_to_rgb(ycc.0, ycc.1, ycc.2);
            assert!(close(got, rgb, 2), "{ycc:?} gave {got:?}, want {rgb:?}");
        }
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
    fn limited_range_expands_to_full_at_known_points() {
        // Luma: 16 is black, 235 white, the middle stays the middle; outside the range clamps.
        for (limited, full) in [(16, 0), (235, 255), (126, 128), (0, 0), (255, 255), (17, 1)] {
            assert_eq!(LIMITED_LUMA[limited], full, "luma {limited}");
        }
        // Chroma: 128 is neutral; 16 and 240 are the extremes.
        for (limited, full) in [(128, 128), (16, 0), (240, 255), (184, 192), (72, 64)] {
            assert_eq!(LIMITED_CHROMA[limited], full, "chroma {limited}");
        }
        assert!(LIMITED_LUMA.windows(2).all(|w| w[0] <= w[1]), "monotonic");
        assert!(LIMITED_CHROMA.windows(2).all(|w| w[0] <= w[1]), "monotonic");
    }

    /// BT.601 limited-range colour bars (100% and two 75% ones) and the RGB each one stands for.
    const BARS: [((u8, u8, u8), Rgb); 10] = [
        ((235, 128, 128), (255, 255, 255)),
        ((210, 16, 146), (255, 255, 0)),
        ((170, 166, 16), (0, 255, 255)),
        ((145, 54, 34), (0, 255, 0)),
        ((106, 202, 222), (255, 0, 255)),
        ((81, 90, 240), (255, 0, 0)),
        ((41, 240, 110), (0, 0, 255)),
        ((16, 128, 128), (0, 0, 0)),
        ((180, 128, 128), (191, 191, 191)),
        ((162, 44, 142), (191, 191, 0)),
    ];

    #[test]
    fn limited_range_colour_bars_become_the_right_rgb() {
        for ((y, cb, cr), rgb) in BARS {
            let mut out = [0u8; 6];
            yuyv_to_rgb(YuvRange::Limited, &[y, cb, y, cr], &mut out);
            let got = (out[0], out[1], out[2]);
            assert!(
                close(got, rgb, 2),
                "{:?} gave {got:?}, want {rgb:?}",
                (y, cb, cr)
            );
            // The encoder's path (planes, then JFIF's own conversion) agrees.
            let (mut py, mut pb, mut pr) = ([0u8; 2], [0u8; 2], [0u8; 2]);
            yuyv_row_to_ycbcr_in(
                YuvRange::Limited,
                &[y, cb, y, cr],
                &mut py,
                &mut pb,
                &mut pr,
            );
            assert_eq!(ycbcr_to_rgb(py[1], pb[1], pr[1]), got);
            // Taken as full range, the same samples are visibly off: the bug this fixes.
            yuyv_to_rgb(YuvRange::Full, &[y, cb, y, cr], &mut out);
            assert!(!close((out[0], out[1], out[2]), rgb, 8), "{rgb:?}");
        }
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
    fn raw_pixels_read_the_same_by_row_and_by_pixel() {
        // 4x2 of each format, with distinct pixels; the pixel reader must agree with the row reader.
        let yuyv: Vec<u8> = (0..16).map(|i| 20 + i * 13).collect();
        let rgb: Vec<u8> = (0..24).map(|i| (i * 37 % 256) as u8).collect();
        let bgra: Vec<u8> = (0..32).map(|i| (i * 53 % 256) as u8).collect();
        for (format, data) in [
            (PixelFormat::Yuyv, &yuyv),
            (PixelFormat::Rgb24, &rgb),
            (PixelFormat::Bgra, &bgra),
        ] {
            for range in [YuvRange::Full, YuvRange::Limited] {
                let px = RawPixels {
                    format,
                    range,
                    width: 4,
                    height: 2,
                    data,
                };
                for row in 0..2 {
                    let (mut y, mut cb, mut cr) = ([0u8; 4], [0u8; 4], [0u8; 4]);
                    px.row(row, &mut y, &mut cb, &mut cr);
                    for x in 0..4 {
                        assert_eq!(px.pixel(x, row), (y[x], cb[x], cr[x]), "{format} {x},{row}");
                    }
                }
            }
        }
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
