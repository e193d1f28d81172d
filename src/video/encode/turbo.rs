//! [`TurboEncoder`]: raw frames to baseline JPEG with libjpeg-turbo (feature `turbojpeg`), behind
//! the same [`Encoder`] interface as [`super::FastEncoder`].
//!
//! A YUYV frame, upright or turned in a way that keeps rows rows, is split and compressed one iMCU
//! row at a time through libjpeg's raw-data API (`turbo_strips.rs`): no RGB step, since
//! libjpeg-turbo would only convert RGB back to YCbCr (issue 9 measured 1280x720 at 4.3 ms from
//! RGB, 3.1 ms from YUV planes), and no whole-frame planes, which cost 1.12-1.18x the library's
//! own time at 1920x1080 (docs/BENCHMARKS.md, "Codecs side by side"). Any other turned frame is
//! split into whole YCbCr [`Planes`] with the frame's [`Conversion`] applied on the way (see
//! [`super::planes`]) and compressed from those. An upright RGB24 or BGRA frame goes through the
//! library's own SIMD colour conversion instead.
//!
//! libjpeg-turbo handles are not thread-safe and cost an allocation of their own, so each encoding
//! thread keeps one compressor and one JPEG buffer for good (and one set of planes,
//! [`with_planes`]), like the output buffer in [`super::to_jpeg`]. Left to allocate its own output,
//! libjpeg-turbo would start at 4 KB and double it (a fresh allocation and a copy each time) until
//! the frame fits, on every frame (though the codec bench measured no difference from that at any
//! size).

use std::cell::RefCell;

use pistream_camera::{Frame, PixelFormat};
use turbojpeg::{Compressor, Image, Subsamp, YuvPlanesImage};

use super::fast::Sampling;
use super::orient::{Conversion, Oriented, YcbcrSource};
use super::planes::{with_planes, Planes};
use super::turbo_strips;
use super::yuyv_split::YuyvSplit;
use super::{check_quality, EncodeError, Encoder, Raw};

/// libjpeg-turbo's encoder.
#[derive(Debug, Clone, Copy, Default)]
pub struct TurboEncoder {
    sampling: Sampling,
}

thread_local! {
    /// This thread's compressor, made on its first frame.
    static COMPRESSOR: RefCell<Option<Compressor>> = const { RefCell::new(None) };
    /// This thread's JPEG buffer, as long as libjpeg-turbo's worst case for the largest frame
    /// yet (see [`compress_into`]).
    static JPEG: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// libjpeg-turbo's errors as ours.
pub(crate) fn tj_err(e: turbojpeg::Error) -> EncodeError {
    EncodeError::Encode(format!("libjpeg-turbo: {e}"))
}

/// Whether libjpeg-turbo's error is only its warning about damaged data, after which its output is
/// complete anyway: TurboJPEG returns failure for a warning (and the turbojpeg crate does not pass
/// on the error code that says so), but "Corrupt JPEG data: 2 extraneous bytes before marker 0xd9"
/// is in every frame of some webcams, and a truncated frame decodes as far as it goes, as
/// jpeg-decoder does too. Told by libjpeg's own wording of those warnings (jerror.h `JWRN_*`);
/// anything else counts as failure.
pub(crate) fn only_warned(e: &turbojpeg::Error) -> bool {
    match e {
        turbojpeg::Error::TurboJpegError(msg) => {
            msg.starts_with("Corrupt JPEG data") || msg.starts_with("Premature end of JPEG file")
        }
        _ => false,
    }
}

pub(crate) fn subsamp(sampling: Sampling) -> Subsamp {
    match sampling {
        Sampling::S420 => Subsamp::Sub2x2,
        Sampling::S422 => Subsamp::Sub2x1,
    }
}

/// Runs `f` with this thread's compressor set to `quality`.
fn with_compressor<T>(
    quality: u8,
    f: impl FnOnce(&mut Compressor) -> Result<T, turbojpeg::Error>,
) -> Result<T, EncodeError> {
    COMPRESSOR.with_borrow_mut(|slot| {
        let compressor = match slot {
            Some(c) => c,
            None => slot.insert(Compressor::new().map_err(tj_err)?),
        };
        compressor.set_quality(quality.into()).map_err(tj_err)?;
        f(compressor).map_err(tj_err)
    })
}

/// Runs `compress` with this thread's compressor set to `quality` and this thread's JPEG buffer,
/// at least `need` bytes long (libjpeg-turbo's worst case for the frame, so it never reallocates);
/// appends the JPEG it wrote (the returned length) to `out`. The buffer is zeroed only when it
/// grows, and then by a fresh zeroed allocation, whose pages the system maps only as the JPEGs
/// touch them: a 1920x1080 frame's 6 MB worst case costs the ~200 KB its JPEGs use.
fn compress_into(
    quality: u8,
    need: usize,
    out: &mut Vec<u8>,
    compress: impl FnOnce(&mut Compressor, &mut [u8]) -> Result<usize, turbojpeg::Error>,
) -> Result<(), EncodeError> {
    JPEG.with_borrow_mut(|buf| {
        if buf.len() < need {
            *buf = vec![0; need];
        }
        let len = with_compressor(quality, |c| compress(c, buf))?;
        out.extend_from_slice(&buf[..len]);
        Ok(())
    })
}

impl TurboEncoder {
    /// A 4:2:0 encoder.
    pub fn new() -> TurboEncoder {
        TurboEncoder::default()
    }

    /// An encoder with the given chroma subsampling.
    pub fn with_sampling(sampling: Sampling) -> TurboEncoder {
        TurboEncoder { sampling }
    }

    /// Encodes checked raw pixels, read and turned as `conv` says.
    pub(crate) fn encode_raw(
        &self,
        raw: &Raw,
        conv: &Conversion,
        quality: u8,
        out: &mut Vec<u8>,
    ) -> Result<(), EncodeError> {
        let upright = conv.orientation.is_identity();
        let map = conv.orientation.mapping();
        if raw.format == PixelFormat::Yuyv && !map.transpose {
            let split = YuyvSplit {
                raw,
                range: conv.range,
                sampling: self.sampling,
                mirror_x: map.mirror_x,
                mirror_y: map.mirror_y,
            };
            return turbo_strips::encode_yuyv(&split, quality, out);
        }
        let format = match raw.format {
            PixelFormat::Rgb24 if upright => turbojpeg::PixelFormat::RGB,
            PixelFormat::Bgra if upright => turbojpeg::PixelFormat::BGRX,
            PixelFormat::Yuyv | PixelFormat::Rgb24 | PixelFormat::Bgra => {
                return with_planes(|planes| {
                    planes.fill_raw(raw, conv, self.sampling);
                    encode_planes(planes, quality, out)
                });
            }
            PixelFormat::Jpeg => return Err(EncodeError::Unsupported("re-encoding a JPEG".into())),
        };
        let (width, height) = (usize::from(raw.width), usize::from(raw.height));
        let image = Image {
            pixels: raw.data,
            width,
            pitch: width * format.size(),
            height,
            format,
        };
        let sub = subsamp(self.sampling);
        let need = turbojpeg::compressed_buf_len(width, height, sub).map_err(tj_err)?;
        compress_into(quality, need, out, |c, buf| {
            c.set_subsamp(sub)?;
            c.compress_to_slice(image, buf)
        })
    }
}

/// Compresses `planes` at `quality` and appends the JPEG to `out`.
pub(crate) fn encode_planes(
    planes: &Planes,
    quality: u8,
    out: &mut Vec<u8>,
) -> Result<(), EncodeError> {
    let (cw, _) = planes.chroma_size();
    let image = YuvPlanesImage {
        y_plane: &planes.y[..],
        u_plane: &planes.cb[..],
        v_plane: &planes.cr[..],
        width: planes.width,
        height: planes.height,
        y_stride: planes.y_stride,
        u_stride: cw,
        v_stride: cw,
        subsamp: subsamp(planes.sampling),
    };
    encode_yuv_planes(&image, quality, out)
}

/// Compresses the planes `image` describes at `quality` and appends the JPEG to `out`.
pub(crate) fn encode_yuv_planes(
    image: &YuvPlanesImage<&[u8]>,
    quality: u8,
    out: &mut Vec<u8>,
) -> Result<(), EncodeError> {
    let need =
        turbojpeg::compressed_buf_len(image.width, image.height, image.subsamp).map_err(tj_err)?;
    compress_into(quality, need, out, |c, buf| {
        c.compress_yuv_planes_to_slice(image, buf)
    })
}

/// Encodes the turned picture `view` (4:2:0) at `quality`, appending the JPEG to `out`.
pub(crate) fn encode_view<S: YcbcrSource>(
    view: &Oriented<S>,
    quality: u8,
    out: &mut Vec<u8>,
) -> Result<(), EncodeError> {
    with_planes(|planes| {
        planes.fill(view, Sampling::S420);
        encode_planes(planes, quality, out)
    })
}

impl Encoder for TurboEncoder {
    fn name(&self) -> &'static str {
        "libjpeg-turbo"
    }

    fn encode(
        &self,
        frame: &Frame,
        conv: &Conversion,
        quality: u8,
        out: &mut Vec<u8>,
    ) -> Result<(), EncodeError> {
        check_quality(quality)?;
        self.encode_raw(&Raw::of(frame)?, conv, quality, out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::video::encode::orient::{Orientation, Rotation};
    use crate::video::encode::tests::{decode, flat_frame, mock_frame, psnr};
    use crate::video::encode::FastEncoder;
    use pistream_camera::YuvRange;

    fn both(frame: &Frame, conv: &Conversion, sampling: Sampling) -> (Vec<u8>, Vec<u8>) {
        let (mut turbo, mut fast) = (Vec::new(), Vec::new());
        TurboEncoder::with_sampling(sampling)
            .encode(frame, conv, 90, &mut turbo)
            .unwrap();
        FastEncoder::with_sampling(sampling)
            .encode(frame, conv, 90, &mut fast)
            .unwrap();
        (turbo, fast)
    }

    fn every_orientation() -> Vec<Orientation> {
        let mut all = Vec::new();
        for rotate in [Rotation::R0, Rotation::R90, Rotation::R180, Rotation::R270] {
            for (flip_h, flip_v) in [(false, false), (true, false), (false, true)] {
                all.push(Orientation {
                    rotate,
                    flip_h,
                    flip_v,
                });
            }
        }
        all
    }

    #[test]
    fn the_same_picture_as_the_default_encoder_in_every_orientation() {
        // The mock camera's picture (YUYV, with detail and colour), in both ranges, every turn:
        // the two encoders' JPEGs decode to the same picture within JPEG's own error.
        let frame = mock_frame(320, 240);
        assert_eq!(frame.format, PixelFormat::Yuyv);
        for range in [YuvRange::Full, YuvRange::Limited] {
            for o in every_orientation() {
                let conv = Conversion::new(range, o);
                let (turbo, fast) = both(&frame, &conv, Sampling::S420);
                let (t, f) = (decode(&turbo), decode(&fast));
                assert_eq!(t.dimensions(), f.dimensions(), "{}", o.describe());
                let db = psnr(t.as_raw(), f.as_raw());
                assert!(db > 38.0, "{range} {}: {db:.1} dB", o.describe());
            }
        }
    }

    #[test]
    fn every_raw_format_and_sampling_keeps_size_and_colour() {
        for format in [PixelFormat::Yuyv, PixelFormat::Rgb24, PixelFormat::Bgra] {
            for sampling in [Sampling::S420, Sampling::S422] {
                let turn = Orientation {
                    rotate: Rotation::R270,
                    ..Orientation::IDENTITY
                };
                for o in [Orientation::IDENTITY, turn] {
                    let frame = flat_frame(format, 34, 18, (200, 40, 90));
                    let conv = Conversion::new(YuvRange::Full, o);
                    let (turbo, fast) = both(&frame, &conv, sampling);
                    let img = decode(&turbo);
                    assert_eq!(img.dimensions(), decode(&fast).dimensions());
                    let (w, h) = img.dimensions();
                    let px = img.get_pixel(w / 2, h / 2).0;
                    for (got, want) in px.iter().zip([200u8, 40, 90]) {
                        assert!(
                            (*got as i32 - want as i32).abs() <= 6,
                            "{format} {sampling:?} {}: {px:?}",
                            o.describe()
                        );
                    }
                    // SOF0 component 1 sampling byte: 0x22 for 4:2:0, 0x21 for 4:2:2.
                    let sof = turbo.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap();
                    let byte = if sampling == Sampling::S420 {
                        0x22
                    } else {
                        0x21
                    };
                    assert_eq!(turbo[sof + 11], byte, "{format} {sampling:?}");
                }
            }
        }
    }

    #[test]
    fn a_photo_encodes_as_well_as_with_the_default_encoder() {
        // A photographic frame as RGB (the library's own colour conversion): within 1 dB of the
        // default encoder against the source picture.
        let bytes = std::fs::read(crate::video::encode::decode::tests::fixture("frame000.jpg"));
        let src = decode(&bytes.unwrap());
        let (w, h) = src.dimensions();
        let rgb = Frame::new(PixelFormat::Rgb24, w, h, src.as_raw().clone());
        let (turbo, fast) = both(&rgb, &Conversion::NONE, Sampling::S420);
        let (t, f) = (
            psnr(decode(&turbo).as_raw(), src.as_raw()),
            psnr(decode(&fast).as_raw(), src.as_raw()),
        );
        assert!(t > f - 1.0, "RGB: turbo {t:.1} dB, default {f:.1} dB");
    }

    /// The decoded JPEG's luma (jpeg-decoder, straight to YCbCr).
    fn decoded_luma(jpeg: &[u8]) -> Vec<u8> {
        use crate::video::encode::decode::JpegSource;
        let source = JpegSource::open(jpeg).unwrap();
        let (w, h) = (source.width, source.height);
        let pic = source.decode_at_least(w, h).unwrap();
        pic.data.iter().step_by(3).copied().collect()
    }

    #[test]
    fn the_default_encoder_matches_libjpeg_turbo_in_bytes_and_psnr() {
        // Issue 9: the default encoder's output within a few % of libjpeg-turbo's bytes at equal
        // luma PSNR. A photograph, as RGB and as full-range YUYV made from it, at quality 80:
        // same tables, so the PSNR must agree within 0.1 dB and the sizes within 2 %.
        use crate::video::encode::pixels::rgb_to_ycbcr;
        let bytes = std::fs::read(crate::video::encode::decode::tests::fixture("frame000.jpg"));
        let src = decode(&bytes.unwrap());
        let (w, h) = src.dimensions();
        let ycc: Vec<(u8, u8, u8)> = src
            .pixels()
            .map(|p| rgb_to_ycbcr(p[0], p[1], p[2]))
            .collect();
        let yuyv: Vec<u8> = ycc
            .chunks_exact(2)
            .flat_map(|p| {
                let mean = |a: u8, b: u8| (a as u16 + b as u16).div_ceil(2) as u8;
                [p[0].0, mean(p[0].1, p[1].1), p[1].0, mean(p[0].2, p[1].2)]
            })
            .collect();
        let luma: Vec<u8> = ycc.iter().map(|p| p.0).collect();
        for frame in [
            Frame::new(PixelFormat::Rgb24, w, h, src.as_raw().clone()),
            Frame::new(PixelFormat::Yuyv, w, h, yuyv),
        ] {
            let (mut turbo, mut fast) = (Vec::new(), Vec::new());
            TurboEncoder::new()
                .encode(&frame, &Conversion::NONE, 80, &mut turbo)
                .unwrap();
            FastEncoder::new()
                .encode(&frame, &Conversion::NONE, 80, &mut fast)
                .unwrap();
            let (t, f) = (
                psnr(&decoded_luma(&turbo), &luma),
                psnr(&decoded_luma(&fast), &luma),
            );
            assert!(
                (t - f).abs() < 0.1,
                "{}: turbo {t:.3} dB, ours {f:.3} dB",
                frame.format
            );
            let ratio = fast.len() as f64 / turbo.len() as f64;
            assert!(
                (0.98..=1.02).contains(&ratio),
                "{}: ours {} bytes, turbo {}",
                frame.format,
                fast.len(),
                turbo.len()
            );
        }
    }

    #[test]
    fn bad_frames_are_errors_not_panics() {
        let enc = TurboEncoder::new();
        let mut out = Vec::new();
        for frame in [
            Frame::new(PixelFormat::Yuyv, 640, 480, vec![0u8; 1000]),
            Frame::new(PixelFormat::Yuyv, 3, 2, vec![0u8; 12]),
            Frame::new(PixelFormat::Rgb24, 0, 0, Vec::<u8>::new()),
            Frame::new(PixelFormat::Jpeg, 16, 16, vec![0xFF, 0xD8]),
        ] {
            assert!(enc.encode(&frame, &Conversion::NONE, 80, &mut out).is_err());
        }
        let ok = flat_frame(PixelFormat::Yuyv, 16, 16, (9, 9, 9));
        assert!(matches!(
            enc.encode(&ok, &Conversion::NONE, 0, &mut out),
            Err(EncodeError::Quality(0))
        ));
        assert!(out.is_empty());
    }
}
