//! pistream: a camera web server. One capture feeds every viewer through the [`hub`]; photos are
//! saved by [`photos`]; the site (pages, gallery, themes) lives in [`site`]. Only [`web`] knows the
//! HTTP stack (tide, async-h1 types, sockets): everything else is plain Rust that a move to another
//! server would keep.

pub mod app;
pub mod cameras;
pub mod capture;
pub mod config;
pub mod encode;
pub mod hub;
pub mod photos;
pub mod site;
pub mod web;
