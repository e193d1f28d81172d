//! Taking photos: the server names each photo from local time (`YYYYMMDD-HHMMSS-mmm.jpg`, with `-1`,
//! `-2`... when the name is taken), writes it to a hidden temp file in the photo folder, syncs it, and
//! links it into place without ever replacing an existing file. Nobody — the gallery, a browser, a
//! backup job — ever sees half a photo, and two photos in the same millisecond both survive (the
//! original overwrote one of two photos taken in the same second).

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::SystemTime;

use chrono::{DateTime, Local};

/// Prefix of the temp files photos are written to first. The gallery and the watcher ignore them.
pub const TEMP_PREFIX: &str = ".photo-";
/// Suffix of those temp files.
pub const TEMP_SUFFIX: &str = ".tmp";

/// The photo folder, for writing.
pub struct PhotoStore {
    dir: PathBuf,
    temp_counter: AtomicU64,
}

/// A photo that was saved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedPhoto {
    pub name: String,
    pub path: PathBuf,
}

impl PhotoStore {
    /// The store for `dir`, created if missing. Temp files a killed process left behind (they are
    /// never a whole photo until linked) are removed.
    pub fn open(dir: &Path) -> io::Result<PhotoStore> {
        fs::create_dir_all(dir)?;
        remove_stale_temps(dir);
        Ok(PhotoStore {
            dir: dir.to_path_buf(),
            temp_counter: AtomicU64::new(0),
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Saves `jpeg`, taken at `taken`, under a new name. Blocking (file I/O and fsync): call it off the
    /// async executor.
    pub fn save(&self, jpeg: &[u8], taken: SystemTime) -> io::Result<SavedPhoto> {
        let stem = DateTime::<Local>::from(taken)
            .format("%Y%m%d-%H%M%S-%3f")
            .to_string();
        let temp = self.dir.join(format!(
            "{TEMP_PREFIX}{stem}-{}-{}{TEMP_SUFFIX}",
            std::process::id(),
            self.temp_counter.fetch_add(1, Ordering::Relaxed)
        ));
        let result = match write_synced(&temp, jpeg) {
            // The folder was removed while we ran (a user cleaning up): make it again, once.
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                log::warn!(
                    "the photo folder {} is gone: making it again",
                    self.dir.display()
                );
                fs::create_dir_all(&self.dir).and_then(|()| write_synced(&temp, jpeg))
            }
            other => other,
        }
        .and_then(|()| self.link_new_name(&temp, &stem));
        // The temp name goes whether the photo made it or not: never leave a half file behind.
        let _ = fs::remove_file(&temp);
        let saved = result?;
        sync_dir(&self.dir);
        Ok(saved)
    }

    /// Gives the written temp file its final name, `stem.jpg` or the first free `stem-N.jpg`.
    /// `hard_link` fails if the name exists, so no existing photo is ever replaced, even by another
    /// process writing to the same folder.
    fn link_new_name(&self, temp: &Path, stem: &str) -> io::Result<SavedPhoto> {
        for n in 0..10_000u32 {
            let name = if n == 0 {
                format!("{stem}.jpg")
            } else {
                format!("{stem}-{n}.jpg")
            };
            let path = self.dir.join(&name);
            match fs::hard_link(temp, &path) {
                Ok(()) => return Ok(SavedPhoto { name, path }),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                // File systems without hard links (FAT on some SD cards): rename when the name is
                // free. Only another process racing for the same millisecond could collide here.
                Err(_) if !path.exists() => {
                    fs::rename(temp, &path)?;
                    return Ok(SavedPhoto { name, path });
                }
                Err(e) => return Err(e),
            }
        }
        Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            format!("every name for {stem} is taken"),
        ))
    }
}

/// Removes `.photo-*.tmp` files in `dir`: at start no photo is being written, so any is the
/// remains of a process killed mid-write.
fn remove_stale_temps(dir: &Path) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with(TEMP_PREFIX) && name.ends_with(TEMP_SUFFIX) {
            match fs::remove_file(entry.path()) {
                Ok(()) => log::info!("removed {name}, left by a photo write that never finished"),
                Err(e) => log::warn!("cannot remove the stale temp file {name}: {e}"),
            }
        }
    }
}

fn write_synced(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut f = File::options().write(true).create_new(true).open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

/// Makes the new directory entry durable (a power cut on a Pi must not lose a photo that was
/// reported saved). Best effort: not every platform can open a directory.
fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn same_millisecond_photos_get_distinct_names_and_keep_their_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let store = PhotoStore::open(dir.path()).unwrap();
        let t = SystemTime::UNIX_EPOCH + Duration::from_millis(1_700_000_000_123);
        let a = store.save(b"first", t).unwrap();
        let b = store.save(b"second", t).unwrap();
        assert_ne!(a.name, b.name);
        assert!(a.name.ends_with("-123.jpg"), "{}", a.name);
        assert!(b.name.ends_with("-123-1.jpg"), "{}", b.name);
        assert_eq!(fs::read(&a.path).unwrap(), b"first");
        assert_eq!(fs::read(&b.path).unwrap(), b"second");
        let leftovers: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| n.starts_with(TEMP_PREFIX))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
    }

    #[test]
    fn an_existing_file_is_never_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let store = PhotoStore::open(dir.path()).unwrap();
        let t = SystemTime::now();
        let stem = DateTime::<Local>::from(t)
            .format("%Y%m%d-%H%M%S-%3f")
            .to_string();
        fs::write(dir.path().join(format!("{stem}.jpg")), b"precious").unwrap();
        let saved = store.save(b"new", t).unwrap();
        assert_eq!(saved.name, format!("{stem}-1.jpg"));
        assert_eq!(
            fs::read(dir.path().join(format!("{stem}.jpg"))).unwrap(),
            b"precious"
        );
    }

    #[test]
    fn a_missing_folder_is_created() {
        let dir = tempfile::tempdir().unwrap();
        let store = PhotoStore::open(&dir.path().join("a/b")).unwrap();
        assert!(store.save(b"x", SystemTime::now()).is_ok());
    }
}
