//! Test-only link stub: depending on this crate (as a dev-dependency) puts an empty `libv4l2.a` on the
//! link path; see `build.rs`. It has no Rust items: the simulated `v4l2_*` functions live in
//! `pistream-v4l2-sim`.
