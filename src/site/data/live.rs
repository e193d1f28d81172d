//! The live picture as a page shows it: [`LiveView`], what the viewer asked (`/live?scale=&quality=`),
//! and [`LiveData`], the stream source and the no-JavaScript links that shrink, enlarge, lower or
//! raise it. Separate from the rest of the template data because it is the one piece with logic of
//! its own (clamping, the buttons' steps) and the one the live page's URLs come from.

use serde::Serialize;

use crate::urls;

/// What the viewer asked of the live picture: `/live?scale=P&quality=Q`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LiveView {
    pub scale: Option<u32>,
    pub quality: Option<u32>,
}

impl LiveView {
    /// The query of this view: `scale=P&quality=Q`, parts left out when not asked; empty for
    /// the camera's own picture.
    fn query(&self) -> String {
        let mut q = Vec::new();
        if let Some(s) = self.scale.filter(|s| *s != 100) {
            q.push(format!("scale={}", s.clamp(10, 200)));
        }
        if let Some(v) = self.quality {
            q.push(format!("quality={}", v.clamp(1, 100)));
        }
        q.join("&")
    }

    /// The `<img>` source for this view: `/stream`, or `/stream?scale=P&quality=Q`.
    pub fn stream_src(&self) -> String {
        urls::stream(&self.query())
    }

    /// `/live` with this view's query.
    pub fn live_url(&self) -> String {
        urls::live(&self.query())
    }

    pub(crate) fn data(&self, default_quality: u8) -> LiveData {
        let scale = self.scale.unwrap_or(100).clamp(10, 200);
        let quality = self.quality.unwrap_or(default_quality as u32).clamp(1, 100);
        // The same steps as the original's buttons, as links for pages without JavaScript.
        let link = |s: u32, q: u32| {
            LiveView {
                scale: Some(s),
                quality: (q != default_quality as u32).then_some(q),
            }
            .live_url()
        };
        let scaled =
            |f: f64, lo: u32, hi: u32, v: u32| ((v as f64 * f).round() as u32).clamp(lo, hi);
        LiveData {
            shrink_url: link(scaled(0.8, 10, 200, scale), quality),
            enlarge_url: link(scaled(1.2, 10, 200, scale), quality),
            lower_url: link(scale, scaled(0.8, 5, 100, quality)),
            raise_url: link(scale, scaled(2.0, 5, 100, quality)),
            reset_url: urls::live(""),
            stream_src: self.stream_src(),
            scale,
            quality,
            default_quality,
            state_url: urls::api_state(),
            photo_action: urls::take_photo(),
            snapshot_url: urls::snapshot(),
        }
    }
}

/// `live`: the stream and the controls of the live picture.
#[derive(Serialize)]
pub(crate) struct LiveData {
    pub(crate) shrink_url: String,
    pub(crate) enlarge_url: String,
    pub(crate) lower_url: String,
    pub(crate) raise_url: String,
    pub(crate) reset_url: String,
    pub(crate) stream_src: String,
    pub(crate) scale: u32,
    pub(crate) quality: u32,
    pub(crate) default_quality: u8,
    pub(crate) state_url: String,
    pub(crate) photo_action: String,
    pub(crate) snapshot_url: String,
}
