//! Text made comparable for search: [`Folded`] keeps a text as shown (NFC) next to its folded form
//! (each character NFKC-normalised, then lower-cased) and how offsets of one map to the other, so
//! a match found in the folded text is highlighted on the shown text.
//!
//! Folding is per character on the NFC text, the same for the query and the page, so the two
//! always agree: `Ｃａｍｅｒａ` (full-width), `ﬁ` (a ligature), `CAMERA` and `camera` fold alike,
//! and Chinese, which has no case, folds to itself. Matching is on substrings of the folded text,
//! never on words: text without spaces between words (Chinese, Japanese, Thai) is found inside a
//! sentence.

use unicode_normalization::UnicodeNormalization;

/// A text and its folded form.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Folded {
    /// The text as shown, NFC, whitespace runs made one space.
    shown: String,
    /// The folded text searched in.
    folded: String,
    /// The characters whose folded form is not one character of the same length (`ﬁ` → `fi`,
    /// `Ａ` → `a`), in order. Between two of them, offsets in `folded` and `shown` differ by a
    /// constant, so most texts (ASCII, Chinese) need no entry at all: a per-character table
    /// would cost 8 bytes a character for every page held in memory.
    odd: Vec<Odd>,
}

/// Where a character that folds to another length (or to several characters) is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Odd {
    folded: u32,
    folded_len: u32,
    shown: u32,
    shown_len: u32,
}

/// Appends the folded form of `c` to `out`.
fn fold_char(c: char, out: &mut String) {
    let mut one = [0u8; 4];
    for n in c.encode_utf8(&mut one).nfkc() {
        out.extend(n.to_lowercase());
    }
}

/// The folded form of `text` (what a query is turned into before it is looked for).
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.nfc() {
        fold_char(c, &mut out);
    }
    out
}

impl Folded {
    /// Folds `text`; runs of whitespace become one space and the ends are trimmed.
    pub fn new(text: &str) -> Folded {
        let mut f = Folded::default();
        let mut space = false;
        for c in text.trim().nfc() {
            if c.is_whitespace() {
                space = true;
                continue;
            }
            if space {
                f.push(' ');
                space = false;
            }
            f.push(c);
        }
        f
    }

    fn push(&mut self, c: char) {
        let (folded, shown) = (self.folded.len(), self.shown.len());
        self.shown.push(c);
        fold_char(c, &mut self.folded);
        let folded_len = self.folded.len() - folded;
        if folded_len != c.len_utf8() || self.folded[folded..].chars().nth(1).is_some() {
            // Pages are at most a few MiB (pages::MAX_PAGE_BYTES): offsets fit in u32.
            self.odd.push(Odd {
                folded: folded as u32,
                folded_len: folded_len as u32,
                shown: shown as u32,
                shown_len: c.len_utf8() as u32,
            });
        }
    }

    /// The text as shown.
    pub fn shown(&self) -> &str {
        &self.shown
    }

    pub fn is_empty(&self) -> bool {
        self.shown.is_empty()
    }

    /// Every place `needle` (already folded, not empty) occurs, as byte ranges of the *shown*
    /// text, in order and not overlapping. At most `limit` are returned.
    pub fn find_all(&self, needle: &str, limit: usize) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        if needle.is_empty() {
            return out;
        }
        let mut from = 0;
        while out.len() < limit {
            let Some(at) = self.folded[from..].find(needle) else {
                break;
            };
            let start = from + at;
            let end = start + needle.len();
            out.push((self.shown_at(start, false), self.shown_at(end, true)));
            from = end;
        }
        out
    }

    /// How many times `needle` occurs (up to `limit`).
    pub fn count(&self, needle: &str, limit: usize) -> usize {
        if needle.is_empty() {
            return 0;
        }
        self.folded.match_indices(needle).take(limit).count()
    }

    /// The shown byte offset of folded offset `at` (a character boundary of the folded text):
    /// inside a character that folded to several (`ﬁ` → `fi`), the start of that character, or
    /// (`end`) its end — a hit on half of it marks the whole.
    fn shown_at(&self, at: usize, end: bool) -> usize {
        let at = at as u32;
        let i = self.odd.partition_point(|o| o.folded <= at);
        let Some(o) = i.checked_sub(1).map(|i| self.odd[i]) else {
            return at as usize;
        };
        let shown = if at == o.folded || (at < o.folded + o.folded_len && !end) {
            o.shown
        } else if at < o.folded + o.folded_len {
            o.shown + o.shown_len
        } else {
            o.shown + o.shown_len + (at - o.folded - o.folded_len)
        };
        shown as usize
    }

    /// A character boundary of the shown text at or before `at`.
    pub fn floor(&self, at: usize) -> usize {
        let mut at = at.min(self.shown.len());
        while !self.shown.is_char_boundary(at) {
            at -= 1;
        }
        at
    }

    /// A character boundary of the shown text at or after `at`.
    pub fn ceil(&self, at: usize) -> usize {
        let mut at = at.min(self.shown.len());
        while !self.shown.is_char_boundary(at) {
            at += 1;
        }
        at
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_width_and_ligatures_fold_alike() {
        let f = Folded::new("The  ＣＡＭＥＲＡ\n is ﬁne");
        assert_eq!(f.shown(), "The ＣＡＭＥＲＡ is ﬁne");
        let hits = f.find_all(&fold("camera"), 10);
        assert_eq!(hits.len(), 1);
        assert_eq!(&f.shown()[hits[0].0..hits[0].1], "ＣＡＭＥＲＡ");
        // Half of a ligature still highlights the whole character.
        let hits = f.find_all(&fold("fin"), 10);
        assert_eq!(&f.shown()[hits[0].0..hits[0].1], "ﬁn");
        let hits = f.find_all(&fold("i"), 10);
        assert_eq!(&f.shown()[hits[1].0..hits[1].1], "ﬁ");
    }

    #[test]
    fn chinese_is_found_inside_a_sentence() {
        let f = Folded::new("我们的摄像头在花园里。");
        let hits = f.find_all(&fold("摄像头"), 10);
        assert_eq!(hits.len(), 1);
        assert_eq!(&f.shown()[hits[0].0..hits[0].1], "摄像头");
        assert_eq!(f.count(&fold("园"), 10), 1);
    }

    #[test]
    fn composed_and_decomposed_accents_match() {
        let f = Folded::new("Cafe\u{301} and café");
        assert_eq!(f.count(&fold("CAFÉ"), 10), 2);
        assert_eq!(f.count(&fold("cafe\u{301}"), 10), 2);
    }

    #[test]
    fn only_characters_that_change_length_are_remembered() {
        assert!(Folded::new("Plain ASCII, CAPITALS and 中文 too")
            .odd
            .is_empty());
        let f = Folded::new("Ａb ﬁ Ｃ");
        assert_eq!(f.odd.len(), 3);
        for (needle, shown) in [
            ("ab", "Ａb"),
            ("f", "ﬁ"),
            ("i", "ﬁ"),
            ("c", "Ｃ"),
            (" ", " "),
        ] {
            let hits = f.find_all(needle, 10);
            assert_eq!(&f.shown()[hits[0].0..hits[0].1], shown, "{needle}");
        }
    }

    #[test]
    fn counting_stops_at_the_limit() {
        let f = Folded::new("aaaa aaaa");
        assert_eq!(f.count("a", 3), 3);
        assert_eq!(f.find_all("aa", 100).len(), 4);
        assert!(f.find_all("", 10).is_empty());
    }
}
