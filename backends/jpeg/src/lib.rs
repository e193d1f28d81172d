//! JPEG bitstream helpers shared by the capture backends (replay, V4L2): walk the marker segments of a
//! JPEG to find its size (SOF), where it ends (EOI), whether it carries Huffman tables, and insert the
//! standard tables when an MJPEG camera leaves them out; cut an MJPEG byte stream (concatenated JPEGs
//! or a multipart body) into frames ([`MjpegSplitter`]). And the other way: [`encode`], a baseline JPEG
//! encoder for YCbCr planes, the default encoder's core (its module doc says why it is ours).
//!
//! Why a crate of its own: frames from cameras and recordings are passed through *unchanged*, so the
//! backends need to look inside a JPEG without decoding it. A decoder would cost a full frame decode per
//! frame; these functions read only marker headers (a few dozen bytes) plus, for [`jpeg_len`], one
//! `memchr`-like pass over the entropy-coded data.

pub mod encode;
mod huffman;
mod markers;
mod split;

pub use huffman::{has_huffman_tables, insert_default_huffman_tables, STANDARD_DHT};
pub use markers::{dimensions, is_complete, jpeg_len, MIN_FRAME_LEN};
pub use split::{MjpegSplitter, SplitFrame, MAX_FRAME_LEN};
