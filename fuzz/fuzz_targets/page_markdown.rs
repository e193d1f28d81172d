//! A markdown page as a content folder may hold it: front matter (TOML or YAML, any bytes), then
//! the markdown rendered with relative links rewritten. A page may fail with a message; it may not
//! panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pistream::site::{frontmatter, markdown};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok((_, body)) = frontmatter::split(text) {
        markdown::render(body, "guide/page.md");
    }
    markdown::render(text, "index.md");
});
