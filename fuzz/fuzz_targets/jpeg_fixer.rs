//! A camera's MJPEG frame, as a driver or a child program may deliver it: the frame checks and the
//! insertion of the standard Huffman tables that MJPEG frames leave out.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = pistream_jpeg::dimensions(data);
    let _ = pistream_jpeg::is_complete(data);
    if let Some(len) = pistream_jpeg::jpeg_len(data) {
        assert!(len <= data.len());
    }
    let had_tables = pistream_jpeg::has_huffman_tables(data);
    let fixed = pistream_jpeg::insert_default_huffman_tables(data);
    if had_tables {
        assert_eq!(&fixed[..], data, "a frame with tables is left alone");
    } else {
        assert_eq!(fixed.len(), data.len() + pistream_jpeg::STANDARD_DHT.len());
        assert!(
            pistream_jpeg::has_huffman_tables(&fixed),
            "the tables went in"
        );
    }
    let _ = pistream_jpeg::dimensions(&fixed);
});
