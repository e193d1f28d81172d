//! The V4L2 backend's real rscam code against the simulated camera: mode choice, MJPEG passthrough,
//! Huffman table insertion, raw YUYV delivery and its reported range, truncated frames, buffer release, unplug and replug.
#![cfg(target_os = "linux")]
// The simulator replaces libv4l2; with `no-wrapper` rscam calls libc directly and cannot be simulated.
#![cfg(not(feature = "no-wrapper"))]

mod common;

use std::time::Duration;

use common::{camera, close, config, jpeg, without_huffman_tables};
use pistream_camera::{Camera, CameraError, PixelFormat, YuvRange};
use pistream_v4l2::{V4l2Camera, V4l2Options};
use pistream_v4l2_sim::{
    Negotiated, SimCamera, SimFormat, COLORSPACE_JPEG, COLORSPACE_SRGB, QUANTIZATION_DEFAULT,
    QUANTIZATION_FULL_RANGE, QUANTIZATION_LIM_RANGE,
};

pistream_v4l2_sim::export_v4l2!();

const WAIT: Duration = Duration::from_secs(10);

fn webcam(path: &str) -> SimCamera {
    SimCamera::install(
        path,
        vec![
            SimFormat::yuyv(&[(64, 48), (160, 120)], &[30, 15]),
            SimFormat::mjpeg(&[(64, 48), (160, 120), (320, 240)], &[30, 15, 5]),
        ],
    )
}

#[async_std::test]
async fn mjpeg_at_the_asked_size_is_passed_through_unchanged() {
    let sim = webcam("/sim/passthrough");
    let mut cam = camera();
    let info = cam.open(&config(sim.path(), 160, 120, 15.0)).await.unwrap();
    assert_eq!(
        (info.format, info.width, info.height),
        (PixelFormat::Jpeg, 160, 120)
    );
    assert_eq!(info.fps, 15.0);
    assert_eq!(
        sim.negotiated(),
        Some(Negotiated {
            fourcc: *b"MJPG",
            width: 160,
            height: 120,
            interval: (1, 15)
        })
    );
    for shade in [10, 90, 200] {
        let sent = jpeg(160, 120, shade);
        sim.push_frame(sent.clone());
        let got = cam.next_frame().await.unwrap();
        assert_eq!(
            (got.format, got.width, got.height),
            (PixelFormat::Jpeg, 160, 120)
        );
        assert_eq!(&got.data[..], &sent[..], "bytes unchanged");
    }
    // Each rscam frame was released (its buffer re-queued) before the next capture.
    assert_eq!(sim.max_buffers_held(), 1);
    close(&mut cam, &sim).await;
    assert_eq!(sim.open_fds(), 0, "close releases the device");
}

#[async_std::test]
async fn the_nearest_mode_is_chosen_when_the_exact_one_is_not_offered() {
    let sim = SimCamera::install(
        "/sim/nearest",
        vec![
            SimFormat::mjpeg(&[(1280, 720)], &[30]),
            SimFormat::yuyv(&[(320, 240), (640, 480)], &[30, 15]),
        ],
    );
    let mut cam = camera();
    let info = cam.open(&config(sim.path(), 648, 480, 20.0)).await.unwrap();
    assert_eq!(
        (info.format, info.width, info.height),
        (PixelFormat::Yuyv, 640, 480)
    );
    assert_eq!(info.fps, 15.0);
    assert_eq!(sim.negotiated().unwrap().interval, (1, 15));
    close(&mut cam, &sim).await;
}

#[async_std::test]
async fn a_missing_huffman_table_is_inserted_and_the_frame_decodes() {
    let sim = webcam("/sim/huffman");
    let mut cam = camera();
    cam.open(&config(sim.path(), 64, 48, 30.0)).await.unwrap();
    let full = jpeg(64, 48, 77);
    let bare = without_huffman_tables(&full);
    assert!(bare.len() < full.len(), "the helper removed the tables");
    sim.push_frame(bare.clone());
    let got = cam.next_frame().await.unwrap();

    let sos = bare.windows(2).position(|w| w == [0xFF, 0xDA]).unwrap();
    let dht = &pistream_jpeg::STANDARD_DHT[..];
    assert_eq!(&got.data[..sos], &bare[..sos]);
    assert_eq!(&got.data[sos..sos + dht.len()], dht);
    assert_eq!(&got.data[sos + dht.len()..], &bare[sos..]);
    // The encoder used the standard tables, so the repaired frame decodes to the original pixels.
    let decoded = image::load_from_memory(&got.data).unwrap().to_rgb8();
    let original = image::load_from_memory(&full).unwrap().to_rgb8();
    assert_eq!(decoded.as_raw(), original.as_raw());
    close(&mut cam, &sim).await;
}

#[async_std::test]
async fn yuyv_frames_are_delivered_raw_at_their_exact_length() {
    let sim = SimCamera::install("/sim/yuyv", vec![SimFormat::yuyv(&[(4, 2)], &[30])]);
    let mut cam = camera();
    let info = cam.open(&config(sim.path(), 4, 2, 30.0)).await.unwrap();
    assert_eq!(info.format, PixelFormat::Yuyv);
    let mut sent: Vec<u8> = (0..16).collect();
    sim.push_frame(sent.clone());
    let got = cam.next_frame().await.unwrap();
    assert_eq!(
        (got.format, got.width, got.height),
        (PixelFormat::Yuyv, 4, 2)
    );
    assert_eq!(&got.data[..], &sent[..]);
    // A short buffer is dropped; the next whole one arrives.
    sim.push_frame(vec![1; 10]);
    sent.reverse();
    sim.push_frame(sent.clone());
    assert_eq!(&cam.next_frame().await.unwrap().data[..], &sent[..]);
    close(&mut cam, &sim).await;
}

#[async_std::test]
async fn yuyv_range_is_the_quantization_the_driver_reports() {
    // (colorspace, quantization) as G_FMT reports them, and the range they mean for YUYV.
    let cases = [
        (COLORSPACE_SRGB, QUANTIZATION_FULL_RANGE, YuvRange::Full),
        (COLORSPACE_SRGB, QUANTIZATION_LIM_RANGE, YuvRange::Limited),
        // DEFAULT follows the colorspace: limited for YUV, except JPEG's, which is full.
        (COLORSPACE_SRGB, QUANTIZATION_DEFAULT, YuvRange::Limited),
        (COLORSPACE_JPEG, QUANTIZATION_DEFAULT, YuvRange::Full),
        (COLORSPACE_JPEG, QUANTIZATION_LIM_RANGE, YuvRange::Limited),
    ];
    for (i, (colorspace, quantization, want)) in cases.into_iter().enumerate() {
        let sim = SimCamera::install(
            &format!("/sim/range{i}"),
            vec![SimFormat::yuyv(&[(4, 2)], &[30])],
        );
        sim.report_colour(colorspace, quantization);
        let mut cam = camera();
        let info = cam.open(&config(sim.path(), 4, 2, 30.0)).await.unwrap();
        assert_eq!(info.format, PixelFormat::Yuyv);
        assert_eq!(info.yuv_range, Some(want), "{colorspace} {quantization}");
        // The device was opened a second time for G_FMT only: that fd is closed again.
        assert_eq!(sim.open_fds(), 1);
        close(&mut cam, &sim).await;
    }
    // A quantization V4L2 does not define leaves the range unknown (the server assumes limited).
    let sim = SimCamera::install("/sim/range-odd", vec![SimFormat::yuyv(&[(4, 2)], &[30])]);
    sim.report_colour(COLORSPACE_SRGB, 7);
    let mut cam = camera();
    let info = cam.open(&config(sim.path(), 4, 2, 30.0)).await.unwrap();
    assert_eq!(info.yuv_range, None);
    close(&mut cam, &sim).await;
    // MJPEG has no YUV samples of ours to read: no range, whatever the driver says.
    let sim = SimCamera::install(
        "/sim/range-mjpeg",
        vec![SimFormat::mjpeg(&[(64, 48)], &[30])],
    );
    sim.report_colour(COLORSPACE_JPEG, QUANTIZATION_FULL_RANGE);
    let mut cam = camera();
    let info = cam.open(&config(sim.path(), 64, 48, 30.0)).await.unwrap();
    assert_eq!((info.format, info.yuv_range), (PixelFormat::Jpeg, None));
    close(&mut cam, &sim).await;
}

#[async_std::test]
async fn rgb_is_the_last_resort_and_delivered_raw() {
    let sim = SimCamera::install(
        "/sim/rgb",
        vec![
            SimFormat::new(*b"H264", true, &[(4, 2)], &[30]),
            SimFormat::new(*b"RGB3", false, &[(4, 2)], &[30]),
        ],
    );
    let mut cam = camera();
    let info = cam.open(&config(sim.path(), 4, 2, 30.0)).await.unwrap();
    assert_eq!(info.format, PixelFormat::Rgb24);
    let sent: Vec<u8> = (100..124).collect();
    sim.push_frame(sent.clone());
    let got = cam.next_frame().await.unwrap();
    assert_eq!((got.format, &got.data[..]), (PixelFormat::Rgb24, &sent[..]));
    close(&mut cam, &sim).await;
}

#[async_std::test]
async fn truncated_mjpeg_frames_are_dropped() {
    let sim = webcam("/sim/truncated");
    let mut cam = camera();
    cam.open(&config(sim.path(), 64, 48, 30.0)).await.unwrap();
    let good = jpeg(64, 48, 5);
    sim.push_frame(good[..good.len() - 50].to_vec()); // cut short: no EOI
    sim.push_frame(good[2..].to_vec()); // no SOI
    sim.push_frame(vec![0xFF, 0xD8, 0xFF, 0xD9]); // complete markers, but a stub
    sim.push_frame(good.clone());
    let got = cam.next_frame().await.unwrap();
    assert_eq!(&got.data[..], &good[..]);
    assert!(sim.wait_consumed(WAIT));
    close(&mut cam, &sim).await;
}

#[async_std::test]
async fn unplug_is_a_disconnection_and_reopening_after_replug_works() {
    let sim = webcam("/sim/unplug");
    let mut cam = camera();
    cam.open(&config(sim.path(), 64, 48, 30.0)).await.unwrap();
    let first = jpeg(64, 48, 1);
    sim.push_frame(first.clone());
    assert_eq!(&cam.next_frame().await.unwrap().data[..], &first[..]);

    sim.unplug();
    let err = cam.next_frame().await.unwrap_err();
    assert!(matches!(err, CameraError::Disconnected(_)), "{err:?}");
    cam.close().await; // the capture thread has ended already
    let err = cam
        .open(&config(sim.path(), 64, 48, 30.0))
        .await
        .unwrap_err();
    assert!(matches!(err, CameraError::NotFound { .. }), "{err:?}");

    sim.replug();
    cam.open(&config(sim.path(), 64, 48, 30.0)).await.unwrap();
    assert_eq!(sim.open_fds(), 1, "the old fd was closed");
    let again = jpeg(64, 48, 2);
    sim.push_frame(again.clone());
    assert_eq!(&cam.next_frame().await.unwrap().data[..], &again[..]);
    close(&mut cam, &sim).await;
}

#[async_std::test]
async fn a_stalled_camera_times_out_instead_of_blocking() {
    let sim = webcam("/sim/stalled");
    let mut cam = V4l2Camera::with_options(V4l2Options {
        frame_timeout: Duration::from_millis(50),
        close_timeout: WAIT,
    });
    cam.open(&config(sim.path(), 64, 48, 30.0)).await.unwrap();
    let err = cam.next_frame().await.unwrap_err();
    assert!(matches!(err, CameraError::Timeout(_)), "{err:?}");
    // Release the thread blocked in DQBUF, as a real unplug would.
    sim.unplug();
    cam.close().await;
    assert_eq!(sim.open_fds(), 0);
}

#[async_std::test]
async fn a_second_user_finds_the_camera_busy_until_the_first_closes() {
    let sim = webcam("/sim/busy");
    let mut first = camera();
    first.open(&config(sim.path(), 64, 48, 30.0)).await.unwrap();
    let mut second = camera();
    let err = second
        .open(&config(sim.path(), 64, 48, 30.0))
        .await
        .unwrap_err();
    assert!(matches!(err, CameraError::Busy { .. }), "{err:?}");
    close(&mut first, &sim).await;
    second
        .open(&config(sim.path(), 64, 48, 30.0))
        .await
        .unwrap();
    close(&mut second, &sim).await;
}
