//! BT.601 full-range colour maths, RGB to YCbCr (JFIF) and back, one pixel at a time, in 16.16
//! fixed point. Separate from the row conversions because it is the one place the colour constants
//! live: libjpeg's (`jccolor.c`), so a frame converted here and one libjpeg-turbo converts match.

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::video::encode::pixels::tests::{close, Rgb, Ycc};

    /// JFIF's full-range values of the primaries, from the defining formulas (rounded).
    const KNOWN: [(Rgb, Ycc); 6] = [
        ((255, 0, 0), (76, 85, 255)),
        ((0, 255, 0), (150, 44, 21)),
        ((0, 0, 255), (29, 255, 107)),
        ((255, 255, 255), (255, 128, 128)),
        ((0, 0, 0), (0, 128, 128)),
        ((128, 128, 128), (128, 128, 128)),
    ];

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
}
