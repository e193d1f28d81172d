//! Where embeds and the table of contents sit in a page's rendered HTML: NUL-delimited markers put
//! in when the page is built, split back into pieces on each request. Separate from parsing the
//! blocks because it is the contract between `markdown` (which writes the markers) and `render`
//! (which replaces them), and the reason no page text may contain NUL.

/// The text put in rendered markdown where embed `index` goes. NUL cannot come from a page's
/// text (markdown::render replaces it), so no page can forge a marker.
pub fn marker(index: usize) -> String {
    format!("\0embed:{index}\0")
}

/// The text put in rendered markdown where the table of contents goes: after the page's title
/// heading when it starts with one, else at the top.
pub const TOC_MARKER: &str = "\0toc\0";

/// A piece of rendered markdown: HTML, the embed with this index, or the table of contents.
#[derive(Debug, PartialEq, Eq)]
pub enum Piece<'a> {
    Html(&'a str),
    Embed(usize),
    Toc,
}

/// Splits HTML made with [`marker`]s and [`TOC_MARKER`] into its pieces.
pub fn pieces(html: &str) -> impl Iterator<Item = Piece<'_>> {
    html.split('\0').enumerate().filter_map(|(i, part)| {
        if i % 2 == 0 {
            (!part.is_empty()).then_some(Piece::Html(part))
        } else if part == "toc" {
            Some(Piece::Toc)
        } else {
            part.strip_prefix("embed:")
                .and_then(|n| n.parse().ok())
                .map(Piece::Embed)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_split_back_into_pieces() {
        let html = format!("<p>a</p>{TOC_MARKER}{}<p>b</p>{}", marker(0), marker(12));
        let got: Vec<Piece> = pieces(&html).collect();
        assert_eq!(
            got,
            [
                Piece::Html("<p>a</p>"),
                Piece::Toc,
                Piece::Embed(0),
                Piece::Html("<p>b</p>"),
                Piece::Embed(12)
            ]
        );
        assert_eq!(pieces("plain").collect::<Vec<_>>(), [Piece::Html("plain")]);
    }
}
