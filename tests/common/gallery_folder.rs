//! The hostile photo folder the gallery tests run on: a copy of tests/fixtures/gallery plus names
//! made at run time, which no Windows checkout could hold (`what?.jpg`, a backslash, a 250-byte name),
//! mtimes one second apart in name order, a symlink leading outside the folder, one to a photo
//! beside it, and a folder named like a photo. Unix-only: Windows creates symlinks only with admin
//! rights.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// The committed fixture photos.
pub const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/gallery");

/// A 250-byte name (82 three-byte characters and `.jpg`): near the usual 255-byte limit.
pub fn long_name() -> String {
    format!("{}.jpg", "長".repeat(82)) // 246 bytes + 4
}

/// Sets the modification time of the file at `path`.
pub fn set_mtime(path: &Path, t: SystemTime) {
    fs::File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_modified(t)
        .unwrap();
}

/// A fixed instant plus `secs` seconds.
pub fn at(secs: u64) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000 + secs)
}

/// A copy of the fixtures plus the awkward names, with mtimes 1 s apart in name order, and a file
/// outside the folder that a symlink leads to.
pub struct Folder {
    _tmp: tempfile::TempDir,
    pub pic: PathBuf,
    pub outside: PathBuf,
}

pub fn folder() -> Folder {
    let tmp = tempfile::tempdir().unwrap();
    let pic = tmp.path().join("pic");
    fs::create_dir(&pic).unwrap();
    let mut names: Vec<String> = fs::read_dir(FIXTURES)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    for (i, name) in names.iter().enumerate() {
        fs::copy(Path::new(FIXTURES).join(name), pic.join(name)).unwrap();
        set_mtime(&pic.join(name), at(i as u64));
    }
    let small = fs::read(pic.join("2016.jpg")).unwrap();
    for odd in ["what?.jpg", "back\\slash.jpg", &long_name()] {
        fs::write(pic.join(odd), &small).unwrap();
        set_mtime(&pic.join(odd), at(1000));
    }
    let outside = tmp.path().join("secret.jpg");
    fs::write(&outside, &small).unwrap();
    std::os::unix::fs::symlink(&outside, pic.join("escape.jpg")).unwrap();
    std::os::unix::fs::symlink("2016.jpg", pic.join("alias.jpg")).unwrap();
    fs::create_dir(pic.join("folder.jpg")).unwrap();
    Folder {
        _tmp: tmp,
        pic,
        outside,
    }
}
