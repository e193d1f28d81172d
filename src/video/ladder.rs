//! The few variants a stream may have. Every distinct `?width=`/`?quality=` used to start its own
//! encoder thread (a script with 100 widths took the machine: one 320-wide variant of a 640x480
//! camera costs ~45% of a core), so a request snaps to a small fixed ladder of widths and a few
//! quality steps ([`snap`]), and past the live-variant cap it gets the nearest variant already
//! encoded ([`nearest`]).
//!
//! Snapping goes *down*: a viewer who asks for a smaller or lighter stream (a poor network) never
//! gets more bytes than asked, except at the bottom rung (160 px, quality 20), the least we encode.

use crate::video::variants::VariantKey;

/// Widths a variant can have, besides the camera's own.
pub const WIDTHS: [u32; 6] = [160, 320, 480, 640, 960, 1280];

/// JPEG qualities a variant can have, besides the server's own `--quality`.
pub const QUALITIES: [u8; 5] = [20, 40, 60, 80, 95];

/// The largest of `rungs` not above `wanted`, or the smallest rung when `wanted` is below them all.
fn floor<T: Copy + Ord>(rungs: impl Iterator<Item = T>, wanted: T) -> Option<T> {
    let rungs: Vec<T> = rungs.collect();
    let below = rungs.iter().copied().filter(|r| *r <= wanted).max();
    below.or_else(|| rungs.iter().copied().min())
}

/// The stream a request for `width` and `quality` gets once snapped: `None` is the camera's own
/// stream (its width, the server's quality), which costs no encoder. A width at or above the
/// camera's is the camera's (never upscaled).
pub fn snap(
    width: Option<u32>,
    quality: u8,
    camera_width: u32,
    own_quality: u8,
) -> Option<VariantKey> {
    let width = width.and_then(|w| {
        let rungs = WIDTHS.iter().copied().filter(|r| *r < camera_width);
        floor(rungs.chain([camera_width]), w).filter(|w| *w < camera_width)
    });
    let quality =
        floor(QUALITIES.iter().copied().chain([own_quality]), quality).unwrap_or(own_quality);
    if width.is_none() && quality == own_quality {
        None
    } else {
        Some(VariantKey { width, quality })
    }
}

/// How unlike two streams are: width difference relative to the camera's width plus quality
/// difference in percent points, so 160 px of a 640 px camera weigh like 25 quality points.
fn distance(a: Option<VariantKey>, b: Option<VariantKey>, camera_width: u32, own: u8) -> u64 {
    let parts = |k: Option<VariantKey>| {
        k.map_or((camera_width, own), |k| {
            (k.width.unwrap_or(camera_width), k.quality)
        })
    };
    let ((wa, qa), (wb, qb)) = (parts(a), parts(b));
    u64::from(wa.abs_diff(wb)) * 100 / u64::from(camera_width.max(1)) + u64::from(qa.abs_diff(qb))
}

/// Of the `live` variants and the camera's own stream (`None`), the one nearest to `wanted`; on a
/// tie the smaller stream.
pub fn nearest(
    wanted: VariantKey,
    live: impl IntoIterator<Item = VariantKey>,
    camera_width: u32,
    own_quality: u8,
) -> Option<VariantKey> {
    let size = |k: &Option<VariantKey>| {
        k.map_or((camera_width, own_quality), |k| {
            (k.width.unwrap_or(camera_width), k.quality)
        })
    };
    live.into_iter()
        .map(Some)
        .chain([None])
        .min_by_key(|k| {
            (
                distance(Some(wanted), *k, camera_width, own_quality),
                size(k),
            )
        })
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(width: Option<u32>, quality: u8) -> Option<VariantKey> {
        Some(VariantKey { width, quality })
    }

    #[test]
    fn widths_snap_down_to_the_ladder_and_never_upscale() {
        let s = |w| snap(Some(w), 80, 640, 80);
        assert_eq!(
            s(16),
            key(Some(160), 80),
            "below the ladder: its bottom rung"
        );
        assert_eq!(s(250), key(Some(160), 80));
        assert_eq!(s(320), key(Some(320), 80));
        assert_eq!(s(479), key(Some(320), 80), "never more than asked");
        assert_eq!(s(512), key(Some(480), 80));
        assert_eq!(s(640), None, "the camera's own width");
        assert_eq!(s(7680), None);
        // A 1920-wide camera keeps the upper rungs and its own.
        assert_eq!(snap(Some(1100), 80, 1920, 80), key(Some(960), 80));
        assert_eq!(snap(Some(1700), 80, 1920, 80), key(Some(1280), 80));
        // A camera below the ladder has only its own width.
        assert_eq!(snap(Some(80), 80, 120, 80), None);
    }

    #[test]
    fn qualities_snap_down_to_steps_or_the_servers_own() {
        let q = |q| snap(None, q, 640, 85);
        assert_eq!(q(85), None, "the server's own quality is the main stream");
        assert_eq!(q(1), key(None, 20));
        assert_eq!(q(47), key(None, 40));
        assert_eq!(q(87), None, "85 is a step too");
        assert_eq!(q(100), key(None, 95));
    }

    #[test]
    fn all_widths_and_qualities_make_few_keys() {
        let keys: std::collections::HashSet<_> = (16..=7680)
            .step_by(7)
            .flat_map(|w| (1..=100).map(move |q| snap(Some(w), q, 640, 80)))
            .collect();
        // 3 widths below 640 plus the camera's, times 5 steps (80 is both a step and the own).
        assert_eq!(keys.len(), 20, "{keys:?}");
    }

    #[test]
    fn past_the_cap_the_nearest_live_stream_answers() {
        let live = [
            VariantKey {
                width: Some(160),
                quality: 40,
            },
            VariantKey {
                width: Some(480),
                quality: 80,
            },
        ];
        let want = |w, q| {
            nearest(
                VariantKey {
                    width: w,
                    quality: q,
                },
                live,
                640,
                80,
            )
        };
        assert_eq!(want(Some(320), 40), key(Some(160), 40));
        assert_eq!(want(Some(480), 60), key(Some(480), 80));
        assert_eq!(want(None, 95), None, "the camera's own stream is nearest");
        assert_eq!(
            nearest(live[0], [], 640, 80),
            None,
            "with no variant live: the main stream"
        );
    }
}
