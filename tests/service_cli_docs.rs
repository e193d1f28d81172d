//! What the real binary generates from its clap definition — `pistream completions SHELL`,
//! `pistream man`, `pistream env-file` — names the real flags, and the settings file lists every
//! environment variable the command line reads, each with a default the binary accepts. The copies
//! the Debian package ships (`deploy/generated/`) must be what the binary generates today:
//! `PISTREAM_UPDATE_GENERATED=1 cargo test --test service_cli_docs` rewrites them.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};

use clap::CommandFactory;
use pistream::config::Cli;

fn run(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_pistream"))
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "pistream {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Every long flag of the server, as clap knows it (`--bind`, `--metrics-public`, ...).
fn long_flags() -> Vec<String> {
    Cli::command()
        .get_arguments()
        .filter_map(|a| a.get_long().map(|l| format!("--{l}")))
        .collect()
}

#[test]
fn completions_name_every_flag_and_subcommand() {
    let flags = long_flags();
    assert!(flags.len() > 20, "{flags:?}");
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let script = run(&["completions", shell]);
        for flag in &flags {
            // fish lists `-l bind` rather than `--bind`.
            let fish = format!("-l {}", &flag[2..]);
            assert!(
                script.contains(flag.as_str()) || (shell == "fish" && script.contains(&fish)),
                "{shell} completion lacks {flag}"
            );
        }
        for sub in ["cameras", "passwd", "completions", "man", "env-file"] {
            assert!(script.contains(sub), "{shell} completion lacks {sub}");
        }
    }
    // A value list is completed too: the shells `completions` takes, the watch modes.
    let bash = run(&["completions", "bash"]);
    assert!(bash.contains("native poll off"), "--watch values");
    let err = Command::new(env!("CARGO_BIN_EXE_pistream"))
        .args(["completions", "tcsh"])
        .output()
        .unwrap();
    assert_eq!(
        err.status.code(),
        Some(2),
        "an unknown shell is a usage error"
    );
}

#[test]
fn the_man_page_documents_every_flag_with_its_variable() {
    let man = run(&["man"]);
    assert!(
        man.starts_with(".ie") || man.contains(".TH pistream"),
        "roff"
    );
    assert!(man.contains(".TH pistream 1"), "section 1");
    // roff escapes `-` as `\-`.
    for flag in long_flags() {
        let roff = flag.replace('-', "\\-");
        assert!(man.contains(&roff), "man page lacks {flag}");
    }
    for env in pistream::cli_docs::env_twins() {
        assert!(man.contains(&env), "man page lacks {env}");
    }
    assert!(man.contains("env\\-file"), "subcommands are listed");
    // man(1) itself renders it without a warning, where man is installed.
    if let Ok(out) = Command::new("man")
        .args(["--warnings", "-l", "-"])
        .env("MANWIDTH", "100")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child.stdin.take().unwrap().write_all(man.as_bytes())?;
            child.wait_with_output()
        })
    {
        if out.status.success() {
            let text = String::from_utf8_lossy(&out.stdout);
            assert!(text.contains("--metrics-public"), "{text}");
            assert!(
                out.stderr.is_empty(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
}

/// `NAME=value` of every line of the settings file, commented or not.
fn settings(text: &str) -> BTreeMap<String, (bool, String)> {
    let mut out = BTreeMap::new();
    for line in text.lines() {
        let (set, rest) = match line.strip_prefix('#') {
            Some(r) => (false, r),
            None => (true, line),
        };
        if let Some((name, value)) = rest.split_once('=') {
            if !name.is_empty() && name.bytes().all(|b| b.is_ascii_uppercase() || b == b'_') {
                let dup = out.insert(name.to_string(), (set, value.to_string()));
                assert!(dup.is_none(), "{name} listed twice");
            }
        }
    }
    out
}

#[test]
fn the_env_file_lists_every_variable_the_cli_reads_with_a_default_it_accepts() {
    let text = run(&["env-file"]);
    let listed = settings(&text);
    let twins = pistream::cli_docs::env_twins();
    for env in &twins {
        assert!(
            listed.contains_key(env),
            "{env} is missing from the env file"
        );
    }
    for name in listed.keys() {
        assert!(
            twins.contains(name) || name == "RUST_LOG",
            "{name} is listed but no flag reads it"
        );
    }
    // The package's own settings are set, the rest commented.
    assert_eq!(listed["PISTREAM_BIND"], (true, "0.0.0.0:8080".into()));
    assert_eq!(
        listed["PISTREAM_PIC"],
        (true, "/var/lib/pistream/pic".into())
    );
    assert_eq!(listed["PISTREAM_FPS"], (false, "30".into()));

    // Uncomment everything that has a value and start the real server with it: every default as
    // written is accepted (the port, camera and folders moved where this test can use them).
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_pistream"));
    for (name, (_, value)) in &listed {
        if !value.is_empty() && name.starts_with("PISTREAM_") {
            cmd.env(name, value);
        }
    }
    cmd.env("PISTREAM_BIND", "127.0.0.1:0")
        .env("PISTREAM_CAMERA", "mock")
        .env("PISTREAM_PIC", dir.path().join("pic"))
        .env("PISTREAM_CONTENT", dir.path())
        .env("PISTREAM_WATCH", "off")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let _ = child.kill();
    let out = child.wait_with_output().unwrap();
    assert!(
        line.starts_with("pistream listening on http://127.0.0.1:"),
        "the server did not start with the env file's defaults: {line}{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The files the Debian package ships are the binary's output today.
#[test]
fn the_packaged_copies_are_current() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("deploy/generated");
    let update = std::env::var_os("PISTREAM_UPDATE_GENERATED").is_some();
    let mut stale = Vec::new();
    for (file, args) in [
        ("pistream.default", &["env-file"][..]),
        ("pistream.1", &["man"]),
        ("pistream.bash", &["completions", "bash"]),
        ("_pistream", &["completions", "zsh"]),
        ("pistream.fish", &["completions", "fish"]),
    ] {
        let want = run(args);
        let path = dir.join(file);
        if update {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&path, &want).unwrap();
        } else if std::fs::read_to_string(&path).ok().as_deref() != Some(want.as_str()) {
            stale.push(file);
        }
    }
    assert!(
        stale.is_empty(),
        "deploy/generated/{stale:?} differ from what `pistream` generates: run \
         `PISTREAM_UPDATE_GENERATED=1 cargo test --test service_cli_docs` and commit the result"
    );
}
