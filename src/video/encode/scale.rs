//! Per-viewer variants (`/stream?width=320&quality=40`): a frame scaled down and re-encoded, once per
//! variant by the server, however many viewers share it.
//!
//! Scaling is an in-house box (area) filter: every output pixel is the mean of the source pixels it
//! covers, computed on YCbCr rows straight from the camera's format (a JPEG frame is decoded first
//! with `image`). For downscaling that is as good as any filter, cheaper than `image::imageops::resize`
//! (no float kernels, no RGB round trip for YUYV), and it needs no per-pixel allocation: a handful of
//! row buffers per call. The result is YUYV, encoded by [`FastEncoder`].

use image::ImageFormat;
use pistream_camera::{Frame, PixelFormat};

use super::{check_quality, pixels, EncodeError, FastEncoder, Raw};

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

/// `frame` scaled down to `width` (see [`target_size`]) and encoded as JPEG at `quality`.
pub fn variant(frame: &Frame, width: Option<u32>, quality: u8) -> Result<Vec<u8>, EncodeError> {
    check_quality(quality)?;
    let decoded;
    let src = if frame.format == PixelFormat::Jpeg {
        decoded = image::load_from_memory_with_format(&frame.data, ImageFormat::Jpeg)
            .map_err(|e| EncodeError::Decode(e.to_string()))?
            .to_rgb8();
        Raw::new(
            PixelFormat::Rgb24,
            decoded.width(),
            decoded.height(),
            decoded.as_raw(),
        )?
    } else {
        Raw::of(frame)?
    };
    let (sw, sh) = (src.width as u32, src.height as u32);
    let (tw, th) = target_size(sw, sh, width);
    // Typical encoded size is well under a tenth of the YUYV size: reserve that, grow if needed.
    let mut out = Vec::with_capacity(tw as usize * th as usize / 4);
    if (tw, th) == (sw, sh) {
        FastEncoder::new().encode_raw(&src, quality, &mut out)?;
    } else {
        let scaled = box_scale_to_yuyv(&src, tw as usize, th as usize);
        let raw = Raw::new(PixelFormat::Yuyv, tw, th, &scaled)?;
        FastEncoder::new().encode_raw(&raw, quality, &mut out)?;
    }
    Ok(out)
}

/// Source ranges `[start, end)` that each of `out` output samples averages, for `src` samples.
fn spans(src: usize, out: usize) -> Vec<(usize, usize)> {
    (0..out)
        .map(|i| {
            let start = i * src / out;
            let end = ((i + 1) * src / out).max(start + 1);
            (start, end)
        })
        .collect()
}

/// Box-filters a raw frame down to `tw` (even) x `th` and returns it as YUYV.
fn box_scale_to_yuyv(src: &Raw, tw: usize, th: usize) -> Vec<u8> {
    let (sw, sh) = (src.width as usize, src.height as usize);
    let row_bytes = src.data.len() / sh;
    let (xs, ys) = (spans(sw, tw), spans(sh, th));
    // Source row as planes, accumulators, and output row as planes: reused for every row.
    let mut planes = [vec![0u8; sw], vec![0u8; sw], vec![0u8; sw]];
    let mut acc = [vec![0u32; tw], vec![0u32; tw], vec![0u32; tw]];
    let mut row_out = [vec![0u8; tw], vec![0u8; tw], vec![0u8; tw]];
    let mut out = vec![0u8; tw * th * 2];
    for (oy, &(y0, y1)) in ys.iter().enumerate() {
        acc.iter_mut().for_each(|a| a.fill(0));
        for sy in y0..y1 {
            let row = &src.data[sy * row_bytes..(sy + 1) * row_bytes];
            let [py, pcb, pcr] = &mut planes;
            pixels::row_to_ycbcr(src.format, row, py, pcb, pcr);
            for (plane, sums) in planes.iter().zip(acc.iter_mut()) {
                for (sum, &(x0, x1)) in sums.iter_mut().zip(&xs) {
                    *sum += plane[x0..x1].iter().map(|&v| v as u32).sum::<u32>();
                }
            }
        }
        let rows = (y1 - y0) as u32;
        for (sums, dst) in acc.iter().zip(row_out.iter_mut()) {
            for ((d, &sum), &(x0, x1)) in dst.iter_mut().zip(sums).zip(&xs) {
                let n = rows * (x1 - x0) as u32;
                *d = ((sum + n / 2) / n) as u8;
            }
        }
        let [ry, rcb, rcr] = &row_out;
        pixels::ycbcr_row_to_yuyv(ry, rcb, rcr, &mut out[oy * tw * 2..(oy + 1) * tw * 2]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::video::encode::tests::{decode, flat_frame};
    use crate::video::encode::{to_jpeg, Encoder};

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
            let img = decode(&variant(&frame, Some(32), 85).unwrap());
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
        let img = decode(&variant(&frame, Some(32), 90).unwrap());
        assert_eq!(img.dimensions(), (32, 16));
        assert!(img.get_pixel(4, 8).0[0] < 30);
        assert!(img.get_pixel(28, 8).0[0] > 225);
    }

    #[test]
    fn jpeg_frames_are_decoded_then_scaled() {
        let raw = flat_frame(PixelFormat::Rgb24, 96, 64, (230, 30, 30));
        let jpeg = Frame::new(PixelFormat::Jpeg, 96, 64, to_jpeg(&raw, 90).unwrap());
        let img = decode(&variant(&jpeg, Some(48), 80).unwrap());
        assert_eq!(img.dimensions(), (48, 32));
        let px = img.get_pixel(24, 16).0;
        assert!(px[0] > 200 && px[1] < 60 && px[2] < 60, "{px:?}");
        // Same size: re-encoded at the requested quality, still a JPEG of the same picture.
        let img = decode(&variant(&jpeg, None, 30).unwrap());
        assert_eq!(img.dimensions(), (96, 64));
    }

    #[test]
    fn bad_input_is_an_error() {
        let junk = Frame::new(PixelFormat::Jpeg, 10, 10, vec![0xFF, 0xD8, 1, 2, 3]);
        assert!(matches!(
            variant(&junk, Some(8), 80),
            Err(EncodeError::Decode(_))
        ));
        let short = Frame::new(PixelFormat::Yuyv, 64, 48, vec![0u8; 100]);
        assert!(matches!(
            variant(&short, Some(32), 80),
            Err(EncodeError::BadLength { .. })
        ));
        let ok = flat_frame(PixelFormat::Rgb24, 16, 16, (0, 0, 0));
        assert!(matches!(
            variant(&ok, None, 0),
            Err(EncodeError::Quality(0))
        ));
        // The encoder interface still accepts the frame: only the quality was wrong.
        assert!(FastEncoder::new().encode(&ok, 50, &mut Vec::new()).is_ok());
    }
}
