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

/// `--encoder`: one of [`CHOICES`](crate::video::encode::codec::CHOICES) (listed in `--help` and
/// the completions), resolved to a [`Codec`](crate::video::encode::Codec) this build has; `turbo`
/// in a build without libjpeg-turbo is clap's error (exit status 2) saying how to get it.
pub(super) fn parse_encoder(
) -> impl clap::builder::TypedValueParser<Value = crate::video::encode::Codec> {
    use crate::video::encode::{codec::CHOICES, Codec};
    use clap::builder::{PossibleValuesParser, TypedValueParser};
    PossibleValuesParser::new(CHOICES).try_map(|name: String| Codec::parse(&name))
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

#[cfg(test)]
mod tests {
    use crate::config::Cli;
    use crate::video::encode::Codec;
    use clap::Parser;

    fn encoder(args: &[&str]) -> Result<Codec, clap::Error> {
        let argv = ["pistream"].iter().chain(args);
        Cli::try_parse_from(argv).map(|cli| cli.serve.encoder)
    }

    #[test]
    fn the_encoder_is_auto_by_default_and_turbo_needs_the_feature() {
        assert_eq!(encoder(&[]).unwrap(), Codec::best());
        assert_eq!(encoder(&["--encoder", "rust"]).unwrap(), Codec::Rust);
        let turbo = encoder(&["--encoder", "turbo"]);
        #[cfg(feature = "turbojpeg")]
        assert_eq!(turbo.unwrap(), Codec::Turbo);
        #[cfg(not(feature = "turbojpeg"))]
        {
            let e = turbo.unwrap_err();
            assert_eq!(e.exit_code(), 2);
            let text = e.to_string();
            assert!(text.contains("--encoder"), "{text}");
            assert!(text.contains("--features turbojpeg"), "{text}");
        }
        let e = encoder(&["--encoder", "mozjpeg"]).unwrap_err();
        assert!(e.to_string().contains("rust"), "{e}");
    }
}
