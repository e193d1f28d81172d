//! A frame from the real mock camera, for the benches that encode what a user sees by default.

use pistream_camera::Frame;

/// One frame of the mock at `width` x `height` (YUYV), fetched as fast as the mock allows.
pub fn mock_frame(width: u32, height: u32) -> Frame {
    pistream_mock::MockCamera::one_frame(width, height).expect("the mock delivers")
}
