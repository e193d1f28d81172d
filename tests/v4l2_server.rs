//! The server on the real V4L2 backend — rscam's code, with libv4l2's five calls answered by the
//! simulated camera of `backends/v4l2-sim` — as `--camera v4l2` runs on a Pi, minus the device:
//! `/api/controls` lists what `VIDIOC_QUERYCTRL`/`QUERYMENU` report, `POST` sets through
//! `VIDIOC_S_EXT_CTRLS` and the device holds the value, out-of-range values (which a driver would
//! clamp) and manual values an auto mode governs are refused in words, and the server's control
//! store puts the saved values back when the device returns with its defaults (unplugged and plugged
//! in again) and when a new server starts; and a YUYV camera's samples are read in the range the
//! driver reports (`VIDIOC_G_FMT`'s quantization), which `/api/state` shows with its reason.
//!
//! The backend is `--features pi`'s, so this runs with that feature, on Linux:
//! `cargo test --features pi --test v4l2_server` (`.ci/run` does). The test binary defines libv4l2's
//! functions itself (`export_v4l2!`), so the real library that feature links is never called.
#![cfg(all(target_os = "linux", feature = "pi"))]

mod common;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use common::controls::{control, get_controls, post, post_json};
use pistream_camera::Camera;
use pistream_mock::MockControl;
use pistream_v4l2::{V4l2Camera, V4l2Options};
use pistream_v4l2_sim::{
    uvc_controls, SimCamera, SimFormat, COLORSPACE_SRGB, QUANTIZATION_FULL_RANGE,
    QUANTIZATION_LIM_RANGE,
};
use serde_json::{json, Value};

pistream_v4l2_sim::export_v4l2!();

const BRIGHTNESS: u32 = 0x0098_0900;
const WB_AUTO: u32 = 0x0098_090c;
const WB_TEMPERATURE: u32 = 0x0098_091a;
const POWER_LINE: u32 = 0x0098_0918;

/// A UVC webcam at `path`: MJPEG 640x480 at 20 fps (a photographic frame), the usual controls.
fn webcam(path: &str) -> SimCamera {
    let sim = SimCamera::install(path, vec![SimFormat::mjpeg(&[(640, 480)], &[20])]);
    sim.set_controls(uvc_controls());
    let frame = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/frames/frame000.jpg"),
    )
    .expect("fixture frame");
    sim.stream_at_frame_rate(frame);
    sim
}

/// A server whose camera is the V4L2 backend on `sim`, saving controls to `controls_file`.
fn server(sim: &SimCamera, controls_file: &Path) -> common::TestServer {
    let factory: pistream::video::capture::CameraFactory = Box::new(|| {
        Ok(Box::new(V4l2Camera::with_options(V4l2Options {
            frame_timeout: Duration::from_secs(10),
            close_timeout: Duration::from_secs(10),
        })) as Box<dyn Camera>)
    });
    let device = sim.path().to_string();
    let file = controls_file.to_path_buf();
    common::start_with_factory(factory, Arc::new(MockControl::new()), move |c| {
        c.device = Some(device);
        c.controls_file = Some(file);
        c.width = 640;
        c.height = 480;
    })
}

#[test]
fn lists_and_sets_the_devices_controls_over_http() {
    let sim = webcam("/sim/server-controls");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("controls.json");
    let s = server(&sim, &file);

    let list = get_controls(&s);
    assert_eq!(list["camera"], "v4l2", "{list}");
    let names: Vec<&str> = list["controls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
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
        ],
        "class headings left out, the driver's order kept"
    );
    assert_eq!(
        control(&list, "brightness"),
        json!({ "name": "brightness", "label": "Brightness", "type": "int", "min": 0, "max": 255,
                "step": 1, "default": 128, "value": 128, "inactive": false, "read_only": false })
    );
    assert_eq!(
        control(&list, "exposure_auto")["menu"],
        json!([{ "value": 1, "label": "Manual Mode" }, { "value": 3, "label": "Aperture Priority Mode" }]),
        "menu indexes the driver skips are not offered"
    );
    assert_eq!(
        control(&list, "white_balance_temperature_auto")["type"],
        "bool"
    );
    assert_eq!(
        control(&list, "white_balance_temperature")["inactive"],
        true
    );

    // Set: the device holds the value, the answer is the control's new state.
    let (status, reply) = post_json(&s, json!({ "name": "brightness", "value": 200 }));
    assert_eq!((status, &reply["value"]), (200, &json!(200)), "{reply}");
    assert_eq!(sim.control_value(BRIGHTNESS), Some(200));
    // A menu item by its label, as a form field.
    let (status, reply) = post(
        &s,
        "application/x-www-form-urlencoded",
        b"name=power_line_frequency&value=50+Hz",
    );
    assert_eq!((status, &reply["value"]), (200, &json!(1)), "{reply}");
    assert_eq!(sim.control_value(POWER_LINE), Some(1));

    // Refused in words, and nothing reaches the device: the driver would clamp 300 to 255.
    let (status, reply) = post_json(&s, json!({ "name": "brightness", "value": 300 }));
    assert_eq!(status, 400, "{reply}");
    assert!(
        reply["error"].as_str().unwrap().contains("0 to 255"),
        "{reply}"
    );
    let (status, reply) = post_json(&s, json!({ "name": "exposure_auto", "value": 2 }));
    assert_eq!(status, 400, "a skipped menu index: {reply}");
    assert_eq!(sim.control_value(BRIGHTNESS), Some(200), "unchanged");
    // Manual white balance while it is automatic: the device says EACCES, the user hears why.
    let (status, reply) = post_json(
        &s,
        json!({ "name": "white_balance_temperature", "value": 3000 }),
    );
    assert_eq!(status, 409, "{reply}");
    assert!(
        reply["error"].as_str().unwrap().contains("inactive"),
        "{reply}"
    );
    let (status, _) = post_json(
        &s,
        json!({ "name": "white_balance_temperature_auto", "value": false }),
    );
    assert_eq!(status, 200);
    assert_eq!(sim.control_value(WB_AUTO), Some(0));
    let (status, reply) = post_json(
        &s,
        json!({ "name": "white_balance_temperature", "value": 3000 }),
    );
    assert_eq!(
        (status, &reply["inactive"]),
        (200, &json!(false)),
        "{reply}"
    );
    assert_eq!(sim.control_value(WB_TEMPERATURE), Some(3000));

    // What was set is saved under this camera; what was refused is not.
    let saved: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(
        saved["cameras"]["v4l2 /sim/server-controls"],
        json!({ "brightness": 200, "power_line_frequency": 1,
                "white_balance_temperature_auto": 0, "white_balance_temperature": 3000 })
    );

    // The picture is the device's MJPEG, passed through.
    let r = common::request(s.addr, "GET", "/snapshot.jpg", &[], b"");
    assert_eq!(r.status, 200);
    let img = image::load_from_memory(&r.body).expect("decodes");
    assert_eq!((img.width(), img.height()), (640, 480));
}

#[test]
fn saved_values_come_back_on_a_replugged_device_and_a_new_server() {
    let sim = webcam("/sim/server-controls-replug");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("controls.json");
    let s = server(&sim, &file);
    for (name, value) in [
        ("brightness", json!(40)),
        ("white_balance_temperature_auto", json!(false)),
        ("white_balance_temperature", json!(5000)),
    ] {
        let (status, reply) = post_json(&s, json!({ "name": name, "value": value }));
        assert_eq!(status, 200, "{name}: {reply}");
    }

    // Unplugged and plugged in again, the camera comes back with its defaults; the server reopens
    // it and applies the saved values — the auto switch before the manual value it governs.
    let viewer = common::MjpegClient::open(s.addr, "/stream", false);
    sim.unplug();
    let st = s.wait_state(Duration::from_secs(20), |st| st["online"] == false);
    assert_eq!(st["online"], false, "{st}");
    assert_eq!(
        sim.control_value(BRIGHTNESS),
        Some(128),
        "the device forgot"
    );
    sim.replug();
    let st = s.wait_state(Duration::from_secs(30), |st| st["online"] == true);
    assert_eq!(st["online"], true, "{st}");
    assert_eq!(sim.control_value(BRIGHTNESS), Some(40));
    assert_eq!(sim.control_value(WB_AUTO), Some(0));
    assert_eq!(sim.control_value(WB_TEMPERATURE), Some(5000));
    let list = get_controls(&s);
    assert_eq!(control(&list, "brightness")["value"], 40);
    assert_eq!(control(&list, "white_balance_temperature")["value"], 5000);
    drop(viewer);
    drop(s);

    // Forgotten again (a reboot of the camera), then a new server with the same file.
    sim.unplug();
    sim.replug();
    assert_eq!(sim.control_value(BRIGHTNESS), Some(128));
    let s = server(&sim, &file);
    let list = get_controls(&s);
    assert_eq!(control(&list, "brightness")["value"], 40);
    assert_eq!(
        control(&list, "white_balance_temperature_auto")["value"],
        false
    );
    assert_eq!(control(&list, "white_balance_temperature")["value"], 5000);
    assert_eq!(sim.control_value(WB_TEMPERATURE), Some(5000));
}

#[test]
fn yuyv_is_read_in_the_range_v4l2_reports() {
    // Studio black (Y 16, neutral chroma): limited range makes it black (0), full range leaves it
    // the dark grey 16 it then is.
    for (quantization, range, black) in [
        (QUANTIZATION_FULL_RANGE, "full", 16),
        (QUANTIZATION_LIM_RANGE, "limited", 0),
    ] {
        let sim = SimCamera::install(
            &format!("/sim/server-range-{range}"),
            vec![SimFormat::yuyv(&[(64, 48)], &[20])],
        );
        sim.report_colour(COLORSPACE_SRGB, quantization);
        sim.stream_at_frame_rate([16u8, 128].repeat(64 * 48));
        let dir = tempfile::tempdir().unwrap();
        let s = server(&sim, &dir.path().join("controls.json"));
        let r = common::request(s.addr, "GET", "/snapshot.jpg", &[], b"");
        assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
        let img = image::load_from_memory(&r.body)
            .expect("decodes")
            .to_luma8();
        let got = img.get_pixel(32, 24).0[0];
        assert!((got as i32 - black).abs() <= 3, "{range}: black is {got}");
        let picture = &s.state()["picture"];
        assert_eq!(picture["yuv_range"], range, "{picture}");
        assert_eq!(picture["yuv_range_from"], "camera", "{picture}");
        assert_eq!(picture["yuv_range_reason"], "reported by V4L2", "{picture}");
    }
}
