//! Routes of the photo files: /pic/NAME, thumbnails, delete (placeholder: being written).
use super::{Server};

pub fn register(_server: &mut Server) {}
