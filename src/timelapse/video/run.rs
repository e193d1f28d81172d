//! One video job on its own thread: feeds ffmpeg the photos, drains its error output, follows its
//! progress into the job's status and events, and at the end keeps the video (synced, renamed into
//! place) or removes the temp file. Separate from the job slot because this is what runs while the
//! slot only holds the handle to cancel it.

use std::fs;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::path::PathBuf;
use std::process::Child;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use parking_lot::Mutex;

use super::{JobStatus, VideoJobs};

/// One job on its thread.
pub(super) struct Run {
    pub(super) jobs: Arc<VideoJobs>,
    pub(super) status: JobStatus,
    pub(super) child: Arc<Mutex<Child>>,
    pub(super) cancelled: Arc<AtomicBool>,
    pub(super) temp: PathBuf,
    pub(super) output: PathBuf,
}

impl Run {
    pub(super) fn run(
        mut self,
        photos: Vec<PathBuf>,
        stdin: Option<impl Write + Send + 'static>,
        stdout: Option<impl Read>,
        stderr: Option<impl Read + Send + 'static>,
    ) {
        // Feeding and draining stderr run beside the progress reader: each pipe could fill up.
        let feeder = stdin.map(|mut stdin| {
            std::thread::spawn(move || {
                for photo in photos {
                    // A photo deleted meanwhile is skipped; a closed pipe (ffmpeg gone) ends it.
                    let Ok(bytes) = fs::read(&photo) else {
                        continue;
                    };
                    if stdin.write_all(&bytes).is_err() {
                        break;
                    }
                }
            })
        });
        let errors = stderr.map(|mut e| {
            std::thread::spawn(move || {
                let mut text = String::new();
                let _ = e.read_to_string(&mut text);
                text
            })
        });
        if let Some(out) = stdout {
            self.follow_progress(out);
        }
        let exit = self.child.lock().wait();
        if let Some(f) = feeder {
            let _ = f.join();
        }
        let errors = errors.and_then(|e| e.join().ok()).unwrap_or_default();
        let end = if self.cancelled.load(Ordering::SeqCst) {
            Err("cancelled".to_string())
        } else {
            match exit {
                Ok(s) if s.success() => self.keep().map_err(|e| format!("failed: {e}")),
                Ok(s) => Err(format!("failed: ffmpeg {s}: {}", last_line(&errors))),
                Err(e) => Err(format!("failed: {e}")),
            }
        };
        let _ = fs::remove_file(&self.temp);
        match end {
            Ok(()) => {
                self.status.state = "done";
                self.status.percent = 100;
                self.status.frame = self.status.total;
                let day = &self.status.day;
                let name = self
                    .output
                    .file_name()
                    .unwrap_or_default()
                    .to_string_lossy();
                self.status.file = Some(format!("{}/{day}/{name}", crate::timelapse::FOLDER));
                log::info!("timelapse: the video of {day} is made");
            }
            Err(why) if why == "cancelled" => self.status.state = "cancelled",
            Err(why) => {
                log::error!("timelapse: the video of {}: {why}", self.status.day);
                self.status.state = "failed";
                self.status.error = Some(why);
            }
        }
        let mut slot = self.jobs.slot.lock();
        slot.running = None;
        slot.last = Some(self.status.clone());
        drop(slot);
        self.jobs.finished.notify_all();
        self.jobs.publish(&self.status);
    }

    /// Reads ffmpeg's progress blocks until it closes its output, publishing each.
    fn follow_progress(&mut self, out: impl Read) {
        for line in BufReader::new(out).lines() {
            let Ok(line) = line else { break };
            let (key, value) = line.split_once('=').unwrap_or((&line, ""));
            match key.trim() {
                "frame" => self.status.frame = value.trim().parse().unwrap_or(self.status.frame),
                "progress" => {
                    let total = self.status.total.max(1);
                    self.status.percent = (self.status.frame.min(total) * 100 / total) as u8;
                    self.jobs.slot.lock().last = Some(self.status.clone());
                    self.jobs.publish(&self.status);
                }
                _ => {}
            }
        }
    }

    /// Syncs the finished temp file and renames it into place.
    fn keep(&self) -> io::Result<()> {
        fs::File::open(&self.temp)?.sync_all()?;
        fs::rename(&self.temp, &self.output)?;
        if let Some(dir) = self.output.parent() {
            if let Ok(d) = fs::File::open(dir) {
                let _ = d.sync_all();
            }
        }
        Ok(())
    }
}

/// The last non-empty line of ffmpeg's error output.
fn last_line(text: &str) -> &str {
    text.lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("no message")
}
