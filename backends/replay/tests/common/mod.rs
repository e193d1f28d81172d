//! Shared by the replay tests: small real JPEGs whose width tells them apart.

use pistream_camera::{Camera, CameraConfig, Frame};

/// A real baseline JPEG, `width` x 8, a flat grey that depends on the width.
pub fn jpeg(width: u16) -> Vec<u8> {
    let pixels = vec![(width % 251) as u8; width as usize * 8 * 3];
    let mut out = Vec::new();
    jpeg_encoder::Encoder::new(&mut out, 90)
        .encode(&pixels, width, 8, jpeg_encoder::ColorType::Rgb)
        .expect("encode test JPEG");
    out
}

/// A config replaying `source` fast enough that tests do not wait.
pub fn config(source: &std::path::Path) -> CameraConfig {
    CameraConfig {
        fps: 1000.0,
        device: Some(source.display().to_string()),
        ..CameraConfig::default()
    }
}

pub async fn take(cam: &mut dyn Camera, n: usize) -> Vec<Frame> {
    let mut frames = Vec::new();
    for _ in 0..n {
        frames.push(cam.next_frame().await.expect("frame"));
    }
    frames
}
