//! The V4L2 camera's controls (brightness, contrast, exposure, white balance, focus, power-line
//! frequency...) through rscam: `VIDIOC_QUERYCTRL` walked with `NEXT_CTRL`, `QUERYMENU`, `G_CTRL`,
//! and `S_EXT_CTRLS` to set.
//!
//! The handle shares the open rscam camera with the capture thread (`Arc`): a control ioctl runs on
//! the caller's thread on the same fd while that thread sits in `VIDIOC_DQBUF`, which the kernel
//! allows, so setting a control never waits for a frame and capture never waits for a control.
//! (Through libv4l2, which serialises some calls per device, a control call may wait at most for the
//! frame being dequeued.) Before the backend stops capture it detaches the camera from the handle, so
//! the device is closed with the capture thread's last reference and a reopen does not find it busy.
//!
//! A value is checked against the control's range, step and menu items before the ioctl: a driver
//! silently clamps an out-of-range integer, and the user should hear that the value was wrong.

use std::io;
use std::sync::Arc;

use parking_lot::{Mutex, MutexGuard};

use pistream_camera::controls::{find_control, machine_name};
use pistream_camera::{CameraControls, ControlError, ControlInfo, ControlKind, MenuItem};
use rscam::CtrlData;

/// `V4L2_CTRL_FLAG_READ_ONLY` and `V4L2_CTRL_FLAG_INACTIVE`.
const FLAG_READ_ONLY: u32 = 0x0004;
const FLAG_INACTIVE: u32 = 0x0010;
/// `V4L2_CTRL_FLAG_DISABLED`: a control the driver lists but does not offer.
const FLAG_DISABLED: u32 = 0x0001;

/// The controls of whichever device the backend has open.
#[derive(Default)]
pub struct V4l2Controls {
    open: Mutex<Option<(Arc<rscam::Camera>, String)>>,
}

impl V4l2Controls {
    /// From now on, controls are those of `camera` (open on `device`).
    pub(crate) fn attach(&self, camera: Arc<rscam::Camera>, device: &str) {
        *self.lock() = Some((camera, device.to_string()));
    }

    /// The camera is closing: no more control calls reach it.
    pub(crate) fn detach(&self) {
        self.lock().take();
    }

    fn camera(&self) -> Result<(Arc<rscam::Camera>, String), ControlError> {
        self.lock().clone().ok_or(ControlError::NotOpen)
    }

    fn lock(&self) -> MutexGuard<'_, Option<(Arc<rscam::Camera>, String)>> {
        self.open.lock()
    }
}

impl CameraControls for V4l2Controls {
    fn list(&self) -> Result<Vec<ControlInfo>, ControlError> {
        let (camera, device) = self.camera()?;
        list(&camera, &device)
    }

    fn set(&self, name: &str, value: i64) -> Result<ControlInfo, ControlError> {
        let (camera, device) = self.camera()?;
        let all = ids_and_infos(&camera, &device)?;
        let known: Vec<ControlInfo> = all.iter().map(|(_, c)| c.clone()).collect();
        let info = find_control(known, name)?;
        info.check(value)?;
        let id = all
            .iter()
            .find(|(_, c)| c.name == info.name)
            .map(|(id, _)| *id)
            .ok_or(ControlError::NotOpen)?;
        camera
            .set_control(id, &value)
            .map_err(|e| set_error(&device, &info, value, e))?;
        let ctrl = camera
            .get_control(id)
            .map_err(|e| device_error(&device, e))?;
        info_of(&ctrl).ok_or_else(|| ControlError::Device(format!("{device}: {name} vanished")))
    }
}

fn list(camera: &rscam::Camera, device: &str) -> Result<Vec<ControlInfo>, ControlError> {
    Ok(ids_and_infos(camera, device)?
        .into_iter()
        .map(|(_, c)| c)
        .collect())
}

/// Every control pistream offers, with its V4L2 id. Class headings, buttons, strings and bitmasks
/// are left out: they are not settings a slider, checkbox or menu can show.
fn ids_and_infos(
    camera: &rscam::Camera,
    device: &str,
) -> Result<Vec<(u32, ControlInfo)>, ControlError> {
    let mut out: Vec<(u32, ControlInfo)> = Vec::new();
    for ctrl in camera.controls() {
        let ctrl = ctrl.map_err(|e| device_error(device, e))?;
        if ctrl.flags & FLAG_DISABLED != 0 {
            continue;
        }
        if let Some(info) = info_of(&ctrl) {
            // Two labels that reduce to one name: keep the first, as v4l2-ctl would show both.
            if !out.iter().any(|(_, c)| c.name == info.name) {
                out.push((ctrl.id, info));
            }
        }
    }
    Ok(out)
}

fn info_of(ctrl: &rscam::Control) -> Option<ControlInfo> {
    let (kind, min, max, step, default, value, menu) = match &ctrl.data {
        CtrlData::Integer {
            value,
            default,
            minimum,
            maximum,
            step,
        } => (
            ControlKind::Int,
            *minimum as i64,
            *maximum as i64,
            (*step).max(1) as i64,
            *default as i64,
            *value as i64,
            Vec::new(),
        ),
        CtrlData::Integer64 {
            value,
            default,
            minimum,
            maximum,
            step,
        } => (
            ControlKind::Int,
            *minimum,
            *maximum,
            (*step).max(1),
            *default,
            *value,
            Vec::new(),
        ),
        CtrlData::Boolean { value, default } => (
            ControlKind::Bool,
            0,
            1,
            1,
            *default as i64,
            *value as i64,
            Vec::new(),
        ),
        CtrlData::Menu {
            value,
            default,
            items,
        } => {
            let menu: Vec<MenuItem> = items
                .iter()
                .map(|i| MenuItem {
                    value: i.index as i64,
                    label: i.name.clone(),
                })
                .collect();
            let (lo, hi) = bounds(&menu);
            (
                ControlKind::Menu,
                lo,
                hi,
                1,
                *default as i64,
                *value as i64,
                menu,
            )
        }
        CtrlData::IntegerMenu {
            value,
            default,
            items,
        } => {
            let menu: Vec<MenuItem> = items
                .iter()
                .map(|i| MenuItem {
                    value: i.index as i64,
                    label: i.value.to_string(),
                })
                .collect();
            let (lo, hi) = bounds(&menu);
            (
                ControlKind::Menu,
                lo,
                hi,
                1,
                *default as i64,
                *value as i64,
                menu,
            )
        }
        _ => return None,
    };
    Some(ControlInfo {
        name: machine_name(&ctrl.name),
        label: ctrl.name.clone(),
        kind,
        min,
        max,
        step,
        default,
        value,
        menu,
        inactive: ctrl.flags & FLAG_INACTIVE != 0,
        read_only: ctrl.flags & FLAG_READ_ONLY != 0,
    })
}

fn bounds(menu: &[MenuItem]) -> (i64, i64) {
    (
        menu.iter().map(|i| i.value).min().unwrap_or(0),
        menu.iter().map(|i| i.value).max().unwrap_or(0),
    )
}

/// What a failed `S_EXT_CTRLS` means for the user.
fn set_error(device: &str, info: &ControlInfo, value: i64, e: io::Error) -> ControlError {
    let name = &info.name;
    match e.raw_os_error() {
        Some(libc::EACCES) | Some(libc::EBUSY) | Some(libc::EPERM) if info.inactive => {
            ControlError::Refused(format!(
                "{name} is inactive: an automatic mode sets it now (turn the matching auto control off first)"
            ))
        }
        Some(libc::EACCES) | Some(libc::EBUSY) | Some(libc::EPERM) => ControlError::Refused(
            format!("{device} does not take {name} = {value} now ({e})"),
        ),
        Some(libc::ERANGE) | Some(libc::EINVAL) => {
            ControlError::Invalid(format!("{device} refuses {name} = {value} ({e})"))
        }
        _ => device_error(device, e),
    }
}

fn device_error(device: &str, e: io::Error) -> ControlError {
    match e.raw_os_error() {
        Some(libc::ENODEV) | Some(libc::EIO) => ControlError::NotOpen,
        _ => ControlError::Device(format!("{device}: {e}")),
    }
}
