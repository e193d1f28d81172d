//! The V4L2 backend's controls through rscam's real code against the simulated camera's control
//! ioctls: listing (class headings left out, menus with skipped items, inactive flags), setting while
//! frames flow, out-of-range values refused before the driver could clamp them, a control governed
//! by an auto mode refused in words, values kept by the device across close and reopen, and no
//! controls reachable while the camera is closed.
#![cfg(target_os = "linux")]
// The simulator replaces libv4l2; with `no-wrapper` rscam calls libc directly and cannot be simulated.
#![cfg(not(feature = "no-wrapper"))]

mod common;

use std::time::Duration;

use common::{camera, close, config, jpeg};
use pistream_camera::{Camera, ControlError, ControlKind};
use pistream_v4l2_sim::{uvc_controls, SimCamera, SimFormat};

pistream_v4l2_sim::export_v4l2!();

const BRIGHTNESS: u32 = 0x0098_0900;
const WB_AUTO: u32 = 0x0098_090c;

fn webcam(path: &str) -> SimCamera {
    let sim = SimCamera::install(path, vec![SimFormat::mjpeg(&[(64, 48)], &[30])]);
    sim.set_controls(uvc_controls());
    sim.stream_continuously(jpeg(64, 48, 100));
    sim
}

#[async_std::test]
async fn lists_the_cameras_controls_in_api_form() {
    let sim = webcam("/sim/controls-list");
    let mut cam = camera();
    let handle = cam.controls().expect("V4L2 has controls");
    assert_eq!(
        handle.list(),
        Err(ControlError::NotOpen),
        "closed: not reachable"
    );
    cam.open(&config(sim.path(), 64, 48, 30.0)).await.unwrap();
    let list = handle.list().unwrap();
    let names: Vec<&str> = list.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "brightness",
            "contrast",
            "white_balance_temperature_auto",
            "power_line_frequency",
            "white_balance_temperature",
            "exposure_auto",
            "exposure_absolute"
        ]
    );
    let b = &list[0];
    assert_eq!(
        (b.kind, b.min, b.max, b.step, b.default, b.value),
        (ControlKind::Int, 0, 255, 1, 128, 128)
    );
    let exposure = &list[5];
    assert_eq!(exposure.kind, ControlKind::Menu);
    let items: Vec<(i64, &str)> = exposure
        .menu
        .iter()
        .map(|i| (i.value, i.label.as_str()))
        .collect();
    assert_eq!(items, [(1, "Manual Mode"), (3, "Aperture Priority Mode")]);
    assert!(list[6].inactive, "manual exposure is inactive while auto");
    assert!(
        list[4].inactive,
        "white balance temperature is inactive while auto"
    );
    close(&mut cam, &sim).await;
    assert_eq!(handle.list(), Err(ControlError::NotOpen));
}

#[async_std::test]
async fn sets_while_capturing_refuses_bad_values_and_keeps_them_across_reopen() {
    let sim = webcam("/sim/controls-set");
    let mut cam = camera();
    let handle = cam.controls().unwrap();
    cam.open(&config(sim.path(), 64, 48, 30.0)).await.unwrap();
    cam.next_frame().await.unwrap();

    let new = handle.set("brightness", 200).unwrap();
    assert_eq!(new.value, 200);
    assert_eq!(
        sim.control_value(BRIGHTNESS),
        Some(200),
        "the device holds it"
    );
    cam.next_frame().await.unwrap();

    // The driver would clamp 300 to 255: the backend refuses it first and says why.
    let e = handle.set("brightness", 300).unwrap_err();
    assert!(
        matches!(&e, ControlError::Invalid(m) if m.contains("0 to 255")),
        "{e}"
    );
    assert_eq!(sim.control_value(BRIGHTNESS), Some(200), "unchanged");
    let e = handle.set("exposure_auto", 2).unwrap_err();
    assert!(
        matches!(e, ControlError::Invalid(_)),
        "a skipped menu index: {e}"
    );
    assert!(matches!(
        handle.set("hue", 1),
        Err(ControlError::Unknown { .. })
    ));

    // Manual white balance while it is automatic: refused in words; after auto is off, taken.
    let e = handle.set("white_balance_temperature", 3000).unwrap_err();
    assert!(
        matches!(&e, ControlError::Refused(m) if m.contains("inactive")),
        "{e}"
    );
    assert_eq!(
        handle
            .set("white_balance_temperature_auto", 0)
            .unwrap()
            .value,
        0
    );
    assert_eq!(sim.control_value(WB_AUTO), Some(0));
    let wb = handle.set("white_balance_temperature", 3000).unwrap();
    assert_eq!((wb.value, wb.inactive), (3000, false));

    // Close and open again: the device kept the values (as a plugged-in camera does).
    close(&mut cam, &sim).await;
    assert!(matches!(
        handle.set("brightness", 1),
        Err(ControlError::NotOpen)
    ));
    cam.open(&config(sim.path(), 64, 48, 30.0)).await.unwrap();
    let list = handle.list().unwrap();
    assert_eq!(list[0].value, 200);
    cam.next_frame().await.unwrap();
    close(&mut cam, &sim).await;
    assert!(sim.wait_consumed(Duration::from_secs(10)));
}
