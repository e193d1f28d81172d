//! The capture service's stages of its [`Pipeline`](super::pipeline::Pipeline): how a worker
//! encodes a camera frame (into its own reused buffer, then framed once for every viewer) and what
//! publishing one does (the hub, the counters, the measured frame rate).

use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use pistream_camera::{Frame, PixelFormat};

use super::pipeline::{PipelineCounts, Stages};
use super::CaptureService;
use crate::video::encode::EncodeError;
use crate::video::hub::EncodedFrame;

impl Stages for CaptureService {
    fn needs_encoding(&self, frame: &Frame) -> bool {
        frame.format != PixelFormat::Jpeg || !self.options.orientation.is_identity()
    }

    fn encode(&self, frame: Frame, scratch: &mut Vec<u8>) -> Result<EncodedFrame, EncodeError> {
        let conv = self.conversion();
        if frame.format == PixelFormat::Jpeg {
            // An MJPEG camera's frame is sent as it came, or turned (decoded and encoded again).
            let jpeg = self
                .options
                .codec
                .to_jpeg(&frame, &conv, self.options.quality)?;
            return Ok(EncodedFrame::new(&jpeg, frame, conv, true));
        }
        scratch.clear();
        (self.options.codec).encode(&frame, &conv, self.options.quality, scratch)?;
        Ok(EncodedFrame::new(scratch, frame, conv, true))
    }

    fn publish(&self, frame: EncodedFrame, encode_time: Duration) {
        let live = frame.live;
        self.hub.publish(Arc::new(frame));
        if live {
            self.stats.vitals.frame(encode_time);
            self.stats.frames_captured.fetch_add(1, Relaxed);
            self.stats.tick_fps();
        }
    }

    fn spawn(&self, name: &str, work: Box<dyn FnOnce() + Send>) -> std::io::Result<JoinHandle<()>> {
        self.threads.spawn_joinable(name, work)
    }

    fn counted(&self, counts: &PipelineCounts, dropped: u64) {
        self.stats.encode_workers.store(counts.workers, Relaxed);
        self.stats.frames_dropped.fetch_add(dropped, Relaxed);
    }
}
