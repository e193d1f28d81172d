//! The splitter on both layouts, fed whole and in every chunk size a pipe could deliver.

use super::*;
use crate::markers::tests::skeleton;

fn frames(w: &[u16]) -> Vec<Vec<u8>> {
    w.iter().map(|&w| skeleton(w, 8)).collect()
}

/// Feeds `stream` in chunks of `n` bytes; returns the frames and the dropped count after `finish`.
fn split_in_chunks(stream: &[u8], n: usize) -> (Vec<SplitFrame>, usize) {
    let mut s = MjpegSplitter::new();
    let mut out = Vec::new();
    for chunk in stream.chunks(n) {
        out.extend(s.push(chunk));
    }
    out.extend(s.finish());
    (out, s.dropped())
}

fn part(headers: &str, body: &[u8]) -> Vec<u8> {
    let mut v = format!("--frame\r\nContent-Type: image/jpeg\r\n{headers}\r\n").into_bytes();
    v.extend_from_slice(body);
    v.extend_from_slice(b"\r\n");
    v
}

#[test]
fn concatenated_jpegs_come_out_unchanged_whatever_the_read_sizes() {
    let want = frames(&[16, 24, 32]);
    let stream = want.concat();
    for n in [1, 2, 3, 7, 64, stream.len()] {
        let (got, dropped) = split_in_chunks(&stream, n);
        let got: Vec<_> = got.into_iter().map(|f| f.jpeg).collect();
        assert_eq!(got, want, "chunks of {n}");
        assert_eq!(dropped, 0);
    }
}

#[test]
fn a_frame_comes_out_as_soon_as_its_last_byte_is_in() {
    let a = skeleton(16, 8);
    let mut s = MjpegSplitter::new();
    assert!(s.push(&a[..a.len() - 1]).is_empty());
    assert_eq!(
        s.push(&a[a.len() - 1..]).len(),
        1,
        "no waiting for the next frame"
    );
    assert_eq!(s.buffered(), 0);
}

#[test]
fn junk_before_the_first_jpeg_is_skipped_and_a_cut_frame_is_dropped() {
    let mut stream = b"Input #0, lavfi\n".to_vec();
    stream.extend(skeleton(16, 8));
    let b = skeleton(24, 8);
    stream.extend_from_slice(&b[..b.len() - 3]);
    for n in [1, 5, stream.len()] {
        let (got, dropped) = split_in_chunks(&stream, n);
        assert_eq!(got.len(), 1, "chunks of {n}");
        assert_eq!(got[0].jpeg, skeleton(16, 8));
        assert_eq!(dropped, 1, "the partial frame at the end");
    }
}

#[test]
fn multipart_with_and_without_content_length_and_a_response_head() {
    let f = frames(&[16, 24, 32]);
    let mut stream =
        b"HTTP/1.1 200 OK\r\nContent-Type: multipart/x-mixed-replace; boundary=frame\r\n\r\n"
            .to_vec();
    stream.extend(part(
        &format!("Content-Length: {}\r\nX-Timestamp: 100.5\r\n", f[0].len()),
        &f[0],
    ));
    stream.extend(part("", &f[1]));
    stream.extend(part(&format!("content-length: {}\r\n", f[2].len()), &f[2]));
    stream.extend_from_slice(b"--frame--\r\n");
    for n in [1, 3, 10, stream.len()] {
        let (got, dropped) = split_in_chunks(&stream, n);
        let jpegs: Vec<_> = got.iter().map(|g| g.jpeg.clone()).collect();
        assert_eq!(jpegs, f, "chunks of {n}");
        assert_eq!(got[0].timestamp, Some(Duration::from_millis(100_500)));
        assert_eq!(got[1].timestamp, None);
        assert_eq!(dropped, 0, "chunks of {n}");
    }
}

#[test]
fn a_broken_part_is_skipped_and_the_stream_goes_on() {
    let f = frames(&[16, 24]);
    let mut stream = part("", &f[0]);
    stream.extend(part("", b"this is not a jpeg at all"));
    stream.extend(part(&format!("Content-Length: {}\r\n", f[1].len()), &f[1]));
    let (got, dropped) = split_in_chunks(&stream, 4);
    let jpegs: Vec<_> = got.into_iter().map(|g| g.jpeg).collect();
    assert_eq!(jpegs, f);
    assert_eq!(dropped, 1);
}

#[test]
fn split_all_matches_feeding_in_pieces() {
    let f = frames(&[40, 48]);
    let stream = f.concat();
    let (all, dropped) = MjpegSplitter::split_all(&stream);
    assert_eq!(all.len(), 2);
    assert_eq!(dropped, 0);
    assert_eq!(all, split_in_chunks(&stream, 9).0);
}

#[test]
fn a_jpeg_that_never_ends_is_not_buffered_forever() {
    let mut s = MjpegSplitter::new();
    s.push(&[0xFF, 0xD8, 0xFF, 0xFE, 0x00, 0x04, 0, 0]);
    s.push(&vec![0u8; MAX_FRAME_LEN]);
    assert_eq!(s.dropped(), 1);
    assert!(s.buffered() < 1024, "{} bytes still held", s.buffered());
    assert_eq!(
        s.push(&skeleton(16, 8)).len(),
        1,
        "and the next frame is found"
    );
}
