//! Turning a JPEG frame (an MJPEG camera, the replay, `exec`) for `--rotate` / `--flip`: the one
//! step [`rotate_jpeg`], where a lossless DCT-domain transform (libjpeg-turbo's, under the
//! `turbojpeg` feature) plugs in. Without it the frame is decoded in full, straight to YCbCr, and
//! re-encoded at the server's quality with its rows read turned ([`super::orient::Oriented`]): no
//! RGB step and no turned copy of the picture, but a decode and an encode per frame, once for every
//! viewer, photo and snapshot (measured in docs/BENCHMARKS.md, "Rotation").
//!
//! [`DecodedPixels`] reads a decoded picture as full-range YCbCr, for this and for the variants of
//! a turned JPEG source.

use super::decode::{Decoded, JpegSource, Layout};
use super::orient::{Orientation, YcbcrSource};
use super::pixels;
use super::{EncodeError, FastEncoder};

/// Appends `jpeg` turned by `orientation` to `out`, re-encoded at `quality` where the transform is
/// not lossless. An error (never a panic) for anything that is not a decodable JPEG.
pub fn rotate_jpeg(
    jpeg: &[u8],
    orientation: Orientation,
    quality: u8,
    out: &mut Vec<u8>,
) -> Result<(), EncodeError> {
    let source = JpegSource::open(jpeg)?;
    let (w, h) = (source.width, source.height);
    let pic = source.decode_at_least(w, h)?;
    FastEncoder::new().encode_decoded(&pic, orientation, quality, out)
}

/// A decoded picture seen as full-range YCbCr (its layout converted pixel by pixel as read).
pub struct DecodedPixels<'a>(pub &'a Decoded);

impl YcbcrSource for DecodedPixels<'_> {
    fn width(&self) -> usize {
        self.0.width as usize
    }

    fn height(&self) -> usize {
        self.0.height as usize
    }

    fn row(&self, y: usize, luma: &mut [u8], cb: &mut [u8], cr: &mut [u8]) {
        let pic = self.0;
        let stride = pic.width as usize * pic.layout.bytes_per_pixel();
        let row = &pic.data[y * stride..(y + 1) * stride];
        match pic.layout {
            Layout::Ycbcr => pixels::ycbcr24_row_to_planes(row, luma, cb, cr),
            Layout::Rgb => pixels::rgb_row_to_ycbcr(row, luma, cb, cr),
            Layout::Grey => {
                let n = row.len().min(luma.len());
                luma[..n].copy_from_slice(&row[..n]);
                cb.fill(128);
                cr.fill(128);
            }
        }
    }

    fn pixel(&self, x: usize, y: usize) -> (u8, u8, u8) {
        let pic = self.0;
        let bpp = pic.layout.bytes_per_pixel();
        let p = &pic.data[(y * pic.width as usize + x) * bpp..][..bpp];
        match pic.layout {
            Layout::Ycbcr => (p[0], p[1], p[2]),
            Layout::Rgb => pixels::rgb_to_ycbcr(p[0], p[1], p[2]),
            Layout::Grey => (p[0], 128, 128),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::video::encode::orient::Rotation;
    use crate::video::encode::tests::decode;

    /// A `w` x `h` RGB picture: dark, with a bright red block in its top-left quarter and a bright
    /// blue block in its bottom-right quarter, encoded as a JPEG.
    fn marked_jpeg(w: u32, h: u32) -> Vec<u8> {
        let img = image::RgbImage::from_fn(w, h, |x, y| {
            if x < w / 4 && y < h / 4 {
                image::Rgb([230, 20, 20])
            } else if x >= w * 3 / 4 && y >= h * 3 / 4 {
                image::Rgb([20, 20, 230])
            } else {
                image::Rgb([30, 30, 30])
            }
        });
        let mut out = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 95)
            .encode_image(&img)
            .unwrap();
        out
    }

    fn is_red(p: [u8; 3]) -> bool {
        p[0] > 180 && p[1] < 70 && p[2] < 70
    }

    fn is_blue(p: [u8; 3]) -> bool {
        p[2] > 180 && p[0] < 70 && p[1] < 70
    }

    #[test]
    fn a_turned_jpeg_has_its_marks_where_the_turn_puts_them() {
        let jpeg = marked_jpeg(96, 64);
        // (orientation, size, the corner the red block lands in: 0 TL, 1 TR, 2 BL, 3 BR)
        let turn = |rotate, flip_h| Orientation {
            rotate,
            flip_h,
            flip_v: false,
        };
        for (o, size, red) in [
            (turn(Rotation::R90, false), (64, 96), 1),
            (turn(Rotation::R180, false), (96, 64), 3),
            (turn(Rotation::R270, false), (64, 96), 2),
            (turn(Rotation::R0, true), (96, 64), 1),
            (turn(Rotation::R90, true), (64, 96), 0),
        ] {
            let mut out = Vec::new();
            rotate_jpeg(&jpeg, o, 90, &mut out).unwrap();
            let img = decode(&out);
            assert_eq!(img.dimensions(), size, "{}", o.describe());
            let (w, h) = size;
            let corners = [(4, 4), (w - 5, 4), (4, h - 5), (w - 5, h - 5)];
            let at = |i: usize| img.get_pixel(corners[i].0, corners[i].1).0;
            assert!(
                is_red(at(red)),
                "{}: red at {red}: {:?}",
                o.describe(),
                at(red)
            );
            // Blue is always diagonally opposite red.
            assert!(is_blue(at(3 - red)), "{}: {:?}", o.describe(), at(3 - red));
        }
    }

    #[test]
    fn junk_is_an_error() {
        let o = Orientation {
            rotate: Rotation::R90,
            ..Orientation::IDENTITY
        };
        for junk in [&b""[..], b"\xFF\xD8\xFF", b"not a jpeg"] {
            assert!(rotate_jpeg(junk, o, 80, &mut Vec::new()).is_err());
        }
    }
}
