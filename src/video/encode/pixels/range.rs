//! Limited-range YUYV (luma 16-235, chroma 16-240, BT.601 "studio swing": what most UVC webcams
//! send) expanded to full range through two 256-entry tables, so the expansion rides along in the
//! row split instead of costing another pass over the frame. Separate from the row conversions
//! because it is the one place that knows what `--yuv-range` means for a sample.

use pistream_camera::YuvRange;

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
pub(super) fn yuyv_samples(range: YuvRange, s: &[u8]) -> (u8, u8, u8, u8) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::video::encode::pixels::tests::{close, Rgb};
    use crate::video::encode::pixels::{ycbcr_to_rgb, yuyv_row_to_ycbcr_in, yuyv_to_rgb};

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
}
