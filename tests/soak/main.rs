//! Soak, a compressed year: everything at once against one server, then a check that it is whole.
//! Viewers join and leave (full stream, variants, `?fps=`, some cut off mid-frame), the camera fails
//! (errors, a stall, a panic, unplug and replug, a hang the watchdog must end), photos are taken and
//! deleted, pages are edited under the file watcher and read back, camera controls are set. At the
//! end, with everyone gone and the camera idle: the process's fds and threads are back near the
//! baseline taken after a warm-up, its memory has not grown without bound, every photo on disk is a
//! complete JPEG, every page read showed an edit, and no error or warning was logged except those
//! the injected faults explain (no panic anywhere else).
//!
//! Runs `PISTREAM_SOAK_SECS` seconds of load (default 6, so that `cargo test --workspace` runs the
//! whole soak once); `.ci/run` runs it for 180 s, and longer runs are by hand:
//! `PISTREAM_SOAK_SECS=1800 cargo test --test soak -- --nocapture` prints the figures
//! recorded in docs/BENCHMARKS.md. Linux: memory, fds and threads are read from `/proc/self`.
//!
//! Here the test and its checks; `load.rs` is what the workers do, `watch.rs` what the log and the
//! panic hook saw.
#![cfg(target_os = "linux")]

#[path = "../common/mod.rs"]
mod common;
mod load;
mod watch;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::Arc;
use std::time::{Duration, Instant};

use load::{control_setter, editor, photographer, saboteur, viewer, Rng, Tally, STREAMS};
use watch::{explained_by_faults, watch_logs_and_panics};

/// Waits until `ok` holds, at most `timeout`: there is no event for an idle pool thread exiting or a
/// socket being released, so this looks every 50 ms. Returns whether it holds.
fn settles(timeout: Duration, ok: impl Fn() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    while !ok() {
        if Instant::now() > deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    true
}

fn soak_duration() -> Duration {
    let secs = std::env::var("PISTREAM_SOAK_SECS")
        .ok()
        .map(|s| {
            s.parse::<f64>()
                .expect("PISTREAM_SOAK_SECS is a number of seconds")
        })
        .unwrap_or(6.0);
    Duration::from_secs_f64(secs)
}

/// Resident memory of this process, in KiB.
fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l[6..].trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

#[test]
fn soak_everything_at_once_then_the_server_is_whole() {
    let seen = watch_logs_and_panics();
    let mut s = common::start(|c| {
        c.watch = pistream::config::WatchMode::Native;
        c.idle_timeout = 1.0;
        c.hang_timeout = 1.0;
        c.max_viewers = 500;
    });
    let content = s.pic.parent().unwrap().join("content");

    // Warm-up: every kind of request once, so pools and caches exist before the baseline.
    let tally = Tally::default();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for path in STREAMS {
        let mut v = common::MjpegClient::open(s.addr, path, false);
        v.next_part().expect("a first frame");
    }
    photographer(&s, &mut rng, &tally);
    editor(&s, &content, &mut rng, &tally, 0);
    control_setter(&s, &mut rng, &tally);
    let idle = |s: &common::TestServer| {
        let st = s.wait_state(Duration::from_secs(60), |st| {
            st["viewers"] == 0 && st["variant_encoders"] == 0 && st["online"] == false
        });
        assert_eq!(st["viewers"], 0, "{st}");
        assert!(
            s.control
                .wait_until(|c| !c.is_open(), Duration::from_secs(60)),
            "camera closed"
        );
    };
    idle(&s);
    let base = (common::open_fds(), common::threads(), rss_kib());

    let stop = Arc::new(AtomicBool::new(false));
    let tally = Arc::new(Tally::default());
    let started = Instant::now();
    let length = soak_duration();
    let loaded = std::thread::scope(|scope| {
        let worker = |seed: u64, job: &'static str| {
            let (s, stop, tally, content) = (&s, stop.clone(), tally.clone(), content.clone());
            scope.spawn(move || {
                let mut rng = Rng(seed);
                let mut n = 0;
                while !stop.load(SeqCst) {
                    n += 1;
                    match job {
                        "viewer" => viewer(s, &mut rng, &tally),
                        "photo" => photographer(s, &mut rng, &tally),
                        "edit" => editor(s, &content, &mut rng, &tally, n),
                        "control" => control_setter(s, &mut rng, &tally),
                        _ => saboteur(s, n, &tally),
                    }
                    // Pacing of the load, not synchronisation: a photo, an edit or a control set
                    // every 50-250 ms, a fault every 0.5-1.5 s after the last one healed.
                    match job {
                        "viewer" => {}
                        "fault" => std::thread::sleep(Duration::from_millis(500 + rng.below(1000))),
                        _ => std::thread::sleep(Duration::from_millis(50 + rng.below(200))),
                    }
                }
            });
        };
        for i in 0..12 {
            worker(1000 + i, "viewer");
        }
        worker(2, "photo");
        worker(3, "edit");
        worker(4, "control");
        worker(5, "fault");
        while started.elapsed() < length {
            std::thread::sleep(Duration::from_millis(100));
        }
        stop.store(true, SeqCst);
        started.elapsed()
    });

    // Quiet again: no viewers, camera closed; then the process is back near its baseline.
    s.control.fail_every(0);
    s.control.reappear();
    idle(&s);
    // Idle threads of the blocking pool linger a moment before they exit.
    settles(Duration::from_secs(30), || {
        common::open_fds() <= base.0 + 2 && common::threads() <= base.1 + 2
    });
    let end = (common::open_fds(), common::threads(), rss_kib());
    let st = s.state();
    eprintln!(
        "soak: {:.0} s of load; {} viewers ({} cut off mid-frame), {} parts, {} photos ({} deleted), \
         {} page edits ({} reads), {} control sets, {} faults, {} capture restarts; \
         fds {} -> {}, threads {} -> {}, RSS {} -> {} KiB",
        loaded.as_secs_f64(),
        tally.viewers.load(SeqCst),
        tally.cut_mid_frame.load(SeqCst),
        tally.parts.load(SeqCst),
        tally.photos.load(SeqCst),
        tally.deletes.load(SeqCst),
        tally.page_edits.load(SeqCst),
        tally.page_reads.load(SeqCst),
        tally.control_sets.load(SeqCst),
        tally.faults.load(SeqCst),
        st["capture_restarts"],
        base.0,
        end.0,
        base.1,
        end.1,
        base.2,
        end.2,
    );
    assert!(tally.viewers.load(SeqCst) > 0 && tally.parts.load(SeqCst) > 0);
    assert!(tally.photos.load(SeqCst) > 0 && tally.faults.load(SeqCst) > 0);
    assert!(
        end.0 <= base.0 + 2,
        "fds: {} at the start, {} at the end",
        base.0,
        end.0
    );
    assert!(
        end.1 <= base.1 + 2,
        "threads: {} at the start, {} at the end",
        base.1,
        end.1
    );
    // Memory: allocators keep some of what they had; unbounded growth is what this catches.
    assert!(
        end.2 <= base.2 * 2 + 64 * 1024,
        "RSS: {} KiB at the start, {} KiB at the end",
        base.2,
        end.2
    );

    // Every photo on disk is a complete JPEG, and no temp file is left behind.
    let mut photos = 0;
    for entry in std::fs::read_dir(&s.pic).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if path.is_dir() {
            continue;
        }
        assert!(!name.starts_with('.'), "a temp file left behind: {name}");
        let bytes = std::fs::read(&path).unwrap();
        common::decode(&bytes);
        photos += 1;
    }
    let taken = tally.photos.load(SeqCst) - tally.deletes.load(SeqCst);
    assert!(
        photos as u64 >= taken,
        "{photos} photos on disk, {taken} taken and kept"
    );

    // Nothing logged at warn or error that the injected faults do not explain.
    let records = seen.records.lock().unwrap().clone();
    let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
    for (level, line) in &records {
        let kind: String = line.chars().take(100).collect();
        *kinds.entry(format!("{level} {kind}")).or_default() += 1;
    }
    for (kind, n) in &kinds {
        eprintln!("soak: logged {n}x {kind}");
    }
    let unexplained: Vec<&String> = records
        .iter()
        .map(|(_, l)| l)
        .filter(|l| !explained_by_faults(l))
        .collect();
    assert!(
        unexplained.is_empty(),
        "logged beyond the faults: {unexplained:#?}"
    );
    assert_eq!(
        seen.unsupervised_panics.load(SeqCst),
        0,
        "a panic outside the server's supervision"
    );
    assert!(s.stop(), "the server stops cleanly");
}
