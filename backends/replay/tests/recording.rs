//! The replay camera on recorded MJPEG files: multipart bodies as `curl` saves them from any MJPEG
//! server, and bare concatenated JPEGs. Frames come out byte for byte as recorded; partial ones are
//! dropped.

mod common;

use std::fs;

use common::{config, jpeg, take};
use pistream_camera::{Camera, CameraError};
use pistream_replay::ReplayCamera;

fn part(boundary: &str, headers: &str, body: &[u8]) -> Vec<u8> {
    let mut v = format!("--{boundary}\r\nContent-Type: image/jpeg\r\n{headers}\r\n").into_bytes();
    v.extend_from_slice(body);
    v.extend_from_slice(b"\r\n");
    v
}

async fn widths_and_bytes(file: &std::path::Path, n: usize) -> Vec<(u32, Vec<u8>)> {
    let mut cam = ReplayCamera::new();
    cam.open(&config(file)).await.expect("open recording");
    let frames = take(&mut cam, n).await;
    frames.iter().map(|f| (f.width, f.data.to_vec())).collect()
}

#[async_std::test]
async fn multipart_with_and_without_content_length_plays_every_frame_unchanged() {
    let (a, b, c) = (jpeg(16), jpeg(24), jpeg(32));
    let boundary = "frame-7f3a";
    let mut rec =
        b"HTTP/1.1 200 OK\r\nContent-Type: multipart/x-mixed-replace; boundary=frame-7f3a\r\n\r\n"
            .to_vec();
    rec.extend(part(
        boundary,
        &format!("Content-Length: {}\r\nX-Timestamp: 100.000\r\n", a.len()),
        &a,
    ));
    rec.extend(part(boundary, "X-Timestamp: 100.040\r\n", &b));
    rec.extend(part(
        boundary,
        &format!("content-length: {}\r\n", c.len()),
        &c,
    ));
    rec.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("rec.mjpeg");
    fs::write(&file, &rec).unwrap();

    let got = widths_and_bytes(&file, 4).await;
    assert_eq!(
        got,
        [(16, a.clone()), (24, b), (32, c), (16, a)],
        "order, bytes, loop"
    );
}

#[async_std::test]
async fn a_recording_cut_mid_frame_drops_the_partial_frame() {
    let (a, b) = (jpeg(16), jpeg(24));
    let mut rec = part("x", &format!("Content-Length: {}\r\n", a.len()), &a);
    let cut = part("x", &format!("Content-Length: {}\r\n", b.len()), &b);
    rec.extend_from_slice(&cut[..cut.len() - 40]);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("cut.mjpeg");
    fs::write(&file, &rec).unwrap();

    let got = widths_and_bytes(&file, 2).await;
    assert_eq!(got, [(16, a.clone()), (16, a)]);
}

#[async_std::test]
async fn parts_without_content_length_end_where_the_jpeg_ends() {
    // No Content-Length anywhere, LF-only lines and an odd boundary: the JPEG's markers delimit it.
    let (a, b) = (jpeg(40), jpeg(48));
    let mut rec = Vec::new();
    for body in [&a, &b] {
        rec.extend_from_slice(b"--BoUnDaRy\nContent-Type: image/jpeg\n\n");
        rec.extend_from_slice(body);
        rec.extend_from_slice(b"\n");
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("lf.mjpeg");
    fs::write(&file, &rec).unwrap();

    let got = widths_and_bytes(&file, 3).await;
    assert_eq!(got, [(40, a.clone()), (48, b), (40, a)]);
}

#[async_std::test]
async fn bare_concatenated_jpegs_play_and_a_truncated_tail_is_dropped() {
    let (a, b, c) = (jpeg(8), jpeg(16), jpeg(24));
    let mut rec = [a.clone(), b.clone()].concat();
    rec.extend_from_slice(&c[..c.len() / 2]);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("cat.mjpeg");
    fs::write(&file, &rec).unwrap();

    let got = widths_and_bytes(&file, 3).await;
    assert_eq!(got, [(8, a.clone()), (16, b), (8, a)]);
}

#[async_std::test]
async fn a_file_without_any_jpeg_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("page.html");
    fs::write(&file, "<html>not a stream</html>").unwrap();
    let err = ReplayCamera::new().open(&config(&file)).await.unwrap_err();
    assert!(matches!(err, CameraError::Other(_)), "{err:?}");
    assert!(err.to_string().contains("no complete JPEG"), "{err}");
}

#[async_std::test]
async fn a_hostile_content_length_is_dropped_not_a_panic() {
    // Content-Lengths that overflow `start + length` (usize::MAX), or overshoot the file.
    let (a, b) = (jpeg(16), jpeg(24));
    let mut rec = part("x", &format!("Content-Length: {}\r\n", usize::MAX), &b);
    rec.extend(part(
        "x",
        &format!("Content-Length: {}\r\n", usize::MAX - 3),
        &b,
    ));
    rec.extend(part("x", &format!("Content-Length: {}\r\n", a.len()), &a));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("hostile.mjpeg");
    fs::write(&file, &rec).unwrap();

    let got = widths_and_bytes(&file, 2).await;
    assert!(
        got.iter().all(|(w, _)| *w == 16 || *w == 24),
        "only real frames"
    );
}
