//! Choosing the capture mode: which of the device's formats, sizes and frame intervals come nearest to
//! what was asked. Pure functions over what the device enumerated, so every rule is unit-tested.
//!
//! Rules: the nearest size wins (an exact size always); between equally near sizes the camera's own
//! MJPEG beats YUYV beats RGB24 (MJPEG is passed through without encoding; RGB is usually libv4l's
//! software conversion), and native formats beat ones libv4l emulates. The frame interval is the one
//! nearest to the asked rate. The chosen values are exactly ones the driver listed, because rscam's
//! `start` fails if the driver adjusts anything.

use pistream_camera::PixelFormat;
use rscam::{IntervalInfo, ResolutionInfo};

/// The fourccs we capture, as the pixel format we deliver them in.
pub fn pixel_format(fourcc: &[u8; 4]) -> Option<PixelFormat> {
    match fourcc {
        b"MJPG" | b"JPEG" => Some(PixelFormat::Jpeg),
        b"YUYV" => Some(PixelFormat::Yuyv),
        b"RGB3" => Some(PixelFormat::Rgb24),
        _ => None,
    }
}

/// One format the device offers, with its sizes.
pub struct Offer {
    pub fourcc: [u8; 4],
    pub emulated: bool,
    pub sizes: ResolutionInfo,
}

/// The chosen format and size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Choice {
    pub fourcc: [u8; 4],
    pub format: PixelFormat,
    pub size: (u32, u32),
}

fn preference(format: PixelFormat, emulated: bool) -> u32 {
    let base = match format {
        PixelFormat::Jpeg => 0,
        PixelFormat::Yuyv => 1,
        PixelFormat::Rgb24 => 2,
        PixelFormat::Bgra => 3,
    };
    base + if emulated { 10 } else { 0 }
}

fn distance((w, h): (u32, u32), (tw, th): (u32, u32)) -> u64 {
    (w as i64 - tw as i64).unsigned_abs() + (h as i64 - th as i64).unsigned_abs()
}

/// The offered value of a stepwise range nearest to `want`.
fn step_nearest(want: u32, min: u32, max: u32, step: u32) -> u32 {
    let v = want.clamp(min, max.max(min));
    if step <= 1 {
        return v;
    }
    let k = ((v - min) as f64 / step as f64).round() as u32;
    (min + k * step).min(max.max(min))
}

/// The size of `sizes` nearest to `want`.
pub fn nearest_size(sizes: &ResolutionInfo, want: (u32, u32)) -> Option<(u32, u32)> {
    match sizes {
        ResolutionInfo::Discretes(list) => list.iter().copied().min_by_key(|&s| {
            (
                distance(s, want),
                std::cmp::Reverse(s.0 as u64 * s.1 as u64),
            )
        }),
        ResolutionInfo::Stepwise { min, max, step } => Some((
            step_nearest(want.0, min.0, max.0, step.0),
            step_nearest(want.1, min.1, max.1, step.1),
        )),
    }
}

/// The best format and size for `want`, or `None` when the device offers no format we capture.
pub fn choose(offers: &[Offer], want: (u32, u32)) -> Option<Choice> {
    offers
        .iter()
        .filter_map(|o| {
            let format = pixel_format(&o.fourcc)?;
            let size = nearest_size(&o.sizes, want)?;
            let key = (distance(size, want), preference(format, o.emulated));
            Some((
                key,
                Choice {
                    fourcc: o.fourcc,
                    format,
                    size,
                },
            ))
        })
        .min_by_key(|(key, _)| *key)
        .map(|(_, choice)| choice)
}

fn fps_of((num, den): (u32, u32)) -> f64 {
    if num == 0 {
        0.0
    } else {
        den as f64 / num as f64
    }
}

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

/// Frame intervals to try for `fps`, nearest first (a driver may still refuse one; the caller tries
/// the next). A device that enumerates nothing usable gets the plain `1/fps`.
pub fn intervals_for(offered: Option<&IntervalInfo>, fps: f64) -> Vec<(u32, u32)> {
    let plain = (1, fps.round().max(1.0) as u32);
    let mut list = match offered {
        Some(IntervalInfo::Discretes(list)) => list
            .iter()
            .copied()
            .filter(|&(n, d)| n > 0 && d > 0)
            .collect::<Vec<_>>(),
        Some(IntervalInfo::Stepwise { min, max, step }) if min.1 > 0 && max.1 > 0 => {
            vec![stepwise_interval(*min, *max, *step, fps)]
        }
        _ => Vec::new(),
    };
    if list.is_empty() {
        list.push(plain);
    }
    // Nearest rate first; between equally near ones, the faster.
    list.sort_by(|&a, &b| {
        let (da, db) = ((fps_of(a) - fps).abs(), (fps_of(b) - fps).abs());
        da.total_cmp(&db).then(fps_of(b).total_cmp(&fps_of(a)))
    });
    list.dedup();
    list
}

/// `min + k*step` nearest to `1/fps`, clamped to `[min, max]`, as a reduced fraction.
fn stepwise_interval(min: (u32, u32), max: (u32, u32), step: (u32, u32), fps: f64) -> (u32, u32) {
    let (lo, hi) = (min.0 as f64 / min.1 as f64, max.0 as f64 / max.1 as f64);
    let want = (1.0 / fps).clamp(lo.min(hi), hi.max(lo));
    let step_s = if step.1 == 0 {
        0.0
    } else {
        step.0 as f64 / step.1 as f64
    };
    let k = if step_s > 0.0 {
        ((want - lo) / step_s).round() as u64
    } else {
        0
    };
    // min.0/min.1 + k*step.0/step.1 over the common denominator.
    let (num, den) = if step_s > 0.0 {
        (
            min.0 as u64 * step.1 as u64 + k * step.0 as u64 * min.1 as u64,
            min.1 as u64 * step.1 as u64,
        )
    } else {
        (min.0 as u64, min.1 as u64)
    };
    let g = gcd(num, den).max(1);
    ((num / g) as u32, (den / g) as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offer(fourcc: &[u8; 4], sizes: &[(u32, u32)]) -> Offer {
        Offer {
            fourcc: *fourcc,
            emulated: false,
            sizes: ResolutionInfo::Discretes(sizes.to_vec()),
        }
    }

    #[test]
    fn exact_mjpeg_wins_over_exact_yuyv() {
        let offers = [
            offer(b"YUYV", &[(640, 480)]),
            offer(b"MJPG", &[(640, 480), (1280, 720)]),
        ];
        let c = choose(&offers, (640, 480)).unwrap();
        assert_eq!((c.format, c.size), (PixelFormat::Jpeg, (640, 480)));
    }

    #[test]
    fn exact_yuyv_wins_over_a_near_mjpeg() {
        let offers = [
            offer(b"MJPG", &[(1280, 720)]),
            offer(b"YUYV", &[(800, 600)]),
        ];
        let c = choose(&offers, (800, 600)).unwrap();
        assert_eq!((c.fourcc, c.size), (*b"YUYV", (800, 600)));
    }

    #[test]
    fn nearest_size_when_none_is_exact_and_native_beats_emulated() {
        let mut rgb = offer(b"RGB3", &[(640, 480)]);
        rgb.emulated = true;
        let offers = [
            offer(b"H264", &[(640, 480)]),
            rgb,
            offer(b"YUYV", &[(320, 240), (640, 480)]),
        ];
        assert_eq!(choose(&offers, (648, 486)).unwrap().fourcc, *b"YUYV");
        assert_eq!(choose(&offers, (300, 200)).unwrap().size, (320, 240));
        assert_eq!(choose(&[offer(b"H264", &[(1, 1)])], (1, 1)), None);
    }

    #[test]
    fn stepwise_sizes_round_to_the_step() {
        let sizes = ResolutionInfo::Stepwise {
            min: (32, 32),
            max: (2592, 1944),
            step: (16, 8),
        };
        assert_eq!(nearest_size(&sizes, (641, 479)), Some((640, 480)));
        assert_eq!(nearest_size(&sizes, (5000, 10)), Some((2592, 32)));
    }

    #[test]
    fn interval_nearest_to_the_rate_first() {
        let offered = IntervalInfo::Discretes(vec![(1, 30), (1, 15), (1, 5)]);
        assert_eq!(
            intervals_for(Some(&offered), 20.0),
            [(1, 15), (1, 30), (1, 5)]
        );
        assert_eq!(intervals_for(Some(&offered), 100.0)[0], (1, 30));
        assert_eq!(intervals_for(None, 24.4), [(1, 24)]);
    }

    #[test]
    fn stepwise_interval_is_an_offered_fraction() {
        // 1/120 s .. 1 s in steps of 1/120 s: 25 fps is nearest at 5/120 = 1/24.
        let offered = IntervalInfo::Stepwise {
            min: (1, 120),
            max: (1, 1),
            step: (1, 120),
        };
        assert_eq!(intervals_for(Some(&offered), 25.0), [(1, 24)]);
        // A zeroed answer (driver without ENUM_FRAMEINTERVALS) falls back to 1/fps.
        let zero = IntervalInfo::Stepwise {
            min: (0, 0),
            max: (0, 0),
            step: (0, 0),
        };
        assert_eq!(intervals_for(Some(&zero), 30.0), [(1, 30)]);
    }
}
