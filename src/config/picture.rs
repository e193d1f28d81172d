//! The picture flags' values (`--yuv-range`, `--rotate`, `--flip`) and what the capture and encode
//! stages make of them. Separate from the flag list because these are the command line's words for
//! the video pipeline's own types ([`pistream_camera::YuvRange`], [`crate::video::encode::Orientation`]).

use clap::ValueEnum;

use super::Config;

/// `--yuv-range`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum YuvRangeArg {
    /// What the camera reports, else limited.
    Auto,
    /// Luma 16-235, chroma 16-240 (BT.601 "studio swing").
    Limited,
    /// Every sample 0-255 (as JPEG stores it).
    Full,
}

/// `--rotate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RotateArg {
    #[value(name = "0")]
    R0,
    #[value(name = "90")]
    R90,
    #[value(name = "180")]
    R180,
    #[value(name = "270")]
    R270,
}

/// `--flip`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FlipArg {
    /// Left-right.
    H,
    /// Top-bottom.
    V,
    /// Both.
    Hv,
}

impl Config {
    /// `--yuv-range` as the capture stage takes it (`None`: auto).
    pub fn yuv_range(&self) -> Option<pistream_camera::YuvRange> {
        use pistream_camera::YuvRange;
        match self.yuv_range {
            YuvRangeArg::Auto => None,
            YuvRangeArg::Limited => Some(YuvRange::Limited),
            YuvRangeArg::Full => Some(YuvRange::Full),
        }
    }

    /// `--rotate` and `--flip` as one orientation.
    pub fn orientation(&self) -> crate::video::encode::Orientation {
        use crate::video::encode::Rotation;
        let rotate = match self.rotate {
            RotateArg::R0 => Rotation::R0,
            RotateArg::R90 => Rotation::R90,
            RotateArg::R180 => Rotation::R180,
            RotateArg::R270 => Rotation::R270,
        };
        let (flip_h, flip_v) = match self.flip {
            None => (false, false),
            Some(FlipArg::H) => (true, false),
            Some(FlipArg::V) => (false, true),
            Some(FlipArg::Hv) => (true, true),
        };
        crate::video::encode::Orientation {
            rotate,
            flip_h,
            flip_v,
        }
    }
}
