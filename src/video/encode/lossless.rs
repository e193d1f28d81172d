//! Turning a JPEG frame for `--rotate` / `--flip` with the `turbo` [`Codec`](super::Codec):
//! libjpeg-turbo's lossless transform (jpegtran's), which rearranges the DCT coefficients instead
//! of decoding and encoding. Nothing is lost (the frame keeps the camera's own quality: `quality`
//! does not apply) and it costs a fraction of a decode and an encode (docs/BENCHMARKS.md,
//! "Rotation").
//!
//! The partial-MCU edge: a transform can only move whole MCUs (16x16 pixels for 4:2:0, 16x8 for
//! 4:2:2). When a turn moves the right or bottom edge to the left or top and that edge is a partial
//! MCU (1080 = 67.5 x 16), libjpeg-turbo offers to leave those blocks untransformed (a visibly
//! wrong strip), to trim them (a 1080p picture turned would be 1072 wide, not the size the server
//! publishes for the camera, and a row of pixels lost) or to refuse ("perfect"). pistream asks for
//! perfect and, when refused, turns that frame the decode way (libjpeg-turbo's scaled-decode path
//! at full size, [`super::turbo_scale`]): every frame keeps its exact size and every pixel. A
//! refusal is found from the header alone, before any coefficient is read, and 640x480 and 1280x720
//! (multiples of 16 both ways) never hit it. A frame libjpeg-turbo only warns about (damaged or
//! cut-short data, which TurboJPEG reports as failure) is still turned losslessly
//! (`turbo::only_warned`).

use std::cell::RefCell;

use turbojpeg::{OutputBuf, Transform, TransformOp, Transformer};

use super::orient::{Conversion, Mapping, Orientation};
use super::turbo::{only_warned, tj_err};
use super::{turbo_scale, EncodeError};

thread_local! {
    /// This thread's transformer, made on its first frame.
    static TRANSFORMER: RefCell<Option<Transformer>> = const { RefCell::new(None) };
}

/// libjpeg-turbo's operation for `orientation` (jpegtran's names: `transpose` mirrors across the
/// top-left to bottom-right diagonal, `transverse` across the other one).
pub fn operation(orientation: Orientation) -> TransformOp {
    let Mapping {
        transpose,
        mirror_x,
        mirror_y,
    } = orientation.mapping();
    match (transpose, mirror_x, mirror_y) {
        (false, false, false) => TransformOp::None,
        (false, true, false) => TransformOp::Hflip,
        (false, false, true) => TransformOp::Vflip,
        (false, true, true) => TransformOp::Rot180,
        (true, false, false) => TransformOp::Transpose,
        (true, false, true) => TransformOp::Rot90,
        (true, true, false) => TransformOp::Rot270,
        (true, true, true) => TransformOp::Transverse,
    }
}

/// Appends `jpeg` turned by `orientation` to `out`: losslessly when the picture allows it, else
/// decoded, turned and encoded at `quality` (see the module doc).
pub fn rotate_jpeg(
    jpeg: &[u8],
    orientation: Orientation,
    quality: u8,
    out: &mut Vec<u8>,
) -> Result<(), EncodeError> {
    let mut transform = Transform::op(operation(orientation));
    transform.perfect = true;
    let turned = TRANSFORMER.with_borrow_mut(|slot| {
        let transformer = match slot {
            Some(t) => t,
            None => slot.insert(Transformer::new().map_err(tj_err)?),
        };
        let mut buf = OutputBuf::new_owned();
        let done = match transformer.transform(&transform, jpeg, &mut buf) {
            Ok(()) => true,
            // Damaged data it read past (see `only_warned`): the output is complete.
            Err(e) => only_warned(&e) && buf.ends_with(&[0xFF, 0xD9]),
        };
        Ok::<_, EncodeError>(done.then(|| buf.to_vec()))
    })?;
    match turned {
        Some(jpeg) => {
            out.extend_from_slice(&jpeg);
            Ok(())
        }
        // Not perfect (a partial MCU), or not a JPEG libjpeg-turbo reads: the decode way, which
        // falls back to the pure-Rust decoder in turn.
        None => {
            let conv = Conversion {
                orientation,
                ..Conversion::NONE
            };
            let turned = turbo_scale::jpeg_variant(jpeg, None, quality, &conv)?;
            out.extend_from_slice(&turned);
            Ok(())
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::video::encode::decode::JpegSource;
    use crate::video::encode::orient::{Oriented, Rotation};
    use crate::video::encode::rotate::{self, DecodedPixels};
    use crate::video::encode::tests::decode;
    use crate::video::encode::Encoder;

    fn every_orientation() -> Vec<Orientation> {
        let mut all = Vec::new();
        for rotate in [Rotation::R0, Rotation::R90, Rotation::R180, Rotation::R270] {
            for flip_h in [false, true] {
                all.push(Orientation {
                    rotate,
                    flip_h,
                    flip_v: false,
                });
            }
        }
        all
    }

    /// `jpeg` decoded to YCbCr and turned by `o` the decode way (what [`Oriented`] reads).
    fn turned_ycbcr(jpeg: &[u8], o: Orientation) -> (usize, usize, Vec<u8>) {
        let src = JpegSource::open(jpeg).unwrap();
        let (w, h) = (src.width, src.height);
        let pic = src.decode_at_least(w, h).unwrap();
        let view = Oriented::new(DecodedPixels(&pic), o);
        let (ow, oh) = view.size();
        let mut out = Vec::new();
        let (mut y, mut cb, mut cr) = (vec![0; ow], vec![0; ow], vec![0; ow]);
        for row in 0..oh {
            view.row(row, &mut y, &mut cb, &mut cr);
            out.extend_from_slice(&y);
        }
        (ow, oh, out)
    }

    fn photo() -> Vec<u8> {
        let path = crate::video::encode::decode::tests::fixture("frame000.jpg");
        std::fs::read(path).unwrap()
    }

    /// Luma of `jpeg` decoded.
    fn luma(jpeg: &[u8]) -> (usize, usize, Vec<u8>) {
        turned_ycbcr(jpeg, Orientation::IDENTITY)
    }

    #[test]
    fn every_orientation_is_the_decode_paths_picture_without_its_loss() {
        // A 640x480 4:2:0 camera frame: whole MCUs, so every turn is lossless. The result's luma
        // is the original's, turned, to the IDCT's rounding (asked at quality 20, which a
        // re-encode would show), and it matches what the decode path makes.
        let jpeg = photo();
        for o in every_orientation() {
            let mut out = Vec::new();
            rotate_jpeg(&jpeg, o, 20, &mut out).unwrap();
            let (w, h, got) = luma(&out);
            let (ew, eh, want) = turned_ycbcr(&jpeg, o);
            assert_eq!((w, h), (ew, eh), "{}", o.describe());
            let worst = got
                .iter()
                .zip(&want)
                .map(|(a, b)| a.abs_diff(*b))
                .max()
                .unwrap();
            assert!(worst <= 4, "{}: off by {worst}", o.describe());
            let mut decoded_way = Vec::new();
            rotate::rotate_jpeg(&jpeg, o, 90, &mut decoded_way).unwrap();
            assert_eq!(decode(&decoded_way).dimensions(), decode(&out).dimensions());
        }
    }

    #[test]
    fn a_partial_mcu_edge_is_turned_the_decode_way_at_its_exact_size() {
        // 100x75 4:2:0: neither side is whole MCUs, so only the plain picture can be transformed
        // perfectly; every turn still gives the full turned size and the right picture.
        let img = image::RgbImage::from_fn(100, 75, |x, y| {
            image::Rgb(if x < 25 && y < 19 {
                [230, 20, 20]
            } else {
                [30, 30, 30]
            })
        });
        let mut jpeg = Vec::new();
        crate::video::encode::FastEncoder::new()
            .encode(
                &pistream_camera::Frame::new(
                    pistream_camera::PixelFormat::Rgb24,
                    100,
                    75,
                    img.into_raw(),
                ),
                &Conversion::NONE,
                95,
                &mut jpeg,
            )
            .unwrap();
        for o in every_orientation() {
            let mut out = Vec::new();
            rotate_jpeg(&jpeg, o, 90, &mut out).unwrap();
            let (w, h, got) = luma(&out);
            let (ew, eh, want) = turned_ycbcr(&jpeg, o);
            assert_eq!((w, h), (ew, eh), "{}", o.describe());
            let bad = got
                .iter()
                .zip(&want)
                .filter(|(a, b)| a.abs_diff(**b) > 24)
                .count();
            assert!(bad < w * h / 200, "{}: {bad} pixels off", o.describe());
        }
    }

    /// `jpeg` with the last quarter of its scan cut off (then its end marker): a frame a camera
    /// or a network cut short, which libjpeg-turbo decodes as far as it goes, with a warning.
    pub fn cut_short(jpeg: &[u8]) -> Vec<u8> {
        [&jpeg[..jpeg.len() * 3 / 4], &[0xFF, 0xD9][..]].concat()
    }

    #[test]
    fn a_damaged_frame_is_turned_losslessly_all_the_same() {
        // libjpeg-turbo warns ("Corrupt JPEG data: premature end of data segment") and TurboJPEG
        // reports failure, but the turn it made is complete and is used: still nothing re-encoded
        // (asked at quality 20), the damaged frame's own picture turned.
        let cut = cut_short(&photo());
        let o = Orientation {
            rotate: Rotation::R90,
            ..Orientation::IDENTITY
        };
        let mut out = Vec::new();
        rotate_jpeg(&cut, o, 20, &mut out).unwrap();
        let (w, h, got) = luma(&out);
        let (ew, eh, want) = turned_ycbcr(&cut, o);
        assert_eq!((w, h), (ew, eh));
        // The damaged area decodes differently in the two decoders; the rest must be equal.
        let close = got
            .iter()
            .zip(&want)
            .filter(|(a, b)| a.abs_diff(**b) <= 4)
            .count();
        assert!(close > w * h * 7 / 10, "{close} of {} pixels", w * h);
        let mut reencoded = Vec::new();
        rotate::rotate_jpeg(&cut, o, 20, &mut reencoded).unwrap();
        assert!(
            out.len() > reencoded.len() * 2,
            "not re-encoded at quality 20"
        );
    }

    #[test]
    fn junk_is_an_error_not_a_panic() {
        let o = Orientation {
            rotate: Rotation::R90,
            ..Orientation::IDENTITY
        };
        for junk in [&b""[..], b"\xFF\xD8\xFF", b"not a jpeg"] {
            assert!(rotate_jpeg(junk, o, 80, &mut Vec::new()).is_err());
        }
    }

    #[test]
    fn the_eight_orientations_are_eight_operations() {
        let mut ops: Vec<_> = every_orientation().into_iter().map(operation).collect();
        ops.sort();
        ops.dedup();
        assert_eq!(ops.len(), 8);
        let r90 = Orientation {
            rotate: Rotation::R90,
            ..Orientation::IDENTITY
        };
        assert_eq!(operation(r90), TransformOp::Rot90);
    }
}
