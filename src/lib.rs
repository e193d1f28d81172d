//! pistream: a camera web server in four wings. [`video`] captures once and feeds every viewer
//! through its hub; [`gallery`] saves photos and indexes the photo folder; [`site`] renders pages
//! and themes; [`web`] is the HTTP edge. [`app`] wires them together, [`config`] reads the command
//! line and [`server`] runs it; the app's one [`watcher`] over the content, theme and photo folders
//! tells it what changed on disk. [`urls`] is the URL scheme all of them link by.
//! Only [`web`] knows the HTTP stack (tide, http-types, sockets): everything else is plain Rust that a
//! move to another server would keep.

pub mod app;
pub mod bufread;
pub mod cli_docs;
pub mod config;
pub mod gallery;
pub mod health;
pub mod logging;
pub mod metrics;
pub mod server;
pub mod signals;
pub mod site;
pub mod supervise;
// systemd is a Linux service manager, and sd-notify speaks over a Unix socket.
#[cfg(unix)]
pub mod systemd;
pub mod timelapse;
pub mod urls;
pub mod video;
pub mod watcher;
pub mod web;
