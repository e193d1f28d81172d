//! The replay camera on a folder of JPEG files: order, looping, unchanged shared bytes, errors.

mod common;

use std::fs;
use std::sync::Arc;

use common::{config, jpeg, take};
use pistream_camera::{Camera, CameraError, PixelFormat};
use pistream_replay::ReplayCamera;

#[async_std::test]
async fn plays_jpegs_sorted_by_name_looping_with_bytes_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let files = [
        ("b.JPG", jpeg(20)),
        ("a.jpg", jpeg(10)),
        ("c.jpeg", jpeg(30)),
    ];
    for (name, bytes) in &files {
        fs::write(dir.path().join(name), bytes).unwrap();
    }
    fs::write(dir.path().join("notes.txt"), "not a frame").unwrap();
    fs::create_dir(dir.path().join("sub.jpg")).unwrap();

    let mut cam = ReplayCamera::new();
    let info = cam.open(&config(dir.path())).await.unwrap();
    assert_eq!(
        (info.width, info.height, info.format),
        (10, 8, PixelFormat::Jpeg)
    );

    let frames = take(&mut cam, 7).await;
    let widths: Vec<u32> = frames.iter().map(|f| f.width).collect();
    assert_eq!(widths, [10, 20, 30, 10, 20, 30, 10]);
    let by_name = [&files[1].1, &files[0].1, &files[2].1];
    for (i, f) in frames.iter().enumerate() {
        assert_eq!(f.format, PixelFormat::Jpeg);
        assert_eq!(f.height, 8);
        assert_eq!(&f.data[..], &by_name[i % 3][..], "frame {i} bytes");
    }
    // The second lap hands out the very same buffers: no copy per frame.
    assert!(Arc::ptr_eq(&frames[0].data, &frames[3].data));
    assert!(Arc::ptr_eq(&frames[1].data, &frames[4].data));
}

#[async_std::test]
async fn reopening_starts_from_the_first_frame() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("1.jpg"), jpeg(16)).unwrap();
    fs::write(dir.path().join("2.jpg"), jpeg(24)).unwrap();
    let mut cam = ReplayCamera::new();
    cam.open(&config(dir.path())).await.unwrap();
    assert_eq!(take(&mut cam, 1).await[0].width, 16);
    cam.close().await;
    assert!(matches!(cam.next_frame().await, Err(CameraError::NotOpen)));
    cam.open(&config(dir.path())).await.unwrap();
    assert_eq!(take(&mut cam, 1).await[0].width, 16);
}

#[async_std::test]
async fn a_missing_source_is_not_found() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nowhere");
    let err = ReplayCamera::new()
        .open(&config(&missing))
        .await
        .unwrap_err();
    match err {
        CameraError::NotFound { device, .. } => assert!(device.ends_with("nowhere"), "{device}"),
        other => panic!("expected NotFound, got {other:?}"),
    }
}

#[async_std::test]
async fn no_source_at_all_says_what_is_needed() {
    let mut cfg = config(std::path::Path::new("x"));
    cfg.device = None;
    let err = ReplayCamera::new().open(&cfg).await.unwrap_err();
    assert!(err.to_string().contains("--source"), "{err}");
}

#[async_std::test]
async fn a_folder_without_jpegs_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("readme.txt"), "hello").unwrap();
    let err = ReplayCamera::new()
        .open(&config(dir.path()))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("no JPEG files"), "{err}");
}

#[async_std::test]
async fn a_file_named_jpg_that_is_not_a_jpeg_is_named_in_the_error() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("a.jpg"), jpeg(8)).unwrap();
    fs::write(dir.path().join("broken.jpg"), b"<html>oops</html>").unwrap();
    let err = ReplayCamera::new()
        .open(&config(dir.path()))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("broken.jpg"), "{err}");
}
