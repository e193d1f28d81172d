//! Request heads as a client may send them: httparse, then our own checks (method, target, Host,
//! Content-Length, Transfer-Encoding, Connection). Any answer is fine; a panic is not.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(status) = pistream::web::http1::fuzz_parse_head(data) {
        assert!(
            status == 0 || (400..=599).contains(&status),
            "refused with {status}"
        );
    }
});
