//! Opening errors and device description against the simulated camera.
#![cfg(target_os = "linux")]
// The simulator replaces libv4l2; with `no-wrapper` rscam calls libc directly and cannot be simulated.
#![cfg(not(feature = "no-wrapper"))]

mod common;

use common::{camera, config};
use pistream_camera::{Camera, CameraError, PixelFormat};
use pistream_v4l2_sim::{SimCamera, SimFormat};

pistream_v4l2_sim::export_v4l2!();

#[async_std::test]
async fn a_missing_device_is_not_found() {
    let err = camera()
        .open(&config("/sim/absent", 64, 48, 30.0))
        .await
        .unwrap_err();
    match err {
        CameraError::NotFound { device, .. } => assert_eq!(device, "/sim/absent"),
        other => panic!("expected NotFound, got {other:?}"),
    }
}

#[async_std::test]
async fn permission_denied_names_the_video_group() {
    let sim = SimCamera::install("/sim/denied", vec![SimFormat::yuyv(&[(64, 48)], &[30])]);
    sim.deny_access(true);
    let err = camera()
        .open(&config(sim.path(), 64, 48, 30.0))
        .await
        .unwrap_err();
    assert!(
        matches!(err, CameraError::PermissionDenied { .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("video"), "{err}");
}

#[async_std::test]
async fn a_node_without_usable_formats_says_what_it_offers() {
    let sim = SimCamera::install(
        "/sim/metadata",
        vec![SimFormat::new(*b"UVCH", true, &[(64, 48)], &[30])],
    );
    let err = camera()
        .open(&config(sim.path(), 64, 48, 30.0))
        .await
        .unwrap_err();
    assert!(matches!(err, CameraError::Unsupported(_)), "{err:?}");
    assert!(err.to_string().contains("UVCH"), "{err}");
}

#[test]
fn describe_lists_formats_sizes_and_rates() {
    let sim = SimCamera::install(
        "/sim/describe",
        vec![
            SimFormat::new(*b"H264", true, &[(1920, 1080)], &[30]),
            SimFormat::mjpeg(&[(640, 480), (1280, 720)], &[30, 15]),
            SimFormat::yuyv(&[(640, 480)], &[10]),
        ],
    );
    let info = pistream_v4l2::devices::describe(sim.path()).unwrap();
    assert_eq!(info.id, "/sim/describe");
    let modes: Vec<_> = info
        .modes
        .iter()
        .map(|m| (m.format, m.width, m.height, m.fps.clone()))
        .collect();
    assert_eq!(
        modes,
        [
            (PixelFormat::Jpeg, 640, 480, vec![30.0, 15.0]),
            (PixelFormat::Jpeg, 1280, 720, vec![30.0, 15.0]),
            (PixelFormat::Yuyv, 640, 480, vec![10.0]),
        ]
    );
}
