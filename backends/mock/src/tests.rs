//! Behaviour of the mock camera as the server sees it: frames, sizes, and each fault knob.

use super::*;
use async_std::task::block_on;

fn config(width: u32, height: u32) -> CameraConfig {
    CameraConfig {
        width,
        height,
        // Fast, so tests do not wait on pacing.
        fps: 500.0,
        device: None,
    }
}

fn opened(control: &Arc<MockControl>, width: u32, height: u32) -> MockCamera {
    let mut cam = MockCamera::with_control(control.clone());
    block_on(cam.open(&config(width, height))).expect("open");
    cam
}

#[test]
fn frames_are_yuyv_at_the_granted_size() {
    let mut cam = MockCamera::new();
    let info = block_on(cam.open(&config(321, 240))).unwrap();
    assert_eq!(
        (info.width, info.height, info.format),
        (322, 240, PixelFormat::Yuyv)
    );
    let f = block_on(cam.next_frame()).unwrap();
    assert_eq!((f.width, f.height, f.format), (322, 240, PixelFormat::Yuyv));
    assert_eq!(Some(f.data.len()), PixelFormat::Yuyv.frame_len(322, 240));
    assert_eq!(cam.backend(), "mock");
}

#[test]
fn consecutive_frames_differ() {
    let mut cam = MockCamera::new();
    block_on(cam.open(&config(160, 120))).unwrap();
    let frames: Vec<Frame> = (0..5)
        .map(|_| block_on(cam.next_frame()).unwrap())
        .collect();
    for pair in frames.windows(2) {
        assert_ne!(pair[0].data, pair[1].data);
        assert!(pair[0].captured_at <= pair[1].captured_at);
    }
}

#[test]
fn frame_buffers_come_back_once_dropped_and_held_ones_stay_untouched() {
    let control = Arc::new(MockControl::new());
    let mut cam = opened(&control, 64, 32);
    for _ in 0..10 {
        drop(block_on(cam.next_frame()).unwrap());
    }
    assert_eq!(control.frame_buffers(), (9, 1), "one buffer, reused");
    let held = block_on(cam.next_frame()).unwrap();
    let copy = held.data.to_vec();
    let next = block_on(cam.next_frame()).unwrap();
    assert_eq!(held.data[..], copy[..], "a held frame is never drawn over");
    assert_ne!(held.data, next.data);
    assert_eq!(control.frame_buffers(), (10, 2));
}

#[test]
fn bad_rate_is_refused_and_sizes_are_clamped() {
    let mut cam = MockCamera::new();
    let mut c = config(640, 480);
    c.fps = 0.0;
    assert!(matches!(
        block_on(cam.open(&c)),
        Err(CameraError::Unsupported(_))
    ));
    c.fps = f64::NAN;
    assert!(block_on(cam.open(&c)).is_err());
    let info = block_on(cam.open(&config(0, 100_000))).unwrap();
    assert_eq!((info.width, info.height), (MIN_SIDE, MAX_SIDE));
}

#[test]
fn next_frame_before_open_is_not_open() {
    let mut cam = MockCamera::new();
    assert!(matches!(
        block_on(cam.next_frame()),
        Err(CameraError::NotOpen)
    ));
}

#[test]
fn open_close_and_frames_are_observed() {
    let control = Arc::new(MockControl::new());
    let mut cam = opened(&control, 64, 48);
    assert!(control.is_open());
    assert_eq!(control.opens(), 1);
    block_on(cam.next_frame()).unwrap();
    block_on(cam.next_frame()).unwrap();
    assert_eq!(control.frames_delivered(), 2);
    block_on(cam.close());
    assert!(!control.is_open());
    assert!(matches!(
        block_on(cam.next_frame()),
        Err(CameraError::NotOpen)
    ));
    block_on(cam.open(&config(64, 48))).unwrap();
    assert_eq!(control.opens(), 2);
}

#[test]
fn fail_every_nth_frame() {
    let control = Arc::new(MockControl::new());
    let mut cam = opened(&control, 64, 48);
    control.fail_every(3);
    let ok: Vec<bool> = (0..6).map(|_| block_on(cam.next_frame()).is_ok()).collect();
    assert_eq!(ok, [true, true, false, true, true, false]);
    assert_eq!(control.frames_delivered(), 4);
    assert_eq!(control.failures_injected(), 2);
    control.fail_every(0);
    assert!((0..4).all(|_| block_on(cam.next_frame()).is_ok()));
}

#[test]
fn stall_delays_the_next_frame_once() {
    let control = Arc::new(MockControl::new());
    let mut cam = opened(&control, 64, 48);
    let stall = Duration::from_millis(150);
    control.stall(stall);
    let start = Instant::now();
    block_on(cam.next_frame()).unwrap();
    // A lower bound only: the stall must have happened (never an upper bound on speed).
    assert!(start.elapsed() >= stall);
    assert_eq!(control.frames_delivered(), 1);
    // Taken once: a stalled camera that never recovers is `vanish`, not `stall`.
    assert!(control.take_stall().is_none());
}

#[test]
fn vanish_and_reappear() {
    let control = Arc::new(MockControl::new());
    let mut cam = opened(&control, 64, 48);
    control.vanish();
    assert!(matches!(
        block_on(cam.next_frame()),
        Err(CameraError::Disconnected(_))
    ));
    block_on(cam.close());
    assert!(matches!(
        block_on(cam.open(&config(64, 48))),
        Err(CameraError::NotFound { .. })
    ));
    assert!(!control.is_open());
    control.reappear();
    block_on(cam.open(&config(64, 48))).unwrap();
    assert!(block_on(cam.next_frame()).is_ok());
}

#[test]
fn tests_can_wait_for_a_camera_driven_elsewhere() {
    let control = Arc::new(MockControl::new());
    let mut cam = MockCamera::with_control(control.clone());
    let driver = std::thread::spawn(move || {
        block_on(async {
            cam.open(&config(64, 48)).await.unwrap();
            while cam.next_frame().await.is_ok() {}
            cam.close().await;
        })
    });
    assert!(control.wait_until(|c| c.frames_delivered() >= 3, Duration::from_secs(30)));
    control.vanish();
    assert!(block_on(
        control.wait_until_async(|c| !c.is_open(), Duration::from_secs(30))
    ));
    driver.join().unwrap();
}
