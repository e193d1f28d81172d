//! The mock camera's picture: a YUYV test scene that looks (to a JPEG encoder) like a real camera's.
//!
//! At open, a static scene is rendered once: colour bars and a grey ramp, both overlaid with a fixed
//! "texture" (per-pixel and 4x4-blocky noise, as foliage or fabric would give), and a table of sensor
//! noise laid out as YUYV bytes. Each frame then only adds a noise row to each scene row at a new
//! offset (one saturating byte-wise add: vectorised; every frame differs everywhere, like a real
//! sensor), draws a moving checkered box, and writes the wall clock and frame counter, straight into
//! a buffer from the frame pool ([`pistream_camera::pool`]): no copy, and no allocation once the
//! pipeline hands its buffers back. The mock's drawing must never be what limits a measurement of
//! the server (`cargo bench -p pistream-mock --bench render`; docs/BENCHMARKS.md).
//!
//! Measured (release, this scene): a 640x480 frame encoded by `pistream::encode::FastEncoder` at
//! quality 80 (4:2:0) weighs 51 KB on average over 50 frames (1280x720: 148 KB, 1920x1080: 330 KB),
//! like a webcam's; the size test in `src/video/encode/fast.rs` keeps it within 30-90 KB.

use std::sync::Arc;
use std::time::SystemTime;

use pistream_camera::font;
use pistream_camera::pool::{self, FramePool, PoolCounters};

use crate::picture::PictureControls;

/// Amplitude (luma steps, +-) of the fixed per-pixel scene texture. Tuned so that a 640x480 frame at
/// quality 80 weighs ~50 KB.
const TEXTURE_FINE: i32 = 7;
/// Amplitude of the fixed 4x4-blocky scene texture.
const TEXTURE_COARSE: i32 = 12;
/// Amplitude of the per-frame sensor noise.
const SENSOR_NOISE: i32 = 3;
/// Rows in the sensor noise table (it repeats vertically with this period, invisibly).
const NOISE_ROWS: usize = 251;
/// Extra columns in the noise table, so a frame can start anywhere in them and still read a row slice.
const NOISE_PAD: usize = 256;

/// 75% colour bars (white, yellow, cyan, green, magenta, red, blue, black) as full-range Y, Cb, Cr.
const BARS: [(u8, u8, u8); 8] = [
    (191, 128, 128),
    (170, 32, 139),
    (134, 149, 32),
    (113, 53, 43),
    (78, 203, 213),
    (57, 107, 224),
    (21, 224, 117),
    (16, 128, 128),
];

/// A tiny deterministic generator (xorshift64*): used at open for the tables, and once per frame.
#[derive(Debug, Clone)]
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Rng {
        Rng(seed | 1)
    }

    pub(crate) fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A value in `-amp..=amp`.
    fn centered(&mut self, amp: i32) -> i32 {
        (self.next() >> 33) as i32 % (2 * amp + 1) - amp
    }
}

/// The scene, the noise table and the pool of frame buffers for one frame size.
pub(crate) struct Pattern {
    width: usize,
    height: usize,
    scene: Vec<u8>,
    /// Sensor noise laid out as YUYV bytes: noise at the luma bytes, zero at the chroma bytes, so a
    /// row of a frame is one saturating byte-wise add of a scene row and a noise row (the compiler
    /// vectorises it), with no per-pixel branching on which byte is which.
    noise: Vec<i8>,
    noise_stride: usize,
    rng: Rng,
    buffers: FramePool,
}

impl Pattern {
    /// Renders the static scene and noise table for a `width` (even) x `height` frame; its frame
    /// buffers count their reuse in `counters`.
    pub(crate) fn new(width: u32, height: u32, counters: Arc<PoolCounters>) -> Pattern {
        let (w, h) = (width as usize, height as usize);
        let mut rng = Rng::new(0x5EED_CAFE);
        let mut scene = vec![0u8; w * h * 2];
        let bars_end = h * 2 / 3;
        // Coarse texture: one value per 4x4 block.
        let cw = w.div_ceil(4);
        let coarse: Vec<i32> = (0..cw * h.div_ceil(4))
            .map(|_| rng.centered(TEXTURE_COARSE))
            .collect();
        for y in 0..h {
            let line = &mut scene[y * w * 2..(y + 1) * w * 2];
            for (pair, px) in line.chunks_exact_mut(4).enumerate() {
                let x = pair * 2;
                let (base_y, cb, cr) = if y < bars_end {
                    BARS[x * BARS.len() / w]
                } else {
                    // Grey ramp, left to right, with a faint tint so chroma is not flat.
                    let ramp = (16 + x * 219 / w) as u8;
                    (ramp, 120 + (y % 16) as u8, 136 - (x % 16) as u8)
                };
                for (i, lum) in [0usize, 2].into_iter().enumerate() {
                    let t = rng.centered(TEXTURE_FINE) + coarse[(y / 4) * cw + (x + i) / 4];
                    px[lum] = (base_y as i32 + t).clamp(0, 255) as u8;
                }
                px[1] = cb;
                px[3] = cr;
            }
        }
        let noise_stride = (w + NOISE_PAD) * 2;
        let noise = (0..noise_stride * NOISE_ROWS)
            .map(|i| match i % 2 {
                0 => rng.centered(SENSOR_NOISE) as i8,
                _ => 0,
            })
            .collect();
        Pattern {
            width: w,
            height: h,
            scene,
            noise,
            noise_stride,
            rng,
            buffers: FramePool::new(w * h * 2, pool::DEFAULT_KEEP, counters),
        }
    }

    /// Renders frame number `seq` taken at `time` through the camera's `picture` controls into a
    /// buffer from the pool (one nobody holds any more, or a new one while all are in use).
    pub(crate) fn render(
        &mut self,
        seq: u64,
        time: SystemTime,
        picture: &PictureControls,
    ) -> Arc<[u8]> {
        let r = self.rng.next();
        // Even, so that noise stays on luma bytes.
        let ox = ((r as usize) % NOISE_PAD) * 2;
        let oy = ((r >> 32) as usize) % NOISE_ROWS;
        let (w, h) = (self.width, self.height);
        // Only the other fields are borrowed inside (the pool is borrowed mutably around them).
        self.buffers.fill(|frame| {
            let row_len = w * 2;
            for (y, (dst, src)) in frame
                .chunks_exact_mut(row_len)
                .zip(self.scene.chunks_exact(row_len))
                .enumerate()
            {
                let start = ((y + oy) % NOISE_ROWS) * self.noise_stride + ox;
                let noise = &self.noise[start..start + row_len];
                for ((d, s), n) in dst.iter_mut().zip(src).zip(noise) {
                    *d = s.saturating_add_signed(*n);
                }
            }
            draw_moving_box(frame, w, h, seq);
            draw_overlay(frame, w, h, seq, time);
            picture.apply(frame, w);
        })
    }
}

/// A checkered box bouncing left and right across the bars: the part of the picture that moves.
fn draw_moving_box(frame: &mut [u8], w: usize, h: usize, seq: u64) {
    let side = (h / 5).max(8).min(w);
    let travel = (w - side).max(1) as u64;
    let step = (w as u64 / 160).max(1);
    let pos = (seq * step) % (2 * travel);
    let x0 = if pos < travel { pos } else { 2 * travel - pos } as usize & !1;
    let y0 = (h / 3).saturating_sub(side / 2);
    let cell = (side / 6).max(2);
    for y in y0..(y0 + side).min(h) {
        let line = y * w * 2;
        for x in (x0..(x0 + side).min(w)).step_by(2) {
            let dark = ((x - x0) / cell + (y - y0) / cell + seq as usize / 4).is_multiple_of(2);
            let (luma, cb, cr) = if dark { (40, 160, 90) } else { (220, 100, 160) };
            frame[line + x * 2..line + x * 2 + 4].copy_from_slice(&[luma, cb, luma, cr]);
        }
    }
}

/// The wall clock (local time, HH:MM:SS.mmm) and the frame counter, top left on a dark plate.
fn draw_overlay(buf: &mut [u8], w: usize, h: usize, seq: u64, time: SystemTime) {
    let (w, h) = (w as u32, h as u32);
    let scale = (h / 240).max(1);
    let clock = chrono::DateTime::<chrono::Local>::from(time)
        .format("%H:%M:%S%.3f")
        .to_string();
    let counter = format!("FRAME {seq}");
    let pad = 2 * scale;
    let line = font::text_height(scale) + pad;
    let plate_w = font::text_width(&clock, scale).max(font::text_width(&counter, scale));
    // The buffer was made for this size, so drawing cannot fail; ignore the Result quietly.
    let _ = font::fill_rect_yuyv(
        buf,
        w,
        h,
        0,
        0,
        plate_w + 2 * pad,
        2 * line + pad,
        (16, 128, 128),
    );
    let (x, y) = (pad as i32, pad as i32);
    let _ = font::draw_text_yuyv(buf, w, h, x, y, scale, &clock, 235);
    let _ = font::draw_text_yuyv(buf, w, h, x, y + line as i32, scale, &counter, 235);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn consecutive_frames_differ_but_keep_the_scene() {
        let mut p = Pattern::new(64, 48, Arc::default());
        let t = SystemTime::now();
        let a = p.render(1, t, &PictureControls::new());
        let b = p.render(2, t, &PictureControls::new());
        assert_eq!(a.len(), 64 * 48 * 2);
        assert_ne!(a, b);
        // Chroma of the bars away from the box and the overlay is the scene's, untouched by noise.
        let at = (47 * 64 + 60) * 2 + 1;
        assert_eq!(a[at], p.scene[at]);
    }

    #[test]
    fn tiny_and_odd_heights_do_not_panic() {
        for (w, h) in [(2, 1), (16, 16), (18, 7), (640, 1)] {
            let mut p = Pattern::new(w, h, Arc::default());
            assert_eq!(
                p.render(3, SystemTime::now(), &PictureControls::new())
                    .len(),
                (w * h * 2) as usize
            );
        }
    }
}
