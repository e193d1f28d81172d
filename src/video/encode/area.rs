//! The area (box) filter that scales variants: every output pixel is the mean of the source area it
//! covers, a partly covered source pixel counting by the part it covers. For downscaling that is as
//! good as any filter and cheaper than `image::imageops::resize` (integer maths, no float kernels, no
//! RGB round trip), and it allocates only a handful of row buffers per picture.
//!
//! Fractional coverage matters for the small last step after a DCT-scaled decode (320 to 250 wide):
//! rounding each output to whole source pixels there averaged one or two pixels unevenly and cost
//! 5 dB PSNR on a photo against a Lanczos3 reference (26.6 dB instead of 31.9).

/// Weights are in 1/256ths: a row value stays under 2^16, a 2-D sum under 2^24.
const ONE: u32 = 256;

/// For each output sample: the first source sample it covers and the weight of each one it covers.
struct Taps {
    first: Vec<usize>,
    /// `ranges[i]` indexes `weights` for output `i`.
    ranges: Vec<(usize, usize)>,
    weights: Vec<u32>,
}

impl Taps {
    /// Taps that scale `src` samples to `out` (either way; both at least 1).
    fn new(src: usize, out: usize) -> Taps {
        let mut taps = Taps {
            first: Vec::with_capacity(out),
            ranges: Vec::with_capacity(out),
            weights: Vec::with_capacity(out * (src / out + 2)),
        };
        // In units of 1/out of a source sample: output i spans [i*src, (i+1)*src), source j spans
        // [j*out, (j+1)*out). Cumulative rounding makes each output's weights sum to exactly ONE.
        for i in 0..out {
            let (start, end) = (i * src, (i + 1) * src);
            let (j0, j1) = (start / out, end.div_ceil(out).min(src));
            let at = taps.weights.len();
            let mut done = 0u64;
            let mut given = 0u32;
            for j in j0..j1 {
                done += (end.min((j + 1) * out) - start.max(j * out)) as u64;
                let upto = ((done * ONE as u64 + src as u64 / 2) / src as u64) as u32;
                taps.weights.push(upto - given);
                given = upto;
            }
            taps.first.push(j0);
            taps.ranges.push((at, taps.weights.len()));
        }
        taps
    }

    fn of(&self, i: usize) -> (usize, &[u32]) {
        let (a, b) = self.ranges[i];
        (self.first[i], &self.weights[a..b])
    }
}

/// Scales a `src` (width, height) picture to `out` (even width) and returns it as YUYV.
/// `read_row(y, luma, cb, cr)` fills the three planes of source row `y` (each `src.0` long).
///
/// Vertical first: the source rows an output row covers are summed column by column (a plain
/// multiply-add over whole rows, which the compiler vectorises), then each output sample is filtered
/// once from those column sums. Chroma is filtered straight to one Cb and one Cr per output pixel
/// pair (the mean over the pair's area), as YUYV stores it. Measured (`cargo bench --bench variants`,
/// docs/BENCHMARKS.md "Variants"): a 320-wide variant of 1280x720 YUYV photos, filter and encode,
/// 1.29 ms of CPU a frame against 2.41 ms when every source row was filtered horizontally first at
/// full chroma width; 640 wide 3.0 against 4.3 ms.
pub fn scale_to_yuyv(
    src: (u32, u32),
    out: (u32, u32),
    mut read_row: impl FnMut(usize, &mut [u8], &mut [u8], &mut [u8]),
) -> Vec<u8> {
    let (sw, sh) = (src.0 as usize, src.1 as usize);
    let (tw, th) = (out.0 as usize, out.1 as usize);
    let (luma_taps, ys) = (Taps::new(sw, tw), Taps::new(sh, th));
    let chroma_taps = Taps::new(sw, (tw / 2).max(1));
    // Source row as planes and the column sums: reused for every row. A column sum is at most
    // 255 x ONE (an output row's weights add up to ONE), so 16 bits hold it.
    let mut planes = [vec![0u8; sw], vec![0u8; sw], vec![0u8; sw]];
    let mut columns = [vec![0u16; sw], vec![0u16; sw], vec![0u16; sw]];
    let mut out = vec![0u8; tw * th * 2];
    for (oy, dst) in out.chunks_exact_mut(tw * 2).enumerate() {
        columns.iter_mut().for_each(|c| c.fill(0));
        let (y0, wys) = ys.of(oy);
        for (sy, &wy) in (y0..).zip(wys) {
            let [py, pcb, pcr] = &mut planes;
            read_row(sy, py, pcb, pcr);
            let wy = wy as u16;
            for (plane, sums) in planes.iter().zip(columns.iter_mut()) {
                for (sum, &v) in sums.iter_mut().zip(plane) {
                    *sum += v as u16 * wy;
                }
            }
        }
        let [luma, cb, cr] = &columns;
        for (ox, d) in dst.iter_mut().step_by(2).enumerate() {
            *d = filtered(luma, luma_taps.of(ox));
        }
        for (pair, d) in dst.chunks_exact_mut(4).enumerate() {
            let taps = chroma_taps.of(pair);
            (d[1], d[3]) = (filtered(cb, taps), filtered(cr, taps));
        }
    }
    out
}

/// One output sample from the column sums its source columns hold, weighted by `taps`.
#[inline]
fn filtered(columns: &[u16], (first, weights): (usize, &[u32])) -> u8 {
    let sum: u32 = columns[first..]
        .iter()
        .zip(weights)
        .map(|(&v, &w)| v as u32 * w)
        .sum();
    ((sum + ONE * ONE / 2) / (ONE * ONE)).min(255) as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    fn weights(src: usize, out: usize) -> Vec<(usize, Vec<u32>)> {
        let t = Taps::new(src, out);
        (0..out).map(|i| (t.of(i).0, t.of(i).1.to_vec())).collect()
    }

    #[test]
    fn whole_ratios_average_equally() {
        assert_eq!(weights(4, 2), [(0, vec![128, 128]), (2, vec![128, 128])]);
        assert_eq!(
            weights(3, 3),
            [(0, vec![256]), (1, vec![256]), (2, vec![256])]
        );
    }

    #[test]
    fn partly_covered_pixels_count_by_their_part() {
        // 3 to 2: each output covers 1.5 source pixels.
        assert_eq!(weights(3, 2), [(0, vec![171, 85]), (1, vec![85, 171])]);
        // Every output's weights sum to one, at any ratio.
        for (src, out) in [(320, 250), (640, 250), (7, 3), (100, 99), (5, 8)] {
            for (i, (first, w)) in weights(src, out).into_iter().enumerate() {
                assert_eq!(w.iter().sum::<u32>(), ONE, "{src}->{out} #{i}");
                assert!(first + w.len() <= src);
            }
        }
    }

    #[test]
    fn a_flat_picture_stays_flat_and_an_edge_stays_put() {
        let (sw, sh) = (320, 240);
        let out = scale_to_yuyv((sw, sh), (250, 188), |_, y, cb, cr| {
            for (x, v) in y.iter_mut().enumerate() {
                *v = if x < 160 { 10 } else { 240 };
            }
            cb.fill(90);
            cr.fill(170);
        });
        assert_eq!(out.len(), 250 * 188 * 2);
        let row = &out[100 * 500..101 * 500];
        assert_eq!((row[0], row[1], row[3]), (10, 90, 170));
        // The edge at 160 of 320 lands at 125 of 250; pixel 124 is dark, 125 bright.
        assert_eq!((row[124 * 2], row[125 * 2], row[249 * 2]), (10, 240, 240));
    }

    #[test]
    fn chroma_is_the_mean_over_each_output_pair() {
        // 8 wide to 4: each output pair covers 4 source pixels, Cb ramps 0, 10, ..., 70.
        let out = scale_to_yuyv((8, 2), (4, 1), |_, y, cb, cr| {
            y.fill(0);
            for (i, c) in cb.iter_mut().enumerate() {
                *c = i as u8 * 10;
            }
            cr.fill(200);
        });
        assert_eq!(out, [0, 15, 0, 200, 0, 55, 0, 200]);
    }
}
