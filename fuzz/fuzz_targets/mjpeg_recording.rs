//! A recorded MJPEG stream (`curl .../stream > rec.mjpeg`, or concatenated JPEGs), split into
//! frames as the replay camera loads it and as the exec camera reads a child's stdout in pieces.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pistream_jpeg::{MjpegSplitter, MAX_FRAME_LEN};

fuzz_target!(|data: &[u8]| {
    let (frames, _dropped) = MjpegSplitter::split_all(data);
    for f in &frames {
        assert!(f.jpeg.len() <= MAX_FRAME_LEN);
    }
    // The same bytes in uneven pieces, as pipe reads deliver them.
    let mut splitter = MjpegSplitter::new();
    let mut rest = data;
    let mut piece = 1;
    while !rest.is_empty() {
        let n = piece.min(rest.len());
        for f in splitter.push(&rest[..n]) {
            assert!(f.jpeg.len() <= MAX_FRAME_LEN);
        }
        rest = &rest[n..];
        piece = piece * 3 + 1;
    }
    splitter.finish();
});
