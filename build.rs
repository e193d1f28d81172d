//! Build script: with `--features turbojpeg` only, compiles `src/video/encode/turbo_strips.c`, the
//! few lines of C that call libjpeg-turbo's raw-data API (see `turbo_strips.rs` for why), against
//! the headers of the very libjpeg-turbo the `turbojpeg-sys` crate builds and links: it passes their
//! folder on as `DEP_TURBOJPEG_INCLUDE` (its `links = "turbojpeg"`). Without the feature it does
//! nothing.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    #[cfg(feature = "turbojpeg")]
    compile_turbo_strips();
}

#[cfg(feature = "turbojpeg")]
fn compile_turbo_strips() {
    let source = "src/video/encode/turbo_strips.c";
    println!("cargo:rerun-if-changed={source}");
    let mut build = cc::Build::new();
    // Unset when turbojpeg-sys found a system libjpeg-turbo (TURBOJPEG_SOURCE=pkg-config) whose
    // headers are in the compiler's default path: then the compiler finds them itself.
    if let Ok(include) = std::env::var("DEP_TURBOJPEG_INCLUDE") {
        for dir in include.split(',').filter(|d| !d.is_empty()) {
            build.include(dir);
        }
    }
    build
        .file(source)
        .warnings(true)
        .extra_warnings(true)
        .compile("pistream_turbo_strips");
}
