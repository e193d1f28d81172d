//! [`FastEncoder`]: raw frames to baseline JPEG with the pure-Rust `jpeg-encoder` crate.
//!
//! YUYV is fed to the encoder row by row through its `ImageBuffer` trait: a camera's YUYV already is
//! YCbCr, so each row is only split into planes (limited range expanded by table lookups, no other
//! colour maths, no full-frame intermediate copy). A turned picture ([`super::orient`]) is read the
//! same way, its rows taken from the source's rows or columns as the encoder asks for them.
//! RGB24 and BGRA the right way up go through the crate's own converters, which have AVX2 versions.
//!
//! Chroma is subsampled 4:2:0 by default: YUYV carries chroma at half horizontal resolution only,
//! and halving it vertically too costs nothing visible on a camera picture while it makes an MCU
//! 6 blocks instead of 8 (4:2:2): fewer DCTs and smaller frames for every viewer. It is also what
//! libjpeg does by default and what every browser decodes. [`FastEncoder::with_sampling`] picks 4:2:2.

use jpeg_encoder::{ColorType, ImageBuffer, JpegColorType, SamplingFactor};
use pistream_camera::{Frame, PixelFormat, YuvRange};

use super::decode::{Decoded, Layout};
use super::orient::{Conversion, Orientation, Oriented, YcbcrSource};
use super::pixels::split_yuyv_row;
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

/// A picture seen (turned) as the planar YCbCr rows `jpeg-encoder` pulls.
struct OrientedImage<S> {
    view: Oriented<S>,
    width: u16,
    height: u16,
}

impl<S: YcbcrSource> OrientedImage<S> {
    fn new(source: S, orientation: Orientation) -> Result<Self, EncodeError> {
        let view = Oriented::new(source, orientation);
        let (w, h) = view.size();
        match (u16::try_from(w), u16::try_from(h)) {
            (Ok(width), Ok(height)) => Ok(OrientedImage {
                view,
                width,
                height,
            }),
            _ => Err(EncodeError::Unsupported(format!(
                "a {w}x{h} picture (at most 65535 a side)"
            ))),
        }
    }
}

impl<S: YcbcrSource> ImageBuffer for OrientedImage<S> {
    fn get_jpeg_color_type(&self) -> JpegColorType {
        JpegColorType::Ycbcr
    }

    fn width(&self) -> u16 {
        self.width
    }

    fn height(&self) -> u16 {
        self.height
    }

    fn fill_buffers(&self, y: u16, buffers: &mut [Vec<u8>; 4]) {
        let (luma, cb, cr) = grow(buffers, self.width as usize);
        self.view.row(y as usize, luma, cb, cr);
    }
}

/// Extends each of `luma`, `cb`, `cr` by `width` samples and returns the new parts. The encoder
/// reuses these buffers (cleared, capacity kept): growing them allocates nothing.
fn grow([luma, cb, cr, _]: &mut [Vec<u8>; 4], width: usize) -> (&mut [u8], &mut [u8], &mut [u8]) {
    let (l0, b0, r0) = (luma.len(), cb.len(), cr.len());
    luma.resize(l0 + width, 0);
    cb.resize(b0 + width, 0);
    cr.resize(r0 + width, 0);
    (&mut luma[l0..], &mut cb[b0..], &mut cr[r0..])
}

/// A YUYV frame the right way up: the camera's common case, its rows split straight into the
/// encoder's buffers by [`split_yuyv_row`] (no orientation, no per-row format dispatch).
/// Why, measured: `perf record` on 1080p YUYV put ~16 % of the encode in the general row path
/// ([`Oriented`] over `RawPixels`, a pair at a time); with this path and the SSE2 split,
/// `benches/codec` has FastEncoder from YUYV 5-9 % faster (2.98x -> 2.69x libjpeg-turbo's time at
/// 640x480, 2.57x -> 2.36x at 720p, 2.97x -> 2.82x at 1080p; docs/BENCHMARKS.md).
struct UprightYuyv<'a> {
    data: &'a [u8],
    range: YuvRange,
    width: u16,
    height: u16,
}

impl ImageBuffer for UprightYuyv<'_> {
    fn get_jpeg_color_type(&self) -> JpegColorType {
        JpegColorType::Ycbcr
    }

    fn width(&self) -> u16 {
        self.width
    }

    fn height(&self) -> u16 {
        self.height
    }

    fn fill_buffers(&self, y: u16, buffers: &mut [Vec<u8>; 4]) {
        let w = self.width as usize;
        let row = &self.data[y as usize * w * 2..][..w * 2];
        let (luma, cb, cr) = grow(buffers, w);
        split_yuyv_row(self.range, row, luma, cb, cr);
    }
}

impl Encoder for FastEncoder {
    fn name(&self) -> &'static str {
        "jpeg-encoder"
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
    /// as `conv` says.
    pub(crate) fn encode_raw(
        &self,
        raw: &Raw,
        conv: &Conversion,
        quality: u8,
        out: &mut Vec<u8>,
    ) -> Result<(), EncodeError> {
        let enc = self.encoder(out, quality);
        let (data, width, height) = (raw.data, raw.width, raw.height);
        let upright = conv.orientation.is_identity();
        let result = match raw.format {
            PixelFormat::Rgb24 if upright => enc.encode(data, width, height, ColorType::Rgb),
            PixelFormat::Bgra if upright => enc.encode(data, width, height, ColorType::Bgra),
            PixelFormat::Yuyv if upright => enc.encode_image(UprightYuyv {
                data,
                range: conv.range,
                width,
                height,
            }),
            PixelFormat::Yuyv | PixelFormat::Rgb24 | PixelFormat::Bgra => enc.encode_image(
                OrientedImage::new(raw.pixels(conv.range), conv.orientation)?,
            ),
            PixelFormat::Jpeg => return Err(EncodeError::Unsupported("re-encoding a JPEG".into())),
        };
        result.map_err(|e| EncodeError::Encode(e.to_string()))
    }

    /// Encodes a decoded JPEG picture turned by `orientation`. The right way up it is encoded as
    /// it is laid out (YCbCr needs no colour conversion); turned, it is read through
    /// [`Oriented`] like a raw frame.
    pub(crate) fn encode_decoded(
        &self,
        pic: &Decoded,
        orientation: Orientation,
        quality: u8,
        out: &mut Vec<u8>,
    ) -> Result<(), EncodeError> {
        if !orientation.is_identity() {
            let image = OrientedImage::new(DecodedPixels(pic), orientation)?;
            return self
                .encoder(out, quality)
                .encode_image(image)
                .map_err(|e| EncodeError::Encode(e.to_string()));
        }
        let (Ok(width), Ok(height)) = (u16::try_from(pic.width), u16::try_from(pic.height)) else {
            return Err(EncodeError::Unsupported(
                "a decoded picture over 65535".into(),
            ));
        };
        let color = match pic.layout {
            Layout::Ycbcr => ColorType::Ycbcr,
            Layout::Rgb => ColorType::Rgb,
            Layout::Grey => ColorType::Luma,
        };
        self.encoder(out, quality)
            .encode(&pic.data, width, height, color)
            .map_err(|e| EncodeError::Encode(e.to_string()))
    }

    fn encoder<'a>(
        &self,
        out: &'a mut Vec<u8>,
        quality: u8,
    ) -> jpeg_encoder::Encoder<&'a mut Vec<u8>> {
        let mut enc = jpeg_encoder::Encoder::new(out, quality);
        enc.set_sampling_factor(match self.sampling {
            Sampling::S420 => SamplingFactor::F_2_2,
            Sampling::S422 => SamplingFactor::F_2_1,
        });
        enc
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::video::encode::tests::{decode, flat_frame, mock_frame};

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

    /// A raw frame read one pixel at a time (the path turned pictures take), even for whole rows.
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

    /// The upright YUYV fast path writes the very JPEG the general path (through [`Oriented`],
    /// pixel by pixel) does, in both ranges, 4:2:0 and 4:2:2, on random samples and a width that
    /// is no multiple of 16.
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
                let image = OrientedImage::new(by_pixel, Orientation::IDENTITY).unwrap();
                enc.encoder(&mut general, 80).encode_image(image).unwrap();
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
