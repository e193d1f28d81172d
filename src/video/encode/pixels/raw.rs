//! [`RawPixels`]: a whole raw frame (YUYV, RGB24 or BGRA) read as full-range YCbCr, by row or by
//! pixel, for [`crate::video::encode::orient::Oriented`]. Separate from the row conversions because
//! it is the frame-shaped view over them (stride, bounds, one pixel out of a YUYV pair).

use pistream_camera::{PixelFormat, YuvRange};

use super::colour::rgb_to_ycbcr;
use super::range::yuyv_samples;
use super::row_to_ycbcr;
use crate::video::encode::orient::YcbcrSource;

/// A raw frame's pixels (checked: `data` holds `height` rows of `width` pixels) read as full-range
/// YCbCr, its YUYV samples taken as `range`.
pub struct RawPixels<'a> {
    pub format: PixelFormat,
    pub range: YuvRange,
    pub width: usize,
    pub height: usize,
    pub data: &'a [u8],
}

impl RawPixels<'_> {
    fn stride(&self) -> usize {
        self.width * self.format.bytes_per_pixel().unwrap_or(0)
    }
}

impl YcbcrSource for RawPixels<'_> {
    fn width(&self) -> usize {
        self.width
    }

    fn height(&self) -> usize {
        self.height
    }

    fn row(&self, y: usize, luma: &mut [u8], cb: &mut [u8], cr: &mut [u8]) {
        let stride = self.stride();
        let row = &self.data[y * stride..(y + 1) * stride];
        row_to_ycbcr(self.format, self.range, row, luma, cb, cr);
    }

    fn pixel(&self, x: usize, y: usize) -> (u8, u8, u8) {
        let at = y * self.stride();
        let d = self.data;
        match self.format {
            PixelFormat::Yuyv => {
                let pair = &d[at + (x & !1) * 2..][..4];
                let (y0, y1, cb, cr) = yuyv_samples(self.range, pair);
                (if x & 1 == 0 { y0 } else { y1 }, cb, cr)
            }
            PixelFormat::Rgb24 => {
                let p = &d[at + x * 3..][..3];
                rgb_to_ycbcr(p[0], p[1], p[2])
            }
            PixelFormat::Bgra => {
                let p = &d[at + x * 4..][..4];
                rgb_to_ycbcr(p[2], p[1], p[0])
            }
            PixelFormat::Jpeg => (0, 128, 128),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_pixels_read_the_same_by_row_and_by_pixel() {
        // 4x2 of each format, with distinct pixels; the pixel reader must agree with the row reader.
        let yuyv: Vec<u8> = (0..16).map(|i| 20 + i * 13).collect();
        let rgb: Vec<u8> = (0..24).map(|i| (i * 37 % 256) as u8).collect();
        let bgra: Vec<u8> = (0..32).map(|i| (i * 53 % 256) as u8).collect();
        for (format, data) in [
            (PixelFormat::Yuyv, &yuyv),
            (PixelFormat::Rgb24, &rgb),
            (PixelFormat::Bgra, &bgra),
        ] {
            for range in [YuvRange::Full, YuvRange::Limited] {
                let px = RawPixels {
                    format,
                    range,
                    width: 4,
                    height: 2,
                    data,
                };
                for row in 0..2 {
                    let (mut y, mut cb, mut cr) = ([0u8; 4], [0u8; 4], [0u8; 4]);
                    px.row(row, &mut y, &mut cb, &mut cr);
                    for x in 0..4 {
                        assert_eq!(px.pixel(x, row), (y[x], cb[x], cr[x]), "{format} {x},{row}");
                    }
                }
            }
        }
    }
}
