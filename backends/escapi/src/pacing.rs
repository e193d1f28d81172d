//! Frame rate for a polled camera. escapi has no frame clock of its own: each `capture()` asks for
//! the next frame, then polls for it, sleeping `1000 / desired_fps` milliseconds between polls — so a
//! desired fps of 0 would divide by zero, and one above 1000 would poll without sleeping. We ask at our
//! own deadlines, [`interval`] apart, scheduled by the shared [`pistream_camera::pacing::Pacer`].

use std::time::Duration;

/// The highest rate passed to escapi: above 1000, its poll sleep `1000 / fps` ms would be 0.
pub const MAX_ESCAPI_FPS: u64 = 1000;

/// The `desired_fps` to hand escapi for a requested rate: rounded, and always within
/// `1..=MAX_ESCAPI_FPS` (never 0, whatever the request — NaN and negative included).
pub fn escapi_fps(fps: f64) -> u64 {
    if fps.is_finite() {
        (fps.round() as u64).clamp(1, MAX_ESCAPI_FPS)
    } else {
        1
    }
}

/// The interval between frames at `fps` (1 s for rates that are not positive numbers).
pub fn interval(fps: f64) -> Duration {
    if fps.is_finite() && fps > 0.0 {
        Duration::from_secs_f64(1.0 / fps.min(MAX_ESCAPI_FPS as f64))
    } else {
        Duration::from_secs(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapi_never_gets_zero_or_more_than_it_can_sleep_for() {
        assert_eq!(escapi_fps(30.0), 30);
        assert_eq!(escapi_fps(29.97), 30);
        for bad in [0.0, 0.1, 0.49, -5.0, f64::NAN, f64::NEG_INFINITY] {
            assert_eq!(escapi_fps(bad), 1, "{bad}");
        }
        assert_eq!(escapi_fps(5000.0), MAX_ESCAPI_FPS);
        assert_eq!(escapi_fps(f64::INFINITY), 1);
    }

    #[test]
    fn interval_follows_the_rate() {
        assert_eq!(interval(4.0), Duration::from_millis(250));
        assert_eq!(interval(0.0), Duration::from_secs(1));
        assert_eq!(interval(1e9), Duration::from_millis(1));
    }
}
