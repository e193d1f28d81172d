//! The Windows build keeps compiling: no Unix-only path may be used in code that a Windows build
//! compiles. Unix-only are `std::os::unix`, `std::os::fd` and `std::os::linux`, and every crate that a
//! manifest of the workspace declares only for Unix (`[target.'cfg(unix)'.dependencies]`,
//! `cfg(target_os = "linux")`, ...: `libc`, `signal_hook`, `sd_notify`, `rscam`): the list is read from
//! the Cargo.toml files, so a crate added there is checked from then on. Code counts as
//! Unix-only when a `#[cfg(...)]` on it, on an enclosing item or module (`mod x;` included, followed to
//! its file), or `#![cfg(...)]` at the top of its file or crate is false on Windows (`unix`,
//! `target_os = "linux"`, `not(windows)`, ...). Every Rust file of the workspace is parsed (syn), from
//! each crate root along its `mod` declarations, so this is a parser's verdict, not a grep's.
//!
//! CI cannot build for Windows on our Linux machines (no Windows std); this test catches the usual way
//! that build breaks, on every `cargo test`. `.github/workflows/ci.yml` builds the real thing.

mod checker;

use std::path::{Path, PathBuf};

use checker::{check_file, crate_roots, packages, prefixes, unix_only_crates};

/// Standard library paths that exist only on Unix.
const STD_UNIX_ONLY: &[&str] = &["std::os::unix", "std::os::fd", "std::os::linux"];

#[test]
fn no_unix_only_path_outside_cfg_unix() {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"));
    let packages = packages(workspace);
    let manifests: Vec<PathBuf> = packages.iter().map(|p| p.join("Cargo.toml")).collect();
    let crates = unix_only_crates(&manifests);
    for expected in ["libc", "signal_hook", "sd_notify", "rscam"] {
        assert!(
            crates.iter().any(|c| c == expected),
            "{expected} in {crates:?}"
        );
    }
    let mut unix_only = prefixes(STD_UNIX_ONLY);
    unix_only.extend(crates.iter().map(|c| vec![c.clone()]));
    let roots = crate_roots(&packages);
    assert!(roots.len() > 20, "found the crates: {roots:?}");
    let mut found = Vec::new();
    for root in &roots {
        check_file(root, true, &unix_only, &mut found);
    }
    assert!(
        found.is_empty(),
        "Unix-only code that a Windows build would compile (put it under #[cfg(unix)] or \
         #[cfg(target_os = \"linux\")], on the item, its module, or #![cfg(..)] atop the file):\n{}",
        found.join("\n")
    );
}

/// The checker on snippets: what it must flag, and what it must let through.
#[test]
fn the_checker_flags_unix_paths_only_where_windows_compiles_them() {
    let unix_only = prefixes(&["std::os::unix", "std::os::fd", "libc", "signal_hook"]);
    let flagged = |src: &str| {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("lib.rs");
        std::fs::write(&f, src).unwrap();
        let mut found = Vec::new();
        check_file(&f, true, &unix_only, &mut found);
        found.len()
    };
    assert_eq!(flagged("use std::os::unix::fs::symlink;"), 1);
    assert_eq!(flagged("use std::os::{unix::fs::symlink, windows};"), 1);
    assert_eq!(flagged("fn f() { unsafe { libc::kill(1, 9) }; }"), 1);
    assert_eq!(
        flagged("fn f() { assert_eq!(unsafe { libc::getpid() }, 0); }"),
        1,
        "in a macro"
    );
    assert_eq!(
        flagged("#[cfg(feature = \"pi\")] fn f() { libc::getpid(); }"),
        1
    );
    assert_eq!(
        flagged("#[cfg(test)] mod t { use signal_hook::consts::SIGINT; }"),
        1
    );
    assert_eq!(
        flagged("#[cfg(any(unix, windows))] fn f() { libc::getpid(); }"),
        1
    );
    assert_eq!(flagged("#[cfg(unix)] use std::os::unix::fs::symlink;"), 0);
    assert_eq!(
        flagged("#[cfg(target_os = \"linux\")] fn f() { libc::getpid(); }"),
        0
    );
    assert_eq!(
        flagged("#[cfg(not(windows))] mod m { use libc::c_int; }"),
        0
    );
    assert_eq!(
        flagged("#[cfg(all(unix, test))] fn f() { libc::getpid(); }"),
        0
    );
    assert_eq!(flagged("#![cfg(unix)]\nuse std::os::unix::fs::symlink;"), 0);
    assert_eq!(
        flagged(
            "fn f() { #[cfg(unix)] { libc::getpid(); } #[cfg(unix)] let _x = libc::getpid(); }"
        ),
        0
    );
    assert_eq!(
        flagged("fn f() { let os = \"std::os::unix\"; let _ = os; }"),
        0,
        "a string"
    );
    // A module file is followed, and its parent's cfg applies to it.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("lib.rs"), "mod a;\n#[cfg(unix)]\nmod b;").unwrap();
    std::fs::write(dir.path().join("a.rs"), "use libc::c_int;").unwrap();
    std::fs::write(dir.path().join("b.rs"), "use libc::c_int;").unwrap();
    let mut found = Vec::new();
    check_file(&dir.path().join("lib.rs"), true, &unix_only, &mut found);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].contains("a.rs:1:"), "{found:?}");

    // The unix-only crates come from the manifests' target tables.
    let manifest = dir.path().join("Cargo.toml");
    std::fs::write(
        &manifest,
        "[dependencies]\nserde = \"1\"\n\
         [target.'cfg(unix)'.dependencies]\nsignal-hook = \"0.3\"\n\
         [target.'cfg(target_os = \"linux\")'.dev-dependencies]\nrscam = \"0.5\"\n\
         [target.'cfg(not(unix))'.dependencies]\nctrlc = \"3\"\n\
         [target.'cfg(windows)'.dependencies]\nescapi = \"4\"\n\
         [target.x86_64-pc-windows-gnu.dependencies]\nwinapi = \"0.3\"\n",
    )
    .unwrap();
    assert_eq!(unix_only_crates(&[manifest]), ["rscam", "signal_hook"]);
}
