//! Variants of JPEG frames with libjpeg-turbo (the `turbo` [`Codec`]): the frame is
//! decoded in the DCT domain at the smallest of 1/8, 1/4, 1/2 and 1 that is at least the target
//! size (the same choice as the pure-Rust [`super::decode`]), straight to its YCbCr planes (no colour
//! conversion, chroma left subsampled as stored), then:
//! - at the target size and upright (640x480 to 320 wide: an exact 1/2): those planes are encoded
//!   as they are, so the variant keeps the source's chroma subsampling and nothing else runs;
//! - otherwise: read through [`Oriented`] with chroma repeated to every pixel, box-filtered the rest
//!   of the way ([`super::area`]) and encoded by [`TurboEncoder`](super::TurboEncoder).
//!
//! A JPEG that does not store YCbCr or grey (RGB, CMYK: never a camera's) goes through the
//! pure-Rust path, which converts it; so does one libjpeg-turbo fails on. A mere warning (a
//! truncated scan, "extraneous bytes before marker", which some webcams' MJPEG has in every frame)
//! is not a failure: the decoded planes are used, as jpeg-decoder would show what it decoded.

use std::cell::RefCell;

use turbojpeg::{Colorspace, Decompressor, ScalingFactor, Subsamp, YuvImage, YuvPlanesImage};

use super::orient::{Conversion, Oriented, YcbcrSource};
use super::scale::{self, output_buffer, target_size_turned};
use super::turbo::{only_warned, tj_err};
use super::{Codec, EncodeError};

thread_local! {
    /// This thread's decompressor and the buffer it decodes into, reused frame after frame.
    static DECODER: RefCell<Option<(Decompressor, Vec<u8>)>> = const { RefCell::new(None) };
}

/// The decode scales tried, smallest first.
const SCALES: [ScalingFactor; 4] = [
    ScalingFactor::ONE_EIGHTH,
    ScalingFactor::ONE_QUARTER,
    ScalingFactor::ONE_HALF,
    ScalingFactor::ONE,
];

/// Decoded planes: luma full size, chroma subsampled `sx` x `sy` (`None` for a grey JPEG).
struct YuvPlanes<'a> {
    width: usize,
    height: usize,
    y: &'a [u8],
    y_stride: usize,
    chroma: Option<(&'a [u8], &'a [u8])>,
    c_stride: usize,
    sx: usize,
    sy: usize,
}

impl YcbcrSource for YuvPlanes<'_> {
    fn width(&self) -> usize {
        self.width
    }

    fn height(&self) -> usize {
        self.height
    }

    fn row(&self, y: usize, luma: &mut [u8], cb: &mut [u8], cr: &mut [u8]) {
        let w = self.width;
        luma[..w].copy_from_slice(&self.y[y * self.y_stride..][..w]);
        let Some((u, v)) = self.chroma else {
            cb.fill(128);
            cr.fill(128);
            return;
        };
        let at = y / self.sy * self.c_stride;
        for (plane, out) in [(u, cb), (v, cr)] {
            let row = &plane[at..];
            // Each stored chroma sample stands for `sx` pixels.
            for (chunk, &c) in out[..w].chunks_mut(self.sx).zip(row) {
                chunk.fill(c);
            }
        }
    }

    fn pixel(&self, x: usize, y: usize) -> (u8, u8, u8) {
        let l = self.y[y * self.y_stride + x];
        match self.chroma {
            None => (l, 128, 128),
            Some((u, v)) => {
                let at = y / self.sy * self.c_stride + x / self.sx;
                (l, u[at], v[at])
            }
        }
    }
}

/// The variant `width` wide at `quality` of `jpeg` turned as `conv` says.
pub(crate) fn jpeg_variant(
    jpeg: &[u8],
    width: Option<u32>,
    quality: u8,
    conv: &Conversion,
) -> Result<Vec<u8>, EncodeError> {
    DECODER.with_borrow_mut(|slot| {
        let (decoder, buf) = match slot {
            Some(d) => d,
            None => slot.insert((Decompressor::new().map_err(tj_err)?, Vec::new())),
        };
        let rust = || scale::jpeg_variant(jpeg, width, quality, conv);
        let Ok(header) = decoder.read_header(jpeg) else {
            return rust();
        };
        let grey = match (header.colorspace, header.subsamp) {
            (_, Subsamp::Unknown) => return rust(),
            (Colorspace::YCbCr, _) => false,
            (Colorspace::Gray, _) => true,
            _ => return rust(),
        };
        let turn = conv.orientation;
        let (w, h) = (header.width as u32, header.height as u32);
        let (tw, th) = target_size_turned(w, h, width, conv);
        // The decoder scales the picture as stored: the target's sides the other way round when
        // the turn swaps them.
        let (dw, dh) = turn.output_size(tw, th);
        let scale = SCALES
            .into_iter()
            .find(|s| s.scale(w as usize) >= dw as usize && s.scale(h as usize) >= dh as usize)
            .unwrap_or(ScalingFactor::ONE);
        decoder.set_scaling_factor(scale).map_err(tj_err)?;
        let (sw, sh) = (scale.scale(w as usize), scale.scale(h as usize));
        let (sx, sy) = header.subsamp.size();
        let image = YuvImage {
            pixels: (),
            width: sw,
            align: 1,
            height: sh,
            subsamp: header.subsamp,
        };
        let (y_w, y_h) = image.y_size();
        let (c_w, c_h) = image.uv_size();
        let len = y_w * y_h + if grey { 0 } else { 2 * c_w * c_h };
        buf.resize(len, 0);
        let target = YuvImage {
            pixels: &mut buf[..],
            width: sw,
            align: 1,
            height: sh,
            subsamp: header.subsamp,
        };
        match decoder.decompress_to_yuv(jpeg, target) {
            Ok(()) => {}
            Err(e) if only_warned(&e) => {}
            Err(_) => return rust(),
        }
        let (y, chroma) = buf.split_at(y_w * y_h);
        let (u, v) = chroma.split_at(chroma.len() / 2);
        let planes = YuvPlanes {
            width: sw,
            height: sh,
            y,
            y_stride: y_w,
            chroma: (!grey).then_some((u, v)),
            c_stride: c_w,
            sx,
            sy,
        };
        let mut out = output_buffer(tw, th);
        let exact = turn.output_size(sw as u32, sh as u32) == (tw, th);
        if exact && turn.is_identity() && !grey && matches!((sx, sy), (2, 2) | (2, 1)) {
            let image = YuvPlanesImage {
                y_plane: y,
                u_plane: u,
                v_plane: v,
                width: sw,
                height: sh,
                y_stride: y_w,
                u_stride: c_w,
                v_stride: c_w,
                subsamp: header.subsamp,
            };
            super::turbo::encode_yuv_planes(&image, quality, &mut out)?;
            return Ok(out);
        }
        let view = Oriented::new(planes, turn);
        if exact {
            super::turbo::encode_view(&view, quality, &mut out)?;
            return Ok(out);
        }
        scale::scale_and_encode(Codec::Turbo, &view, (tw, th), quality, out)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::video::encode::orient::{Orientation, Rotation};
    use crate::video::encode::tests::{decode, psnr};
    use pistream_camera::{Frame, PixelFormat, YuvRange};

    fn photo() -> Vec<u8> {
        let path = crate::video::encode::decode::tests::fixture("frame000.jpg");
        std::fs::read(path).unwrap()
    }

    /// `jpeg`'s variant by both codecs, decoded.
    fn both(
        jpeg: &[u8],
        conv: &Conversion,
        width: Option<u32>,
    ) -> (image::RgbImage, image::RgbImage) {
        let frame = Frame::new(PixelFormat::Jpeg, 640, 480, jpeg.to_vec());
        let turbo = Codec::Turbo.variant(&frame, conv, width, 90).unwrap();
        let rust = Codec::Rust.variant(&frame, conv, width, 90).unwrap();
        (decode(&turbo), decode(&rust))
    }

    #[test]
    fn the_same_variants_as_the_rust_path_in_every_size_and_turn() {
        let jpeg = photo();
        let turns = [
            Orientation::IDENTITY,
            Orientation {
                rotate: Rotation::R90,
                ..Orientation::IDENTITY
            },
            Orientation {
                rotate: Rotation::R180,
                flip_h: true,
                flip_v: false,
            },
            Orientation {
                rotate: Rotation::R270,
                flip_h: false,
                flip_v: true,
            },
        ];
        for o in turns {
            let conv = Conversion::new(YuvRange::Full, o);
            for width in [Some(320), Some(250), Some(160), Some(100), None] {
                let (t, r) = both(&jpeg, &conv, width);
                assert_eq!(t.dimensions(), r.dimensions(), "{} {width:?}", o.describe());
                let db = psnr(t.as_raw(), r.as_raw());
                // Both are the same decode scale, filter and (nearly) the same encoder: only the
                // IDCTs' and encoders' rounding differ.
                assert!(db > 33.0, "{} {width:?}: {db:.1} dB", o.describe());
            }
        }
    }

    /// `img` encoded by libjpeg-turbo with `subsamp` (grey when `Subsamp::Gray`).
    fn tj_jpeg(img: &image::RgbImage, subsamp: Subsamp) -> Vec<u8> {
        let (w, h) = img.dimensions();
        let image = turbojpeg::Image {
            pixels: img.as_raw().as_slice(),
            width: w as usize,
            pitch: w as usize * 3,
            height: h as usize,
            format: turbojpeg::PixelFormat::RGB,
        };
        turbojpeg::compress(image, 92, subsamp).unwrap().to_vec()
    }

    #[test]
    fn every_chroma_subsampling_and_grey_make_the_same_picture() {
        let src = decode(&photo());
        for subsamp in [
            Subsamp::Sub2x2,
            Subsamp::Sub2x1,
            Subsamp::None,
            Subsamp::Sub1x2,
            Subsamp::Gray,
        ] {
            let jpeg = tj_jpeg(&src, subsamp);
            for width in [Some(320), Some(250), None] {
                let (t, r) = both(&jpeg, &Conversion::NONE, width);
                let db = psnr(t.as_raw(), r.as_raw());
                assert!(db > 33.0, "{subsamp:?} {width:?}: {db:.1} dB");
            }
        }
    }

    #[test]
    fn an_exact_half_is_encoded_from_the_decoded_planes() {
        // 640x480 4:2:2 to 320 wide: decoded at 1/2 and encoded as it came, so still 4:2:2 (the
        // Rust path would have made 4:2:0).
        let jpeg = tj_jpeg(&decode(&photo()), Subsamp::Sub2x1);
        let frame = Frame::new(PixelFormat::Jpeg, 640, 480, jpeg);
        let out = Codec::Turbo
            .variant(&frame, &Conversion::NONE, Some(320), 80)
            .unwrap();
        assert_eq!(decode(&out).dimensions(), (320, 240));
        let sof = out.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap();
        assert_eq!(out[sof + 11], 0x21);
    }

    #[test]
    fn a_damaged_frame_is_decoded_by_libjpeg_turbo_all_the_same() {
        // A frame cut short: libjpeg-turbo warns and TurboJPEG reports failure, but the planes it
        // decoded are used, not the pure-Rust fallback (whose bytes would be its own).
        let cut = crate::video::encode::lossless::tests::cut_short(&photo());
        let frame = Frame::new(PixelFormat::Jpeg, 640, 480, cut);
        let turbo = Codec::Turbo
            .variant(&frame, &Conversion::NONE, Some(320), 80)
            .unwrap();
        let rust = Codec::Rust
            .variant(&frame, &Conversion::NONE, Some(320), 80)
            .unwrap();
        assert_eq!(decode(&turbo).dimensions(), (320, 240));
        assert!(turbo != rust, "made by libjpeg-turbo, not the fallback");
    }

    #[test]
    fn junk_is_an_error_not_a_panic() {
        let cut = photo()[..2000].to_vec();
        for junk in [
            vec![],
            b"\xFF\xD8\xFF".to_vec(),
            b"not a jpeg".to_vec(),
            cut,
        ] {
            let frame = Frame::new(PixelFormat::Jpeg, 640, 480, junk);
            let _ = Codec::Turbo.variant(&frame, &Conversion::NONE, Some(320), 80);
        }
        let frame = Frame::new(PixelFormat::Jpeg, 640, 480, b"not a jpeg".to_vec());
        assert!(matches!(
            Codec::Turbo.variant(&frame, &Conversion::NONE, Some(320), 80),
            Err(EncodeError::Decode(_))
        ));
    }
}
