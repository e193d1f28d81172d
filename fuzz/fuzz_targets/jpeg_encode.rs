//! The default encoder's core (`pistream_jpeg::encode`): any planes, sizes, strides and quality
//! either encode to a JPEG that a decoder reads back at the planes' size, or are refused with an
//! error — never a panic, never a stream the decoder rejects. The header bytes choose the picture;
//! the rest are its samples, repeated to fill the planes (so most inputs are valid pictures), and a
//! flag cuts the last plane short to walk the refusal path too.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pistream_jpeg::encode::{chroma_size, encode, Planes, Subsampling};

fuzz_target!(|data: &[u8]| {
    let [w, h, quality, flags, stride_pad, samples @ ..] = data else {
        return;
    };
    let (width, height) = (usize::from(*w % 80) + 1, usize::from(*h % 80) + 1);
    let subsampling = if flags & 1 == 0 {
        Subsampling::S420
    } else {
        Subsampling::S422
    };
    let (cw, ch) = chroma_size(width, height, subsampling);
    let (y_stride, chroma_stride) = (
        width + usize::from(stride_pad % 8),
        cw + usize::from(stride_pad / 8 % 4),
    );
    let fill = |len: usize| -> Vec<u8> {
        if samples.is_empty() {
            vec![128; len]
        } else {
            samples.iter().copied().cycle().take(len).collect()
        }
    };
    let y = fill(y_stride * height);
    let cb = fill(chroma_stride * ch);
    let mut cr = fill(chroma_stride * ch);
    let cut = flags & 2 != 0;
    if cut {
        // One byte under what the last row needs (it needs only the width, not a whole stride).
        cr.truncate(chroma_stride * (ch - 1) + cw - 1);
    }
    let planes = Planes {
        width,
        height,
        subsampling,
        y: &y,
        y_stride,
        cb: &cb,
        cr: &cr,
        chroma_stride,
    };
    let mut out = Vec::new();
    match encode(&planes, *quality, &mut out) {
        Ok(()) => {
            assert!(!cut, "a short plane was accepted");
            assert!(
                (1..=100).contains(quality),
                "quality {quality} was accepted"
            );
            assert!(
                pistream_jpeg::is_complete(&out),
                "SOI, EOI and a plausible length"
            );
            assert_eq!(pistream_jpeg::jpeg_len(&out), Some(out.len()));
            let mut decoder = jpeg_decoder::Decoder::new(&out[..]);
            let pixels = decoder
                .decode()
                .expect("the decoder reads what was encoded");
            let info = decoder.info().expect("decoded, so it has info");
            assert_eq!(
                (usize::from(info.width), usize::from(info.height)),
                (width, height)
            );
            assert_eq!(pixels.len(), width * height * 3);
        }
        Err(_) => assert!(
            cut || !(1..=100).contains(quality),
            "refused a valid picture"
        ),
    }
});
