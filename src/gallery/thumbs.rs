//! The rendition caches: smaller JPEGs of each photo kept in a hidden folder of the photo folder,
//! invisible to the listing because it starts with a dot — thumbnails ([`THUMB`], 320 px wide,
//! `pic/.thumbs/`) for the grid and the medium size ([`MEDIUM`], 1280 px on the long side,
//! `pic/.medium/`) the viewer shows on a phone instead of the original. Each photo has a
//! sub-folder named by a stable hash of its path (`album/photo.jpg`: nested photos are keyed by
//! their whole path, so two albums' `1.jpg` never share one), holding one file keyed by the source's mtime and
//! size, so a changed photo gets a new thumbnail and the old one is dropped. Folders that belong to
//! no photo (deleted behind our back, or named by an older key scheme) are pruned at start and when
//! photos go. Concurrent requests for the
//! same missing thumbnail wait on one per-name lock, so the photo is decoded once, not once per
//! request, and at most one decode per core runs at a time (a first look at a page of 50 photos
//! must not hold 50 full-size pictures in a Pi's memory at once). Everything here blocks: callers
//! run it off the async executor.

use parking_lot::{Condvar, Mutex};
use std::collections::{HashMap, HashSet};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::UNIX_EPOCH;

use blake2::digest::consts::U16;
use blake2::{Blake2b, Digest};
use image::codecs::jpeg::JpegEncoder;
use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageReader, Limits, Rgb, RgbImage};
use once_cell::sync::Lazy;

/// One size of smaller copies: its cache folder, the box it fits in and its JPEG quality.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rendition {
    /// The cache folder inside the photo folder (hidden: starts with a dot).
    pub dir: &'static str,
    /// Widest, in pixels.
    pub width: u32,
    /// Tallest, in pixels.
    pub height: u32,
    pub quality: u8,
}

/// Thumbnails: 320 px wide; a panorama on its side stays a sane 1280 px tall at most.
pub const THUMB: Rendition = Rendition {
    dir: ".thumbs",
    width: 320,
    height: 1280,
    quality: 80,
};

/// Screen size: 1280 px on the long side — a phone's screen in device pixels (360 CSS px at 3x
/// is 1080), a few hundred KB instead of a 12 MP original's several MB.
pub const MEDIUM: Rendition = Rendition {
    dir: ".medium",
    width: 1280,
    height: 1280,
    quality: 85,
};

/// Name of the thumbnail cache folder inside the photo folder.
pub const CACHE_DIR: &str = THUMB.dir;

/// The cache of one rendition of one photo folder's photos.
pub struct ThumbCache {
    dir: PathBuf,
    size: Rendition,
    in_flight: Mutex<HashMap<String, Arc<Mutex<()>>>>,
    made: AtomicU64,
    decoders: Arc<Permits>,
}

impl ThumbCache {
    /// The cache of `size` for photos in `pic_dir`, decoding under `decoders` (shared by every
    /// rendition: a Pi decodes at most one full-size photo per core). The folder is made lazily,
    /// so a read-only photo folder still gets renditions (made on every request, not cached).
    pub fn new(pic_dir: &Path, size: Rendition, decoders: Arc<Permits>) -> ThumbCache {
        ThumbCache {
            dir: pic_dir.join(size.dir),
            size,
            in_flight: Mutex::new(HashMap::new()),
            made: AtomicU64::new(0),
            decoders,
        }
    }

    /// One permit per core: how many photos may be decoded at once.
    pub fn permits_per_core() -> Arc<Permits> {
        Arc::new(Permits::new(
            std::thread::available_parallelism().map_or(2, |n| n.get()),
        ))
    }

    /// How many thumbnails were made (decodes) since start: the cache's hit/miss signal.
    pub fn made(&self) -> u64 {
        self.made.load(Ordering::Relaxed)
    }

    /// The thumbnail of `name` (whose file is `source`, with metadata `meta`), from the cache or
    /// made now. A source that does not decode gets the placeholder image.
    pub fn get_or_make(&self, name: &str, source: &Path, meta: &fs::Metadata) -> Vec<u8> {
        let cached = self.cache_file(name, meta);
        if let Ok(bytes) = fs::read(&cached) {
            return bytes;
        }
        let lock = self.lock_for(name);
        let bytes = {
            let _only_one_maker = lock.lock();
            // Whoever held the lock before us may have made it meanwhile.
            match fs::read(&cached) {
                Ok(bytes) => bytes,
                Err(_) => {
                    let decoding = self.decoders.acquire();
                    let made = make(source, self.size);
                    drop(decoding);
                    let bytes = made.unwrap_or_else(|e| {
                        log::warn!("thumbnail of {name:?}: {e}; using the placeholder");
                        PLACEHOLDER.clone()
                    });
                    self.made.fetch_add(1, Ordering::Relaxed);
                    if let Err(e) = self.store(&cached, &bytes) {
                        log::debug!("cannot cache the thumbnail of {name:?}: {e}");
                    }
                    bytes
                }
            }
        };
        self.unlock(name, lock);
        bytes
    }

    /// Forgets every thumbnail of `name`.
    pub fn remove(&self, name: &str) -> io::Result<()> {
        match fs::remove_dir_all(self.dir.join(name_key(name))) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }

    /// Removes every cache entry that belongs to none of the `live` photos: the folders of photos
    /// deleted behind our back, folders named by an older key scheme (std's `DefaultHasher`, whose
    /// output may change between Rust releases), stray files. Returns how many entries went.
    /// Entries that cannot be removed (a read-only photo folder) are left, with a debug line.
    pub fn prune<'a>(&self, live: impl IntoIterator<Item = &'a str>) -> io::Result<usize> {
        let keep: HashSet<String> = live.into_iter().map(name_key).collect();
        let entries = match fs::read_dir(&self.dir) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(0),
            other => other?,
        };
        let mut removed = 0;
        for entry in entries {
            let entry = entry?;
            if entry.file_name().to_str().is_some_and(|n| keep.contains(n)) {
                continue;
            }
            let path = entry.path();
            // `file_type` does not follow symlinks: a link is removed itself, never its target.
            let gone = if entry.file_type()?.is_dir() {
                fs::remove_dir_all(&path)
            } else {
                fs::remove_file(&path)
            };
            match gone {
                Ok(()) => removed += 1,
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => log::debug!("cannot prune {}: {e}", path.display()),
            }
        }
        Ok(removed)
    }

    fn cache_file(&self, name: &str, meta: &fs::Metadata) -> PathBuf {
        let mtime = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos());
        self.dir
            .join(name_key(name))
            .join(format!("{mtime:x}-{:x}.jpg", meta.len()))
    }

    /// Writes the thumbnail atomically (temp file + rename) and drops stale versions.
    fn store(&self, target: &Path, bytes: &[u8]) -> io::Result<()> {
        let folder = target.parent().unwrap_or(&self.dir);
        fs::create_dir_all(folder)?;
        for old in fs::read_dir(folder)? {
            let old = old?.path();
            if old != target {
                let _ = fs::remove_file(old);
            }
        }
        // Unique per write: two caches on one folder (tests, a restart overlapping) never share it.
        static WRITES: AtomicU64 = AtomicU64::new(0);
        let n = WRITES.fetch_add(1, Ordering::Relaxed);
        let tmp = folder.join(format!(".tmp-{}-{n}", std::process::id()));
        fs::write(&tmp, bytes)?;
        fs::rename(&tmp, target)
    }

    fn lock_for(&self, name: &str) -> Arc<Mutex<()>> {
        let mut map = self.in_flight.lock();
        map.entry(name.to_owned()).or_default().clone()
    }

    fn unlock(&self, name: &str, lock: Arc<Mutex<()>>) {
        let mut map = self.in_flight.lock();
        drop(lock);
        // Only the map holds it now: nobody waits, so the entry can go (keeps the map small).
        if map.get(name).is_some_and(|l| Arc::strong_count(l) == 1) {
            map.remove(name);
        }
    }
}

/// A counting semaphore for blocking threads: at most `n` holders at a time.
pub struct Permits {
    free: Mutex<usize>,
    released: Condvar,
}

/// One held permit; dropping it gives it back.
pub struct Permit<'a>(&'a Permits);

impl Permits {
    pub fn new(n: usize) -> Permits {
        Permits {
            free: Mutex::new(n.max(1)),
            released: Condvar::new(),
        }
    }

    /// Waits for a permit.
    pub fn acquire(&self) -> Permit<'_> {
        let mut free = self.free.lock();
        while *free == 0 {
            self.released.wait(&mut free);
        }
        *free -= 1;
        Permit(self)
    }

    /// A permit if one is free now.
    pub fn try_acquire(&self) -> Option<Permit<'_>> {
        let mut free = self.free.lock();
        (*free > 0).then(|| {
            *free -= 1;
            Permit(self)
        })
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        *self.0.free.lock() += 1;
        self.0.released.notify_one();
    }
}

/// The sub-folder of a photo's thumbnails: a hash, because names may be up to 255 bytes and
/// contain anything. BLAKE2b with a 128-bit output: fixed by its specification (RFC 7693), so a
/// folder one build made is found by every later build — std's `DefaultHasher` promises no such
/// thing and orphaned the cache whenever Rust changed it. 32 hex digits also tell the new folders
/// from the old 16-digit ones at a glance.
fn name_key(name: &str) -> String {
    format!("{:x}", Blake2b::<U16>::digest(name.as_bytes()))
}

/// Decodes `source`, turns it upright by its EXIF orientation and shrinks it into `size`'s box.
pub fn make(source: &Path, size: Rendition) -> Result<Vec<u8>, image::ImageError> {
    let mut reader = ImageReader::open(source)?.with_guessed_format()?;
    let mut limits = Limits::default();
    // A Pi has little memory: refuse decompression bombs instead of swapping (placeholder shown).
    limits.max_alloc = Some(256 << 20);
    limits.max_image_width = Some(20_000);
    limits.max_image_height = Some(20_000);
    reader.limits(limits);
    let mut decoder = reader.into_decoder()?;
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let mut img = DynamicImage::from_decoder(decoder)?;
    img.apply_orientation(orientation);
    if img.width() > size.width || img.height() > size.height {
        // Area averaging (`thumbnail`): for shrinking as good as a windowed filter and several
        // times faster, which a Pi making a 12 MP photo's medium copy notices.
        img = img.thumbnail(size.width, size.height);
    }
    encode(&flatten(&img), size.quality)
}

/// RGB on white: JPEG has no alpha, and transparent pixels would otherwise turn black.
fn flatten(img: &DynamicImage) -> RgbImage {
    if !img.color().has_alpha() {
        return img.to_rgb8();
    }
    let rgba = img.to_rgba8();
    RgbImage::from_fn(rgba.width(), rgba.height(), |x, y| {
        let [r, g, b, a] = rgba.get_pixel(x, y).0;
        let over = |c: u8| ((u16::from(c) * u16::from(a) + 255 * (255 - u16::from(a))) / 255) as u8;
        Rgb([over(r), over(g), over(b)])
    })
}

fn encode(img: &RgbImage, quality: u8) -> Result<Vec<u8>, image::ImageError> {
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, quality).encode_image(img)?;
    Ok(out)
}

/// The thumbnail of a photo that does not decode: a grey card with a cross, made once.
pub static PLACEHOLDER: Lazy<Vec<u8>> = Lazy::new(|| {
    let (w, h) = (THUMB.width, THUMB.width * 3 / 4);
    let img = RgbImage::from_fn(w, h, |x, y| {
        let on_cross = (x * h).abs_diff(y * w) < 2 * w || (x * h).abs_diff((h - y) * w) < 2 * w;
        if on_cross {
            Rgb([150, 150, 150])
        } else {
            Rgb([225, 225, 225])
        }
    });
    encode(&img, THUMB.quality).unwrap_or_default()
});

#[cfg(test)]
mod tests {
    use super::*;

    /// The key of a name must never change between builds or Rust releases: a changed key orphans
    /// every cached thumbnail. This pins it to BLAKE2b-128 of the UTF-8 name (the values are
    /// Python's `hashlib.blake2b(name, digest_size=16)`, an independent implementation).
    #[test]
    fn name_keys_are_stable() {
        assert_eq!(name_key(""), "cae66941d9efbd404e4d88758ea67670");
        assert_eq!(
            name_key("20240101-120000-000.jpg"),
            "7ef5a873df1c302bca01c0f1fa08fbd7"
        );
    }

    #[test]
    fn permits_bound_holders_and_wake_waiters() {
        let permits = Arc::new(Permits::new(2));
        let a = permits.acquire();
        let _b = permits.acquire();
        assert!(permits.try_acquire().is_none(), "a third holder must wait");
        let (tx, rx) = std::sync::mpsc::channel();
        let waiter = {
            let permits = permits.clone();
            std::thread::spawn(move || {
                let _c = permits.acquire();
                tx.send(()).unwrap();
            })
        };
        drop(a);
        rx.recv().unwrap();
        waiter.join().unwrap();
        assert!(
            permits.try_acquire().is_some(),
            "the waiter gave its permit back"
        );
    }
}
