//! The saved camera controls: a small JSON file (by default `pistream-controls.json` next to the photo
//! folder, or `--controls-file`) holding, per camera, the values users set, so that they are applied
//! again whenever the camera opens — after an idle close, a fault, an unplug or a server restart.
//!
//! One section per camera (`"v4l2 /dev/video0"`, `"mock"`), so switching cameras does not pour one
//! camera's values into another's ranges, and switching back finds them again:
//!
//! ```json
//! { "cameras": { "v4l2 /dev/video0": { "brightness": 40, "exposure_auto": 1 } } }
//! ```
//!
//! Written whole to a temp file in the same folder, fsynced, then renamed over the old one: a crash
//! or a full disk leaves the old file or the new, never half of one. A file that does not parse is
//! moved aside to `NAME.bad` (and said so in the log), not overwritten.

use parking_lot::{Mutex, MutexGuard};
use std::collections::BTreeMap;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The file's name when `--controls-file` is not given: next to the photo folder.
pub const DEFAULT_NAME: &str = "pistream-controls.json";

#[derive(Debug, Default, Serialize, Deserialize)]
struct FileData {
    #[serde(default)]
    cameras: BTreeMap<String, BTreeMap<String, i64>>,
}

/// The saved values of one camera, backed by the file.
pub struct ControlStore {
    path: PathBuf,
    camera: String,
    data: Mutex<FileData>,
}

impl ControlStore {
    /// The default file for photos in `pic`: `pistream-controls.json` in the folder that holds it.
    pub fn default_path(pic: &Path) -> PathBuf {
        let parent = pic
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        parent.join(DEFAULT_NAME)
    }

    /// Reads `path` (a missing file is an empty one) for the camera called `camera`.
    pub fn open(path: PathBuf, camera: String) -> ControlStore {
        let data = match fs::read(&path) {
            Ok(bytes) => match serde_json::from_slice::<FileData>(&bytes) {
                Ok(data) => data,
                Err(e) => {
                    let aside = path.with_extension("json.bad");
                    let moved = fs::rename(&path, &aside).is_ok();
                    log::error!(
                        "{}: not a controls file ({e}); {} starting with no saved controls",
                        path.display(),
                        if moved {
                            format!("moved it to {},", aside.display())
                        } else {
                            "left it alone,".to_string()
                        }
                    );
                    FileData::default()
                }
            },
            Err(e) if e.kind() == io::ErrorKind::NotFound => FileData::default(),
            Err(e) => {
                log::error!("{}: cannot read saved controls: {e}", path.display());
                FileData::default()
            }
        };
        ControlStore {
            path,
            camera,
            data: Mutex::new(data),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// This camera's saved values, by control name.
    pub fn saved(&self) -> BTreeMap<String, i64> {
        self.lock()
            .cameras
            .get(&self.camera)
            .cloned()
            .unwrap_or_default()
    }

    /// Remembers `name = value` for this camera and writes the file (blocking: file I/O and fsync).
    /// Nothing is written when the value is already saved.
    pub fn save(&self, name: &str, value: i64) -> io::Result<()> {
        let mut data = self.lock();
        let values = data.cameras.entry(self.camera.clone()).or_default();
        if values.get(name) == Some(&value) {
            return Ok(());
        }
        let before = values.insert(name.to_string(), value);
        let result = serde_json::to_vec_pretty(&*data)
            .map_err(io::Error::other)
            .and_then(|mut bytes| {
                bytes.push(b'\n');
                write_atomically(&self.path, &bytes)
            });
        if result.is_err() {
            // Keep memory and file saying the same thing.
            let values = data.cameras.entry(self.camera.clone()).or_default();
            match before {
                Some(v) => values.insert(name.to_string(), v),
                None => values.remove(name),
            };
        }
        result
    }

    fn lock(&self) -> MutexGuard<'_, FileData> {
        self.data.lock()
    }
}

/// Writes `bytes` to a temp file beside `path`, fsyncs it and renames it over `path` (also the
/// timelapse settings file's writer).
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    fs::create_dir_all(dir)?;
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::other(format!("{}: not a file name", path.display())))?;
    // A leading dot and a `.tmp` end: the site watcher ignores it (src/site/paths.rs).
    let temp = dir.join(format!(
        ".{}.{}.tmp",
        name.to_string_lossy(),
        std::process::id()
    ));
    let written = (|| {
        let mut f = fs::File::create(&temp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        fs::rename(&temp, path)
    })();
    if written.is_err() {
        let _ = fs::remove_file(&temp);
    }
    written?;
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_survive_a_reopen_and_other_cameras_are_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.json");
        let other = ControlStore::open(path.clone(), "v4l2 /dev/video0".into());
        other.save("brightness", 200).unwrap();
        let mock = ControlStore::open(path.clone(), "mock".into());
        mock.save("brightness", 40).unwrap();
        mock.save("contrast", 120).unwrap();
        let again = ControlStore::open(path.clone(), "mock".into());
        assert_eq!(
            again.saved().into_iter().collect::<Vec<_>>(),
            [
                ("brightness".to_string(), 40),
                ("contrast".to_string(), 120)
            ]
        );
        let again = ControlStore::open(path, "v4l2 /dev/video0".into());
        assert_eq!(again.saved().get("brightness"), Some(&200));
        // No temp file is left behind.
        let names: Vec<_> = fs::read_dir(dir.path()).unwrap().flatten().collect();
        assert_eq!(names.len(), 1);
    }

    #[test]
    fn a_broken_file_is_moved_aside_not_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.json");
        fs::write(&path, b"{ not json").unwrap();
        let store = ControlStore::open(path.clone(), "mock".into());
        assert!(store.saved().is_empty());
        assert_eq!(
            fs::read(dir.path().join("c.json.bad")).unwrap(),
            b"{ not json"
        );
        store.save("brightness", 1).unwrap();
        assert!(fs::read_to_string(&path)
            .unwrap()
            .contains("\"brightness\": 1"));
    }

    #[test]
    fn an_unwritable_file_is_an_error_and_memory_stays_as_the_file() {
        let dir = tempfile::tempdir().unwrap();
        // A folder where the file should be: the rename fails.
        let path = dir.path().join("c.json");
        fs::create_dir(&path).unwrap();
        fs::write(path.join("x"), b"").unwrap();
        let store = ControlStore::open(path, "mock".into());
        assert!(store.save("brightness", 5).is_err());
        assert!(store.saved().is_empty());
    }

    #[test]
    fn the_default_file_sits_beside_the_photo_folder() {
        assert_eq!(
            ControlStore::default_path(Path::new("/srv/cam/pic")),
            Path::new("/srv/cam/pistream-controls.json")
        );
        assert_eq!(
            ControlStore::default_path(Path::new("pic")),
            Path::new("./pistream-controls.json")
        );
    }
}
