//! The gallery core on a hostile photo folder (common/gallery_folder.rs): what is listed and in
//! which order, paging, neighbours, name checks, symlinks, delete (exactly one file) and a
//! 10,000-photo folder. Thumbnails: gallery_thumbs.rs.
// Unix-only: the fixtures hold symlinks (one leading outside the folder), which Windows creates
// only with admin rights. tests/unix_only_paths.rs requires this cfg.
#![cfg(unix)]

mod common;

use std::fs;
use std::time::{Duration, SystemTime};

use common::gallery_folder::{at, folder, long_name, set_mtime};
use pistream::gallery::{Gallery, GalleryError};

/// What the fixture folder lists, in file-name order (the order mtimes are given in).
const LISTED: &[&str] = &[
    "-leading-dash.jpg",
    "100% done.jpg",
    "2016-01.jpg",
    "2016.jpg",
    "Case.jpg",
    "UPPER.JPEG",
    "big 800x600.jpg",
    "broken.jpg",
    "case.jpg",
    "hash#tag.jpg",
    "it's.gif",
    "quote\"d.webp",
    "rotated exif6.jpg",
    "with space.jpg",
    "x2016.jpg",
    "照片 2016.jpg",
    "🎉 party.png",
];

fn all_names(g: &Gallery) -> Vec<String> {
    g.page(1, 500).photos.into_iter().map(|p| p.name).collect()
}

#[test]
fn lists_exactly_the_images_newest_first() {
    let f = folder();
    let g = Gallery::open(&f.pic).unwrap();
    let names = all_names(&g);
    // The three awkward names share the newest mtime, so they come first, by name descending.
    let mut expected = vec![long_name(), "what?.jpg".to_owned()];
    expected.sort_by(|a, b| b.cmp(a));
    // `alias.jpg` is a symlink inside the folder: listed, with its target's mtime ("2016.jpg").
    let mut rest: Vec<&str> = LISTED.iter().rev().copied().collect();
    let pos = rest.iter().position(|n| *n == "2016.jpg").unwrap();
    rest.insert(pos, "alias.jpg");
    expected.extend(rest.iter().map(|s| s.to_string()));
    assert_eq!(names, expected);
    for hidden in [
        "escape.jpg",
        "folder.jpg",
        "back\\slash.jpg",
        ".hidden.jpg",
        "notes.txt",
        "README.md",
    ] {
        assert!(!names.iter().any(|n| n == hidden), "{hidden} listed");
    }
}

#[test]
fn pages_and_neighbours() {
    let f = folder();
    let g = Gallery::open(&f.pic).unwrap();
    let total = all_names(&g).len();
    let p1 = g.page(1, 5);
    assert_eq!((p1.page, p1.pages, p1.total), (1, total.div_ceil(5), total));
    assert_eq!(p1.photos.len(), 5);
    assert_eq!(g.page(0, 5).photos, p1.photos, "page 0 reads as page 1");
    let last = g.page(p1.pages, 5);
    assert_eq!(last.photos.len(), total - 5 * (p1.pages - 1));
    assert!(g.page(p1.pages + 1, 5).photos.is_empty());
    assert!(g.page(usize::MAX, usize::MAX).photos.is_empty());
    // Neighbours chain through the whole order.
    let names = all_names(&g);
    let mid = g.photo(&names[3]).unwrap();
    assert_eq!(mid.prev.as_deref(), Some(names[2].as_str()));
    assert_eq!(mid.next.as_deref(), Some(names[4].as_str()));
    assert_eq!(g.photo(&names[0]).unwrap().prev, None);
    assert_eq!(g.photo(names.last().unwrap()).unwrap().next, None);
}

#[test]
fn photo_info_urls_sizes_and_dims() {
    let f = folder();
    let g = Gallery::open(&f.pic).unwrap();
    let p = g.photo("100% done.jpg").unwrap();
    assert_eq!(p.url, "/pic/100%25%20done.jpg");
    assert_eq!(p.page_url, "/photos/100%25%20done.jpg");
    assert_eq!(p.thumb_url, "/thumbs/100%25%20done.jpg");
    assert_eq!(p.delete_url, "/photos/100%25%20done.jpg/delete");
    assert_eq!(
        p.bytes,
        fs::metadata(f.pic.join("100% done.jpg")).unwrap().len()
    );
    let mtime = fs::metadata(f.pic.join("100% done.jpg"))
        .unwrap()
        .modified()
        .unwrap();
    let secs = mtime
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    assert_eq!(p.modified_unix, secs as i64);
    assert_eq!(p.modified.len(), "YYYY-MM-DD HH:MM:SS".len());
    assert_eq!((p.width, p.height), (Some(64), Some(48)));
    let q = g.photo("what?.jpg").unwrap();
    assert_eq!(q.url, "/pic/what%3F.jpg");
    // EXIF orientation 6: stored 40×20, shown 20×40.
    let r = g.photo("rotated exif6.jpg").unwrap();
    assert_eq!((r.width, r.height), (Some(20), Some(40)));
    let b = g.photo("broken.jpg").unwrap();
    assert_eq!((b.width, b.height), (None, None));
}

#[test]
fn bad_and_missing_names() {
    let f = folder();
    let g = Gallery::open(&f.pic).unwrap();
    for bad in [
        "",
        "..",
        "../pic/2016.jpg",
        "/etc/passwd",
        "a//b.jpg",
        "a/../b.jpg",
        "a/.thumbs/b.jpg",
        "back\\slash.jpg",
        "x\0.jpg",
        ".hidden.jpg",
    ] {
        assert!(
            matches!(g.photo(bad), Err(GalleryError::BadName(_))),
            "photo({bad:?})"
        );
        assert!(
            matches!(g.file(bad), Err(GalleryError::BadName(_))),
            "file({bad:?})"
        );
        assert!(
            matches!(g.delete(bad), Err(GalleryError::BadName(_))),
            "delete({bad:?})"
        );
        assert!(
            matches!(g.thumbnail(bad), Err(GalleryError::BadName(_))),
            "thumbnail({bad:?})"
        );
    }
    for missing in [
        "a/b.jpg",
        "escape.jpg",
        "folder.jpg",
        "notes.txt",
        "nope.jpg",
        "half.jpg.part",
    ] {
        assert!(
            matches!(g.photo(missing), Err(GalleryError::NotFound(_))),
            "photo({missing})"
        );
        assert!(
            matches!(g.file(missing), Err(GalleryError::NotFound(_))),
            "file({missing})"
        );
        assert!(
            matches!(g.thumbnail(missing), Err(GalleryError::NotFound(_))),
            "thumbnail({missing})"
        );
        assert!(
            matches!(g.delete(missing), Err(GalleryError::NotFound(_))),
            "delete({missing})"
        );
    }
    assert!(f.outside.exists(), "the file outside was not touched");
    assert!(
        f.pic.join("escape.jpg").symlink_metadata().is_ok(),
        "nor the link to it"
    );
    assert!(f.pic.join("notes.txt").exists() && f.pic.join("folder.jpg").is_dir());
    assert_eq!(g.file("alias.jpg").unwrap(), g.dir().join("2016.jpg"));
}

#[test]
fn delete_removes_exactly_one_file_and_its_thumbnail() {
    let f = folder();
    let g = Gallery::open(&f.pic).unwrap();
    g.thumbnail("2016.jpg").unwrap();
    g.thumbnail("x2016.jpg").unwrap();
    let before: Vec<_> = fs::read_dir(&f.pic)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    let thumbs_before = fs::read_dir(f.pic.join(".thumbs")).unwrap().count();
    g.delete("2016.jpg").unwrap();
    let after: Vec<_> = fs::read_dir(&f.pic)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(after.len(), before.len() - 1);
    assert!(!f.pic.join("2016.jpg").exists());
    for kept in ["2016-01.jpg", "x2016.jpg", "照片 2016.jpg"] {
        assert!(f.pic.join(kept).exists(), "{kept} was deleted too");
    }
    assert_eq!(
        fs::read_dir(f.pic.join(".thumbs")).unwrap().count(),
        thumbs_before - 1
    );
    assert!(
        !all_names(&g).contains(&"2016.jpg".to_owned()),
        "the index forgot it at once"
    );
    assert!(matches!(
        g.delete("2016.jpg"),
        Err(GalleryError::NotFound(_))
    ));

    // Names differing only in case are different photos.
    g.delete("Case.jpg").unwrap();
    assert!(f.pic.join("case.jpg").exists());
}

#[test]
fn deleting_a_symlink_removes_the_link_not_its_target() {
    let f = folder();
    fs::write(f.pic.join("target.jpg"), b"x").unwrap();
    std::os::unix::fs::symlink("target.jpg", f.pic.join("link.jpg")).unwrap();
    let g = Gallery::open(&f.pic).unwrap();
    g.delete("link.jpg").unwrap();
    assert!(f.pic.join("link.jpg").symlink_metadata().is_err());
    assert!(f.pic.join("target.jpg").exists());
}

#[test]
fn refresh_and_photos_not_yet_indexed() {
    let f = folder();
    let g = Gallery::open(&f.pic).unwrap();
    let n = g.len();
    fs::write(f.pic.join("new.jpg"), b"x").unwrap();
    assert_eq!(g.len(), n, "no scan per request");
    // The photo page of a photo just taken works before the watcher calls refresh.
    assert_eq!(g.photo("new.jpg").unwrap().name, "new.jpg");
    assert_eq!(g.len(), n + 1);
    fs::remove_file(f.pic.join("new.jpg")).unwrap();
    fs::write(f.pic.join(".photo-x.tmp"), b"x").unwrap();
    g.refresh().unwrap();
    assert_eq!(g.len(), n);
}

#[test]
fn ten_thousand_photos() {
    let tmp = tempfile::tempdir().unwrap();
    for i in 0..10_000u32 {
        fs::write(tmp.path().join(format!("{i:05}.jpg")), b"").unwrap();
    }
    // Make one old and one new, so mtime (not name) decides.
    set_mtime(&tmp.path().join("09999.jpg"), at(0));
    set_mtime(
        &tmp.path().join("00000.jpg"),
        SystemTime::now() + Duration::from_secs(60),
    );
    let g = Gallery::open(tmp.path()).unwrap();
    let first = g.page(1, 50);
    assert_eq!((first.total, first.pages), (10_000, 200));
    assert_eq!(first.photos[0].name, "00000.jpg");
    let last = g.page(200, 50);
    assert_eq!(last.photos.last().unwrap().name, "09999.jpg");
    let all: Vec<String> = (1..=20)
        .flat_map(|n| g.page(n, 500).photos)
        .map(|p| p.name)
        .collect();
    assert_eq!(all.len(), 10_000);
    let mtime = |n: &str| {
        fs::metadata(tmp.path().join(n))
            .unwrap()
            .modified()
            .unwrap()
    };
    for w in all.windows(2) {
        let (a, b) = (mtime(&w[0]), mtime(&w[1]));
        assert!(a > b || (a == b && w[0] > w[1]), "{} before {}", w[0], w[1]);
    }
    let pos = all.iter().position(|n| n == "05000.jpg").unwrap();
    let p = g.photo("05000.jpg").unwrap();
    assert_eq!(p.prev.as_deref(), Some(all[pos - 1].as_str()));
    assert_eq!(p.next.as_deref(), Some(all[pos + 1].as_str()));
}
