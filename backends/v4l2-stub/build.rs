//! Writes an empty `libv4l2.a` (a bare `ar` archive: just its magic line) into OUT_DIR and puts it on
//! the link search path, so that rscam's `#[link(name = "v4l2")]` resolves in test binaries on machines
//! without libv4l-dev. The archive defines nothing: the `v4l2_*` symbols come from the simulator's
//! `export_v4l2!()` in the test itself, so a test that forgets it fails to link rather than silently
//! reaching a real libv4l2.

use std::path::PathBuf;

fn main() {
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    std::fs::write(out.join("libv4l2.a"), b"!<arch>\n").expect("write empty libv4l2.a");
    println!("cargo:rustc-link-search=native={}", out.display());
    println!("cargo:rerun-if-changed=build.rs");
}
