//! What the timelapse deletes, and never more: whole *day folders* under `timelapse/` in the photo folder whose
//! names are dates (`YYYY-MM-DD`), oldest first. Photos taken by hand live at the top of the photo
//! folder and are never looked at here; a symlink or a folder with another name under `timelapse/`
//! is left alone too; the day being recorded (today) is never deleted.
//!
//! Two rules: `--timelapse-keep DAYS` (age: today counts as one, so 7 keeps today and the six days
//! before) and the disk guard `--min-free-space` (oldest days go until the disk has that much free;
//! when only today is left and space is still short, the caller pauses the timelapse).

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use chrono::{Days, NaiveDate};

/// A day folder's name for `day`.
pub fn day_name(day: NaiveDate) -> String {
    day.format("%Y-%m-%d").to_string()
}

/// The date a day folder's name stands for: exactly `YYYY-MM-DD`, a real date.
pub fn day_of(name: &str) -> Option<NaiveDate> {
    let d = NaiveDate::parse_from_str(name, "%Y-%m-%d").ok()?;
    // chrono accepts `2026-1-2`; only the canonical spelling is a day folder.
    (day_name(d) == name).then_some(d)
}

/// The day folders under `root` (real folders, not symlinks), oldest first. A missing `root` has
/// none.
pub fn days(root: &Path) -> io::Result<Vec<(NaiveDate, PathBuf)>> {
    let entries = match fs::read_dir(root) {
        Ok(e) => e,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut days = Vec::new();
    for entry in entries {
        let entry = entry?;
        let Some(day) = entry.file_name().to_str().and_then(day_of) else {
            continue;
        };
        // `file_type` does not follow symlinks: a link to elsewhere is never a day to delete.
        if entry.file_type()?.is_dir() {
            days.push((day, entry.path()));
        }
    }
    days.sort();
    Ok(days)
}

/// Deletes the day folder `path` with everything in it (photos, the day's video).
fn delete_day(day: NaiveDate, path: &Path) -> io::Result<()> {
    fs::remove_dir_all(path)?;
    log::info!("timelapse: deleted the day {day}");
    Ok(())
}

/// `--timelapse-keep`: deletes the days before the last `keep` days up to `today`; `0` keeps all.
/// Returns the days deleted.
pub fn expire(root: &Path, today: NaiveDate, keep: u32) -> io::Result<Vec<NaiveDate>> {
    if keep == 0 {
        return Ok(Vec::new());
    }
    let first_kept = today
        .checked_sub_days(Days::new(u64::from(keep) - 1))
        .unwrap_or(NaiveDate::MIN);
    let mut deleted = Vec::new();
    for (day, path) in days(root)? {
        if day < first_kept {
            delete_day(day, &path)?;
            deleted.push(day);
        }
    }
    Ok(deleted)
}

/// What the disk guard found.
#[derive(Debug, PartialEq, Eq)]
pub struct Guarded {
    /// Days deleted to make room, oldest first.
    pub deleted: Vec<NaiveDate>,
    /// `None` when the disk has `min_free` now; else the free bytes left with nothing more to
    /// delete.
    pub short: Option<u64>,
}

/// The disk guard: while `free()` is below `min_free`, deletes the oldest day before `today`.
pub fn guard(
    root: &Path,
    today: NaiveDate,
    min_free: u64,
    free: impl Fn() -> io::Result<u64>,
) -> io::Result<Guarded> {
    let mut deleted = Vec::new();
    let mut left = free()?;
    if left >= min_free {
        return Ok(Guarded {
            deleted,
            short: None,
        });
    }
    for (day, path) in days(root)? {
        if day >= today {
            break;
        }
        delete_day(day, &path)?;
        deleted.push(day);
        left = free()?;
        if left >= min_free {
            return Ok(Guarded {
                deleted,
                short: None,
            });
        }
    }
    Ok(Guarded {
        deleted,
        short: Some(left),
    })
}

/// Free bytes for an unprivileged writer on the disk holding `path` (statvfs on Unix,
/// GetDiskFreeSpaceEx on Windows).
pub fn free_space(path: &Path) -> io::Result<u64> {
    fs4::available_space(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    fn d(s: &str) -> NaiveDate {
        day_of(s).unwrap()
    }

    fn tree(names: &[&str]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for n in names {
            fs::create_dir_all(dir.path().join(n)).unwrap();
            fs::write(dir.path().join(n).join("a.jpg"), b"x").unwrap();
        }
        dir
    }

    fn left(dir: &Path) -> Vec<String> {
        let mut v: Vec<_> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn only_canonical_dates_are_days() {
        assert_eq!(day_of("2026-12-02"), Some(d("2026-12-02")));
        for bad in [
            "2026-2-3",
            "2026-02-30",
            "albums",
            "2026-12-02x",
            ".2026-12-02",
            "",
        ] {
            assert_eq!(day_of(bad), None, "{bad}");
        }
    }

    #[test]
    fn keep_counts_today_as_one_and_leaves_other_folders_alone() {
        let dir = tree(&[
            "2026-11-28",
            "2026-11-29",
            "2026-11-30",
            "2026-12-01",
            "notes",
        ]);
        let gone = expire(dir.path(), d("2026-12-01"), 2).unwrap();
        assert_eq!(gone, [d("2026-11-28"), d("2026-11-29")]);
        assert_eq!(left(dir.path()), ["2026-11-30", "2026-12-01", "notes"]);
        assert!(expire(dir.path(), d("2030-01-01"), 0).unwrap().is_empty());
    }

    #[test]
    fn the_guard_deletes_oldest_first_and_never_today() {
        let dir = tree(&["2026-11-30", "2026-11-29", "2026-12-01"]);
        // Each deleted day frees 100 bytes.
        let free = Cell::new(50u64);
        let root = dir.path().to_path_buf();
        let measure = || {
            let n = days(&root).unwrap().len() as u64;
            free.set(50 + (3 - n) * 100);
            Ok(free.get())
        };
        let g = guard(dir.path(), d("2026-12-01"), 150, measure).unwrap();
        assert_eq!(
            g,
            Guarded {
                deleted: vec![d("2026-11-29")],
                short: None
            }
        );
        let g = guard(dir.path(), d("2026-12-01"), 10_000, measure).unwrap();
        assert_eq!(g.deleted, [d("2026-11-30")]);
        assert_eq!(g.short, Some(250));
        assert_eq!(left(dir.path()), ["2026-12-01"]);
    }

    #[cfg(unix)]
    #[test]
    fn a_symlinked_day_is_not_followed() {
        let outside = tree(&["keep"]);
        let dir = tree(&[]);
        std::os::unix::fs::symlink(outside.path(), dir.path().join("2020-01-01")).unwrap();
        assert!(days(dir.path()).unwrap().is_empty());
        assert!(expire(dir.path(), d("2026-01-01"), 1).unwrap().is_empty());
        assert!(outside.path().join("keep/a.jpg").exists());
    }
}
