//! [`ImageEncoder`]: the `image` crate's JPEG encoder behind the same [`Encoder`] interface, kept only
//! so that benchmarks can compare it with [`super::FastEncoder`]. It wants RGB and writes 4:4:4, so a
//! YUYV or BGRA frame is first converted to a full-frame RGB copy: that, and the larger output, is why
//! the server does not use it.

use image::codecs::jpeg::JpegEncoder;
use image::ExtendedColorType;
use pistream_camera::{Frame, PixelFormat};

use super::{check_quality, pixels, EncodeError, Encoder, Raw};

/// `image`'s `JpegEncoder` (benchmarks only).
#[derive(Debug, Clone, Copy, Default)]
pub struct ImageEncoder;

impl Encoder for ImageEncoder {
    fn name(&self) -> &'static str {
        "image"
    }

    fn encode(&self, frame: &Frame, quality: u8, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        check_quality(quality)?;
        let raw = Raw::of(frame)?;
        let (width, height) = (raw.width, raw.height);
        let converted;
        let rgb: &[u8] = match frame.format {
            PixelFormat::Rgb24 => &frame.data,
            PixelFormat::Yuyv | PixelFormat::Bgra => {
                let mut buf = vec![0u8; width as usize * height as usize * 3];
                if frame.format == PixelFormat::Yuyv {
                    pixels::yuyv_to_rgb(&frame.data, &mut buf);
                } else {
                    pixels::bgra_to_rgb(&frame.data, &mut buf);
                }
                converted = buf;
                &converted
            }
            PixelFormat::Jpeg => return Err(EncodeError::Unsupported("re-encoding a JPEG".into())),
        };
        JpegEncoder::new_with_quality(&mut *out, quality)
            .encode(rgb, width.into(), height.into(), ExtendedColorType::Rgb8)
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
            ImageEncoder.encode(&frame, 90, &mut out).unwrap();
            let img = decode(&out);
            assert_eq!(img.dimensions(), (20, 10));
            let px = img.get_pixel(10, 5).0;
            for (got, want) in px.iter().zip([30u8, 160, 220]) {
                assert!((*got as i32 - want as i32).abs() <= 6, "{format}: {px:?}");
            }
        }
    }
}
