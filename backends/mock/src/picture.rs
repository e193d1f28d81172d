//! The mock camera's picture controls — brightness, contrast, a colour-effect menu and a horizontal
//! flip — so that the whole controls path (API, live page, persistence) is tested against a picture
//! that visibly changes. Names, ranges and menu items follow V4L2's (`color_effects` 0-3 are
//! `V4L2_COLORFX_NONE`, `BW`, `SEPIA`, `NEGATIVE`).
//!
//! Values are atomics shared between the handle (any thread) and the capture thread, which reads them
//! once per frame: setting a control never waits for a frame and a frame never waits for a setting.
//! Like a camera that was unplugged, the mock forgets its values at every open
//! ([`PictureControls::reset`]), so the server's re-applying of saved values is really tested.

use std::sync::atomic::{AtomicI64, Ordering::Relaxed};

use pistream_camera::controls::find_control;
use pistream_camera::{CameraControls, ControlError, ControlInfo, ControlKind, MenuItem};

/// A control's fixed description.
struct Def {
    label: &'static str,
    kind: ControlKind,
    min: i64,
    max: i64,
    default: i64,
    menu: &'static [&'static str],
}

const BRIGHTNESS: usize = 0;
const CONTRAST: usize = 1;
const EFFECT: usize = 2;
const HFLIP: usize = 3;

const DEFS: [Def; 4] = [
    Def {
        label: "Brightness",
        kind: ControlKind::Int,
        min: -64,
        max: 64,
        default: 0,
        menu: &[],
    },
    Def {
        label: "Contrast",
        kind: ControlKind::Int,
        min: 0,
        max: 200,
        default: 100,
        menu: &[],
    },
    Def {
        label: "Color Effects",
        kind: ControlKind::Menu,
        min: 0,
        max: 3,
        default: 0,
        menu: &["None", "Black & White", "Sepia", "Negative"],
    },
    Def {
        label: "Horizontal Flip",
        kind: ControlKind::Bool,
        min: 0,
        max: 1,
        default: 0,
        menu: &[],
    },
];

/// The mock's control values, shared by the camera (which draws with them) and the server.
#[derive(Debug)]
pub struct PictureControls {
    values: [AtomicI64; 4],
}

impl Default for PictureControls {
    fn default() -> Self {
        PictureControls {
            values: DEFS.map(|d| AtomicI64::new(d.default)),
        }
    }
}

impl PictureControls {
    /// Every control at its default.
    pub fn new() -> PictureControls {
        PictureControls::default()
    }

    /// Back to the defaults (at open, as a freshly plugged camera).
    pub fn reset(&self) {
        for (v, d) in self.values.iter().zip(&DEFS) {
            v.store(d.default, Relaxed);
        }
    }

    fn info(&self, i: usize) -> ControlInfo {
        let d = &DEFS[i];
        ControlInfo {
            name: pistream_camera::controls::machine_name(d.label),
            label: d.label.to_string(),
            kind: d.kind,
            min: d.min,
            max: d.max,
            step: 1,
            default: d.default,
            value: self.values[i].load(Relaxed),
            menu: d
                .menu
                .iter()
                .enumerate()
                .map(|(v, l)| MenuItem {
                    value: v as i64,
                    label: l.to_string(),
                })
                .collect(),
            inactive: false,
            read_only: false,
        }
    }

    /// Applies the current values to a YUYV frame in place (nothing to do at the defaults).
    pub(crate) fn apply(&self, yuyv: &mut [u8], width: usize) {
        let [b, c, e, f] =
            [BRIGHTNESS, CONTRAST, EFFECT, HFLIP].map(|i| self.values[i].load(Relaxed));
        if b != 0 || c != 100 || e != 0 {
            let negative = e == 3;
            let luma: Vec<u8> = (0..256i64)
                .map(|y| {
                    let v = ((y - 128) * c / 100 + 128 + b).clamp(0, 255);
                    if negative {
                        255 - v as u8
                    } else {
                        v as u8
                    }
                })
                .collect();
            // Black & white and sepia set a fixed chroma; negative inverts it.
            let chroma: Option<(u8, u8)> = match e {
                1 => Some((128, 128)),
                2 => Some((108, 148)),
                _ => None,
            };
            for px in yuyv.chunks_exact_mut(4) {
                px[0] = luma[px[0] as usize];
                px[2] = luma[px[2] as usize];
                match chroma {
                    Some((cb, cr)) => (px[1], px[3]) = (cb, cr),
                    None if negative => (px[1], px[3]) = (255 - px[1], 255 - px[3]),
                    None => {}
                }
            }
        }
        if f != 0 && width >= 2 {
            for row in yuyv.chunks_exact_mut(width * 2) {
                // Mirror pixel pairs, and the two pixels within each pair; chroma stays with its pair.
                let pairs = row.len() / 4;
                for i in 0..pairs / 2 {
                    let (a, b) = (i * 4, (pairs - 1 - i) * 4);
                    for k in 0..4 {
                        row.swap(a + k, b + k);
                    }
                }
                for px in row.chunks_exact_mut(4) {
                    px.swap(0, 2);
                }
            }
        }
    }
}

impl CameraControls for PictureControls {
    fn list(&self) -> Result<Vec<ControlInfo>, ControlError> {
        Ok((0..DEFS.len()).map(|i| self.info(i)).collect())
    }

    fn set(&self, name: &str, value: i64) -> Result<ControlInfo, ControlError> {
        let info = find_control(self.list()?, name)?;
        info.check(value)?;
        let i = DEFS
            .iter()
            .position(|d| d.label == info.label)
            .ok_or(ControlError::Unknown {
                name: name.to_string(),
                known: Vec::new(),
            })?;
        self.values[i].store(value, Relaxed);
        Ok(self.info(i))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_v4l2_like_names_and_sets_in_range_only() {
        let p = PictureControls::new();
        let names: Vec<String> = p.list().unwrap().into_iter().map(|c| c.name).collect();
        assert_eq!(
            names,
            ["brightness", "contrast", "color_effects", "horizontal_flip"]
        );
        assert_eq!(p.set("brightness", 40).unwrap().value, 40);
        assert!(matches!(
            p.set("brightness", 65),
            Err(ControlError::Invalid(_))
        ));
        assert!(matches!(p.set("hue", 1), Err(ControlError::Unknown { .. })));
        assert_eq!(p.list().unwrap()[0].value, 40);
        p.reset();
        assert_eq!(p.list().unwrap()[0].value, 0);
    }

    #[test]
    fn brightness_effect_and_flip_change_the_pixels() {
        let p = PictureControls::new();
        // Two pixel pairs: (Y0 U Y1 V) (Y2 U Y3 V).
        let original = [100u8, 90, 110, 160, 120, 80, 130, 170];
        let mut f = original;
        p.apply(&mut f, 4);
        assert_eq!(f, original, "defaults leave the frame alone");
        p.set("brightness", 20).unwrap();
        p.apply(&mut f, 4);
        assert_eq!([f[0], f[2], f[4], f[6]], [120, 130, 140, 150]);
        p.reset();
        p.set("color_effects", 1).unwrap();
        let mut f = original;
        p.apply(&mut f, 4);
        assert_eq!([f[1], f[3], f[5], f[7]], [128; 4], "black and white");
        p.reset();
        p.set("horizontal_flip", 1).unwrap();
        let mut f = original;
        p.apply(&mut f, 4);
        assert_eq!(f, [130, 80, 120, 170, 110, 90, 100, 160]);
    }
}
