//! The site (placeholder: being written).
