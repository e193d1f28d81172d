//! A tiny built-in 5x7 bitmap font and drawing helpers for YUYV frames.
//!
//! The mock camera draws its wall clock and frame counter with it, and the server draws its "NO SIGNAL"
//! placeholder with it, so neither needs a font file or a text-rendering crate. It covers digits, `A`–`Z`
//! (lower case is drawn as upper case), space and `:.-/%()` plus a few more punctuation marks; any other
//! character is drawn as `?`. Drawing clips to the frame and never panics: a buffer whose length does not
//! match the size it is said to have gives a [`DrawError`].

use std::fmt;

/// Glyph width in font pixels (one blank column follows each glyph).
pub const GLYPH_WIDTH: u32 = 5;
/// Glyph height in font pixels.
pub const GLYPH_HEIGHT: u32 = 7;
/// Horizontal distance from one glyph to the next, in font pixels.
pub const ADVANCE: u32 = GLYPH_WIDTH + 1;

/// The buffer handed to a drawing function does not hold a `width` x `height` YUYV frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DrawError {
    pub width: u32,
    pub height: u32,
    pub len: usize,
}

impl fmt::Display for DrawError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "a {}x{} YUYV frame needs an even width and {} bytes, got {} bytes",
            self.width,
            self.height,
            yuyv_len(self.width, self.height),
            self.len
        )
    }
}

impl std::error::Error for DrawError {}

fn yuyv_len(width: u32, height: u32) -> usize {
    width as usize * height as usize * 2
}

fn check(buf: &[u8], width: u32, height: u32) -> Result<(), DrawError> {
    if width.is_multiple_of(2) && buf.len() == yuyv_len(width, height) {
        Ok(())
    } else {
        Err(DrawError {
            width,
            height,
            len: buf.len(),
        })
    }
}

/// The rows of a glyph, top to bottom; bit 4 is the leftmost column.
pub fn glyph(c: char) -> [u8; 7] {
    match c.to_ascii_uppercase() {
        '0' => [0x0E, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0E],
        '1' => [0x04, 0x0C, 0x04, 0x04, 0x04, 0x04, 0x0E],
        '2' => [0x0E, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1F],
        '3' => [0x1F, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0E],
        '4' => [0x02, 0x06, 0x0A, 0x12, 0x1F, 0x02, 0x02],
        '5' => [0x1F, 0x10, 0x1E, 0x01, 0x01, 0x11, 0x0E],
        '6' => [0x06, 0x08, 0x10, 0x1E, 0x11, 0x11, 0x0E],
        '7' => [0x1F, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08],
        '8' => [0x0E, 0x11, 0x11, 0x0E, 0x11, 0x11, 0x0E],
        '9' => [0x0E, 0x11, 0x11, 0x0F, 0x01, 0x02, 0x0C],
        'A' => [0x0E, 0x11, 0x11, 0x1F, 0x11, 0x11, 0x11],
        'B' => [0x1E, 0x11, 0x11, 0x1E, 0x11, 0x11, 0x1E],
        'C' => [0x0E, 0x11, 0x10, 0x10, 0x10, 0x11, 0x0E],
        'D' => [0x1C, 0x12, 0x11, 0x11, 0x11, 0x12, 0x1C],
        'E' => [0x1F, 0x10, 0x10, 0x1E, 0x10, 0x10, 0x1F],
        'F' => [0x1F, 0x10, 0x10, 0x1E, 0x10, 0x10, 0x10],
        'G' => [0x0E, 0x11, 0x10, 0x17, 0x11, 0x11, 0x0F],
        'H' => [0x11, 0x11, 0x11, 0x1F, 0x11, 0x11, 0x11],
        'I' => [0x0E, 0x04, 0x04, 0x04, 0x04, 0x04, 0x0E],
        'J' => [0x07, 0x02, 0x02, 0x02, 0x02, 0x12, 0x0C],
        'K' => [0x11, 0x12, 0x14, 0x18, 0x14, 0x12, 0x11],
        'L' => [0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x1F],
        'M' => [0x11, 0x1B, 0x15, 0x15, 0x11, 0x11, 0x11],
        'N' => [0x11, 0x11, 0x19, 0x15, 0x13, 0x11, 0x11],
        'O' => [0x0E, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0E],
        'P' => [0x1E, 0x11, 0x11, 0x1E, 0x10, 0x10, 0x10],
        'Q' => [0x0E, 0x11, 0x11, 0x11, 0x15, 0x12, 0x0D],
        'R' => [0x1E, 0x11, 0x11, 0x1E, 0x14, 0x12, 0x11],
        'S' => [0x0F, 0x10, 0x10, 0x0E, 0x01, 0x01, 0x1E],
        'T' => [0x1F, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04],
        'U' => [0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0E],
        'V' => [0x11, 0x11, 0x11, 0x11, 0x11, 0x0A, 0x04],
        'W' => [0x11, 0x11, 0x11, 0x15, 0x15, 0x15, 0x0A],
        'X' => [0x11, 0x11, 0x0A, 0x04, 0x0A, 0x11, 0x11],
        'Y' => [0x11, 0x11, 0x11, 0x0A, 0x04, 0x04, 0x04],
        'Z' => [0x1F, 0x01, 0x02, 0x04, 0x08, 0x10, 0x1F],
        ' ' => [0x00; 7],
        ':' => [0x00, 0x0C, 0x0C, 0x00, 0x0C, 0x0C, 0x00],
        '.' => [0x00, 0x00, 0x00, 0x00, 0x00, 0x0C, 0x0C],
        ',' => [0x00, 0x00, 0x00, 0x00, 0x0C, 0x04, 0x08],
        '-' => [0x00, 0x00, 0x00, 0x1F, 0x00, 0x00, 0x00],
        '+' => [0x00, 0x04, 0x04, 0x1F, 0x04, 0x04, 0x00],
        '=' => [0x00, 0x00, 0x1F, 0x00, 0x1F, 0x00, 0x00],
        '_' => [0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x1F],
        '/' => [0x00, 0x01, 0x02, 0x04, 0x08, 0x10, 0x00],
        '%' => [0x18, 0x19, 0x02, 0x04, 0x08, 0x13, 0x03],
        '(' => [0x02, 0x04, 0x08, 0x08, 0x08, 0x04, 0x02],
        ')' => [0x08, 0x04, 0x02, 0x02, 0x02, 0x04, 0x08],
        '#' => [0x0A, 0x0A, 0x1F, 0x0A, 0x1F, 0x0A, 0x0A],
        '!' => [0x04, 0x04, 0x04, 0x04, 0x04, 0x00, 0x04],
        '\'' | '"' => [0x0C, 0x04, 0x08, 0x00, 0x00, 0x00, 0x00],
        '<' => [0x02, 0x04, 0x08, 0x10, 0x08, 0x04, 0x02],
        '>' => [0x08, 0x04, 0x02, 0x01, 0x02, 0x04, 0x08],
        _ => [0x0E, 0x11, 0x01, 0x02, 0x04, 0x00, 0x04], // '?'
    }
}

/// Width in frame pixels that [`draw_text_yuyv`] covers for `text` at `scale` (no trailing gap).
pub fn text_width(text: &str, scale: u32) -> u32 {
    let n = text.chars().count() as u32;
    if n == 0 {
        0
    } else {
        (n * ADVANCE - 1) * scale.max(1)
    }
}

/// Height in frame pixels of one line of text at `scale`.
pub fn text_height(scale: u32) -> u32 {
    GLYPH_HEIGHT * scale.max(1)
}

/// Draws `text` into a YUYV frame with its top-left corner at (`x`, `y`), each font pixel a
/// `scale` x `scale` square of luma `luma`. Only luma is written, so draw on a neutral background
/// ([`fill_rect_yuyv`]) for text without a colour tint. Whatever falls outside the frame is clipped.
#[allow(clippy::too_many_arguments)]
pub fn draw_text_yuyv(
    buf: &mut [u8],
    width: u32,
    height: u32,
    x: i32,
    y: i32,
    scale: u32,
    text: &str,
    luma: u8,
) -> Result<(), DrawError> {
    check(buf, width, height)?;
    let scale = scale.max(1) as i64;
    let (w, h) = (width as i64, height as i64);
    for (i, c) in text.chars().enumerate() {
        let gx = x as i64 + i as i64 * ADVANCE as i64 * scale;
        if gx >= w {
            break; // the rest of the line is off the frame
        }
        for (row, bits) in glyph(c).iter().enumerate() {
            for col in 0..GLYPH_WIDTH as i64 {
                if bits & (0x10 >> col) == 0 {
                    continue;
                }
                let px = gx + col * scale;
                let py = y as i64 + row as i64 * scale;
                // Clip the scaled font pixel to the frame once, then write whole row spans.
                let (x0, x1) = (px.max(0), (px + scale).min(w));
                let (y0, y1) = (py.max(0), (py + scale).min(h));
                for yy in y0..y1 {
                    let line = (yy * w * 2) as usize;
                    for xx in x0..x1 {
                        buf[line + xx as usize * 2] = luma;
                    }
                }
            }
        }
    }
    Ok(())
}

/// Fills a rectangle of a YUYV frame with one colour (clipped to the frame). Chroma is shared by pixel
/// pairs, so the rectangle is widened to whole pairs.
#[allow(clippy::too_many_arguments)]
pub fn fill_rect_yuyv(
    buf: &mut [u8],
    width: u32,
    height: u32,
    x: i32,
    y: i32,
    rect_width: u32,
    rect_height: u32,
    yuv: (u8, u8, u8),
) -> Result<(), DrawError> {
    check(buf, width, height)?;
    let (w, h) = (width as i64, height as i64);
    let x0 = (x as i64).max(0) & !1;
    let x1 = (x as i64 + rect_width as i64).min(w);
    let y0 = (y as i64).max(0);
    let y1 = (y as i64 + rect_height as i64).min(h);
    let (luma, u, v) = yuv;
    for yy in y0..y1 {
        let line = (yy * w * 2) as usize;
        let mut xx = x0;
        while xx < x1 {
            let at = line + xx as usize * 2;
            buf[at..at + 4].copy_from_slice(&[luma, u, luma, v]);
            xx += 2;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const REQUIRED: &str = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ :.-/%()";

    #[test]
    fn every_required_character_has_its_own_glyph() {
        let unknown = glyph('\u{1}');
        for c in REQUIRED.chars().filter(|c| *c != ' ') {
            assert_ne!(glyph(c), unknown, "{c:?} falls back to '?'");
            assert_ne!(glyph(c), [0; 7], "{c:?} is blank");
        }
        let mut seen = std::collections::HashSet::new();
        for c in REQUIRED.chars() {
            assert!(seen.insert(glyph(c)), "{c:?} looks like another glyph");
        }
    }

    #[test]
    fn draws_lit_pixels_where_the_glyph_says() {
        let (w, h) = (16u32, 10u32);
        let mut buf = vec![0u8; (w * h * 2) as usize];
        draw_text_yuyv(&mut buf, w, h, 1, 1, 1, "1", 200).unwrap();
        let luma = |x: u32, y: u32| buf[((y * w + x) * 2) as usize];
        // '1' top row is 0x04: only the middle column lit.
        assert_eq!(luma(1 + 2, 1), 200);
        assert_eq!(luma(1 + 1, 1), 0);
        // Bottom row 0x0E: three middle columns.
        assert_eq!(
            (1..6).map(|c| luma(c, 7)).collect::<Vec<_>>(),
            [0, 200, 200, 200, 0]
        );
        // Chroma bytes untouched.
        assert!(buf.iter().skip(1).step_by(2).all(|&c| c == 0));
    }

    #[test]
    fn scale_multiplies_size() {
        let (w, h) = (64u32, 32u32);
        let mut one = vec![0u8; (w * h * 2) as usize];
        let mut three = one.clone();
        draw_text_yuyv(&mut one, w, h, 0, 0, 1, "8", 255).unwrap();
        draw_text_yuyv(&mut three, w, h, 0, 0, 3, "8", 255).unwrap();
        let lit = |b: &[u8]| b.iter().step_by(2).filter(|&&v| v == 255).count();
        assert_eq!(lit(&three), lit(&one) * 9);
        assert_eq!(text_width("AB", 3), 33);
    }

    #[test]
    fn clips_instead_of_panicking() {
        let (w, h) = (8u32, 4u32);
        let mut buf = vec![0u8; (w * h * 2) as usize];
        draw_text_yuyv(&mut buf, w, h, -3, -3, 2, "NO SIGNAL", 255).unwrap();
        draw_text_yuyv(&mut buf, w, h, 100, 100, 2, "X", 255).unwrap();
        fill_rect_yuyv(&mut buf, w, h, -5, 2, 100, 100, (1, 2, 3)).unwrap();
        assert_eq!(&buf[(2 * w * 2) as usize..][..4], &[1, 2, 1, 3]);
    }

    #[test]
    fn wrong_buffer_is_an_error() {
        let mut buf = vec![0u8; 10];
        let e = draw_text_yuyv(&mut buf, 8, 4, 0, 0, 1, "A", 1).unwrap_err();
        assert!(e.to_string().contains("64 bytes, got 10"), "{e}");
        let mut odd = vec![0u8; 3 * 2 * 2];
        assert!(fill_rect_yuyv(&mut odd, 3, 2, 0, 0, 1, 1, (0, 0, 0)).is_err());
    }
}
