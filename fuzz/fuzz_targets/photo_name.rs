//! Photo names and album paths from URLs: decoded once and validated. Whatever is accepted as a
//! name is a plain file name, an accepted path is plain names joined by `/`, and encoding either
//! for a link and decoding that gives the same name or path back.
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
    if let Ok(path) = names::path_from_url(raw) {
        assert!(names::validate_path(&path).is_ok());
        assert!(
            path.split('/').all(|segment| names::validate(segment).is_ok()),
            "{path:?}"
        );
        let link = names::encode_path(&path);
        assert_eq!(names::path_from_url(&link).ok().as_deref(), Some(path.as_str()));
    }
});
