//! Routes of the site: pages, live page, theme assets, events (placeholder: being written).
use super::{Server};

pub fn register(_server: &mut Server) {}
