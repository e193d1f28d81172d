//! Faults with nothing lost (issue 8.6): a full disk and a read-only photo folder (a small tmpfs
//! mounted by the test: needs root) answer 507 / 500 in words and leave no partial or temp file,
//! every earlier photo intact; the photo folder removed while running is made again by the next
//! photo; temp files of a killed process are removed at start; SIGKILL during a burst of photos
//! (the real binary, a child process) leaves only complete JPEGs.

// Symlinks, non-UTF-8 names and mounts are Unix file-system matters.
#![cfg(unix)]

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use common::*;

/// A tmpfs mounted on `at` for one test, unmounted when dropped — after a failed assertion too.
struct Tmpfs(PathBuf);

impl Tmpfs {
    /// `None` (with a SKIPPED line; a failure under PISTREAM_REQUIRE_TOOLS) when this process may
    /// not mount.
    fn mount(at: &Path, size: &str) -> Option<Tmpfs> {
        std::fs::create_dir_all(at).unwrap();
        let ok = Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                &format!("size={size},mode=0755"),
                "tmpfs",
            ])
            .arg(at)
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            let msg = "SKIPPED: cannot mount a tmpfs (needs root): the full-disk test did not run";
            assert!(
                std::env::var_os("PISTREAM_REQUIRE_TOOLS").is_none(),
                "{msg}"
            );
            eprintln!("\n*** {msg} ***\n");
            return None;
        }
        Some(Tmpfs(at.to_path_buf()))
    }

    fn remount(&self, how: &str) {
        let ok = Command::new("mount")
            .args(["-o", &format!("remount,{how}")])
            .arg(&self.0)
            .status()
            .unwrap();
        assert!(ok.success(), "remount {how}");
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

/// The files in `dir` by name, with their bytes.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .map(|e| {
                    let bytes = std::fs::read(e.path()).unwrap_or_default();
                    (e.file_name().to_string_lossy().into_owned(), bytes)
                })
                .collect()
        })
        .unwrap_or_default()
}

fn message(r: &Reply) -> String {
    let v: serde_json::Value = serde_json::from_slice(&r.body).expect("a JSON error");
    v["error"].as_str().unwrap_or_default().to_string()
}

/// `POST /photos` over a raw socket; an error once the server is gone.
fn post_photo(addr: std::net::SocketAddr) -> std::io::Result<()> {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(addr)?;
    s.set_read_timeout(Some(Duration::from_secs(20)))?;
    s.write_all(
        b"POST /photos HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
    )?;
    let mut reply = Vec::new();
    s.read_to_end(&mut reply)?;
    if reply.is_empty() {
        return Err(std::io::ErrorKind::UnexpectedEof.into());
    }
    Ok(())
}

/// A whole JPEG: decodes, and ends with the end-of-image marker.
fn is_complete_jpeg(bytes: &[u8]) -> bool {
    bytes.ends_with(&[0xFF, 0xD9])
        && image::load_from_memory_with_format(bytes, image::ImageFormat::Jpeg).is_ok()
}

#[test]
fn a_full_disk_and_a_read_only_folder_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let pic = dir.path().join("pic");
    // About a dozen 320x240 photos fit.
    let Some(mount) = Tmpfs::mount(&pic, "256k") else {
        return;
    };
    let server = start(|c| c.pic = pic.clone());
    let mut saved = BTreeMap::new();
    let full = loop {
        let r = common::take_photo(server.addr);
        if r.status != 201 {
            break r;
        }
        let v = r.json();
        let name = v["name"].as_str().unwrap().to_string();
        saved.insert(name.clone(), std::fs::read(pic.join(&name)).unwrap());
        assert!(saved.len() < 200, "the disk never filled");
    };
    assert_eq!(full.status, 507, "{}", full.status_line);
    assert!(
        message(&full).contains("disk is full"),
        "{}",
        message(&full)
    );
    assert!(!saved.is_empty(), "some photos fit first");
    // Nothing half-written, no temp file; every earlier photo as it was.
    assert_eq!(files(&pic), saved, "exactly the saved photos, whole");
    for bytes in saved.values() {
        assert!(is_complete_jpeg(bytes));
    }

    mount.remount("ro");
    let ro = common::take_photo(server.addr);
    assert_eq!(ro.status, 500, "{}", ro.status_line);
    assert!(message(&ro).contains("read-only"), "{}", message(&ro));
    assert_eq!(files(&pic), saved);
    let page = request(
        server.addr,
        "POST",
        "/photos",
        &[("Accept", "text/html")],
        b"",
    );
    assert!(String::from_utf8_lossy(&page.body).contains("read-only"));

    // Room again: photos work again, with no restart.
    mount.remount("rw");
    let first = saved.keys().next().unwrap().clone();
    let del = request(
        server.addr,
        "POST",
        &format!("/photos/{first}/delete"),
        &[("Accept", "application/json")],
        b"",
    );
    assert_eq!(del.status, 200);
    let r = common::take_photo(server.addr);
    assert_eq!(r.status, 201, "{}", r.status_line);
}

#[test]
fn a_photo_folder_removed_while_running_is_made_again() {
    let server = start(|c| c.watch = pistream::config::WatchMode::Poll);
    assert_eq!(common::take_photo(server.addr).status, 201);
    std::fs::remove_dir_all(&server.pic).unwrap();
    // The gallery notices: empty, not an error.
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let g = request(server.addr, "GET", "/photos", &[], b"");
        assert_eq!(g.status, 200);
        if !String::from_utf8_lossy(&g.body).contains("/pic/") {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the gallery still lists photos"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let r = common::take_photo(server.addr);
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    let v = r.json();
    let name = v["name"].as_str().unwrap();
    assert!(is_complete_jpeg(
        &std::fs::read(server.pic.join(name)).unwrap()
    ));
    let served = request(server.addr, "GET", &format!("/pic/{name}"), &[], b"");
    assert_eq!(served.status, 200);
    let state = server.state();
    assert_eq!(state["capture_restarts"], 0, "{state}");
}

#[test]
fn temp_files_of_a_killed_process_are_removed_at_start() {
    let server = start(|c| {
        std::fs::create_dir_all(&c.pic).unwrap();
        std::fs::write(c.pic.join(".photo-20240101-000000-000-99-0.tmp"), b"half").unwrap();
        std::fs::write(c.pic.join("keep.jpg"), b"a photo").unwrap();
        std::fs::write(c.pic.join(".notes.tmp"), b"not ours").unwrap();
    });
    let left: Vec<String> = files(&server.pic).into_keys().collect();
    assert_eq!(left, [".notes.tmp", "keep.jpg"], "only our temp file went");
}

#[test]
fn sigkill_during_a_burst_of_photos_leaves_only_complete_jpegs() {
    let dir = tempfile::tempdir().unwrap();
    let pic = dir.path().join("pic");
    let spawn = || {
        common::spawn_for_banner(
            Command::new(env!("CARGO_BIN_EXE_pistream"))
                .args(["--bind", "127.0.0.1:0", "--watch", "off", "--fps", "30"])
                .arg("--pic")
                .arg(&pic)
                .arg("--content")
                .arg(dir.path()),
        )
    };
    let mut killed_mid_write = 0;
    for round in 0..3 {
        let (mut child, addr) = spawn();
        let jpegs = || files(&pic).keys().filter(|n| n.ends_with(".jpg")).count();
        let before = jpegs();
        // Four clients take photos as fast as they can; the server dies under them.
        let shooters: Vec<_> = (0..4)
            .map(|_| {
                std::thread::spawn(move || {
                    // Until the server is gone.
                    for _ in 0..200 {
                        if post_photo(addr).is_err() {
                            return;
                        }
                    }
                })
            })
            .collect();
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        while jpegs() < before + 5 && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        // SAFETY: sending a signal to our own child process.
        assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGKILL) }, 0);
        child.wait().unwrap();
        for s in shooters {
            let _ = s.join();
        }
        let now = files(&pic);
        killed_mid_write += now.keys().filter(|n| n.ends_with(".tmp")).count();
        let photos: Vec<_> = now.iter().filter(|(n, _)| n.ends_with(".jpg")).collect();
        assert!(
            photos.len() >= before + 5,
            "round {round}: {} photos",
            photos.len()
        );
        for (name, bytes) in photos {
            assert!(
                is_complete_jpeg(bytes),
                "round {round}: {name} is not a whole JPEG"
            );
        }
        // Only photos and our own temp files are in the folder.
        for name in now.keys() {
            assert!(
                name.ends_with(".jpg") || (name.starts_with(".photo-") && name.ends_with(".tmp")),
                "{name}"
            );
        }
    }
    eprintln!("temp files left by SIGKILL over 3 rounds: {killed_mid_write}");
    // The next start removes them.
    let (mut child, _) = spawn();
    let _ = child.kill();
    child.wait().unwrap();
    assert!(
        files(&pic).keys().all(|n| n.ends_with(".jpg")),
        "{:?}",
        files(&pic).keys()
    );
}
