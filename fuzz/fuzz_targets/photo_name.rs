//! Photo names from URLs: decoded once and validated. Whatever is accepted is a plain file name,
//! and encoding it for a link and decoding that gives the same name back.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pistream::gallery::names;

fuzz_target!(|data: &[u8]| {
    let Ok(raw) = std::str::from_utf8(data) else {
        return;
    };
    let _ = names::is_listed(raw);
    if let Ok(name) = names::from_url(raw) {
        assert!(names::validate(&name).is_ok());
        assert!(
            !name.contains(['/', '\\']) && !name.starts_with('.'),
            "{name:?}"
        );
        let link = names::encode(&name);
        assert_eq!(names::from_url(&link).ok().as_deref(), Some(name.as_str()));
    }
});
