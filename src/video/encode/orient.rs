//! How a camera's picture is turned for display (`--rotate`, `--flip`) and how its samples are read
//! (`--yuv-range`): the [`Conversion`] applied once per frame, on the way from the camera's pixels
//! to the YCbCr planes a JPEG encoder consumes.
//!
//! An [`Orientation`] is one of the eight ways to turn a rectangle onto a rectangle: a clockwise
//! rotation by a quarter turn, then an optional mirror of the rotated picture. `--flip h` mirrors
//! left-right and `--flip v` top-bottom *as the viewer sees the picture*, whatever the rotation;
//! both at once equal a half turn. Internally each orientation is reduced to "transpose or not, then
//! mirror x and/or y in the source", so any of the eight costs the same and a row of the output is
//! either one source row (possibly reversed) or one source column: [`Oriented`] reads it straight
//! from the camera's bytes as the encoder asks for it, so turning the picture is not a pass of its own.

use pistream_camera::{PixelFormat, StreamInfo, YuvRange};

/// A clockwise rotation by a quarter turn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Rotation {
    #[default]
    R0,
    R90,
    R180,
    R270,
}

impl Rotation {
    /// The rotation of `degrees` (0, 90, 180 or 270), clockwise.
    pub fn from_degrees(degrees: u32) -> Option<Rotation> {
        Some(match degrees {
            0 => Rotation::R0,
            90 => Rotation::R90,
            180 => Rotation::R180,
            270 => Rotation::R270,
            _ => return None,
        })
    }

    pub fn degrees(self) -> u32 {
        match self {
            Rotation::R0 => 0,
            Rotation::R90 => 90,
            Rotation::R180 => 180,
            Rotation::R270 => 270,
        }
    }
}

/// A picture turned for display: rotated clockwise, then mirrored as the viewer sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Orientation {
    pub rotate: Rotation,
    /// Mirror left-right after rotating.
    pub flip_h: bool,
    /// Mirror top-bottom after rotating.
    pub flip_v: bool,
}

/// An orientation as a source lookup: output pixel (x, y) comes from source (a, b) = (y, x) if
/// `transpose` else (x, y), then a -> w-1-a if `mirror_x` and b -> h-1-b if `mirror_y`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mapping {
    pub transpose: bool,
    pub mirror_x: bool,
    pub mirror_y: bool,
}

impl Orientation {
    /// The picture as the camera delivers it.
    pub const IDENTITY: Orientation = Orientation {
        rotate: Rotation::R0,
        flip_h: false,
        flip_v: false,
    };

    pub fn is_identity(self) -> bool {
        self.mapping() == Orientation::IDENTITY.mapping()
    }

    /// Whether width and height trade places (a quarter or three-quarter turn).
    pub fn swaps_sides(self) -> bool {
        self.mapping().transpose
    }

    /// The displayed size of a `width` x `height` camera picture.
    pub fn output_size(self, width: u32, height: u32) -> (u32, u32) {
        if self.swaps_sides() {
            (height, width)
        } else {
            (width, height)
        }
    }

    /// Where each output pixel is read from (see [`Mapping`]).
    pub fn mapping(self) -> Mapping {
        let (transpose, mut mirror_x, mut mirror_y) = match self.rotate {
            Rotation::R0 => (false, false, false),
            // Output (x, y) of a clockwise quarter turn shows source (y, h-1-x).
            Rotation::R90 => (true, false, true),
            Rotation::R180 => (false, true, true),
            // ... and of three quarters, source (w-1-y, x).
            Rotation::R270 => (true, true, false),
        };
        // Mirroring the output's x is mirroring whichever source axis feeds it.
        if self.flip_h {
            *(if transpose {
                &mut mirror_y
            } else {
                &mut mirror_x
            }) ^= true;
        }
        if self.flip_v {
            *(if transpose {
                &mut mirror_x
            } else {
                &mut mirror_y
            }) ^= true;
        }
        Mapping {
            transpose,
            mirror_x,
            mirror_y,
        }
    }

    /// A short name for logs and `/api/state`: `"none"`, `"rotate 90"`, `"rotate 270, flip h"`.
    pub fn describe(self) -> String {
        let mut parts = Vec::new();
        if self.rotate != Rotation::R0 {
            parts.push(format!("rotate {}", self.rotate.degrees()));
        }
        match (self.flip_h, self.flip_v) {
            (true, true) => parts.push("flip hv".into()),
            (true, false) => parts.push("flip h".into()),
            (false, true) => parts.push("flip v".into()),
            (false, false) => {}
        }
        if parts.is_empty() {
            "none".into()
        } else {
            parts.join(", ")
        }
    }
}

/// Everything done to a frame's pixels on their way to JPEG: how its YUV samples are read and how
/// the picture is turned. Carried with each published frame, so variants read it the same way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Conversion {
    /// The range of YUYV samples (RGB, BGRA and JPEG are not affected).
    pub range: YuvRange,
    pub orientation: Orientation,
}

impl Conversion {
    /// Nothing to do: full-range samples (JFIF's own), picture as it is. What pistream's own
    /// pictures (NO SIGNAL) and already turned frames are published with.
    pub const NONE: Conversion = Conversion {
        range: YuvRange::Full,
        orientation: Orientation::IDENTITY,
    };

    pub fn new(range: YuvRange, orientation: Orientation) -> Conversion {
        Conversion { range, orientation }
    }
}

/// The range YUYV samples are read as, and why: `--yuv-range` when given (`chosen`), else what the
/// camera reported when it opened, else limited (what most cameras send, and what V4L2 means for
/// YUYV when a driver leaves the quantization at its default).
pub fn resolve_range(
    chosen: Option<YuvRange>,
    reported: Option<YuvRange>,
) -> (YuvRange, &'static str) {
    match (chosen, reported) {
        (Some(range), _) => (range, "--yuv-range"),
        (None, Some(range)) => (range, "camera"),
        (None, None) => (YuvRange::Limited, "default"),
    }
}

/// What a camera that just opened with `info` gets: the range its YUYV is read as (see
/// [`resolve_range`]) and what the open log line adds about the conversion.
pub fn settle(
    info: &StreamInfo,
    chosen: Option<YuvRange>,
    orientation: Orientation,
) -> (YuvRange, String) {
    let (range, from) = resolve_range(chosen, info.yuv_range);
    let mut note = String::new();
    if info.format == PixelFormat::Yuyv {
        note += &format!("; YUYV read as {range} range ({from})");
    }
    if !orientation.is_identity() {
        let (w, h) = orientation.output_size(info.width, info.height);
        note += &format!("; turned {} (published {w}x{h})", orientation.describe());
    }
    (range, note)
}

impl Default for Conversion {
    fn default() -> Self {
        Conversion::NONE
    }
}

/// A picture whose pixels can be read as full-range YCbCr, a row or a pixel at a time.
pub trait YcbcrSource {
    fn width(&self) -> usize;
    fn height(&self) -> usize;
    /// Source row `y` into `luma`, `cb`, `cr` (each `width()` long).
    fn row(&self, y: usize, luma: &mut [u8], cb: &mut [u8], cr: &mut [u8]);
    /// Source pixel (`x`, `y`).
    fn pixel(&self, x: usize, y: usize) -> (u8, u8, u8);
}

/// A [`YcbcrSource`] seen through an [`Orientation`]: its rows are the turned picture's rows.
pub struct Oriented<S> {
    pub source: S,
    map: Mapping,
}

impl<S: YcbcrSource> Oriented<S> {
    pub fn new(source: S, orientation: Orientation) -> Oriented<S> {
        Oriented {
            source,
            map: orientation.mapping(),
        }
    }

    /// The turned picture's size.
    pub fn size(&self) -> (usize, usize) {
        let (w, h) = (self.source.width(), self.source.height());
        if self.map.transpose {
            (h, w)
        } else {
            (w, h)
        }
    }

    /// Output row `y` of the turned picture into `luma`, `cb`, `cr` (each as long as the turned
    /// picture is wide). Untransposed: one source row, reversed when mirrored; transposed: one
    /// source column, read top-down or bottom-up.
    pub fn row(&self, y: usize, luma: &mut [u8], cb: &mut [u8], cr: &mut [u8]) {
        let (sw, sh) = (self.source.width(), self.source.height());
        let Mapping {
            transpose,
            mirror_x,
            mirror_y,
        } = self.map;
        if !transpose {
            let sy = if mirror_y { sh - 1 - y } else { y };
            self.source.row(sy, luma, cb, cr);
            if mirror_x {
                luma.reverse();
                cb.reverse();
                cr.reverse();
            }
            return;
        }
        let sx = if mirror_x { sw - 1 - y } else { y };
        let px = luma.iter_mut().zip(cb.iter_mut()).zip(cr.iter_mut());
        for (x, ((l, b), r)) in px.enumerate().take(sh) {
            let sy = if mirror_y { sh - 1 - x } else { x };
            (*l, *b, *r) = self.source.pixel(sx, sy);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A w x h picture whose pixel (x, y) is (x, y, 0): every pixel says where it came from.
    struct Coords(usize, usize);

    impl YcbcrSource for Coords {
        fn width(&self) -> usize {
            self.0
        }
        fn height(&self) -> usize {
            self.1
        }
        fn row(&self, y: usize, luma: &mut [u8], cb: &mut [u8], cr: &mut [u8]) {
            for x in 0..self.0 {
                (luma[x], cb[x], cr[x]) = self.pixel(x, y);
            }
        }
        fn pixel(&self, x: usize, y: usize) -> (u8, u8, u8) {
            (x as u8, y as u8, 0)
        }
    }

    fn turned(o: Orientation, w: usize, h: usize) -> Vec<Vec<(u8, u8)>> {
        let view = Oriented::new(Coords(w, h), o);
        let (ow, oh) = view.size();
        (0..oh)
            .map(|y| {
                let (mut l, mut b, mut r) = (vec![0; ow], vec![0; ow], vec![0; ow]);
                view.row(y, &mut l, &mut b, &mut r);
                l.into_iter().zip(b).collect()
            })
            .collect()
    }

    fn o(degrees: u32, flip_h: bool, flip_v: bool) -> Orientation {
        Orientation {
            rotate: Rotation::from_degrees(degrees).unwrap(),
            flip_h,
            flip_v,
        }
    }

    #[test]
    fn each_orientation_puts_the_corners_where_a_viewer_expects() {
        // A 3x2 source: corners TL (0,0), TR (2,0), BL (0,1), BR (2,1). For each orientation, the
        // source pixel at the output's top-left, top-right and bottom-left, and the output size.
        let cases = [
            (o(0, false, false), (3, 2), [(0, 0), (2, 0), (0, 1)]),
            (o(90, false, false), (2, 3), [(0, 1), (0, 0), (2, 1)]),
            (o(180, false, false), (3, 2), [(2, 1), (0, 1), (2, 0)]),
            (o(270, false, false), (2, 3), [(2, 0), (2, 1), (0, 0)]),
            (o(0, true, false), (3, 2), [(2, 0), (0, 0), (2, 1)]),
            (o(0, false, true), (3, 2), [(0, 1), (2, 1), (0, 0)]),
            (o(0, true, true), (3, 2), [(2, 1), (0, 1), (2, 0)]),
            (o(90, true, false), (2, 3), [(0, 0), (0, 1), (2, 0)]),
            (o(90, false, true), (2, 3), [(2, 1), (2, 0), (0, 1)]),
            (o(270, true, false), (2, 3), [(2, 1), (2, 0), (0, 1)]),
        ];
        for (orientation, size, [tl, tr, bl]) in cases {
            let pic = turned(orientation, 3, 2);
            let (w, h) = (pic[0].len(), pic.len());
            assert_eq!((w, h), size, "{orientation:?}");
            assert_eq!(orientation.output_size(3, 2), (w as u32, h as u32));
            assert_eq!(pic[0][0], tl, "{} top-left", orientation.describe());
            assert_eq!(pic[0][w - 1], tr, "{} top-right", orientation.describe());
            assert_eq!(pic[h - 1][0], bl, "{} bottom-left", orientation.describe());
        }
    }

    #[test]
    fn every_orientation_is_a_permutation_and_the_eight_are_distinct() {
        let mut seen = Vec::new();
        for degrees in [0, 90, 180, 270] {
            for (h, v) in [(false, false), (true, false), (false, true), (true, true)] {
                let pic = turned(o(degrees, h, v), 4, 3);
                let mut all: Vec<_> = pic.iter().flatten().copied().collect();
                all.sort();
                all.dedup();
                assert_eq!(all.len(), 12, "every source pixel once");
                if !seen.contains(&pic) {
                    seen.push(pic);
                }
            }
        }
        assert_eq!(seen.len(), 8, "rotations x mirrors give the 8 symmetries");
        // Both flips are a half turn; a half turn of a half turn is nothing.
        assert_eq!(o(0, true, true).mapping(), o(180, false, false).mapping());
        assert!(o(180, true, true).is_identity());
        assert!(!o(90, false, false).is_identity());
    }

    #[test]
    fn the_range_is_the_flag_else_the_camera_else_limited() {
        use YuvRange::{Full, Limited};
        assert_eq!(
            resolve_range(Some(Full), Some(Limited)),
            (Full, "--yuv-range")
        );
        assert_eq!(resolve_range(None, Some(Full)), (Full, "camera"));
        assert_eq!(resolve_range(None, None), (Limited, "default"));
    }

    #[test]
    fn descriptions_read_like_the_flags() {
        assert_eq!(Orientation::IDENTITY.describe(), "none");
        assert_eq!(o(90, false, false).describe(), "rotate 90");
        assert_eq!(o(270, true, false).describe(), "rotate 270, flip h");
        assert_eq!(o(0, true, true).describe(), "flip hv");
        assert_eq!(Rotation::from_degrees(45), None);
    }
}
