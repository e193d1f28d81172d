//! Walking the marker segments of a JPEG without decoding it: its size from the SOF header, its length
//! from SOI to EOI (robust to EXIF thumbnails, which contain SOI/EOI markers of their own inside an APP1
//! segment), and the cheap completeness check the capture path runs on every frame.

/// Frames shorter than this are treated as truncated: no real camera frame is this small, and UVC
/// cameras hand out stubs of a few bytes when a USB transfer is cut short.
pub const MIN_FRAME_LEN: usize = 128;

const SOI: u8 = 0xD8;
const EOI: u8 = 0xD9;
const SOS: u8 = 0xDA;

/// One marker found while walking: its code and where its payload (after the length field) lies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Segment {
    pub marker: u8,
    /// Offset of the `0xFF` that starts the marker.
    pub at: usize,
    /// Payload range (after the two length bytes); empty for markers without a length.
    pub payload: (usize, usize),
}

/// Markers that stand alone, without a length field.
fn standalone(marker: u8) -> bool {
    matches!(marker, 0x01 | 0xD0..=0xD7 | SOI | EOI)
}

/// Walks the segments of the JPEG that starts at `data[0]`, calling `visit` for each until it returns
/// `false` or EOI is reached. Returns the offset just past EOI, or `None` when the data ends first or is
/// not a JPEG.
pub(crate) fn walk(data: &[u8], mut visit: impl FnMut(&Segment) -> bool) -> Option<usize> {
    if data.len() < 4 || data[0] != 0xFF || data[1] != SOI {
        return None;
    }
    let mut i = 2;
    loop {
        // Markers may be preceded by any number of 0xFF fill bytes.
        if *data.get(i)? != 0xFF {
            return None;
        }
        while *data.get(i + 1)? == 0xFF {
            i += 1;
        }
        let marker = data[i + 1];
        let at = i;
        if marker == EOI {
            let seg = Segment {
                marker,
                at,
                payload: (i + 2, i + 2),
            };
            visit(&seg);
            return Some(i + 2);
        }
        if standalone(marker) {
            let seg = Segment {
                marker,
                at,
                payload: (i + 2, i + 2),
            };
            if !visit(&seg) {
                return None;
            }
            i += 2;
            continue;
        }
        let len = u16::from_be_bytes([*data.get(i + 2)?, *data.get(i + 3)?]) as usize;
        if len < 2 || i + 2 + len > data.len() {
            return None;
        }
        let seg = Segment {
            marker,
            at,
            payload: (i + 4, i + 2 + len),
        };
        if !visit(&seg) {
            return None;
        }
        i += 2 + len;
        if marker == SOS {
            i = skip_entropy_data(data, i)?;
        }
    }
}

/// Returns the offset of the marker that ends the entropy-coded data starting at `from`. Inside it,
/// `FF 00` is a stuffed data byte and `FF D0..D7` are restart markers: neither ends the scan.
fn skip_entropy_data(data: &[u8], from: usize) -> Option<usize> {
    let mut i = from;
    loop {
        i += data.get(i..)?.iter().position(|&b| b == 0xFF)?;
        match *data.get(i + 1)? {
            0x00 | 0xD0..=0xD7 | 0xFF => i += 1,
            _ => return Some(i),
        }
    }
}

/// Width and height from the frame header (SOF0..SOF15), or `None` when there is none before the
/// first scan or it says 0 (a height of 0 means "given by a DNL marker later", which we do not chase).
pub fn dimensions(jpeg: &[u8]) -> Option<(u32, u32)> {
    let mut found = None;
    walk(jpeg, |seg| {
        let is_sof = matches!(seg.marker, 0xC0..=0xCF) && !matches!(seg.marker, 0xC4 | 0xC8 | 0xCC);
        if is_sof {
            let p = &jpeg[seg.payload.0..seg.payload.1];
            if p.len() >= 5 {
                let h = u16::from_be_bytes([p[1], p[2]]) as u32;
                let w = u16::from_be_bytes([p[3], p[4]]) as u32;
                if w > 0 && h > 0 {
                    found = Some((w, h));
                }
            }
            return false;
        }
        seg.marker != SOS
    });
    found
}

/// Length of the JPEG at the start of `data` (SOI through EOI), following its segments so that markers
/// inside an embedded thumbnail do not end it early. `None` when `data` does not start with a complete
/// JPEG.
pub fn jpeg_len(data: &[u8]) -> Option<usize> {
    walk(data, |_| true)
}

/// The cheap per-frame check of the capture path: at least [`MIN_FRAME_LEN`] bytes, starts with SOI,
/// ends with EOI (zero padding after EOI, which some UVC cameras leave in the buffer, is allowed).
/// Constant time apart from the padding: it does not walk the frame.
pub fn is_complete(frame: &[u8]) -> bool {
    if frame.len() < MIN_FRAME_LEN || frame[0] != 0xFF || frame[1] != SOI {
        return false;
    }
    let end = frame.iter().rposition(|&b| b != 0).map_or(0, |p| p + 1);
    end >= MIN_FRAME_LEN && frame[end - 2] == 0xFF && frame[end - 1] == EOI
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A minimal well-formed JPEG skeleton: SOI, APP0, SOF0 (w x h), SOS with a few entropy bytes
    /// (including a stuffed FF00 and a restart marker), EOI.
    pub(crate) fn skeleton(w: u16, h: u16) -> Vec<u8> {
        let mut v = vec![0xFF, SOI];
        v.extend_from_slice(&[0xFF, 0xE0, 0x00, 0x06, b'J', b'F', b'I', b'F']);
        let [h1, h0] = h.to_be_bytes();
        let [w1, w0] = w.to_be_bytes();
        v.extend_from_slice(&[0xFF, 0xC0, 0x00, 0x0B, 8, h1, h0, w1, w0, 1, 1, 0x11, 0]);
        v.extend_from_slice(&[0xFF, SOS, 0x00, 0x08, 1, 1, 0, 0, 63, 0]);
        v.extend_from_slice(&[0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD3, 0x56]);
        v.extend_from_slice(&[0xFF, EOI]);
        v
    }

    #[test]
    fn reads_size_from_sof() {
        assert_eq!(dimensions(&skeleton(640, 480)), Some((640, 480)));
        assert_eq!(dimensions(&skeleton(1, 65535)), Some((1, 65535)));
        assert_eq!(dimensions(&skeleton(0, 480)), None);
        assert_eq!(dimensions(b"not a jpeg"), None);
    }

    #[test]
    fn length_stops_at_the_real_eoi_not_inside_entropy_data() {
        let j = skeleton(8, 8);
        let mut two = j.clone();
        two.extend_from_slice(&skeleton(16, 16));
        assert_eq!(jpeg_len(&j), Some(j.len()));
        assert_eq!(jpeg_len(&two), Some(j.len()));
        assert_eq!(jpeg_len(&j[..j.len() - 1]), None);
    }

    #[test]
    fn thumbnail_markers_inside_app1_do_not_end_the_jpeg() {
        let thumb = skeleton(4, 4);
        let mut j = vec![0xFF, SOI, 0xFF, 0xE1];
        j.extend_from_slice(&((thumb.len() + 2) as u16).to_be_bytes());
        j.extend_from_slice(&thumb);
        j.extend_from_slice(&skeleton(32, 24)[2..]);
        assert_eq!(jpeg_len(&j), Some(j.len()));
        assert_eq!(dimensions(&j), Some((32, 24)));
    }

    #[test]
    fn completeness_needs_soi_eoi_and_minimum_length() {
        let mut j = skeleton(8, 8);
        j.splice(
            2..2,
            [0xFF, 0xFE, 0x00, 0x82].into_iter().chain([b'x'; 0x80]),
        );
        assert!(is_complete(&j));
        let mut padded = j.clone();
        padded.extend_from_slice(&[0; 64]);
        assert!(is_complete(&padded));
        assert!(!is_complete(&j[..j.len() - 2]), "no EOI");
        assert!(!is_complete(&j[2..]), "no SOI");
        assert!(!is_complete(&skeleton(8, 8)), "under MIN_FRAME_LEN");
    }
}
