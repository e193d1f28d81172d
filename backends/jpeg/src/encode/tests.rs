//! The encoder's output decoded by `jpeg-decoder` (the server's own decoder): sizes, quality against
//! the source, every quality, odd sizes, byte stuffing, extreme blocks, bad input.

use super::*;

/// A full-range YCbCr picture with full-resolution chroma (what 4:2:0 planes are made from).
struct Picture {
    w: usize,
    h: usize,
    y: Vec<u8>,
    cb: Vec<u8>,
    cr: Vec<u8>,
}

/// Photograph-like content: smooth gradients, a few hard edges, mild noise.
fn photo(w: usize, h: usize) -> Picture {
    let mut seed = 0x2545_F491u32;
    let mut noise = move || {
        seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        (seed >> 28) as f32 - 8.0
    };
    let mut p = Picture {
        w,
        h,
        y: Vec::new(),
        cb: Vec::new(),
        cr: Vec::new(),
    };
    for j in 0..h {
        for i in 0..w {
            let (x, y) = (i as f32 / w as f32, j as f32 / h as f32);
            let edge = if (i / 23 + j / 31) % 3 == 0 {
                60.0
            } else {
                0.0
            };
            let luma = 40.0 + 120.0 * x + 50.0 * (y * 9.0).sin() + edge + noise();
            p.y.push(luma.clamp(0.0, 255.0) as u8);
            p.cb.push((128.0 + 60.0 * (x * 4.0).cos() + noise()).clamp(0.0, 255.0) as u8);
            p.cr.push((128.0 - 50.0 * y + edge / 3.0).clamp(0.0, 255.0) as u8);
        }
    }
    p
}

/// A flat or patterned picture from a function of the position (grey: no chroma).
fn pattern(w: usize, h: usize, mut f: impl FnMut(usize, usize) -> u8) -> Picture {
    let y = (0..h).flat_map(|j| (0..w).map(move |i| (i, j)));
    let y: Vec<u8> = y.map(|(i, j)| f(i, j)).collect();
    Picture {
        w,
        h,
        cb: vec![128; y.len()],
        cr: vec![128; y.len()],
        y,
    }
}

/// Chroma averaged over each 2x2 (4:2:0) or 2x1 (4:2:2) block, the edge sample alone at an odd side.
fn subsample(p: &Picture, plane: &[u8], s: Subsampling) -> Vec<u8> {
    let (cw, ch) = chroma_size(p.w, p.h, s);
    let rows = if s == Subsampling::S420 { 2 } else { 1 };
    let mut out = Vec::with_capacity(cw * ch);
    for cy in 0..ch {
        for cx in 0..cw {
            let (mut sum, mut n) = (0u32, 0u32);
            for y in cy * rows..(cy * rows + rows).min(p.h) {
                for x in 2 * cx..(2 * cx + 2).min(p.w) {
                    sum += u32::from(plane[y * p.w + x]);
                    n += 1;
                }
            }
            out.push(((sum + n / 2) / n) as u8);
        }
    }
    out
}

fn encode_picture(p: &Picture, s: Subsampling, quality: u8) -> Vec<u8> {
    let (cb, cr) = (subsample(p, &p.cb, s), subsample(p, &p.cr, s));
    let planes = Planes {
        width: p.w,
        height: p.h,
        subsampling: s,
        y: &p.y,
        y_stride: p.w,
        cb: &cb,
        cr: &cr,
        chroma_stride: p.w.div_ceil(2),
    };
    let mut out = vec![0xAB]; // the JPEG is appended
    encode(&planes, quality, &mut out).unwrap();
    assert_eq!(out.remove(0), 0xAB);
    out
}

/// The decoded picture's size and its components (Y, Cb, Cr interleaved, chroma upsampled).
/// `ColorTransform::RGB` tells jpeg-decoder the components are already what it should return.
fn decode(jpeg: &[u8]) -> (usize, usize, Vec<u8>) {
    let mut d = jpeg_decoder::Decoder::new(jpeg);
    d.set_color_transform(jpeg_decoder::ColorTransform::RGB);
    let data = d.decode().expect("our JPEG decodes");
    let info = d.info().unwrap();
    (info.width.into(), info.height.into(), data)
}

fn psnr(a: impl Iterator<Item = u8>, b: impl Iterator<Item = u8>) -> f64 {
    let (mut se, mut n) = (0f64, 0usize);
    for (x, y) in a.zip(b) {
        se += (f64::from(x) - f64::from(y)).powi(2);
        n += 1;
    }
    if se == 0.0 {
        return f64::INFINITY;
    }
    10.0 * (255.0f64 * 255.0 * n as f64 / se).log10()
}

/// Decodes `jpeg` and returns the luma PSNR against `p` (checking the size on the way).
fn luma_psnr(jpeg: &[u8], p: &Picture) -> f64 {
    let (w, h, data) = decode(jpeg);
    assert_eq!((w, h), (p.w, p.h));
    psnr(data.iter().step_by(3).copied(), p.y.iter().copied())
}

#[test]
fn a_photo_decodes_close_to_its_source_and_as_small_as_jpeg_encoder_makes_it() {
    let p = photo(320, 240);
    for (s, factor) in [
        (Subsampling::S420, jpeg_encoder::SamplingFactor::F_2_2),
        (Subsampling::S422, jpeg_encoder::SamplingFactor::F_2_1),
    ] {
        let ours = encode_picture(&p, s, 80);
        let db = luma_psnr(&ours, &p);
        assert!(db > 34.0, "{s:?}: {db:.2} dB");
        // jpeg-encoder at the same quality from the full-resolution picture: same tables, so
        // about the same size and the same quality.
        let interleaved: Vec<u8> = (0..p.y.len())
            .flat_map(|i| [p.y[i], p.cb[i], p.cr[i]])
            .collect();
        let mut theirs = Vec::new();
        let mut enc = jpeg_encoder::Encoder::new(&mut theirs, 80);
        enc.set_sampling_factor(factor);
        enc.encode(&interleaved, 320, 240, jpeg_encoder::ColorType::Ycbcr)
            .unwrap();
        let ratio = ours.len() as f64 / theirs.len() as f64;
        assert!(
            (0.97..1.03).contains(&ratio),
            "{s:?}: {} vs {}",
            ours.len(),
            theirs.len()
        );
        let their_db = luma_psnr(&theirs, &p);
        assert!(
            (db - their_db).abs() < 0.1,
            "{s:?}: {db:.3} vs {their_db:.3} dB"
        );
        // And the chroma came through (the decoder upsamples it): Cb within a few levels.
        let (_, _, data) = decode(&ours);
        let cb_db = psnr(
            data.iter().skip(1).step_by(3).copied(),
            p.cb.iter().copied(),
        );
        assert!(cb_db > 30.0, "{s:?}: Cb {cb_db:.2} dB");
    }
}

#[test]
fn odd_sizes_decode_at_their_size_with_their_edges() {
    for (w, h) in [(1, 1), (7, 9), (17, 33), (641, 481), (2, 17), (33, 1)] {
        let p = photo(w, h);
        for s in [Subsampling::S420, Subsampling::S422] {
            let db = luma_psnr(&encode_picture(&p, s, 90), &p);
            assert!(db > 33.0, "{w}x{h} {s:?}: {db:.2} dB");
        }
    }
}

#[test]
fn every_quality_decodes_and_quality_buys_fidelity() {
    let p = photo(40, 24);
    let mut last = (0.0, 0);
    for q in 1..=100u8 {
        let jpeg = encode_picture(&p, Subsampling::S420, q);
        let db = luma_psnr(&jpeg, &p);
        // Not strictly monotonic step to step, but ten steps on it must be better and bigger.
        if q % 10 == 0 {
            assert!(
                db > last.0 && jpeg.len() > last.1,
                "q{q}: {db:.2} dB, {}",
                jpeg.len()
            );
            last = (db, jpeg.len());
        }
    }
    assert!(last.0 > 45.0, "q100: {:.2} dB", last.0);
}

#[test]
fn ff_bytes_in_the_scan_are_stuffed() {
    // Noise at quality 100: long codes of all kinds, so 0xFF bytes are certain in the scan.
    let mut seed = 7u32;
    let p = pattern(64, 64, |_, _| {
        seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        (seed >> 24) as u8
    });
    let jpeg = encode_picture(&p, Subsampling::S420, 100);
    let sos = jpeg.windows(2).position(|w| w == [0xFF, 0xDA]).unwrap();
    let scan = &jpeg[sos + 14..jpeg.len() - 2];
    let ffs = scan.windows(2).filter(|w| w[0] == 0xFF).count();
    assert!(ffs > 10, "{ffs} 0xFF bytes");
    assert!(scan.windows(2).all(|w| w[0] != 0xFF || w[1] == 0x00));
    assert_eq!(&jpeg[jpeg.len() - 2..], [0xFF, 0xD9]);
    let db = luma_psnr(&jpeg, &p);
    assert!(db > 45.0, "{db:.2} dB");
}

#[test]
fn extreme_blocks_decode_to_what_they_were() {
    let black = pattern(24, 16, |_, _| 0);
    let white = pattern(24, 16, |_, _| 255);
    let checker = pattern(24, 16, |i, j| if (i + j) % 2 == 0 { 0 } else { 255 });
    let stripes = pattern(24, 16, |i, _| if i % 16 < 8 { 0 } else { 255 });
    for (name, p) in [
        ("black", &black),
        ("white", &white),
        ("checker", &checker),
        ("stripes", &stripes),
    ] {
        for q in [1, 50, 100] {
            let jpeg = encode_picture(p, Subsampling::S420, q);
            let (_, _, data) = decode(&jpeg);
            let luma: Vec<u8> = data.iter().step_by(3).copied().collect();
            match name {
                // Flat pictures are DC only: off by no more than the DC step's rounding (255 at q1:
                // 255 / 8 levels either way).
                "black" | "white" => {
                    let tolerance = if q == 1 { 16 } else { 1 };
                    let off = luma.iter().zip(&p.y).map(|(a, b)| a.abs_diff(*b)).max();
                    assert!(off <= Some(tolerance), "{name} q{q}: {:?}", &luma[..8]);
                }
                // Full-scale detail survives at the top quality.
                _ if q == 100 => {
                    let db = psnr(luma.iter().copied(), p.y.iter().copied());
                    assert!(db > 40.0, "{name} q{q}: {db:.2} dB");
                }
                // At the lowest it is still a valid picture of the same mean brightness.
                _ => {
                    let mean =
                        |v: &[u8]| v.iter().map(|&v| f64::from(v)).sum::<f64>() / v.len() as f64;
                    let (got, want) = (mean(&luma), mean(&p.y));
                    assert!(
                        (got - want).abs() < 12.0,
                        "{name} q{q}: mean {got:.1}, not {want:.1}"
                    );
                }
            }
        }
    }
}

#[test]
fn strides_wider_than_the_picture_are_honoured() {
    // The same picture inside wider rows (garbage in the margins) encodes to the same bytes.
    let p = photo(30, 20);
    let tight = encode_picture(&p, Subsampling::S420, 75);
    let (cb, cr) = (
        subsample(&p, &p.cb, Subsampling::S420),
        subsample(&p, &p.cr, Subsampling::S420),
    );
    let widen = |plane: &[u8], w: usize, stride: usize| -> Vec<u8> {
        plane
            .chunks(w)
            .flat_map(|r| {
                r.iter()
                    .copied()
                    .chain(std::iter::repeat_n(0xEE, stride - w))
            })
            .collect()
    };
    let (y, cb, cr) = (widen(&p.y, 30, 37), widen(&cb, 15, 20), widen(&cr, 15, 20));
    let planes = Planes {
        width: 30,
        height: 20,
        subsampling: Subsampling::S420,
        y: &y[..y.len() - 7], // the last row needs only the width
        y_stride: 37,
        cb: &cb,
        cr: &cr,
        chroma_stride: 20,
    };
    let mut out = Vec::new();
    encode(&planes, 75, &mut out).unwrap();
    assert!(out == tight);
}

#[test]
fn bad_input_is_an_error() {
    let y = [0u8; 64];
    let c = [0u8; 16];
    let ok = Planes {
        width: 8,
        height: 8,
        subsampling: Subsampling::S420,
        y: &y,
        y_stride: 8,
        cb: &c,
        cr: &c,
        chroma_stride: 4,
    };
    let err = |p: Planes, q| encode(&p, q, &mut Vec::new()).unwrap_err();
    assert!(encode(&ok, 50, &mut Vec::new()).is_ok());
    assert_eq!(err(ok, 0), EncodeError::Quality(0));
    assert_eq!(err(ok, 101), EncodeError::Quality(101));
    assert!(matches!(
        err(Planes { width: 0, ..ok }, 50),
        EncodeError::Size { .. }
    ));
    assert!(matches!(
        err(
            Planes {
                height: 70_000,
                ..ok
            },
            50
        ),
        EncodeError::Size { .. }
    ));
    assert!(matches!(
        err(Planes { y: &y[..63], ..ok }, 50),
        EncodeError::Plane { plane: "Y", .. }
    ));
    assert!(matches!(
        err(Planes { y_stride: 7, ..ok }, 50),
        EncodeError::Plane { plane: "Y", .. }
    ));
    let e = err(Planes { cr: &c[..15], ..ok }, 50);
    assert!(e.to_string().contains("Cr plane"), "{e}");
    // 4:2:2 needs chroma of the full height.
    assert!(matches!(
        err(
            Planes {
                subsampling: Subsampling::S422,
                ..ok
            },
            50
        ),
        EncodeError::Plane { plane: "Cb", .. }
    ));
}
