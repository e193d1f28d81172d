//! Files tests lay out: a copy of a fixture folder to edit, a timelapse day of distinct photos; and
//! what a folder holds afterwards.

use std::path::{Path, PathBuf};

/// A timelapse day folder `pic/timelapse/DAY` of `n` distinct 320x240 JPEGs named as the timelapse
/// names them (so name order is time order), for the video and day-album tests.
pub fn make_timelapse_day(pic: &Path, day: &str, n: usize) -> PathBuf {
    let dir = pic.join("timelapse").join(day);
    std::fs::create_dir_all(&dir).unwrap();
    for i in 0..n {
        let img = image::RgbImage::from_fn(320, 240, |x, y| {
            image::Rgb([(x + i as u32 * 8) as u8, y as u8, (i * 5) as u8])
        });
        img.save(dir.join(format!("20260105-12{:02}{:02}-000.jpg", i / 60, i % 60)))
            .unwrap();
    }
    dir
}

/// Copies the folder `from` into `to` (made if missing), sub-folders too: a test's own copy of a
/// fixture it may edit.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

/// The names in `dir`, sorted (none when it cannot be read).
pub fn file_names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.file_name().into_string().unwrap())
        .collect();
    v.sort();
    v
}
