//! Camera controls (brightness, contrast, exposure, white balance, a colour effect...): the optional
//! part of the camera contract.
//!
//! A backend that has controls hands out a [`CameraControls`] handle ([`crate::Camera::controls`]). The
//! handle is shared (`Arc`, `Send + Sync`) and used from threads other than the capture thread, while
//! the capture thread keeps delivering frames: setting a control must never wait for a frame, and
//! capture must never wait for a control. Its methods may block on device I/O (a V4L2 ioctl), so the
//! server calls them off the async executor. While the camera is closed, a handle whose device must
//! be open answers [`ControlError::NotOpen`]; the server then opens the camera and asks again.
//!
//! Every value is an `i64`: booleans are 0/1, menus their item's value. [`ControlInfo::check`] is the
//! one place a value is judged against a control's type and range, for every backend and the server.

use std::fmt;

/// What kind of value a control takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ControlKind {
    /// A whole number from `min` to `max` in steps of `step` (a slider).
    Int,
    /// Off (0) or on (1) (a checkbox).
    Bool,
    /// One of [`ControlInfo::menu`]'s items (a drop-down).
    Menu,
}

impl ControlKind {
    /// The name the API uses: `int`, `bool`, `menu`.
    pub fn as_str(self) -> &'static str {
        match self {
            ControlKind::Int => "int",
            ControlKind::Bool => "bool",
            ControlKind::Menu => "menu",
        }
    }
}

impl fmt::Display for ControlKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One choice of a menu control.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MenuItem {
    /// The value that selects it (V4L2: the menu index; indexes a driver skips are not listed).
    pub value: i64,
    /// What the camera calls it ("50 Hz", "Sepia").
    pub label: String,
}

/// A control as the camera describes it now, with its current value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ControlInfo {
    /// The stable machine name the API takes (`brightness`, `exposure_auto`): see [`machine_name`].
    pub name: String,
    /// What the camera calls it ("Exposure, Auto").
    pub label: String,
    pub kind: ControlKind,
    pub min: i64,
    pub max: i64,
    /// Distance between allowed values of an `Int` control (1 for the others).
    pub step: i64,
    pub default: i64,
    pub value: i64,
    /// The items of a `Menu` control; empty for the others.
    pub menu: Vec<MenuItem>,
    /// Set by another control now (manual exposure while exposure is automatic): setting it is
    /// refused or has no effect until that changes.
    pub inactive: bool,
    /// The camera reports but does not take this value.
    pub read_only: bool,
}

impl ControlInfo {
    /// Whether `value` is one this control takes; otherwise why not, in words for the user.
    pub fn check(&self, value: i64) -> Result<(), ControlError> {
        let name = &self.name;
        if self.read_only {
            return Err(ControlError::Invalid(format!(
                "{name} is read-only: the camera reports it but does not take a value"
            )));
        }
        match self.kind {
            ControlKind::Bool if value != 0 && value != 1 => Err(ControlError::Invalid(format!(
                "{name} is on or off (true/false, 1/0), not {value}"
            ))),
            ControlKind::Menu if !self.menu.iter().any(|i| i.value == value) => {
                let items: Vec<String> = self
                    .menu
                    .iter()
                    .map(|i| format!("{} ({})", i.value, i.label))
                    .collect();
                Err(ControlError::Invalid(format!(
                    "{value} is not one of {name}'s choices: {}",
                    items.join(", ")
                )))
            }
            ControlKind::Int if value < self.min || value > self.max => {
                Err(ControlError::Invalid(format!(
                    "{name} goes from {} to {}: {value} is out of range",
                    self.min, self.max
                )))
            }
            ControlKind::Int if self.step > 1 && (value - self.min) % self.step != 0 => {
                let below = value - (value - self.min) % self.step;
                Err(ControlError::Invalid(format!(
                    "{name} moves in steps of {} from {}: {value} is not one of them (try {below} or {})",
                    self.step,
                    self.min,
                    below + self.step
                )))
            }
            _ => Ok(()),
        }
    }

    /// The label of the menu item `value`, if this is a menu and it has one.
    pub fn menu_label(&self, value: i64) -> Option<&str> {
        self.menu
            .iter()
            .find(|i| i.value == value)
            .map(|i| i.label.as_str())
    }
}

/// Why a control could not be listed or set.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ControlError {
    /// No control of that name.
    #[error("no camera control named {name:?} (this camera has: {})", if .known.is_empty() { "none".to_string() } else { .known.join(", ") })]
    Unknown { name: String, known: Vec<String> },
    /// A value the control does not take (wrong type, out of range, not a menu item, read-only).
    #[error("{0}")]
    Invalid(String),
    /// The camera refused a value it would take at another time (a manual exposure while exposure is
    /// automatic; V4L2 answers EACCES or EBUSY).
    #[error("the camera refused: {0}")]
    Refused(String),
    /// The device must be open to reach its controls, and it is not.
    #[error("the camera is not open")]
    NotOpen,
    /// The device failed.
    #[error("camera control error: {0}")]
    Device(String),
}

/// A camera's controls, reachable from any thread while another captures (see the module docs).
pub trait CameraControls: Send + Sync {
    /// Every control, in the camera's order, with current values. May block on device I/O.
    fn list(&self) -> Result<Vec<ControlInfo>, ControlError>;

    /// Sets control `name` to `value` and returns its new state. A backend checks the value with
    /// [`ControlInfo::check`] first: a real driver silently clamps out-of-range integers, and the
    /// user should hear that the value was wrong instead. May block on device I/O.
    fn set(&self, name: &str, value: i64) -> Result<ControlInfo, ControlError>;
}

/// The API name of a control the camera labels `label`, as `v4l2-ctl` spells it: lower case, every
/// run of other characters one `_`, none at either end ("White Balance Temperature, Auto" is
/// `white_balance_temperature_auto`).
pub fn machine_name(label: &str) -> String {
    let mut out = String::with_capacity(label.len());
    for c in label.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('_') {
            out.push('_');
        }
    }
    while out.ends_with('_') {
        out.pop();
    }
    out
}

/// Finds `name` in `list`, or says which names exist.
pub fn find_control(list: Vec<ControlInfo>, name: &str) -> Result<ControlInfo, ControlError> {
    let known: Vec<String> = list.iter().map(|c| c.name.clone()).collect();
    list.into_iter()
        .find(|c| c.name == name)
        .ok_or(ControlError::Unknown {
            name: name.to_string(),
            known,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn int(min: i64, max: i64, step: i64) -> ControlInfo {
        ControlInfo {
            name: "brightness".into(),
            label: "Brightness".into(),
            kind: ControlKind::Int,
            min,
            max,
            step,
            default: min,
            value: min,
            menu: Vec::new(),
            inactive: false,
            read_only: false,
        }
    }

    #[test]
    fn names_follow_v4l2_ctl() {
        assert_eq!(
            machine_name("White Balance Temperature, Auto"),
            "white_balance_temperature_auto"
        );
        assert_eq!(machine_name("Exposure (Absolute)"), "exposure_absolute");
        assert_eq!(
            machine_name("  Power Line Frequency "),
            "power_line_frequency"
        );
    }

    #[test]
    fn integers_are_checked_for_range_and_step() {
        let c = int(-64, 64, 2);
        assert!(c.check(-64).is_ok() && c.check(40).is_ok() && c.check(64).is_ok());
        let e = c.check(65).unwrap_err().to_string();
        assert!(e.contains("-64 to 64") && e.contains("65"), "{e}");
        let e = c.check(41).unwrap_err().to_string();
        assert!(e.contains("try 40 or 42"), "{e}");
    }

    #[test]
    fn menus_and_booleans_take_only_their_values() {
        let mut c = int(0, 3, 1);
        c.kind = ControlKind::Menu;
        c.menu = vec![
            MenuItem {
                value: 0,
                label: "None".into(),
            },
            MenuItem {
                value: 2,
                label: "Sepia".into(),
            },
        ];
        assert!(c.check(2).is_ok());
        let e = c.check(1).unwrap_err().to_string();
        assert!(e.contains("0 (None), 2 (Sepia)"), "{e}");
        c.kind = ControlKind::Bool;
        assert!(c.check(1).is_ok());
        assert!(c.check(2).is_err());
        c.read_only = true;
        assert!(c.check(1).unwrap_err().to_string().contains("read-only"));
    }

    #[test]
    fn unknown_names_list_the_known_ones() {
        let e = find_control(vec![int(0, 1, 1)], "hue").unwrap_err();
        assert_eq!(
            e.to_string(),
            "no camera control named \"hue\" (this camera has: brightness)"
        );
    }
}
