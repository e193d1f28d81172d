//! [`FastEncoder`]: raw frames to baseline JPEG with pistream's own pure-Rust encoder core,
//! `pistream_jpeg::encode` (backends/jpeg; its module doc says why it replaced the `jpeg-encoder`
//! crate: measured at 2.4-3.1x libjpeg-turbo's time per frame, over issue 9's 2.5x, in loops that
//! could not be changed from outside it).
//!
//! Every frame becomes YCbCr [`Planes`] first, the frame's [`Conversion`] applied on the way (see
//! [`super::planes`]), then the core encodes those planes. A YUYV frame, the camera's common case,
//! is only split into planes (SSE2, [`super::yuyv_split`]): its chroma already is at half width, so
//! 4:2:0 is one average of two rows, with no full-width chroma row and no colour maths. RGB24 and
//! BGRA are converted to YCbCr row by row (BT.601 full range, JFIF) and their chroma averaged down.
//! A turned picture is read through [`super::orient::Oriented`] into the same planes.
//!
//! Chroma is subsampled 4:2:0 by default: YUYV carries chroma at half horizontal resolution only,
//! and halving it vertically too costs nothing visible on a camera picture while it makes an MCU
//! 6 blocks instead of 8 (4:2:2): fewer DCTs and smaller frames for every viewer. It is also what
//! libjpeg does by default and what every browser decodes. [`FastEncoder::with_sampling`] picks 4:2:2
//! (the core does both: one more luma block row per MCU, nothing else differs).

use pistream_camera::Frame;
use pistream_jpeg::encode::{self as core, Subsampling};

use super::decode::Decoded;
use super::orient::{Conversion, Orientation, Oriented};
use super::planes::{with_planes, Planes};
use super::rotate::DecodedPixels;
use super::{check_quality, EncodeError, Encoder, Raw};

/// Chroma subsampling of the JPEGs a [`FastEncoder`] writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sampling {
    /// Chroma at half resolution both ways (smallest, fastest; the default).
    #[default]
    S420,
    /// Chroma at half horizontal resolution, as YUYV itself.
    S422,
}

impl Sampling {
    /// The encoder core's name for it.
    pub(crate) fn core(self) -> Subsampling {
        match self {
            Sampling::S420 => Subsampling::S420,
            Sampling::S422 => Subsampling::S422,
        }
    }

    /// How many picture rows share one chroma row.
    pub(crate) fn rows_per_chroma(self) -> usize {
        match self {
            Sampling::S420 => 2,
            Sampling::S422 => 1,
        }
    }
}

/// The default encoder: fast, pure Rust, reads YUYV directly.
#[derive(Debug, Clone, Copy, Default)]
pub struct FastEncoder {
    sampling: Sampling,
}

impl FastEncoder {
    /// A 4:2:0 encoder.
    pub fn new() -> FastEncoder {
        FastEncoder::default()
    }

    /// An encoder with the given chroma subsampling.
    pub fn with_sampling(sampling: Sampling) -> FastEncoder {
        FastEncoder { sampling }
    }
}

impl Encoder for FastEncoder {
    fn name(&self) -> &'static str {
        "pistream-jpeg"
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

impl FastEncoder {
    /// Encodes checked raw pixels (also used by the scaler, which has no `Frame`), read and turned
    /// as `conv` says, through this thread's planes.
    pub(crate) fn encode_raw(
        &self,
        raw: &Raw,
        conv: &Conversion,
        quality: u8,
        out: &mut Vec<u8>,
    ) -> Result<(), EncodeError> {
        if raw.format == pistream_camera::PixelFormat::Jpeg {
            return Err(EncodeError::Unsupported("re-encoding a JPEG".into()));
        }
        with_planes(|planes| {
            planes.fill_raw(raw, conv, self.sampling);
            encode_planes(planes, quality, out)
        })
    }

    /// Encodes a decoded JPEG picture turned by `orientation` (a YCbCr picture needs no colour
    /// conversion: its rows are only split into planes).
    pub(crate) fn encode_decoded(
        &self,
        pic: &Decoded,
        orientation: Orientation,
        quality: u8,
        out: &mut Vec<u8>,
    ) -> Result<(), EncodeError> {
        if u16::try_from(pic.width).is_err() || u16::try_from(pic.height).is_err() {
            return Err(EncodeError::Unsupported(
                "a decoded picture over 65535".into(),
            ));
        }
        with_planes(|planes| {
            planes.fill(
                &Oriented::new(DecodedPixels(pic), orientation),
                self.sampling,
            );
            encode_planes(planes, quality, out)
        })
    }
}

/// Encodes `planes` with the core at `quality`, appending the JPEG to `out`.
pub(crate) fn encode_planes(
    planes: &Planes,
    quality: u8,
    out: &mut Vec<u8>,
) -> Result<(), EncodeError> {
    let (chroma_width, _) = planes.chroma_size();
    let view = core::Planes {
        width: planes.width,
        height: planes.height,
        subsampling: planes.sampling.core(),
        y: &planes.y,
        y_stride: planes.y_stride,
        cb: &planes.cb,
        cr: &planes.cr,
        chroma_stride: chroma_width,
    };
    core::encode(&view, quality, out).map_err(|e| EncodeError::Encode(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::video::encode::orient::YcbcrSource;
    use crate::video::encode::tests::{decode, flat_frame, mock_frame};
    use pistream_camera::{PixelFormat, YuvRange};

    #[test]
    fn round_trip_keeps_size_and_colour_for_every_raw_format() {
        for format in [PixelFormat::Yuyv, PixelFormat::Rgb24, PixelFormat::Bgra] {
            for sampling in [Sampling::S420, Sampling::S422] {
                let frame = flat_frame(format, 34, 18, (200, 40, 90));
                let mut out = Vec::new();
                FastEncoder::with_sampling(sampling)
                    .encode(&frame, &Conversion::NONE, 90, &mut out)
                    .unwrap();
                let img = decode(&out);
                assert_eq!(img.dimensions(), (34, 18), "{format} {sampling:?}");
                let px = img.get_pixel(17, 9).0;
                for (got, want) in px.iter().zip([200u8, 40, 90]) {
                    assert!(
                        (*got as i32 - want as i32).abs() <= 6,
                        "{format} {sampling:?}: {px:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn sampling_is_what_was_asked() {
        // SOF0 component 1 sampling byte: 0x22 for 4:2:0, 0x21 for 4:2:2.
        let frame = flat_frame(PixelFormat::Yuyv, 16, 16, (1, 2, 3));
        for (sampling, byte) in [(Sampling::S420, 0x22), (Sampling::S422, 0x21)] {
            let mut out = Vec::new();
            FastEncoder::with_sampling(sampling)
                .encode(&frame, &Conversion::NONE, 80, &mut out)
                .unwrap();
            let sof = out.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap();
            assert_eq!(out[sof + 11], byte, "{sampling:?}");
        }
    }

    /// A raw frame read one pixel at a time (the most general path), even for whole rows.
    struct ByPixel<'a>(crate::video::encode::pixels::RawPixels<'a>);

    impl YcbcrSource for ByPixel<'_> {
        fn width(&self) -> usize {
            self.0.width
        }
        fn height(&self) -> usize {
            self.0.height
        }
        fn row(&self, y: usize, luma: &mut [u8], cb: &mut [u8], cr: &mut [u8]) {
            for x in 0..self.0.width {
                (luma[x], cb[x], cr[x]) = self.0.pixel(x, y);
            }
        }
        fn pixel(&self, x: usize, y: usize) -> (u8, u8, u8) {
            self.0.pixel(x, y)
        }
    }

    /// The upright YUYV path (split into planes) writes the very JPEG the general path (through
    /// [`Oriented`], pixel by pixel) does, in both ranges, 4:2:0 and 4:2:2, on random samples and
    /// a width that is no multiple of 16.
    #[test]
    fn upright_yuyv_fast_path_equals_the_general_path() {
        use crate::video::encode::tests::random_bytes;
        let (w, h) = (70u16, 21u16);
        let data = random_bytes(w as usize * h as usize * 2, 0x2545_F491_4F6C_DD1D);
        let raw = Raw::new(PixelFormat::Yuyv, w.into(), h.into(), &data).unwrap();
        for range in [YuvRange::Full, YuvRange::Limited] {
            for sampling in [Sampling::S420, Sampling::S422] {
                let enc = FastEncoder::with_sampling(sampling);
                let (mut fast, mut general) = (Vec::new(), Vec::new());
                enc.encode_raw(
                    &raw,
                    &Conversion::new(range, Orientation::IDENTITY),
                    80,
                    &mut fast,
                )
                .unwrap();
                let by_pixel = ByPixel(raw.pixels(range));
                let mut planes = Planes::default();
                planes.fill(&Oriented::new(by_pixel, Orientation::IDENTITY), sampling);
                encode_planes(&planes, 80, &mut general).unwrap();
                assert!(fast == general, "{range} {sampling:?}");
            }
        }
    }

    /// The mock camera is meant to weigh what a real webcam's frame does (~50 KB at 640x480, q80).
    #[test]
    fn mock_frame_weighs_like_a_camera_frame() {
        let mut out = Vec::new();
        FastEncoder::new()
            .encode(&mock_frame(640, 480), &Conversion::NONE, 80, &mut out)
            .unwrap();
        assert!((30_000..90_000).contains(&out.len()), "{} bytes", out.len());
    }
}
