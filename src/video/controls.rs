//! Camera controls as the server offers them: listing and setting through the camera's
//! [`CameraControls`] handle, saving every value set ([`ControlStore`]) and applying the saved values
//! again each time the camera opens.
//!
//! The handle is used beside the capture thread, never through it: a control set is a device call
//! made on a `blocking` thread while frames keep flowing, and the async executor never waits on the
//! device. Every request holds the camera open as a viewer would, and when it was closed waits for
//! its first live frame, by which time the saved values have been applied: what a request reads is
//! the open camera's state, and a device that can only be reached open (V4L2) is open.
//!
//! One lock orders a set (device, then file) against the re-apply at open, so the device and the
//! file never disagree after a set that raced a reopen.

use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;

use parking_lot::{Mutex, MutexGuard};
use std::time::Duration;

use pistream_camera::controls::find_control;
use pistream_camera::{CameraControls, ControlError, ControlInfo, ControlKind};

use crate::video::capture::{CaptureService, Unavailable};
use crate::video::control_store::ControlStore;

/// Why a control request failed.
#[derive(Debug, thiserror::Error)]
pub enum ControlFailure {
    #[error(transparent)]
    Control(#[from] ControlError),
    #[error("camera controls are not reachable: {0}")]
    Unavailable(#[from] Unavailable),
    #[error("{name} was set to {value}, but could not be saved to {file}: {error}")]
    Save {
        name: String,
        value: i64,
        file: String,
        error: std::io::Error,
    },
}

/// Where the current camera's controls handle comes from (the capture stage remakes a camera that
/// panicked or hung, and the new one has its own handle).
pub type HandleSource = Box<dyn Fn() -> Option<Arc<dyn CameraControls>> + Send + Sync>;

/// The camera's controls and their saved values.
pub struct ControlService {
    handle: HandleSource,
    store: ControlStore,
    apply_lock: Mutex<()>,
}

impl ControlService {
    /// Controls through the handle `handle` gives (`None`: the camera has none), saved in `store`.
    pub fn new(handle: HandleSource, store: ControlStore) -> Arc<ControlService> {
        Arc::new(ControlService {
            handle,
            store,
            apply_lock: Mutex::new(()),
        })
    }

    /// Whether the camera has controls at all.
    pub fn available(&self) -> bool {
        (self.handle)().is_some()
    }

    pub fn store(&self) -> &ControlStore {
        &self.store
    }

    /// Every control with its current value; empty when the camera has none. Opens the camera if its
    /// controls can only be reached open, waiting at most `wait`.
    pub async fn list(
        self: &Arc<Self>,
        capture: &Arc<CaptureService>,
        wait: Duration,
    ) -> Result<Vec<ControlInfo>, ControlFailure> {
        let Some(handle) = (self.handle)() else {
            return Ok(Vec::new());
        };
        with_open_camera(capture, wait, move || Ok(handle.list()?)).await
    }

    /// Sets control `name` from a request's `value` (a JSON number, boolean or string: a menu item
    /// may be named by its label) and saves it. Answers the control's new state.
    pub async fn set(
        self: &Arc<Self>,
        capture: &Arc<CaptureService>,
        wait: Duration,
        name: String,
        value: serde_json::Value,
    ) -> Result<ControlInfo, ControlFailure> {
        let Some(handle) = (self.handle)() else {
            return Err(ControlError::Unknown {
                name,
                known: Vec::new(),
            }
            .into());
        };
        let me = self.clone();
        let set = move || -> Result<ControlInfo, ControlFailure> {
            let _order = me.lock();
            let info = find_control(handle.list()?, &name)?;
            let wanted = parse_value(&info, &value)?;
            let new = handle.set(&name, wanted)?;
            me.store
                .save(&name, wanted)
                .map_err(|error| ControlFailure::Save {
                    name: name.clone(),
                    value: wanted,
                    file: me.store.path().display().to_string(),
                    error,
                })?;
            log::info!("camera control {name} set to {wanted}");
            Ok(new)
        };
        with_open_camera(capture, wait, set).await
    }

    /// Applies the saved values to the camera (blocking; the capture thread calls it right after
    /// each open, before the first frame). On/off and menu controls go first: they decide whether
    /// the manual values after them (exposure, white balance temperature, focus) are active.
    pub fn reapply(&self) {
        let Some(handle) = (self.handle)() else {
            return;
        };
        let _order = self.lock();
        let saved = self.store.saved();
        if saved.is_empty() {
            return;
        }
        let list = match handle.list() {
            Ok(list) => list,
            Err(e) => {
                log::warn!("cannot re-apply the saved camera controls: {e}");
                return;
            }
        };
        let mut todo: Vec<(&ControlInfo, i64)> = list
            .iter()
            .filter_map(|c| saved.get(&c.name).map(|v| (c, *v)))
            .collect();
        todo.sort_by_key(|(c, _)| c.kind == ControlKind::Int);
        for name in saved.keys().filter(|n| !list.iter().any(|c| &c.name == *n)) {
            log::info!("saved camera control {name} is not on this camera: kept in the file");
        }
        let mut applied = 0;
        for (control, value) in todo {
            if control.value == value {
                continue;
            }
            match handle.set(&control.name, value) {
                Ok(_) => applied += 1,
                Err(e) => log::warn!("saved camera control {} = {value}: {e}", control.name),
            }
        }
        if applied > 0 {
            log::info!(
                "re-applied {applied} saved camera control(s) from {}",
                self.store.path().display()
            );
        }
    }

    fn lock(&self) -> MutexGuard<'_, ()> {
        self.apply_lock.lock()
    }
}

/// Runs the blocking `call` off the executor while holding the camera open (opening it first if it
/// is not, and waiting for a live frame); when the device still answers `NotOpen` (closed meanwhile
/// by a fault), waits for the next live frame and tries once more.
async fn with_open_camera<T: Send + 'static>(
    capture: &Arc<CaptureService>,
    wait: Duration,
    call: impl Fn() -> Result<T, ControlFailure> + Send + Sync + 'static,
) -> Result<T, ControlFailure> {
    let _demand = capture.demand();
    // Values are read from, and set on, the open camera: after a (re)start the saved values are
    // applied at open, before the first frame, so a closed mock would still show its defaults.
    if !capture.stats.online.load(Relaxed) {
        capture.fresh_frame(wait).await?;
    }
    let call = Arc::new(call);
    let first = call.clone();
    match blocking::unblock(move || first()).await {
        Err(ControlFailure::Control(ControlError::NotOpen)) => {
            capture.fresh_frame(wait).await?;
            blocking::unblock(move || call()).await
        }
        other => other,
    }
}

/// The `i64` a request's value means for `info`, or why it does not fit, in words. Form fields
/// arrive as strings, so a string may carry a number, `true`/`false`/`on`/`off`, or a menu label.
pub fn parse_value(info: &ControlInfo, value: &serde_json::Value) -> Result<i64, ControlError> {
    use serde_json::Value;
    let name = &info.name;
    let parsed = match (info.kind, value) {
        (ControlKind::Bool, Value::Bool(b)) => Some(*b as i64),
        (ControlKind::Bool, Value::String(s)) => match s.trim().to_ascii_lowercase().as_str() {
            "true" | "on" | "yes" | "1" => Some(1),
            "false" | "off" | "no" | "0" => Some(0),
            _ => None,
        },
        (ControlKind::Menu, Value::String(s)) => info
            .menu
            .iter()
            .find(|i| i.label.eq_ignore_ascii_case(s.trim()))
            .map(|i| i.value)
            .or_else(|| s.trim().parse().ok()),
        (_, Value::Number(n)) => n.as_i64(),
        (ControlKind::Int, Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    };
    let parsed = parsed.ok_or_else(|| {
        let wants = match info.kind {
            ControlKind::Int => format!("a whole number from {} to {}", info.min, info.max),
            ControlKind::Bool => "true or false".to_string(),
            ControlKind::Menu => {
                let items: Vec<String> = info
                    .menu
                    .iter()
                    .map(|i| format!("{} ({})", i.value, i.label))
                    .collect();
                format!("one of {}", items.join(", "))
            }
        };
        ControlError::Invalid(format!("{name} takes {wants}, not {value}"))
    })?;
    info.check(parsed)?;
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use pistream_camera::MenuItem;
    use serde_json::json;

    fn menu() -> ControlInfo {
        ControlInfo {
            name: "power_line_frequency".into(),
            label: "Power Line Frequency".into(),
            kind: ControlKind::Menu,
            min: 0,
            max: 2,
            step: 1,
            default: 1,
            value: 1,
            menu: ["Disabled", "50 Hz", "60 Hz"]
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

    #[test]
    fn menus_take_an_index_or_a_label() {
        let m = menu();
        assert_eq!(parse_value(&m, &json!(2)), Ok(2));
        assert_eq!(parse_value(&m, &json!("50 hz")), Ok(1));
        assert_eq!(parse_value(&m, &json!("0")), Ok(0));
        let e = parse_value(&m, &json!("70 Hz")).unwrap_err().to_string();
        assert!(e.contains("1 (50 Hz)"), "{e}");
    }

    #[test]
    fn booleans_and_integers_take_form_strings_and_refuse_the_rest() {
        let mut b = menu();
        b.kind = ControlKind::Bool;
        b.menu.clear();
        assert_eq!(parse_value(&b, &json!(true)), Ok(1));
        assert_eq!(parse_value(&b, &json!("off")), Ok(0));
        assert!(parse_value(&b, &json!("maybe")).is_err());
        let mut i = b.clone();
        i.kind = ControlKind::Int;
        i.max = 255;
        assert_eq!(parse_value(&i, &json!(" 40 ")), Ok(40));
        let e = parse_value(&i, &json!(true)).unwrap_err().to_string();
        assert!(e.contains("a whole number from 0 to 255, not true"), "{e}");
        assert!(parse_value(&i, &json!(4.5)).is_err());
        assert!(parse_value(&i, &json!(256)).is_err());
    }
}
