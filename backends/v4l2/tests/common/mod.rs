//! Shared by the V4L2 tests: frames to feed the simulator and a camera config for a simulated path.

#![allow(dead_code)] // each test binary uses a different subset

use std::time::Duration;

use pistream_camera::{Camera, CameraConfig};
use pistream_v4l2::{V4l2Camera, V4l2Options};
use pistream_v4l2_sim::SimCamera;

/// A real baseline JPEG (with its own Huffman tables) whose grey level is `shade`.
pub fn jpeg(width: u16, height: u16, shade: u8) -> Vec<u8> {
    let pixels: Vec<u8> = (0..width as usize * height as usize * 3)
        .map(|i| shade.wrapping_add((i % 97) as u8))
        .collect();
    let mut out = Vec::new();
    jpeg_encoder::Encoder::new(&mut out, 85)
        .encode(&pixels, width, height, jpeg_encoder::ColorType::Rgb)
        .expect("encode test JPEG");
    out
}

/// The same JPEG without its DHT segments, as many UVC cameras send MJPEG.
pub fn without_huffman_tables(jpeg: &[u8]) -> Vec<u8> {
    let mut out = jpeg[..2].to_vec();
    let mut i = 2;
    loop {
        let marker = jpeg[i + 1];
        if marker == 0xDA {
            out.extend_from_slice(&jpeg[i..]);
            return out;
        }
        let len = u16::from_be_bytes([jpeg[i + 2], jpeg[i + 3]]) as usize;
        if marker != 0xC4 {
            out.extend_from_slice(&jpeg[i..i + 2 + len]);
        }
        i += 2 + len;
    }
}

pub fn config(path: &str, width: u32, height: u32, fps: f64) -> CameraConfig {
    CameraConfig {
        width,
        height,
        fps,
        device: Some(path.to_string()),
    }
}

/// A camera that gives up quickly: the simulator delivers at once or not at all.
pub fn camera() -> V4l2Camera {
    V4l2Camera::with_options(V4l2Options {
        frame_timeout: Duration::from_secs(10),
        close_timeout: Duration::from_secs(10),
    })
}

/// Closes `cam` the way it happens with a real camera, which keeps delivering frames: the capture
/// thread sees the stop request at the next frame.
pub async fn close(cam: &mut V4l2Camera, sim: &SimCamera) {
    sim.stream_continuously(jpeg(16, 16, 0));
    cam.close().await;
}
