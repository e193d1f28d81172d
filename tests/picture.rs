//! The picture end to end (issue 9, points 4 and 6): a camera's frame through the real server and
//! back out of a JPEG decoder, over HTTP. `--yuv-range`: limited-range YUYV comes out with true
//! black, white and primaries; `--rotate` / `--flip`: the corners of an asymmetric picture land
//! where a viewer expects in snapshots, photos, the stream and its variants, with width and height
//! swapped for quarter turns; an MJPEG source (the replay of a photographic frame) is turned too.
//! Each encoder the build has (`--encoder rust`, and `turbo` with `--features turbojpeg`) gives the
//! same picture and says which it is in `/api/state`.

mod common;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use common::{request, start_with_factory, MjpegClient, TestServer};
use image::RgbImage;
use pistream::config::{Config, FlipArg, RotateArg, YuvRangeArg};
use pistream_camera::{
    async_trait, Camera, CameraConfig, CameraError, Frame, PixelFormat, StreamInfo, YuvRange,
};
use pistream_mock::MockControl;

const W: u32 = 320;
const H: u32 = 240;
/// The corner blocks' side.
const BLOCK: u32 = 64;

type Rgb = (u8, u8, u8);

/// BT.601 limited-range samples (Y, Cb, Cr) of the test picture's colours, and the RGB each is.
const RED: (Rgb, Rgb) = ((81, 90, 240), (255, 0, 0));
const WHITE: (Rgb, Rgb) = ((235, 128, 128), (255, 255, 255));
const GREEN: (Rgb, Rgb) = ((145, 54, 34), (0, 255, 0));
const BLUE: (Rgb, Rgb) = ((41, 240, 110), (0, 0, 255));
const BLACK: (Rgb, Rgb) = ((16, 128, 128), (0, 0, 0));

/// A 320x240 limited-range YUYV picture: black, with a 64x64 block in each corner — red top-left,
/// white top-right, green bottom-left, blue bottom-right — so that every turn and mirror of it is
/// told apart by its corners.
fn corners_frame() -> Frame {
    let mut data = Vec::with_capacity((W * H * 2) as usize);
    for y in 0..H {
        for x in (0..W).step_by(2) {
            let (left, top) = (x < BLOCK, y < BLOCK);
            let (right, bottom) = (x >= W - BLOCK, y >= H - BLOCK);
            let ((l, cb, cr), _) = match () {
                _ if left && top => RED,
                _ if right && top => WHITE,
                _ if left && bottom => GREEN,
                _ if right && bottom => BLUE,
                _ => BLACK,
            };
            data.extend_from_slice(&[l, cb, l, cr]);
        }
    }
    Frame::new(PixelFormat::Yuyv, W, H, data)
}

/// A camera that sends one still picture at 20 fps and reports `range` (or nothing) for it.
struct StillCamera {
    frame: Frame,
    range: Option<YuvRange>,
    open: bool,
}

#[async_trait]
impl Camera for StillCamera {
    fn backend(&self) -> &'static str {
        "still"
    }

    async fn open(&mut self, _: &CameraConfig) -> Result<StreamInfo, CameraError> {
        self.open = true;
        Ok(StreamInfo {
            width: self.frame.width,
            height: self.frame.height,
            fps: 20.0,
            format: self.frame.format,
            description: "a still test picture".into(),
            yuv_range: self.range,
        })
    }

    async fn next_frame(&mut self) -> Result<Frame, CameraError> {
        if !self.open {
            return Err(CameraError::NotOpen);
        }
        async_io::Timer::after(Duration::from_millis(50)).await;
        let mut frame = self.frame.clone();
        frame.captured_at = std::time::SystemTime::now();
        Ok(frame)
    }

    async fn close(&mut self) {
        self.open = false;
    }
}

fn start_still(range: Option<YuvRange>, tune: impl FnOnce(&mut Config)) -> TestServer {
    let frame = corners_frame();
    let factory: pistream::video::capture::CameraFactory = Box::new(move || {
        Ok(Box::new(StillCamera {
            frame: frame.clone(),
            range,
            open: false,
        }) as Box<dyn Camera>)
    });
    start_with_factory(factory, Arc::new(MockControl::new()), |c| {
        c.quality = 95;
        tune(c)
    })
}

fn decode(jpeg: &[u8]) -> RgbImage {
    image::load_from_memory_with_format(jpeg, image::ImageFormat::Jpeg)
        .expect("a JPEG")
        .to_rgb8()
}

fn snapshot(server: &TestServer) -> RgbImage {
    let r = request(server.addr, "GET", "/snapshot.jpg", &[], b"");
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    decode(&r.body)
}

fn near(got: [u8; 3], want: Rgb, tol: i32) -> bool {
    let want = [want.0, want.1, want.2];
    got.iter()
        .zip(want)
        .all(|(&g, w)| (g as i32 - w as i32).abs() <= tol)
}

/// The picture's four corner blocks (sampled at their middles), top-left, top-right, bottom-left,
/// bottom-right, as the RGB they should be.
fn assert_corners(img: &RgbImage, want: [Rgb; 4], what: &str) {
    let (w, h) = img.dimensions();
    let b = BLOCK * w.min(h) / W.min(H); // blocks shrink with a variant
    let spots = [
        (b / 2, b / 2),
        (w - b / 2 - 1, b / 2),
        (b / 2, h - b / 2 - 1),
        (w - b / 2 - 1, h - b / 2 - 1),
    ];
    for ((x, y), want) in spots.into_iter().zip(want) {
        let got = img.get_pixel(x, y).0;
        assert!(
            near(got, want, 8),
            "{what}: ({x}, {y}) is {got:?}, want {want:?}"
        );
    }
}

const R: Rgb = RED.1;
const WH: Rgb = WHITE.1;
const G: Rgb = GREEN.1;
const B: Rgb = BLUE.1;

#[test]
fn limited_range_yuyv_comes_out_with_true_black_white_and_primaries() {
    let server = start_still(None, |_| {});
    let img = snapshot(&server);
    assert_eq!(img.dimensions(), (W, H));
    assert_corners(&img, [R, WH, G, B], "snapshot");
    let black = img.get_pixel(W / 2, H / 2).0;
    assert!(near(black, BLACK.1, 4), "black is {black:?}");
    let state = server.state();
    assert_eq!(state["picture"]["yuv_range"], "limited");
    assert_eq!(state["picture"]["yuv_range_from"], "default");
    assert!(
        state["picture"]["yuv_range_reason"]
            .as_str()
            .is_some_and(|r| r.starts_with("assumed")),
        "{state}"
    );
    // A variant is read in the same range.
    let mut viewer = MjpegClient::open(server.addr, "/stream?width=160", false);
    let part = viewer.next_part().expect("a variant frame");
    let small = decode(&part.jpeg);
    assert_eq!(small.dimensions(), (160, 120));
    assert_corners(&small, [R, WH, G, B], "variant");
}

#[test]
fn the_range_flag_wins_and_a_camera_that_says_full_is_believed() {
    // Read as full range, the same samples stay studio-swing grey: black 16, white 235.
    let server = start_still(None, |c| c.yuv_range = YuvRangeArg::Full);
    let img = snapshot(&server);
    let (black, white) = (img.get_pixel(W / 2, H / 2).0, img.get_pixel(W - 16, 16).0);
    assert!(near(black, (16, 16, 16), 4), "black is {black:?}");
    assert!(near(white, (235, 235, 235), 4), "white is {white:?}");
    let picture = &server.state()["picture"];
    assert_eq!(picture["yuv_range_from"], "--yuv-range");
    assert_eq!(picture["yuv_range_reason"], "set by --yuv-range");
    drop(server);

    let server = start_still(Some(YuvRange::Full), |_| {});
    let black = snapshot(&server).get_pixel(W / 2, H / 2).0;
    assert!(near(black, (16, 16, 16), 4), "black is {black:?}");
    let state = server.state();
    assert_eq!(state["picture"]["yuv_range"], "full");
    assert_eq!(state["picture"]["yuv_range_from"], "camera");
    assert_eq!(
        state["picture"]["yuv_range_reason"],
        "reported by the still camera"
    );
    drop(server);

    let server = start_still(Some(YuvRange::Full), |c| c.yuv_range = YuvRangeArg::Limited);
    let black = snapshot(&server).get_pixel(W / 2, H / 2).0;
    assert!(near(black, (0, 0, 0), 4), "black is {black:?}");
}

#[test]
fn every_turn_and_mirror_puts_the_corners_where_a_viewer_expects() {
    // (rotate, flip, output size, corners TL TR BL BR). Source: red, white / green, blue.
    let cases = [
        (RotateArg::R0, None, (W, H), [R, WH, G, B]),
        (RotateArg::R90, None, (H, W), [G, R, B, WH]),
        (RotateArg::R180, None, (W, H), [B, G, WH, R]),
        (RotateArg::R270, None, (H, W), [WH, B, R, G]),
        (RotateArg::R0, Some(FlipArg::H), (W, H), [WH, R, B, G]),
        (RotateArg::R0, Some(FlipArg::V), (W, H), [G, B, R, WH]),
        (RotateArg::R0, Some(FlipArg::Hv), (W, H), [B, G, WH, R]),
        (RotateArg::R90, Some(FlipArg::H), (H, W), [R, G, WH, B]),
        (RotateArg::R90, Some(FlipArg::V), (H, W), [B, WH, G, R]),
        (RotateArg::R270, Some(FlipArg::V), (H, W), [R, G, WH, B]),
    ];
    for (rotate, flip, size, corners) in cases {
        let what = format!("--rotate {rotate:?} --flip {flip:?}");
        let server = start_still(None, |c| {
            c.rotate = rotate;
            c.flip = flip;
        });
        let img = snapshot(&server);
        assert_eq!(img.dimensions(), size, "{what}");
        assert_corners(&img, corners, &what);
        let state = server.state();
        assert_eq!(
            (state["width"].as_u64(), state["height"].as_u64()),
            (Some(size.0 as u64), Some(size.1 as u64)),
            "{what}"
        );
    }
}

#[test]
fn photos_the_stream_and_variants_are_turned_too() {
    let server = start_still(None, |c| c.rotate = RotateArg::R90);
    let corners = [G, R, B, WH];
    // A photo, read back from the photo folder.
    let r = common::take_photo(server.addr);
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    let json = r.json();
    let name = json["name"].as_str().unwrap();
    let photo = decode(&std::fs::read(server.pic.join(name)).unwrap());
    assert_eq!(photo.dimensions(), (H, W));
    assert_corners(&photo, corners, "photo");
    // The main stream.
    let mut viewer = MjpegClient::open(server.addr, "/stream", false);
    let main = decode(&viewer.next_part().expect("a frame").jpeg);
    assert_eq!(main.dimensions(), (H, W));
    assert_corners(&main, corners, "stream");
    // A variant: the turned picture, 160 wide (and 320 * 160 / 240 high, rounded to even).
    let mut viewer = MjpegClient::open(server.addr, "/stream?width=160", false);
    let small = decode(&viewer.next_part().expect("a variant frame").jpeg);
    assert_eq!(small.dimensions(), (160, 214));
    assert_corners(&small, corners, "variant");
    assert_eq!(server.state()["picture"]["rotate"], 90);
}

#[test]
fn every_encoder_turns_the_same_picture_and_says_which_it_is() {
    use pistream::video::encode::Codec;
    for codec in Codec::compiled_in() {
        let server = start_still(None, |c| {
            c.rotate = RotateArg::R270;
            c.flip = Some(FlipArg::H);
            c.encoder = codec;
        });
        assert_eq!(server.state()["encoder"], codec.name());
        // Rotated 270 then mirrored: the anti-diagonal mirror (as --rotate 90 --flip v).
        let corners = [B, WH, G, R];
        let what = format!("{codec:?}");
        let img = snapshot(&server);
        assert_eq!(img.dimensions(), (H, W), "{what}");
        assert_corners(&img, corners, &what);
        let mut viewer = MjpegClient::open(server.addr, "/stream?width=160", false);
        let small = decode(&viewer.next_part().expect("a variant frame").jpeg);
        assert_eq!(small.dimensions(), (160, 214), "{what}");
        assert_corners(&small, corners, &what);
    }
}

fn mean_abs_diff(a: &RgbImage, b: &RgbImage) -> f64 {
    assert_eq!(a.dimensions(), b.dimensions());
    let sum: u64 = a
        .as_raw()
        .iter()
        .zip(b.as_raw())
        .map(|(&x, &y)| (x as i32 - y as i32).unsigned_abs() as u64)
        .sum();
    sum as f64 / a.as_raw().len() as f64
}

#[test]
fn an_mjpeg_source_is_turned_to_the_rotated_size_and_content() {
    let frames = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/frames");
    let dir = tempfile::tempdir().unwrap();
    let bytes = std::fs::read(frames.join("frame000.jpg")).unwrap();
    std::fs::write(dir.path().join("frame000.jpg"), &bytes).unwrap();
    let source = decode(&bytes);
    let turned = [
        (RotateArg::R90, None, image::imageops::rotate90(&source)),
        (RotateArg::R270, Some(FlipArg::H), {
            image::imageops::flip_horizontal(&image::imageops::rotate270(&source))
        }),
    ];
    for (rotate, flip, want) in turned {
        let folder = dir.path().to_path_buf();
        let factory: pistream::video::capture::CameraFactory =
            Box::new(|| Ok(Box::new(pistream_replay::ReplayCamera::new()) as Box<dyn Camera>));
        let server = start_with_factory(factory, Arc::new(MockControl::new()), |c| {
            c.camera = "replay".into();
            c.source = Some(folder);
            c.quality = 90;
            c.rotate = rotate;
            c.flip = flip;
        });
        let img = snapshot(&server);
        assert_eq!(img.dimensions(), (480, 640), "{rotate:?} {flip:?}");
        // Re-encoding costs a little; any wrong turn is a difference of tens of levels.
        let diff = mean_abs_diff(&img, &want);
        assert!(diff < 3.0, "{rotate:?} {flip:?}: mean difference {diff:.2}");
        let wrong = image::imageops::rotate180(&want);
        assert!(
            mean_abs_diff(&img, &wrong) > 10.0,
            "the content is really turned"
        );
        assert_eq!(
            (
                server.state()["width"].as_u64(),
                server.state()["height"].as_u64()
            ),
            (Some(480), Some(640))
        );
    }
}
