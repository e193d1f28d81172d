//! The video wing: frames from a camera to every viewer, as separate stages.
//!
//! [`cameras`] opens the backend `--camera` names; [`capture`] drives it on its own thread (on
//! demand, NO SIGNAL and retry on faults) and has raw frames [`encode`]d to JPEG on encoder threads
//! (`capture::pipeline`), published in capture order; the [`hub`] keeps the
//! newest framed part for every viewer; [`stream`] is one viewer's MJPEG body,
//! paced by [`pace`] when it asks for fewer frames; [`variants`] are the
//! smaller or lighter streams, each encoded once for all its viewers, on the few rungs of the
//! [`ladder`]; [`vitals`] is what health checks
//! and metrics read; [`controls`] are the camera's controls (brightness...), saved in the
//! [`control_store`] and applied again at every open. Plain Rust: no HTTP.

pub mod cameras;
pub mod capture;
pub mod control_store;
pub mod controls;
pub mod encode;
pub mod hub;
pub mod ladder;
pub mod pace;
pub mod stream;
pub mod variants;
pub mod vitals;
pub mod watchdog;
