//! Which JPEG library a server's pictures go through: the [`Codec`] `--encoder` picks. It encodes
//! raw frames, turns JPEG frames for `--rotate`/`--flip` and makes the variants; everything else
//! (the hub, the viewers, photos) only ever sees finished JPEGs.
//!
//! - `rust`: [`FastEncoder`] (our own encoder core, pistream-jpeg) and jpeg-decoder, pure Rust, in every build.
//! - `turbo`: libjpeg-turbo, only in a build with `--features turbojpeg` (it compiles the C
//!   library the turbojpeg crate bundles, which needs cmake and nasm): `TurboEncoder` from YUV
//!   planes.
//!
//! `auto`, the default, is `turbo` when the build has it: whoever builds with the feature (and
//! installs cmake and nasm for it) is asking for libjpeg-turbo, so `auto` keeps the CLI docs and
//! the default the same in every build while a plain build keeps pure Rust; and libjpeg-turbo
//! measured faster at every step (docs/BENCHMARKS.md, "Encoders": YUYV encode 3x, a 320-wide
//! variant of a 640x480 MJPEG frame 3.3x, an MJPEG turn 3.4-5.4x). Asking for `turbo` of a build
//! without it is a start-up error that says how to get it, not a silent fall-back.

use std::sync::Arc;

use pistream_camera::{Frame, PixelFormat};

use super::orient::{Conversion, Orientation};
#[cfg(feature = "turbojpeg")]
use super::TurboEncoder;
use super::{check_quality, rotate, scale, EncodeError, Encoder, FastEncoder, Raw};

/// A JPEG library (see the module doc).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Codec {
    /// pistream-jpeg's encoder and jpeg-decoder (pure Rust).
    #[default]
    Rust,
    /// libjpeg-turbo (`--features turbojpeg`).
    #[cfg(feature = "turbojpeg")]
    Turbo,
}

/// The values `--encoder` takes.
pub const CHOICES: [&str; 3] = ["auto", "rust", "turbo"];

impl Codec {
    /// What `auto` means in this build: libjpeg-turbo when it is compiled in.
    pub fn best() -> Codec {
        #[cfg(feature = "turbojpeg")]
        let best = Codec::Turbo;
        #[cfg(not(feature = "turbojpeg"))]
        let best = Codec::Rust;
        best
    }

    /// Every codec this build has.
    pub fn compiled_in() -> Vec<Codec> {
        #[allow(unused_mut)]
        let mut all = vec![Codec::Rust];
        #[cfg(feature = "turbojpeg")]
        all.push(Codec::Turbo);
        all
    }

    /// The codec `--encoder NAME` asks for; an error that says how to get one this build lacks.
    pub fn parse(name: &str) -> Result<Codec, String> {
        match name {
            "auto" => Ok(Codec::best()),
            "rust" => Ok(Codec::Rust),
            #[cfg(feature = "turbojpeg")]
            "turbo" => Ok(Codec::Turbo),
            #[cfg(not(feature = "turbojpeg"))]
            "turbo" => Err(
                "this pistream was built without libjpeg-turbo: build it with `cargo build --release \
                 --features turbojpeg` (needs cmake and nasm), or use --encoder rust"
                    .into(),
            ),
            other => Err(format!(
                "`{other}` is not an encoder: {}",
                CHOICES.join(", ")
            )),
        }
    }

    /// Its `--encoder` name (`/api/state`'s `encoder`).
    pub fn name(self) -> &'static str {
        match self {
            Codec::Rust => "rust",
            #[cfg(feature = "turbojpeg")]
            Codec::Turbo => "turbo",
        }
    }

    /// The libraries behind it, for the log and `pistream cameras`.
    pub fn library(self) -> &'static str {
        match self {
            Codec::Rust => "pistream-jpeg and jpeg-decoder, pure Rust",
            #[cfg(feature = "turbojpeg")]
            Codec::Turbo => "libjpeg-turbo 3.1.0, built from the turbojpeg crate's copy",
        }
    }

    /// Appends the JPEG of the raw `frame`, read and turned as `conv` says, at `quality` to `out`.
    pub fn encode(
        self,
        frame: &Frame,
        conv: &Conversion,
        quality: u8,
        out: &mut Vec<u8>,
    ) -> Result<(), EncodeError> {
        match self {
            Codec::Rust => FastEncoder::new().encode(frame, conv, quality, out),
            #[cfg(feature = "turbojpeg")]
            Codec::Turbo => TurboEncoder::new().encode(frame, conv, quality, out),
        }
    }

    /// [`Codec::encode`] of checked raw pixels (the scaler has no `Frame`).
    pub(crate) fn encode_raw(
        self,
        raw: &Raw,
        conv: &Conversion,
        quality: u8,
        out: &mut Vec<u8>,
    ) -> Result<(), EncodeError> {
        match self {
            Codec::Rust => FastEncoder::new().encode_raw(raw, conv, quality, out),
            #[cfg(feature = "turbojpeg")]
            Codec::Turbo => TurboEncoder::new().encode_raw(raw, conv, quality, out),
        }
    }

    /// Appends `jpeg` turned by `orientation` to `out`: decoded, turned and encoded at `quality`
    /// ([`rotate::rotate_jpeg`]), or with libjpeg-turbo losslessly in the DCT domain (`lossless`).
    pub fn rotate_jpeg(
        self,
        jpeg: &[u8],
        orientation: Orientation,
        quality: u8,
        out: &mut Vec<u8>,
    ) -> Result<(), EncodeError> {
        check_quality(quality)?;
        match self {
            Codec::Rust => rotate::rotate_jpeg(jpeg, orientation, quality, out),
            #[cfg(feature = "turbojpeg")]
            Codec::Turbo => super::lossless::rotate_jpeg(jpeg, orientation, quality, out),
        }
    }

    /// The JPEG of `frame` read and turned as `conv` says: a JPEG frame's own bytes (the same
    /// `Arc`, nothing copied) when it needs no turning, else turned at `quality`; a raw frame
    /// encoded at `quality`.
    pub fn to_jpeg(
        self,
        frame: &Frame,
        conv: &Conversion,
        quality: u8,
    ) -> Result<Arc<[u8]>, EncodeError> {
        if frame.format == PixelFormat::Jpeg && conv.orientation.is_identity() {
            return Ok(frame.data.clone());
        }
        super::shared_from_scratch(|buf| {
            if frame.format == PixelFormat::Jpeg {
                self.rotate_jpeg(&frame.data, conv.orientation, quality, buf)
            } else {
                self.encode(frame, conv, quality, buf)
            }
        })
    }

    /// `frame`'s variant `width` wide at `quality` (see [`scale::variant`]).
    pub fn variant(
        self,
        frame: &Frame,
        conv: &Conversion,
        width: Option<u32>,
        quality: u8,
    ) -> Result<Vec<u8>, EncodeError> {
        scale::variant_by(self, frame, conv, width, quality)
    }
}

/// `pistream cameras`' part about encoders: each one, whether this build has it, and what `auto`
/// picks.
pub fn describe() -> String {
    let mut out = String::from("encoders (--encoder)\n");
    let have = Codec::compiled_in();
    out += &format!("  rust   {}\n", Codec::Rust.library());
    match have.iter().find(|c| c.name() == "turbo") {
        Some(turbo) => out += &format!("  turbo  {}\n", turbo.library()),
        None => out += "  turbo  libjpeg-turbo: not in this build (cargo build --features turbojpeg; needs cmake and nasm)\n",
    }
    out += &format!(
        "  auto (the default) is {} in this build\n",
        Codec::best().name()
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_auto_is_the_best_compiled_in() {
        for codec in Codec::compiled_in() {
            assert_eq!(Codec::parse(codec.name()), Ok(codec));
        }
        assert_eq!(Codec::parse("auto"), Ok(Codec::best()));
        assert!(Codec::parse("mozjpeg")
            .unwrap_err()
            .contains("auto, rust, turbo"));
        #[cfg(feature = "turbojpeg")]
        assert_eq!(Codec::best(), Codec::Turbo);
        #[cfg(not(feature = "turbojpeg"))]
        {
            let e = Codec::parse("turbo").unwrap_err();
            assert!(e.contains("--features turbojpeg"), "{e}");
            assert_eq!(Codec::best(), Codec::Rust);
        }
    }

    #[test]
    fn the_description_lists_both_and_says_what_auto_is() {
        let text = describe();
        assert!(text.contains("  rust   pistream-jpeg"), "{text}");
        assert!(text.contains("  turbo  libjpeg-turbo"), "{text}");
        let auto = format!(
            "auto (the default) is {} in this build",
            Codec::best().name()
        );
        assert!(text.contains(&auto), "{text}");
        assert_eq!(
            text.contains("not in this build"),
            cfg!(not(feature = "turbojpeg")),
            "{text}"
        );
    }

    #[test]
    fn every_codec_passes_an_upright_jpeg_through_and_encodes_raw_frames() {
        let raw = crate::video::encode::tests::flat_frame(PixelFormat::Yuyv, 32, 16, (9, 99, 199));
        for codec in Codec::compiled_in() {
            let jpeg = codec.to_jpeg(&raw, &Conversion::NONE, 80).unwrap();
            let img = crate::video::encode::tests::decode(&jpeg);
            assert_eq!(img.dimensions(), (32, 16), "{codec:?}");
            let frame = Frame::new(PixelFormat::Jpeg, 32, 16, jpeg.clone());
            let same = codec.to_jpeg(&frame, &Conversion::NONE, 10).unwrap();
            assert!(Arc::ptr_eq(&same, &frame.data), "{codec:?}");
        }
    }
}
