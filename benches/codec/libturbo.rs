//! libjpeg-turbo called directly through the `turbojpeg` crate (feature `turbojpeg`): the library's
//! own speed, the yardstick for pistream's encoders. From RGB it compresses the pixels as they are;
//! it has no YUYV input, so a YUYV frame is first split into 4:2:0 planes (chroma of two rows
//! averaged; limited-range samples expanded to full range first, through pistream's tables), which
//! [`LibTurbo::encode_planes`] then compresses: the bench times the two apart.

use pistream::video::encode::pixels::{LIMITED_CHROMA, LIMITED_LUMA};
use pistream_camera::{Frame, PixelFormat, YuvRange};
use turbojpeg::{Compressor, Image, PixelFormat as TjPixels, Subsamp, YuvPlanesImage};

/// A YUYV frame as 4:2:0 planes.
#[derive(Default)]
pub struct Planes {
    width: usize,
    height: usize,
    y: Vec<u8>,
    cb: Vec<u8>,
    cr: Vec<u8>,
}

impl Planes {
    /// Splits `frame` (YUYV, even width, samples in `range`) into these planes, reusing their
    /// buffers: the same planes pistream's own split makes.
    pub fn fill(&mut self, frame: &Frame, range: YuvRange) {
        assert_eq!(frame.format, PixelFormat::Yuyv);
        let identity: [u8; 256] = std::array::from_fn(|i| i as u8);
        let (luma, chroma) = match range {
            YuvRange::Full => (&identity, &identity),
            YuvRange::Limited => (&LIMITED_LUMA, &LIMITED_CHROMA),
        };
        let (w, h) = (frame.width as usize, frame.height as usize);
        let cw = w / 2;
        let ch = h.div_ceil(2);
        (self.width, self.height) = (w, h);
        self.y.resize(w * h, 0);
        self.cb.resize(cw * ch, 0);
        self.cr.resize(cw * ch, 0);
        let row = |r: usize| &frame.data[r * w * 2..(r + 1) * w * 2];
        for j in 0..ch {
            let (r0, r1) = (row(2 * j), row((2 * j + 1).min(h - 1)));
            for (y, src) in [(2 * j, r0), (2 * j + 1, r1)] {
                if y < h {
                    let dst = &mut self.y[y * w..(y + 1) * w];
                    for (d, s) in dst.iter_mut().zip(src.iter().step_by(2)) {
                        *d = luma[*s as usize];
                    }
                }
            }
            let cb = &mut self.cb[j * cw..(j + 1) * cw];
            let cr = &mut self.cr[j * cw..(j + 1) * cw];
            for (((b, r), a), c) in cb
                .iter_mut()
                .zip(cr.iter_mut())
                .zip(r0.chunks_exact(4))
                .zip(r1.chunks_exact(4))
            {
                let mean = |i: usize| {
                    (chroma[a[i] as usize] as u16 + chroma[c[i] as usize] as u16).div_ceil(2) as u8
                };
                (*b, *r) = (mean(1), mean(3));
            }
        }
    }
}

/// A TurboJPEG compressor writing 4:2:0 into a buffer it keeps.
pub struct LibTurbo {
    compressor: Compressor,
}

impl LibTurbo {
    pub fn new() -> LibTurbo {
        let mut compressor = Compressor::new().expect("a TurboJPEG compressor");
        compressor.set_subsamp(Subsamp::Sub2x2).expect("4:2:0");
        LibTurbo { compressor }
    }

    /// Makes `out` long enough for any JPEG of a `w` x `h` frame (once: it is never shortened, so
    /// no encode pays for zeroing it); the JPEG is written at its start.
    fn room(&self, w: usize, h: usize, out: &mut Vec<u8>) {
        let need = self.compressor.buf_len(w, h).expect("a buffer size");
        if out.len() < need {
            out.resize(need, 0);
        }
    }

    /// Compresses an RGB24 frame at `quality`; the JPEG is `out[..returned length]`.
    pub fn encode_rgb(&mut self, frame: &Frame, quality: u8, out: &mut Vec<u8>) -> usize {
        assert_eq!(frame.format, PixelFormat::Rgb24);
        let (w, h) = (frame.width as usize, frame.height as usize);
        self.room(w, h, out);
        self.compressor
            .set_quality(quality.into())
            .expect("quality");
        let image = Image {
            pixels: &frame.data[..],
            width: w,
            pitch: w * 3,
            height: h,
            format: TjPixels::RGB,
        };
        self.compressor
            .compress_to_slice(image, out)
            .expect("compresses")
    }

    /// Compresses 4:2:0 planes at `quality`; the JPEG is `out[..returned length]`.
    pub fn encode_planes(&mut self, planes: &Planes, quality: u8, out: &mut Vec<u8>) -> usize {
        let (w, h) = (planes.width, planes.height);
        self.room(w, h, out);
        self.compressor
            .set_quality(quality.into())
            .expect("quality");
        let image = YuvPlanesImage {
            y_plane: &planes.y[..],
            u_plane: &planes.cb[..],
            v_plane: &planes.cr[..],
            width: w,
            height: h,
            y_stride: w,
            u_stride: w / 2,
            v_stride: w / 2,
            subsamp: Subsamp::Sub2x2,
        };
        self.compressor
            .compress_yuv_planes_to_slice(&image, out)
            .expect("compresses")
    }
}
