//! Simulated camera controls and the control ioctls rscam issues: `VIDIOC_QUERYCTRL` (by id, and the
//! `NEXT_CTRL` walk), `VIDIOC_QUERYMENU`, `VIDIOC_G_CTRL`/`S_CTRL` and `VIDIOC_G/S/TRY_EXT_CTRLS`
//! (rscam sets through `S_EXT_CTRLS`).
//!
//! Answered as the kernel's control framework and uvcvideo answer: an integer out of range is
//! silently clamped (and rounded to the step), a menu index outside the range is `ERANGE` and a
//! skipped one `EINVAL`, a read-only control or one that an auto control governs now (manual
//! exposure while exposure is automatic) is `EACCES`, an unknown id `EINVAL`. Values belong to the
//! device, not the fd: they survive close and open, and go back to the defaults when the camera is
//! unplugged, as a real camera's do.

use libc::c_int;

use crate::abi::*;
use crate::device::{sim, Device};

/// `V4L2_CTRL_TYPE_*` the simulator offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SimControlType {
    Integer = 1,
    Boolean = 2,
    Menu = 3,
    /// A class heading in the listing (`User Controls`): no value.
    Class = 6,
}

/// One control of a simulated camera.
#[derive(Debug, Clone)]
pub struct SimControl {
    pub id: u32,
    pub typ: SimControlType,
    pub name: String,
    pub min: i32,
    pub max: i32,
    pub step: i32,
    pub default: i32,
    pub value: i32,
    /// Menu item names by index from 0; `None` for an index the driver skips.
    pub menu: Vec<Option<String>>,
    pub read_only: bool,
    /// Inactive unless control `.0` has value `.1` (exposure_absolute needs exposure_auto = manual).
    pub active_when: Option<(u32, i32)>,
}

impl SimControl {
    pub fn int(id: u32, name: &str, min: i32, max: i32, step: i32, default: i32) -> SimControl {
        SimControl {
            id,
            typ: SimControlType::Integer,
            name: name.to_string(),
            min,
            max,
            step,
            default,
            value: default,
            menu: Vec::new(),
            read_only: false,
            active_when: None,
        }
    }

    pub fn boolean(id: u32, name: &str, default: bool) -> SimControl {
        SimControl {
            typ: SimControlType::Boolean,
            ..SimControl::int(id, name, 0, 1, 1, default as i32)
        }
    }

    /// A menu whose items are `items` by index; `None` marks an index the driver skips.
    pub fn menu(id: u32, name: &str, items: &[Option<&str>], default: i32) -> SimControl {
        let first = items.iter().position(Option::is_some).unwrap_or(0) as i32;
        SimControl {
            typ: SimControlType::Menu,
            menu: items.iter().map(|i| i.map(str::to_string)).collect(),
            ..SimControl::int(id, name, first, items.len() as i32 - 1, 1, default)
        }
    }

    pub fn class(id: u32, name: &str) -> SimControl {
        SimControl {
            typ: SimControlType::Class,
            ..SimControl::int(id, name, 0, 0, 0, 0)
        }
    }

    /// This control is inactive unless control `id` has `value`.
    pub fn active_when(mut self, id: u32, value: i32) -> SimControl {
        self.active_when = Some((id, value));
        self
    }
}

/// A typical UVC webcam's controls (ids from `linux/v4l2-controls.h`).
pub fn uvc_controls() -> Vec<SimControl> {
    const USER: u32 = 0x0098_0900;
    const CAMERA: u32 = 0x009a_0900;
    vec![
        SimControl::class(0x0098_0001, "User Controls"),
        SimControl::int(USER, "Brightness", 0, 255, 1, 128),
        SimControl::int(USER + 1, "Contrast", 0, 255, 1, 32),
        SimControl::boolean(USER + 12, "White Balance Temperature, Auto", true),
        SimControl::menu(
            USER + 24,
            "Power Line Frequency",
            &[Some("Disabled"), Some("50 Hz"), Some("60 Hz")],
            2,
        ),
        SimControl::int(USER + 26, "White Balance Temperature", 2800, 6500, 10, 4600)
            .active_when(USER + 12, 0),
        SimControl::class(0x009a_0001, "Camera Controls"),
        SimControl::menu(
            CAMERA + 1,
            "Exposure, Auto",
            &[
                None,
                Some("Manual Mode"),
                None,
                Some("Aperture Priority Mode"),
            ],
            3,
        ),
        SimControl::int(CAMERA + 2, "Exposure (Absolute)", 3, 2047, 1, 250)
            .active_when(CAMERA + 1, 1),
    ]
}

fn inactive(dev: &Device, c: &SimControl) -> bool {
    c.active_when.is_some_and(|(id, v)| {
        dev.controls
            .iter()
            .find(|o| o.id == id)
            .is_some_and(|o| o.value != v)
    })
}

fn copy_name(dst: &mut [u8; 32], name: &str) {
    *dst = [0; 32];
    let n = name.len().min(31);
    dst[..n].copy_from_slice(&name.as_bytes()[..n]);
}

pub(crate) fn queryctrl(fd: c_int, q: &mut QueryCtrl) -> Result<(), c_int> {
    let mut reg = sim().state.lock();
    let (_, dev) = reg.live(fd)?;
    let next = q.id & CTRL_FLAG_NEXT_CTRL != 0;
    let id = q.id & !(CTRL_FLAG_NEXT_CTRL | CTRL_FLAG_NEXT_COMPOUND);
    let c = if next {
        dev.controls
            .iter()
            .filter(|c| c.id > id)
            .min_by_key(|c| c.id)
    } else {
        dev.controls.iter().find(|c| c.id == id)
    }
    .ok_or(libc::EINVAL)?;
    q.id = c.id;
    q.typ = c.typ as u32;
    copy_name(&mut q.name, &c.name);
    q.minimum = c.min;
    q.maximum = c.max;
    q.step = c.step;
    q.default_value = c.default;
    q.flags = if c.read_only { CTRL_FLAG_READ_ONLY } else { 0 }
        | if inactive(dev, c) {
            CTRL_FLAG_INACTIVE
        } else {
            0
        };
    q.reserved = [0; 2];
    Ok(())
}

pub(crate) fn querymenu(fd: c_int, m: &mut QueryMenu) -> Result<(), c_int> {
    let mut reg = sim().state.lock();
    let (_, dev) = reg.live(fd)?;
    let (id, index) = (m.id, m.index);
    let c = dev
        .controls
        .iter()
        .find(|c| c.id == id && c.typ == SimControlType::Menu)
        .ok_or(libc::EINVAL)?;
    let name = c
        .menu
        .get(index as usize)
        .and_then(Option::as_ref)
        .ok_or(libc::EINVAL)?;
    let mut bytes = [0u8; 32];
    copy_name(&mut bytes, name);
    m.name = bytes;
    Ok(())
}

fn get(dev: &Device, id: u32) -> Result<i32, c_int> {
    let c = dev
        .controls
        .iter()
        .find(|c| c.id == id)
        .ok_or(libc::EINVAL)?;
    if c.typ == SimControlType::Class {
        return Err(libc::EACCES);
    }
    Ok(c.value)
}

/// Validates `value` as the kernel does (clamping integers) and stores it unless `try_only`.
fn set(dev: &mut Device, id: u32, value: i64, try_only: bool) -> Result<(), c_int> {
    let i = dev
        .controls
        .iter()
        .position(|c| c.id == id)
        .ok_or(libc::EINVAL)?;
    let c = &dev.controls[i];
    if c.read_only || c.typ == SimControlType::Class || inactive(dev, c) {
        return Err(libc::EACCES);
    }
    let value = match c.typ {
        SimControlType::Integer => {
            let v = value.clamp(c.min as i64, c.max as i64) as i32;
            let step = c.step.max(1);
            c.min + (v - c.min + step / 2) / step * step
        }
        SimControlType::Boolean => (value != 0) as i32,
        _ => {
            if value < c.min as i64 || value > c.max as i64 {
                return Err(libc::ERANGE);
            }
            if c.menu.get(value as usize).is_none_or(Option::is_none) {
                return Err(libc::EINVAL);
            }
            value as i32
        }
    };
    if !try_only {
        dev.controls[i].value = value;
    }
    Ok(())
}

pub(crate) fn g_ctrl(fd: c_int, c: &mut Control) -> Result<(), c_int> {
    let mut reg = sim().state.lock();
    let (_, dev) = reg.live(fd)?;
    c.value = get(dev, c.id)?;
    Ok(())
}

pub(crate) fn s_ctrl(fd: c_int, c: &mut Control) -> Result<(), c_int> {
    let mut reg = sim().state.lock();
    let (_, dev) = reg.live(fd)?;
    set(dev, c.id, c.value as i64, false)?;
    c.value = get(dev, c.id)?;
    Ok(())
}

/// G/S/TRY_EXT_CTRLS: every control of the array, stopping at the first that fails (its index in
/// `error_idx`, as the kernel reports it).
///
/// # Safety
/// `e.controls` must point to `e.count` controls.
pub(crate) unsafe fn ext_ctrls(fd: c_int, e: &mut ExtControls, request: u64) -> Result<(), c_int> {
    let mut reg = sim().state.lock();
    let (_, dev) = reg.live(fd)?;
    for i in 0..e.count as usize {
        let p = e.controls.add(i);
        let mut ctrl = std::ptr::read_unaligned(p);
        let result = match request {
            VIDIOC_G_EXT_CTRLS => get(dev, ctrl.id).map(|v| ctrl.value = v as i64),
            VIDIOC_S_EXT_CTRLS => set(dev, ctrl.id, ctrl.value, false),
            _ => set(dev, ctrl.id, ctrl.value, true),
        };
        if let Err(errno) = result {
            e.error_idx = i as u32;
            return Err(errno);
        }
        std::ptr::write_unaligned(p, ctrl);
    }
    Ok(())
}
