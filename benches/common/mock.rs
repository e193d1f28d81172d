//! A frame from the real mock camera, for the benches that encode what a user sees by default
//! (the library's own test helper of the same name is `cfg(test)`, out of the benches' reach).

use pistream_camera::{Camera, CameraConfig, Frame};

/// One frame of the mock at `width` x `height` (YUYV), fetched as fast as the mock allows.
pub fn mock_frame(width: u32, height: u32) -> Frame {
    let mut cam = pistream_mock::MockCamera::new();
    let config = CameraConfig {
        width,
        height,
        fps: 1000.0,
        device: None,
    };
    async_std::task::block_on(async {
        cam.open(&config).await.expect("mock opens");
        cam.next_frame().await.expect("mock delivers")
    })
}
