//! The `Range` header: one byte range of a body of known size, or the whole body, or 416.

/// What a `Range` header asks of a body of `size` bytes.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub enum Ranged {
    /// No usable range (absent, malformed, several ranges, another unit): send it all, 200.
    Full,
    /// Inclusive first and last byte: 206.
    Part(u64, u64),
    /// A well-formed range beyond the end: 416.
    Unsatisfiable,
}

/// Parses one `bytes=` range. Several ranges get the whole body: multipart/byteranges is optional
/// and a full 200 is a correct answer.
pub fn parse_range(header: &str, size: u64) -> Ranged {
    let Some(spec) = header.trim().strip_prefix("bytes=") else {
        return Ranged::Full;
    };
    if spec.contains(',') {
        return Ranged::Full;
    }
    let Some((first, last)) = spec.trim().split_once('-') else {
        return Ranged::Full;
    };
    let number = |s: &str| s.trim().parse::<u64>().ok();
    match (first.trim().is_empty(), last.trim().is_empty()) {
        // `-N`: the last N bytes.
        (true, false) => match number(last) {
            Some(0) => Ranged::Unsatisfiable,
            Some(_) if size == 0 => Ranged::Unsatisfiable,
            Some(n) => Ranged::Part(size - n.min(size), size - 1),
            None => Ranged::Full,
        },
        // `N-`: from N to the end.
        (false, true) => match number(first) {
            Some(a) if a < size => Ranged::Part(a, size - 1),
            Some(_) => Ranged::Unsatisfiable,
            None => Ranged::Full,
        },
        (false, false) => match (number(first), number(last)) {
            (Some(a), Some(b)) if a > b => Ranged::Full,
            (Some(a), Some(b)) if a < size => Ranged::Part(a, b.min(size - 1)),
            (Some(_), Some(_)) => Ranged::Unsatisfiable,
            _ => Ranged::Full,
        },
        (true, true) => Ranged::Full,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        assert_eq!(parse_range("bytes=0-9", 100), Ranged::Part(0, 9));
        assert_eq!(parse_range("bytes=90-200", 100), Ranged::Part(90, 99));
        assert_eq!(parse_range("bytes=10-", 100), Ranged::Part(10, 99));
        assert_eq!(parse_range("bytes=-10", 100), Ranged::Part(90, 99));
        assert_eq!(parse_range("bytes=-500", 100), Ranged::Part(0, 99));
        assert_eq!(parse_range("bytes=100-", 100), Ranged::Unsatisfiable);
        assert_eq!(parse_range("bytes=100-200", 100), Ranged::Unsatisfiable);
        assert_eq!(parse_range("bytes=-0", 100), Ranged::Unsatisfiable);
        assert_eq!(parse_range("bytes=-5", 0), Ranged::Unsatisfiable);
        for ignored in [
            "bytes=0-1,5-6",
            "items=0-1",
            "bytes=x-",
            "bytes=5-1",
            "bytes=-",
            "bytes=1",
        ] {
            assert_eq!(parse_range(ignored, 100), Ranged::Full, "{ignored}");
        }
    }
}
