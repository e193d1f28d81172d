//! The compiled-in camera backends, by the name `--camera` takes. Each backend is its own crate under
//! `backends/`; the optional ones are behind cargo features (`pi`, `windows`).

use pistream_camera::Camera;

// The V4L2 crate compiles to nothing off Linux (so that `cargo test --workspace` builds everywhere):
// say so, rather than fail on a missing `V4l2Camera`.
#[cfg(all(feature = "pi", not(target_os = "linux")))]
compile_error!("`--features pi` is the V4L2 backend, which exists on Linux only (on Windows: `--features windows`)");

use crate::config::Config;

/// The backends this binary was built with, in the order `pistream cameras` lists them.
pub fn names() -> Vec<&'static str> {
    #[allow(unused_mut)]
    let mut names = vec!["mock", "replay", "exec"];
    #[cfg(feature = "pi")]
    names.push("v4l2");
    #[cfg(feature = "windows")]
    names.push("escapi");
    names
}

/// The camera `--camera` names. An unknown name lists the ones that exist.
pub fn create(config: &Config) -> Result<Box<dyn Camera>, String> {
    by_name(
        &config.camera,
        pistream_replay::ReplayOptions {
            timing: config.replay_timing,
        },
    )
}

/// The backend called `name`, with the options of those that take some.
fn by_name(name: &str, replay: pistream_replay::ReplayOptions) -> Result<Box<dyn Camera>, String> {
    match name {
        "mock" => Ok(Box::new(pistream_mock::MockCamera::new())),
        "replay" => Ok(Box::new(pistream_replay::ReplayCamera::with_options(
            replay,
        ))),
        "exec" => Ok(Box::new(pistream_exec::ExecCamera::new())),
        #[cfg(feature = "pi")]
        "v4l2" => Ok(Box::new(pistream_v4l2::V4l2Camera::new())),
        #[cfg(feature = "windows")]
        "escapi" => Ok(Box::new(pistream_escapi::EscapiCamera::new())),
        other => Err(format!(
            "unknown camera backend `{other}`; this build has: {} (V4L2 needs `--features pi`, Windows webcams `--features windows`)",
            names().join(", ")
        )),
    }
}

/// The text of `pistream cameras`: each backend and the devices it can open.
pub fn describe_all() -> String {
    let mut out = String::new();
    for name in names() {
        let Ok(camera) = by_name(name, pistream_replay::ReplayOptions::default()) else {
            continue;
        };
        out.push_str(&format!("{name}\n"));
        let devices = camera.devices();
        match name {
            "replay" => out.push_str(
                "  plays --source: a folder of JPEGs or a recorded .mjpeg file, looping\n",
            ),
            "exec" => out.push_str(&describe_exec()),
            _ if devices.is_empty() => out.push_str("  (no devices found)\n"),
            _ => {}
        }
        for d in devices {
            out.push_str(&format!("  {}  {}\n", d.id, d.name));
            for m in d.modes {
                let fps: Vec<String> = m
                    .fps
                    .iter()
                    .map(|f| {
                        format!("{f:.4}")
                            .trim_end_matches('0')
                            .trim_end_matches('.')
                            .to_string()
                    })
                    .collect();
                out.push_str(&format!(
                    "    {} {}x{}{}\n",
                    m.format,
                    m.width,
                    m.height,
                    if fps.is_empty() {
                        String::new()
                    } else {
                        format!(" @ {} fps", fps.join(", "))
                    }
                ));
            }
        }
    }
    out
}

/// The exec backend's part of `pistream cameras`: the camera programs on the PATH, each with
/// ready-made command lines.
fn describe_exec() -> String {
    let mut out = String::new();
    for tool in pistream_exec::discover(None) {
        match &tool.path {
            None => out.push_str(&format!(
                "  {}: not on the PATH — {}\n",
                tool.program, tool.about
            )),
            Some(path) => {
                out.push_str(&format!(
                    "  {}: {} — {}\n",
                    tool.program,
                    path.display(),
                    tool.about
                ));
                for s in &tool.suggestions {
                    out.push_str(&format!("    {}:\n      {}\n", s.label, s.command_line()));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_backend_lists_the_known_ones() {
        let config = Config {
            camera: "nikon".into(),
            ..Config::for_tests()
        };
        let err = create(&config).err().expect("unknown backend");
        assert!(err.contains("`nikon`") && err.contains("mock"), "{err}");
    }
}
