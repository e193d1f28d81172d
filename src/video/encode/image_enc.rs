//! [`ImageEncoder`]: the `image` crate's JPEG encoder behind the same [`Encoder`] interface, kept only
//! so that benchmarks can compare it with [`super::FastEncoder`]. It wants RGB and writes 4:4:4, so a
//! YUYV or BGRA frame is first converted to a full-frame RGB copy: that, and the larger output, is why
//! the server does not use it. A turned picture is read through [`Oriented`] into that copy.

use image::codecs::jpeg::JpegEncoder;
use image::ExtendedColorType;
use pistream_camera::{Frame, PixelFormat};

use super::orient::{Conversion, Oriented};
use super::{check_quality, pixels, EncodeError, Encoder, Raw};

/// `image`'s `JpegEncoder` (benchmarks only).
#[derive(Debug, Clone, Copy, Default)]
pub struct ImageEncoder;

impl Encoder for ImageEncoder {
    fn name(&self) -> &'static str {
        "image"
    }

    fn encode(
        &self,
        frame: &Frame,
        conv: &Conversion,
        quality: u8,
        out: &mut Vec<u8>,
    ) -> Result<(), EncodeError> {
        check_quality(quality)?;
        let raw = Raw::of(frame)?;
        let (width, height) = conv
            .orientation
            .output_size(raw.width.into(), raw.height.into());
        // Filled only when the frame is not already upright RGB.
        let mut buf = Vec::new();
        let rgb_len = width as usize * height as usize * 3;
        let rgb: &[u8] = match frame.format {
            PixelFormat::Jpeg => return Err(EncodeError::Unsupported("re-encoding a JPEG".into())),
            _ if !conv.orientation.is_identity() => {
                let view = Oriented::new(raw.pixels(conv.range), conv.orientation);
                let w = width as usize;
                buf.resize(rgb_len, 0);
                let (mut y, mut cb, mut cr) = (vec![0; w], vec![0; w], vec![0; w]);
                for (row, dst) in buf.chunks_exact_mut(w * 3).enumerate() {
                    view.row(row, &mut y, &mut cb, &mut cr);
                    for (i, d) in dst.chunks_exact_mut(3).enumerate() {
                        let (r, g, b) = pixels::ycbcr_to_rgb(y[i], cb[i], cr[i]);
                        d.copy_from_slice(&[r, g, b]);
                    }
                }
                &buf
            }
            PixelFormat::Rgb24 => &frame.data,
            PixelFormat::Yuyv => {
                buf.resize(rgb_len, 0);
                pixels::yuyv_to_rgb(conv.range, &frame.data, &mut buf);
                &buf
            }
            PixelFormat::Bgra => {
                buf.resize(rgb_len, 0);
                pixels::bgra_to_rgb(&frame.data, &mut buf);
                &buf
            }
        };
        JpegEncoder::new_with_quality(&mut *out, quality)
            .encode(rgb, width, height, ExtendedColorType::Rgb8)
            .map_err(|e| EncodeError::Encode(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::video::encode::tests::{decode, flat_frame};

    #[test]
    fn round_trip_keeps_size_and_colour() {
        for format in [PixelFormat::Yuyv, PixelFormat::Rgb24, PixelFormat::Bgra] {
            let frame = flat_frame(format, 20, 10, (30, 160, 220));
            let mut out = Vec::new();
            ImageEncoder
                .encode(&frame, &Conversion::NONE, 90, &mut out)
                .unwrap();
            let img = decode(&out);
            assert_eq!(img.dimensions(), (20, 10));
            let px = img.get_pixel(10, 5).0;
            for (got, want) in px.iter().zip([30u8, 160, 220]) {
                assert!((*got as i32 - want as i32).abs() <= 6, "{format}: {px:?}");
            }
        }
    }
}
