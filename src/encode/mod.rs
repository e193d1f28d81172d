//! Raw frames to JPEG (placeholder: being written).
