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
    let include = std::env::var("DEP_TURBOJPEG_INCLUDE")
        .expect("turbojpeg-sys passes on the folder of libjpeg-turbo's headers");
    let mut build = cc::Build::new();
    for dir in include.split(',') {
        build.include(dir);
    }
    build
        .file(source)
        .warnings(true)
        .extra_warnings(true)
        .compile("pistream_turbo_strips");
}
