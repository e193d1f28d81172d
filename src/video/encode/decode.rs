//! JPEG frames (MJPEG cameras, the replay) decoded for variants, as cheaply as the variant allows.
//!
//! Two savings, both from the pure-Rust `jpeg-decoder` crate:
//! - **DCT-domain scaling.** The inverse DCT is run at 1/2, 1/4 or 1/8 of its size, picked as the
//!   smallest that still gives at least the variant's size. A 320-wide variant of a 640x480 frame
//!   is decoded straight to 320x240: no full-size picture is ever made for a smaller output.
//! - **No colour conversion.** A camera JPEG is YCbCr, which is what the encoder wants too, so the
//!   decoder hands the YCbCr samples over untouched instead of converting
//!   them to RGB for the encoder to convert back. Only a JPEG that really stores RGB or CMYK (never
//!   a camera's) is converted, to RGB.
//!
//! `jpeg-decoder` is built with its `rayon` feature: the only way to stop it starting a thread per
//! colour component for every frame (0.3 has no option for it), whose start-ups and hand-overs were
//! a third of a 320-wide variant's CPU in the server. Now the scan is decoded on the calling thread
//! (a variant's or the turning encoder's own) and only the final interleaving of the components'
//! rows is handed to rayon's pool, started once (see docs/BENCHMARKS.md, "Variants").

use jpeg_decoder::{ColorTransform, Decoder, PixelFormat as DecodedFormat};

use super::EncodeError;

/// The largest decoded picture accepted (bytes): far above any camera's frame, far below harm.
const MAX_DECODED: usize = 8192 * 8192 * 3;

/// How the samples of a [`Decoded`] picture are laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// Y, Cb, Cr: 3 bytes a pixel (chroma already upsampled to every pixel).
    Ycbcr,
    /// R, G, B: 3 bytes a pixel (a JPEG that stores RGB or CMYK).
    Rgb,
    /// Luma only: 1 byte a pixel.
    Grey,
}

impl Layout {
    pub fn bytes_per_pixel(self) -> usize {
        match self {
            Layout::Ycbcr | Layout::Rgb => 3,
            Layout::Grey => 1,
        }
    }
}

/// A decoded (and possibly DCT-scaled) picture.
#[derive(Debug)]
pub struct Decoded {
    pub width: u32,
    pub height: u32,
    pub layout: Layout,
    pub data: Vec<u8>,
}

/// A JPEG whose header has been read: its full size is known, nothing is decoded yet.
pub struct JpegSource<'a> {
    decoder: Decoder<&'a [u8]>,
    /// The picture's full size.
    pub width: u32,
    pub height: u32,
    layout: Layout,
}

impl<'a> JpegSource<'a> {
    /// Reads the header of `jpeg`. An error for anything that is not a decodable JPEG.
    pub fn open(jpeg: &'a [u8]) -> Result<JpegSource<'a>, EncodeError> {
        let decode_err = |e: jpeg_decoder::Error| EncodeError::Decode(e.to_string());
        let mut decoder = Decoder::new(jpeg);
        decoder.set_max_decoding_buffer_size(MAX_DECODED);
        decoder.read_info().map_err(decode_err)?;
        let info = decoder
            .info()
            .ok_or_else(|| EncodeError::Decode("no frame header".into()))?;
        let layout = match info.pixel_format {
            DecodedFormat::L8 => Layout::Grey,
            DecodedFormat::RGB24 if stores_ycbcr(jpeg) => {
                // "RGB" here means "interleave the three components as they are": for a YCbCr JPEG
                // that is YCbCr, unconverted. (`ColorTransform::None`, the obvious choice, is broken
                // in jpeg-decoder 0.3.2: it copies padded planes and panics.)
                decoder.set_color_transform(ColorTransform::RGB);
                Layout::Ycbcr
            }
            DecodedFormat::RGB24 => Layout::Rgb,
            other => {
                return Err(EncodeError::Unsupported(format!(
                    "a {other:?} JPEG (only 8-bit colour or grey)"
                )))
            }
        };
        Ok(JpegSource {
            decoder,
            width: info.width.into(),
            height: info.height.into(),
            layout,
        })
    }

    /// Decodes at the smallest DCT scale (1, 1/2, 1/4, 1/8) that is at least `min_w` wide or
    /// `min_h` high (sizes are rounded up, so a 640x480 picture at 1/8 is 80x60).
    pub fn decode_at_least(mut self, min_w: u32, min_h: u32) -> Result<Decoded, EncodeError> {
        let decode_err = |e: jpeg_decoder::Error| EncodeError::Decode(e.to_string());
        let clamp = |v: u32| v.clamp(1, u16::MAX as u32) as u16;
        let (w, h) = self
            .decoder
            .scale(clamp(min_w), clamp(min_h))
            .map_err(decode_err)?;
        // A decoder bug on a hostile frame must cost that frame, not the variant's thread.
        let decoder = &mut self.decoder;
        let data = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| decoder.decode()))
            .map_err(|_| EncodeError::Decode("the JPEG decoder failed on this frame".into()))?
            .map_err(decode_err)?;
        let (width, height) = (u32::from(w), u32::from(h));
        let expected = width as usize * height as usize * self.layout.bytes_per_pixel();
        if data.len() != expected {
            return Err(EncodeError::Decode(format!(
                "a {width}x{height} picture decoded to {} bytes, not {expected}",
                data.len()
            )));
        }
        Ok(Decoded {
            width,
            height,
            layout: self.layout,
            data,
        })
    }
}

/// Whether a three-component JPEG stores YCbCr (as every camera's does), by the rules `jpeg-decoder`
/// applies: component ids 1, 2, 3, or a JFIF marker, or an Adobe marker saying YCbCr; RGB when the
/// ids spell "RGB" or an Adobe marker says "no transform". Anything unclear counts as RGB: decoding
/// it with the colour conversion is merely slower, never wrong.
fn stores_ycbcr(jpeg: &[u8]) -> bool {
    let (mut jfif, mut adobe) = (false, None);
    let mut pos = 2;
    while pos + 4 <= jpeg.len() {
        if jpeg[pos] != 0xFF {
            return false;
        }
        let marker = jpeg[pos + 1];
        if marker == 0xFF {
            pos += 1; // fill byte
            continue;
        }
        let len = u16::from_be_bytes([jpeg[pos + 2], jpeg[pos + 3]]) as usize;
        let body = jpeg.get(pos + 4..pos + 2 + len).unwrap_or(&[]);
        match marker {
            0xE0 if body.starts_with(b"JFIF\0") => jfif = true,
            0xEE if body.starts_with(b"Adobe") && body.len() >= 12 => adobe = Some(body[11]),
            // Baseline, extended, progressive and lossless frame headers.
            0xC0..=0xCF if !matches!(marker, 0xC4 | 0xC8 | 0xCC) => {
                let ids: Vec<u8> = body
                    .get(6..)
                    .unwrap_or(&[])
                    .iter()
                    .step_by(3)
                    .copied()
                    .collect();
                return match ids.as_slice() {
                    [1, 2, 3] => true,
                    [82, 71, 66] => false,
                    _ if jfif => true,
                    _ => adobe == Some(1),
                };
            }
            0xDA | 0xD9 => return false,
            _ => {}
        }
        pos += 2 + len;
    }
    false
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::video::encode::tests::flat_frame;
    use crate::video::encode::to_jpeg;
    use pistream_camera::PixelFormat;

    /// A photographic camera-like frame from `tests/fixtures/frames`.
    pub fn fixture(name: &str) -> std::path::PathBuf {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/frames")
            .join(name)
    }

    fn jpeg_of(w: u32, h: u32, rgb: (u8, u8, u8)) -> Vec<u8> {
        to_jpeg(
            &flat_frame(PixelFormat::Rgb24, w, h, rgb),
            &Default::default(),
            90,
        )
        .unwrap()
        .to_vec()
    }

    #[test]
    fn decodes_at_the_smallest_scale_that_is_big_enough() {
        let jpeg = jpeg_of(640, 480, (200, 40, 90));
        for (want, got) in [
            ((640, 480), (640, 480)),
            ((321, 241), (640, 480)),
            ((320, 240), (320, 240)),
            ((250, 188), (320, 240)),
            ((160, 120), (160, 120)),
            ((100, 75), (160, 120)),
            ((16, 12), (80, 60)),
        ] {
            let d = JpegSource::open(&jpeg)
                .unwrap()
                .decode_at_least(want.0, want.1)
                .unwrap();
            assert_eq!((d.width, d.height), got, "asked {want:?}");
            assert_eq!(d.layout, Layout::Ycbcr);
            assert_eq!(d.data.len(), (got.0 * got.1 * 3) as usize);
        }
    }

    #[test]
    fn ycbcr_samples_come_through_unconverted() {
        let jpeg = jpeg_of(64, 48, (200, 40, 90));
        let want = crate::video::encode::pixels::rgb_to_ycbcr(200, 40, 90);
        let d = JpegSource::open(&jpeg)
            .unwrap()
            .decode_at_least(16, 12)
            .unwrap();
        let mid = ((d.height / 2 * d.width + d.width / 2) * 3) as usize;
        let got = (d.data[mid], d.data[mid + 1], d.data[mid + 2]);
        for (g, w) in [(got.0, want.0), (got.1, want.1), (got.2, want.2)] {
            assert!((g as i32 - w as i32).abs() <= 3, "{got:?} vs {want:?}");
        }
    }

    #[test]
    fn camera_frames_are_ycbcr_and_other_colour_models_are_told_apart() {
        for path in ["frame000.jpg", "frame025.jpg"] {
            let bytes = std::fs::read(fixture(path)).unwrap();
            assert!(stores_ycbcr(&bytes), "{path}");
        }
        // SOI, SOF0 with 3 components named R, G, B: an RGB JPEG.
        let rgb = [
            0xFF, 0xD8, 0xFF, 0xC0, 0, 17, 8, 0, 16, 0, 16, 3, b'R', 0x11, 0, b'G', 0x11, 0, b'B',
            0x11, 0,
        ];
        assert!(!stores_ycbcr(&rgb));
        let mut ycc = rgb;
        (ycc[12], ycc[15], ycc[18]) = (1, 2, 3);
        assert!(stores_ycbcr(&ycc));
        assert!(!stores_ycbcr(&[0xFF, 0xD8, 0x00, 0x01, 0x02, 0x03]));
        assert!(!stores_ycbcr(&[]));
    }

    /// FNV-1a (64-bit) of `bytes`: a digest that is the same on every platform and toolchain.
    fn fnv1a(bytes: &[u8]) -> u64 {
        bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        })
    }

    #[test]
    fn camera_frames_decode_to_the_same_samples_at_every_scale() {
        // The decoded samples of the two camera frames at each DCT scale, pinned by their digests
        // as jpeg-decoder produced them before its worker was changed (a thread per colour
        // component until then, the calling thread since): how the decode is scheduled must not
        // change a single sample, and neither may any later option or upgrade unnoticed.
        let want: [(&str, [u64; 4]); 2] = [
            (
                "frame000.jpg",
                [
                    0xc82e3f5715647266,
                    0x091210c9f3cf78e4,
                    0x7b0573c29b6726fa,
                    0xd94df8c972ab1ede,
                ],
            ),
            (
                "frame025.jpg",
                [
                    0x3548a67447b47eee,
                    0x2669901b9975c2ce,
                    0xb3843d158e444aa2,
                    0x2e157e2a5c4e037c,
                ],
            ),
        ];
        let mut got = Vec::new();
        for (name, _) in want {
            let jpeg = std::fs::read(fixture(name)).unwrap();
            let mut digests = [0; 4];
            for (digest, (w, h)) in
                digests
                    .iter_mut()
                    .zip([(640, 480), (320, 240), (160, 120), (80, 60)])
            {
                let d = JpegSource::open(&jpeg)
                    .unwrap()
                    .decode_at_least(w, h)
                    .unwrap();
                assert_eq!(
                    (d.width, d.height, d.layout),
                    (w, h, Layout::Ycbcr),
                    "{name}"
                );
                *digest = fnv1a(&d.data);
            }
            got.push((name, digests));
        }
        assert_eq!(got, want, "decoded samples changed");
    }

    #[test]
    fn grey_jpegs_decode_to_luma() {
        let img = image::GrayImage::from_pixel(32, 32, image::Luma([77]));
        let mut jpeg = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 90)
            .encode_image(&img)
            .unwrap();
        let d = JpegSource::open(&jpeg)
            .unwrap()
            .decode_at_least(8, 8)
            .unwrap();
        assert_eq!((d.width, d.height, d.layout), (8, 8, Layout::Grey));
        assert!(d.data.iter().all(|&v| (v as i32 - 77).abs() <= 2));
    }

    #[test]
    fn junk_is_an_error() {
        for junk in [
            &b""[..],
            b"\xFF\xD8",
            b"\xFF\xD8\xFF\xC0\x00\x02",
            b"not a jpeg at all",
        ] {
            assert!(JpegSource::open(junk).is_err(), "{junk:?}");
        }
        // A valid header with the scan cut off fails in decode, not with a panic.
        let jpeg = jpeg_of(64, 64, (1, 2, 3));
        let cut = &jpeg[..jpeg.len() / 2];
        let r = JpegSource::open(cut).and_then(|s| s.decode_at_least(64, 64));
        if let Ok(d) = r {
            // jpeg-decoder pads a truncated scan; what matters is a whole picture, no panic.
            assert_eq!(d.data.len(), 64 * 64 * 3);
        }
    }
}
