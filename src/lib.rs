//! pistream: a camera web server. One capture feeds every viewer through the [`hub`]; photos are
//! saved by [`photos`]; the photo folder is indexed by [`gallery`]; pages and themes live in [`site`].
//! Only [`web`] knows the HTTP stack (tide, http-types, sockets): everything else is plain Rust that a
//! move to another server would keep.

pub mod app;
pub mod cameras;
pub mod capture;
pub mod config;
pub mod encode;
pub mod gallery;
pub mod hub;
pub mod photos;
pub mod server;
pub mod site;
pub mod stream;
pub mod variants;
pub mod web;
