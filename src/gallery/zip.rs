//! ZIP downloads of photos (a whole album, or a selection), streamed: a thread of its own writes
//! the archive with the `zip` crate's streaming writer (no seeking: sizes and CRCs go in data
//! descriptors) into 64 KiB chunks handed over a bounded channel, and [`ZipStream`] reads them as
//! an async body. At most [`CHUNKS_IN_FLIGHT`] chunks exist at a time, so a 5 GB album costs
//! ~256 KiB of memory and no disk; a slow client slows the writer down (the channel is full), a
//! client that goes away stops it (the channel is closed). Entries are *stored*, not deflated:
//! JPEGs do not compress, and storing keeps the Pi's CPU free. Names inside are photo paths the
//! gallery validated (no `..`, no leading `/`, no `\`, no control characters), relative to the
//! album, so unpacking cannot write outside the folder it is unpacked in.

use std::fs::File;
use std::io::{self, Write};
use std::path::PathBuf;
use std::pin::Pin;
use std::task::{Context, Poll};

use async_std::channel::{bounded, Receiver, Sender};
use futures_lite::{AsyncBufRead, AsyncRead, Stream};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

/// Size of the pieces the writer hands over.
const CHUNK: usize = 64 * 1024;
/// Chunks buffered between the writer thread and the connection.
pub const CHUNKS_IN_FLIGHT: usize = 4;

/// Writes a ZIP of `files` (name inside the archive, file on disk) to `out`, stored. A file that
/// cannot be opened any more (deleted meanwhile) is left out; a failure while writing ends it.
pub fn write<W: Write>(out: W, files: &[(String, PathBuf)]) -> io::Result<W> {
    let mut zip = ZipWriter::new_stream(out);
    for (name, path) in files {
        let Ok(mut file) = File::open(path) else {
            log::debug!("zip: {name:?} is gone, left out");
            continue;
        };
        let meta = file.metadata()?;
        let mut options = SimpleFileOptions::default()
            .compression_method(CompressionMethod::Stored)
            .large_file(meta.len() >= u64::from(u32::MAX));
        if let Some(t) = meta.modified().ok().and_then(dos_time) {
            options = options.last_modified_time(t);
        }
        zip.start_file(name.as_str(), options)
            .map_err(io::Error::from)?;
        io::copy(&mut file, &mut zip)?;
    }
    zip.finish()
        .map_err(io::Error::from)
        .map(|s| s.into_inner())
}

/// A file's local time as ZIP's DOS time (which cannot hold years before 1980).
fn dos_time(t: std::time::SystemTime) -> Option<zip::DateTime> {
    use chrono::{Datelike, Timelike};
    let l: chrono::DateTime<chrono::Local> = t.into();
    zip::DateTime::from_date_and_time(
        u16::try_from(l.year()).ok()?,
        l.month() as u8,
        l.day() as u8,
        l.hour() as u8,
        l.minute() as u8,
        l.second().min(59) as u8,
    )
    .ok()
}

/// Starts writing a ZIP of `files` on a thread of its own; the archive comes out of the returned
/// stream as it is written.
pub fn stream(files: Vec<(String, PathBuf)>) -> io::Result<ZipStream> {
    let (tx, rx) = bounded(CHUNKS_IN_FLIGHT);
    let failed = tx.clone();
    std::thread::Builder::new()
        .name("zip".into())
        .spawn(move || {
            let out = ChunkWriter {
                tx,
                buf: Vec::with_capacity(CHUNK),
            };
            match write(out, &files).and_then(|mut w| w.flush()) {
                Ok(()) => {}
                // The client went away: nobody to tell.
                Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {}
                Err(e) => {
                    log::warn!("zip download failed: {e}");
                    // The body fails, so the client sees a broken download, not a short ZIP.
                    let _ = failed.send_blocking(Err(e));
                }
            }
        })?;
    Ok(ZipStream {
        rx,
        chunk: Vec::new(),
        pos: 0,
    })
}

/// The writer's end: fills a chunk, hands it over when full (waiting while the channel is full).
struct ChunkWriter {
    tx: Sender<io::Result<Vec<u8>>>,
    buf: Vec<u8>,
}

impl ChunkWriter {
    fn send(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK));
        self.tx
            .send_blocking(Ok(chunk))
            .map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, "the client went away"))
    }
}

impl Write for ChunkWriter {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let n = data.len().min(CHUNK - self.buf.len());
        self.buf.extend_from_slice(&data[..n]);
        if self.buf.len() == CHUNK {
            self.send()?;
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.send()
    }
}

/// The reading end, an async body: the chunks in order, then the end (or the writer's error).
pub struct ZipStream {
    rx: Receiver<io::Result<Vec<u8>>>,
    chunk: Vec<u8>,
    pos: usize,
}

impl AsyncBufRead for ZipStream {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        let this = self.get_mut();
        while this.pos == this.chunk.len() {
            match Pin::new(&mut this.rx).poll_next(cx) {
                Poll::Pending => return Poll::Pending,
                // Closed: the writer finished (or went); what came is all.
                Poll::Ready(None) => return Poll::Ready(Ok(&[])),
                Poll::Ready(Some(Err(e))) => return Poll::Ready(Err(e)),
                Poll::Ready(Some(Ok(chunk))) => {
                    this.chunk = chunk;
                    this.pos = 0;
                }
            }
        }
        Poll::Ready(Ok(&this.chunk[this.pos..]))
    }

    fn consume(self: Pin<&mut Self>, amt: usize) {
        let this = self.get_mut();
        this.pos = (this.pos + amt).min(this.chunk.len());
    }
}

impl AsyncRead for ZipStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        out: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let n = match self.as_mut().poll_fill_buf(cx) {
            Poll::Ready(Ok(buf)) => {
                let n = buf.len().min(out.len());
                out[..n].copy_from_slice(&buf[..n]);
                n
            }
            Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
            Poll::Pending => return Poll::Pending,
        };
        self.consume(n);
        Poll::Ready(Ok(n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn a_streamed_zip_holds_the_files_under_their_names() {
        let dir = tempfile::tempdir().unwrap();
        let mut files = Vec::new();
        for (i, name) in ["a.jpg", "day/b c.jpg", "照片.jpg"].iter().enumerate() {
            let path = dir.path().join(format!("{i}"));
            std::fs::write(&path, vec![i as u8; 100_000 * (i + 1)]).unwrap();
            files.push((name.to_string(), path));
        }
        files.push(("gone.jpg".into(), dir.path().join("missing")));
        let mut body = Vec::new();
        let mut s = stream(files).unwrap();
        async_std::task::block_on(futures_lite::AsyncReadExt::read_to_end(&mut s, &mut body))
            .unwrap();
        let mut zip = zip::ZipArchive::new(io::Cursor::new(body)).unwrap();
        assert_eq!(zip.len(), 3, "the gone file is left out");
        for (i, name) in ["a.jpg", "day/b c.jpg", "照片.jpg"].iter().enumerate() {
            let mut f = zip.by_name(name).unwrap();
            assert!(f.enclosed_name().is_some());
            let mut bytes = Vec::new();
            f.read_to_end(&mut bytes).unwrap();
            assert_eq!(bytes, vec![i as u8; 100_000 * (i + 1)]);
        }
    }

    #[test]
    fn a_reader_that_goes_away_stops_the_writer() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big");
        std::fs::write(&path, vec![7u8; 4 * 1024 * 1024]).unwrap();
        let (tx, rx) = bounded(1);
        drop(rx);
        let out = ChunkWriter {
            tx,
            buf: Vec::new(),
        };
        let err = write(out, &[("big.jpg".into(), path)])
            .err()
            .expect("fails");
        assert_eq!(err.kind(), io::ErrorKind::BrokenPipe);
    }
}
