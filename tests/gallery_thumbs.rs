//! Gallery thumbnails on the hostile photo folder (common/gallery_folder.rs): size, EXIF
//! orientation, a placeholder for a broken photo, the cache following its source (pruned at open,
//! on delete and on refresh), and one decode under concurrent requests.
// Unix-only: the fixtures hold symlinks (one leading outside the folder), which Windows creates
// only with admin rights. tests/unix_only_paths.rs requires this cfg.
#![cfg(unix)]

mod common;

use std::fs;
use std::path::Path;
use std::sync::{Arc, Barrier};

use common::gallery_folder::folder;
use pistream::gallery::Gallery;

/// The thumbnail folders in `.thumbs/`, sorted.
fn thumb_folders(pic: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(pic.join(".thumbs"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    names
}

#[test]
fn thumbnails_of_no_photo_are_pruned_at_open_on_delete_and_on_refresh() {
    let f = folder();
    let g = Gallery::open(&f.pic).unwrap();
    g.thumbnail("2016.jpg").unwrap();
    g.thumbnail("x2016.jpg").unwrap();
    let live = thumb_folders(&f.pic);
    assert_eq!(live.len(), 2);
    drop(g);

    // What older builds left: a folder named by std's DefaultHasher (16 hex digits) for a photo
    // that still exists, a stray file, and a symlink leading out of the folder.
    let thumbs = f.pic.join(".thumbs");
    let old_style = thumbs.join({
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        "2016.jpg".hash(&mut h);
        format!("{:016x}", h.finish())
    });
    fs::create_dir(&old_style).unwrap();
    fs::write(old_style.join("18a2b3c4d5e6f708-4d2.jpg"), b"old thumbnail").unwrap();
    fs::write(thumbs.join(".tmp-1-0"), b"half a thumbnail").unwrap();
    std::os::unix::fs::symlink(&f.outside, thumbs.join("link")).unwrap();

    let g = Gallery::open(&f.pic).unwrap();
    assert_eq!(
        thumb_folders(&f.pic),
        live,
        "only the live folders are left"
    );
    assert!(f.outside.exists(), "the link went, not its target");
    g.thumbnail("2016.jpg").unwrap();
    g.thumbnail("x2016.jpg").unwrap();
    assert_eq!(
        g.thumbnails_made(),
        0,
        "the live thumbnails are still found"
    );

    // A delete takes the photo's folder and any orphan that appeared meanwhile.
    fs::create_dir(&old_style).unwrap();
    g.delete("2016.jpg").unwrap();
    assert!(!old_style.exists());
    assert_eq!(thumb_folders(&f.pic).len(), 1);

    // A photo deleted by hand loses its thumbnails at the next rescan.
    fs::remove_file(f.pic.join("x2016.jpg")).unwrap();
    g.refresh().unwrap();
    assert_eq!(thumb_folders(&f.pic), Vec::<String>::new());
}

fn jpeg_size(bytes: &[u8]) -> (u32, u32) {
    let img = image::load_from_memory_with_format(bytes, image::ImageFormat::Jpeg).unwrap();
    (img.width(), img.height())
}

#[test]
fn thumbnails_small_upright_and_placeholder_for_broken() {
    let f = folder();
    let g = Gallery::open(&f.pic).unwrap();
    assert_eq!(
        jpeg_size(&g.thumbnail("big 800x600.jpg").unwrap()),
        (320, 240)
    );
    assert_eq!(
        jpeg_size(&g.thumbnail("2016.jpg").unwrap()),
        (64, 48),
        "small photos are not enlarged"
    );
    assert_eq!(
        jpeg_size(&g.thumbnail("rotated exif6.jpg").unwrap()),
        (20, 40)
    );
    for other in ["🎉 party.png", "it's.gif", "quote\"d.webp"] {
        assert_eq!(jpeg_size(&g.thumbnail(other).unwrap()), (40, 30), "{other}");
    }
    let broken = g.thumbnail("broken.jpg").unwrap();
    assert_eq!(jpeg_size(&broken), (320, 240));
    fs::write(f.pic.join("empty.jpg"), b"").unwrap();
    assert_eq!(
        g.thumbnail("empty.jpg").unwrap(),
        broken,
        "the same placeholder"
    );
    // The alpha PNG is flattened on white, not black: its transparent left half is light.
    let png = image::load_from_memory(&g.thumbnail("🎉 party.png").unwrap())
        .unwrap()
        .to_rgb8();
    assert!(
        png.get_pixel(2, 15).0.iter().all(|&c| c > 200),
        "{:?}",
        png.get_pixel(2, 15)
    );
}

#[test]
fn thumbnail_cache_follows_its_source() {
    let f = folder();
    let g = Gallery::open(&f.pic).unwrap();
    let first = g.thumbnail("big 800x600.jpg").unwrap();
    assert_eq!(g.thumbnails_made(), 1);
    assert_eq!(g.thumbnail("big 800x600.jpg").unwrap(), first);
    assert_eq!(
        g.thumbnails_made(),
        1,
        "second request served from the cache"
    );
    // A new Gallery (restart) still finds the cached file.
    let again = Gallery::open(&f.pic).unwrap();
    assert_eq!(again.thumbnail("big 800x600.jpg").unwrap(), first);
    assert_eq!(again.thumbnails_made(), 0);
    // Replace the photo: the thumbnail is remade and the stale one dropped.
    fs::copy(
        f.pic.join("rotated exif6.jpg"),
        f.pic.join("big 800x600.jpg"),
    )
    .unwrap();
    assert_eq!(
        jpeg_size(&g.thumbnail("big 800x600.jpg").unwrap()),
        (20, 40)
    );
    assert_eq!(g.thumbnails_made(), 2);
    let cache_files: usize = fs::read_dir(f.pic.join(".thumbs"))
        .unwrap()
        .map(|d| fs::read_dir(d.unwrap().path()).unwrap().count())
        .sum();
    assert_eq!(cache_files, 1);
}

#[test]
fn concurrent_requests_decode_once() {
    let f = folder();
    let g = Arc::new(Gallery::open(&f.pic).unwrap());
    let start = Arc::new(Barrier::new(8));
    let handles: Vec<_> = (0..8)
        .map(|_| {
            let (g, start) = (g.clone(), start.clone());
            std::thread::spawn(move || {
                start.wait();
                g.thumbnail("big 800x600.jpg").unwrap()
            })
        })
        .collect();
    let thumbs: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    assert!(thumbs.windows(2).all(|w| w[0] == w[1]));
    assert_eq!(g.thumbnails_made(), 1);
}
