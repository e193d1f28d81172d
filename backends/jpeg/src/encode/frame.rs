//! The marker segments around the scan of a baseline, 3-component YCbCr JFIF: SOI, APP0 (JFIF
//! 1.01, no density, as libjpeg writes by default), DQT (both tables), SOF0, DHT (the standard
//! tables, [`crate::STANDARD_DHT`]), SOS; and EOI after it. All lengths are fixed but SOF0's size.

use super::quant::zigzag;
use super::Subsampling;
use crate::STANDARD_DHT;

const JFIF_APP0: [u8; 18] = [
    0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01,
    0x00, 0x00,
];

/// Writes everything before the entropy-coded data.
pub fn write_header(
    out: &mut Vec<u8>,
    width: u16,
    height: u16,
    sampling: Subsampling,
    tables: &[[u8; 64]; 2],
) {
    out.extend_from_slice(&[0xFF, 0xD8]);
    out.extend_from_slice(&JFIF_APP0);

    // DQT: two 8-bit tables (ids 0 and 1) in zigzag order.
    out.extend_from_slice(&[0xFF, 0xDB, 0x00, 2 + 2 * 65]);
    for (id, table) in tables.iter().enumerate() {
        out.push(id as u8);
        out.extend_from_slice(&zigzag(table));
    }

    // SOF0: 8-bit samples, three components; luma 2x2 (4:2:0) or 2x1 (4:2:2), chroma 1x1.
    let luma_sampling = match sampling {
        Subsampling::S420 => 0x22,
        Subsampling::S422 => 0x21,
    };
    let [h1, h0] = height.to_be_bytes();
    let [w1, w0] = width.to_be_bytes();
    out.extend_from_slice(&[0xFF, 0xC0, 0x00, 17, 8, h1, h0, w1, w0, 3]);
    out.extend_from_slice(&[1, luma_sampling, 0, 2, 0x11, 1, 3, 0x11, 1]);

    out.extend_from_slice(&STANDARD_DHT);

    // SOS: the three components, luma on tables 0/0, chroma on 1/1; full spectral range.
    out.extend_from_slice(&[0xFF, 0xDA, 0x00, 12, 3, 1, 0x00, 2, 0x11, 3, 0x11, 0, 63, 0]);
}

/// Ends the picture.
pub fn write_trailer(out: &mut Vec<u8>) {
    out.extend_from_slice(&[0xFF, 0xD9]);
}
