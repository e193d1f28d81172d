//! The top of the command line: `pistream` with no subcommand serves (its flags are
//! [`super::Config`]); the subcommands are the one-shot tools beside serving (cameras, passwd, theme,
//! and the service files the package ships). Separate from `Config` because it says what the program
//! does, not how the server is set up.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use super::Config;

/// pistream: a camera web server — live MJPEG video, photos, a gallery and markdown pages.
#[derive(Debug, Clone, Parser)]
#[command(name = "pistream", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub serve: Config,
}

#[derive(Debug, Clone, Subcommand)]
pub enum Command {
    /// List the compiled-in camera backends and the devices each can open.
    Cameras,
    /// Hash a password for --auth-file: reads it from the terminal (asked twice, not echoed) or
    /// from one line of standard input, and prints `USER:HASH` (argon2id) to append to the file.
    Passwd {
        /// The user name the line is for.
        user: String,
    },
    /// Theme tools.
    Theme {
        #[command(subcommand)]
        command: ThemeCommand,
    },
    // --- service: what the package ships, generated from these definitions (src/cli_docs.rs)
    /// Print the completion script for SHELL, e.g. `pistream completions bash > /etc/bash_completion.d/pistream`.
    Completions {
        /// The shell to complete in.
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff): `pistream man | man -l -`.
    Man,
    /// Print a settings file for /etc/default/pistream: every flag as its PISTREAM_* variable, with
    /// its help, commented out at its default (the package's own settings set).
    EnvFile,
}

#[derive(Debug, Clone, Subcommand)]
pub enum ThemeCommand {
    /// Write the built-in default theme to DIR as a starting point for your own.
    Init {
        /// Where to write the theme (must not exist or be empty).
        dir: PathBuf,
    },
}
