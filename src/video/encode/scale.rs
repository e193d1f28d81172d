//! Per-viewer variants (`/stream?width=320&quality=40`): a frame scaled down and re-encoded, once per
//! variant by the server, however many viewers share it.
//!
//! A raw frame (YUYV, RGB, BGRA) is scaled by the [`super::area`] filter on YCbCr rows read
//! straight from the camera's format, then encoded by the server's [`Codec`]. A JPEG frame is first
//! decoded in the DCT domain at the nearest power-of-two size at or above the target (by
//! [`super::decode`], or by libjpeg-turbo in `turbo_scale` with that codec), so the filter only does
//! the last, small step, or none (640 to 320 wide is an exact 1/2): no full-size decode for a
//! smaller output. A same-size (quality-only) variant of a JPEG frame is a full decode straight to
//! YCbCr and an encode from it: no colour conversion either way.
//!
//! The frame's [`Conversion`] applies here as in the main stream: the filter reads the turned
//! picture's rows ([`Oriented`]), YUYV samples in their range, so a variant is the published
//! picture, smaller.

use pistream_camera::{Frame, PixelFormat};

use super::decode::JpegSource;
use super::orient::{Conversion, Oriented, YcbcrSource};
use super::rotate::DecodedPixels;
use super::{area, check_quality, Codec, EncodeError, FastEncoder, Raw};

/// The smallest side a variant is scaled to (one 4:2:0 MCU).
pub const MIN_SIDE: u32 = 16;

/// The size a `src_w` x `src_h` frame takes as a variant `width` wide: aspect ratio kept, even
/// sides, never larger than the source, never smaller than [`MIN_SIDE`] (unless the source is).
pub fn target_size(src_w: u32, src_h: u32, width: Option<u32>) -> (u32, u32) {
    let want = width.unwrap_or(src_w);
    if want >= src_w || src_w <= MIN_SIDE {
        return (src_w, src_h);
    }
    let w = (want & !1).max(MIN_SIDE);
    // Rounded to the nearest even height.
    let h = ((src_h as u64 * w as u64 + src_w as u64) / (2 * src_w as u64) * 2) as u32;
    (w, h.max(MIN_SIDE).min(src_h))
}

/// `frame`, read and turned as `conv` says, scaled down to `width` (see [`target_size`]; the width
/// is that of the turned picture) and encoded as JPEG at `quality`.
/// Made by the default (pure Rust) [`Codec`]; [`Codec::variant`] picks the library.
pub fn variant(
    frame: &Frame,
    conv: &Conversion,
    width: Option<u32>,
    quality: u8,
) -> Result<Vec<u8>, EncodeError> {
    variant_by(Codec::Rust, frame, conv, width, quality)
}

/// [`variant`] made by `codec`.
pub(crate) fn variant_by(
    codec: Codec,
    frame: &Frame,
    conv: &Conversion,
    width: Option<u32>,
    quality: u8,
) -> Result<Vec<u8>, EncodeError> {
    check_quality(quality)?;
    if frame.format == PixelFormat::Jpeg {
        return match codec {
            Codec::Rust => jpeg_variant(&frame.data, width, quality, conv),
            #[cfg(feature = "turbojpeg")]
            Codec::Turbo => super::turbo_scale::jpeg_variant(&frame.data, width, quality, conv),
        };
    }
    let src = Raw::of(frame)?;
    let (sw, sh) = conv
        .orientation
        .output_size(src.width.into(), src.height.into());
    let (tw, th) = target_size(sw, sh, width);
    let mut out = output_buffer(tw, th);
    if (tw, th) == (sw, sh) {
        codec.encode_raw(&src, conv, quality, &mut out)?;
        return Ok(out);
    }
    let view = Oriented::new(src.pixels(conv.range), conv.orientation);
    scale_and_encode(codec, &view, (tw, th), quality, out)
}

/// A JPEG frame's variant: decoded in the DCT domain at the smallest power-of-two scale that is at
/// least the target size, box-filtered the rest of the way only when that scale is not exact, and
/// encoded from YCbCr as the decoder gave it (see [`super::decode`]).
pub(crate) fn jpeg_variant(
    jpeg: &[u8],
    width: Option<u32>,
    quality: u8,
    conv: &Conversion,
) -> Result<Vec<u8>, EncodeError> {
    let source = JpegSource::open(jpeg)?;
    let turn = conv.orientation;
    let (tw, th) = target_size_turned(source.width, source.height, width, conv);
    // The decoder scales the picture as stored: ask for the target's sides the other way round
    // when the turn swaps them.
    let (dw, dh) = turn.output_size(tw, th);
    let pic = source.decode_at_least(dw, dh)?;
    let mut out = output_buffer(tw, th);
    if turn.output_size(pic.width, pic.height) == (tw, th) {
        FastEncoder::new().encode_decoded(&pic, turn, quality, &mut out)?;
        return Ok(out);
    }
    let view = Oriented::new(DecodedPixels(&pic), turn);
    scale_and_encode(Codec::Rust, &view, (tw, th), quality, out)
}

/// [`target_size`] of a `w` x `h` picture once `conv` has turned it.
pub(crate) fn target_size_turned(
    w: u32,
    h: u32,
    width: Option<u32>,
    conv: &Conversion,
) -> (u32, u32) {
    let (w, h) = conv.orientation.output_size(w, h);
    target_size(w, h, width)
}

/// The turned picture `view` box-filtered to `size` and encoded by `codec`.
pub(crate) fn scale_and_encode<S: YcbcrSource>(
    codec: Codec,
    view: &Oriented<S>,
    size: (u32, u32),
    quality: u8,
    mut out: Vec<u8>,
) -> Result<Vec<u8>, EncodeError> {
    let (vw, vh) = view.size();
    let scaled = area::scale_to_yuyv((vw as u32, vh as u32), size, |sy, y, cb, cr| {
        view.row(sy, y, cb, cr)
    });
    let raw = Raw::new(PixelFormat::Yuyv, size.0, size.1, &scaled)?;
    codec.encode_raw(&raw, &Conversion::NONE, quality, &mut out)?;
    Ok(out)
}

/// Typical encoded size is well under a tenth of the YUYV size: reserve that, grow if needed.
pub(crate) fn output_buffer(w: u32, h: u32) -> Vec<u8> {
    Vec::with_capacity(w as usize * h as usize / 4)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::video::encode::tests::{decode, flat_frame, psnr};
    use crate::video::encode::{to_jpeg, Encoder};

    const NONE: Conversion = Conversion::NONE;

    #[test]
    fn target_size_keeps_aspect_and_bounds() {
        assert_eq!(target_size(640, 480, Some(320)), (320, 240));
        assert_eq!(target_size(640, 360, Some(321)), (320, 180));
        assert_eq!(target_size(640, 480, Some(250)), (250, 188));
        assert_eq!(target_size(640, 480, Some(2000)), (640, 480));
        assert_eq!(target_size(640, 480, None), (640, 480));
        assert_eq!(target_size(640, 480, Some(3)), (16, 16));
        assert_eq!(target_size(1920, 100, Some(100)), (100, 16));
        assert_eq!(target_size(10, 6, Some(4)), (10, 6));
    }

    #[test]
    fn scales_each_raw_format_keeping_colour() {
        for format in [PixelFormat::Yuyv, PixelFormat::Rgb24, PixelFormat::Bgra] {
            let frame = flat_frame(format, 64, 48, (20, 200, 120));
            let img = decode(&variant(&frame, &NONE, Some(32), 85).unwrap());
            assert_eq!(img.dimensions(), (32, 24), "{format}");
            let px = img.get_pixel(16, 12).0;
            for (got, want) in px.iter().zip([20u8, 200, 120]) {
                assert!((*got as i32 - want as i32).abs() <= 6, "{format}: {px:?}");
            }
        }
    }

    #[test]
    fn areas_stay_where_they_were() {
        // Left half black, right half white: after halving, the halves are still there.
        let (w, h) = (64u32, 32u32);
        let mut data = vec![128u8; (w * h * 2) as usize];
        for (i, px) in data.chunks_exact_mut(2).enumerate() {
            px[0] = if (i as u32 % w) < w / 2 { 0 } else { 255 };
        }
        let frame = Frame::new(PixelFormat::Yuyv, w, h, data);
        let img = decode(&variant(&frame, &NONE, Some(32), 90).unwrap());
        assert_eq!(img.dimensions(), (32, 16));
        assert!(img.get_pixel(4, 8).0[0] < 30);
        assert!(img.get_pixel(28, 8).0[0] > 225);
    }

    #[test]
    fn variants_are_of_the_turned_picture_for_raw_and_jpeg_frames() {
        // 128x64 RGB, red in the top-left 32x32, else dark. Turned 90 degrees clockwise the red
        // lands top-right of a 64x128 picture; a 32-wide variant of it is 32x64.
        let img = image::RgbImage::from_fn(128, 64, |x, y| {
            image::Rgb(if x < 32 && y < 32 {
                [230, 20, 20]
            } else {
                [20; 3]
            })
        });
        let raw = Frame::new(PixelFormat::Rgb24, 128, 64, img.into_raw());
        let jpeg = Frame::new(
            PixelFormat::Jpeg,
            128,
            64,
            to_jpeg(&raw, &NONE, 95).unwrap(),
        );
        let turn = crate::video::encode::Orientation {
            rotate: crate::video::encode::Rotation::R90,
            ..Default::default()
        };
        let conv = Conversion::new(pistream_camera::YuvRange::Full, turn);
        for (frame, width) in [(&raw, 32), (&jpeg, 32), (&jpeg, 24), (&raw, 64)] {
            let out = decode(&variant(frame, &conv, Some(width), 90).unwrap());
            let (w, h) = out.dimensions();
            assert_eq!((w, h), (width, width * 2), "{} {width}", frame.format);
            let red = out.get_pixel(w - w / 8 - 1, h / 16).0;
            assert!(
                red[0] > 180 && red[1] < 70,
                "{} {width}: {red:?}",
                frame.format
            );
            let dark = out.get_pixel(w / 8, h / 16).0;
            assert!(dark[0] < 60, "{} {width}: {dark:?}", frame.format);
        }
    }

    #[test]
    fn jpeg_frames_are_decoded_then_scaled() {
        let raw = flat_frame(PixelFormat::Rgb24, 96, 64, (230, 30, 30));
        let jpeg = Frame::new(PixelFormat::Jpeg, 96, 64, to_jpeg(&raw, &NONE, 90).unwrap());
        let img = decode(&variant(&jpeg, &NONE, Some(48), 80).unwrap());
        assert_eq!(img.dimensions(), (48, 32));
        let px = img.get_pixel(24, 16).0;
        assert!(px[0] > 200 && px[1] < 60 && px[2] < 60, "{px:?}");
        // Same size: re-encoded at the requested quality, still a JPEG of the same picture.
        let img = decode(&variant(&jpeg, &NONE, None, 30).unwrap());
        assert_eq!(img.dimensions(), (96, 64));
    }

    #[test]
    fn scaled_decode_of_a_photo_is_as_good_as_a_full_decode_then_scale() {
        // Against a careful resize (Lanczos3 of the full decode), the cheap path must be about as
        // close as the old one (a full-size decode with `image`, then the area filter). Measured:
        // 320 wide 39.9 vs 39.7 dB, 160 wide 36.4 vs 36.0, 250 wide (1/2 decode, then 320 to 250)
        // 36.2 vs 37.7: the two-step path gives up 1.5 dB where the last step is not exact.
        let bytes = std::fs::read(crate::video::encode::decode::tests::fixture("frame000.jpg"));
        let jpeg = Frame::new(PixelFormat::Jpeg, 640, 480, bytes.unwrap());
        let full = image::DynamicImage::from(decode(&jpeg.data));
        let full_frame = Frame::new(PixelFormat::Rgb24, 640, 480, full.to_rgb8().into_raw());
        let luma = |img: image::RgbImage| image::DynamicImage::from(img).to_luma8().into_raw();
        for width in [320, 160, 250] {
            let fast = decode(&variant(&jpeg, &NONE, Some(width), 90).unwrap());
            let old = decode(&variant(&full_frame, &NONE, Some(width), 90).unwrap());
            assert_eq!(fast.dimensions(), old.dimensions(), "{width}");
            let (w, h) = fast.dimensions();
            let careful = full
                .resize_exact(w, h, image::imageops::FilterType::Lanczos3)
                .to_luma8()
                .into_raw();
            let (new_db, old_db) = (psnr(&luma(fast), &careful), psnr(&luma(old), &careful));
            assert!(new_db > 30.0, "{width} wide: {new_db:.1} dB");
            assert!(
                new_db > old_db - 2.0,
                "{width}: {new_db:.1} vs {old_db:.1} dB"
            );
        }
    }

    #[test]
    fn bad_input_is_an_error() {
        let junk = Frame::new(PixelFormat::Jpeg, 10, 10, vec![0xFF, 0xD8, 1, 2, 3]);
        assert!(matches!(
            variant(&junk, &NONE, Some(8), 80),
            Err(EncodeError::Decode(_))
        ));
        let short = Frame::new(PixelFormat::Yuyv, 64, 48, vec![0u8; 100]);
        assert!(matches!(
            variant(&short, &NONE, Some(32), 80),
            Err(EncodeError::BadLength { .. })
        ));
        let ok = flat_frame(PixelFormat::Rgb24, 16, 16, (0, 0, 0));
        assert!(matches!(
            variant(&ok, &NONE, None, 0),
            Err(EncodeError::Quality(0))
        ));
        // The encoder interface still accepts the frame: only the quality was wrong.
        assert!(FastEncoder::new()
            .encode(&ok, &NONE, 50, &mut Vec::new())
            .is_ok());
    }
}
