//! Routes of the camera: the MJPEG stream (`/stream`, old `/video_feed`), `/snapshot.jpg`, taking a
//! photo (`POST /photos`) and `/api/state`. Thin: each turns a request into a call on the core.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures_lite::{AsyncBufRead, AsyncRead};
use http_types::mime::Mime;
use tide::{Body, Response, StatusCode};

use super::errors::HttpError;
use super::limits::{ThinLog, ViewerSlot, ViewerSlots};
use super::{Request, Server};
use crate::urls;
use crate::video::hub::BOUNDARY;
use crate::video::ladder;
use crate::video::stream::{MjpegReader, Source};
use crate::video::variants::VariantKey;

pub fn register(server: &mut Server, viewers: Arc<ViewerSlots>) {
    let slots = viewers.clone();
    server
        .at("/stream")
        .get(move |req| stream(req, slots.clone()));
    server
        .at("/video_feed")
        .get(move |req| stream(req, viewers.clone()));
    server.at("/snapshot.jpg").get(snapshot);
    server.at("/photos").post(take_photo);
    server.at("/api/state").get(state);
}

/// `?width=W&quality=Q&scale=P&fps=N` of a stream request: which variant, if any, and the
/// viewer's frame-rate cap.
#[derive(serde::Deserialize, Default)]
struct StreamQuery {
    width: Option<String>,
    quality: Option<String>,
    scale: Option<String>,
    fps: Option<String>,
}

/// The highest `?fps=N` accepted (above any camera's rate it would cap nothing).
const MAX_FPS: u32 = 120;

static FULL_LOG: ThinLog = ThinLog::new();

async fn stream(req: Request, viewers: Arc<ViewerSlots>) -> tide::Result {
    let app = req.state();
    let query: StreamQuery = req.query().map_err(|_| {
        HttpError::bad_request(
            "the query is not valid: `width`, `quality`, `scale` and `fps` take whole numbers",
        )
    })?;
    let wanted = variant_of(
        &query,
        app.capture.options().output_size().0,
        app.config.quality,
    )
    .map_err(HttpError::bad_request)?;
    let fps = whole_number("fps", &query.fps, 1, MAX_FPS).map_err(HttpError::bad_request)?;
    let Some(slot) = viewers.take() else {
        FULL_LOG.info(|| format!("503 to {:?}: --max-viewers reached", req.peer_addr()));
        Err(HttpError::unavailable(
            "too many viewers at the moment: try again shortly",
            10,
        ))?
    };
    // A HEAD's body is never read: it starts nothing. A GET starts its camera or encoder now, so
    // that a thread that cannot start fails this request with 503 rather than a silent stream.
    let source = if req.method() == http_types::Method::Head {
        Ok(Source::Main)
    } else {
        match wanted {
            Some(key) => app.variants.join(key).map(|v| v.map(Source::Variant)),
            None => Ok(None),
        }
        .and_then(|source| match source {
            Some(variant) => Ok(variant),
            None => app.capture.try_demand().map(Source::Demanded),
        })
    };
    let source = source
        .inspect_err(|why| log::error!("503 to {:?}: {why}", req.peer_addr()))
        .map_err(HttpError::from)?;
    let reader = SlotReader {
        reader: MjpegReader::with_fps(app.capture.clone(), source, fps),
        _slot: slot,
    };
    let mut res = Response::new(StatusCode::Ok);
    res.set_body(Body::from_reader(reader, None));
    let mime: Mime = format!("multipart/x-mixed-replace; boundary={BOUNDARY}")
        .parse()
        .expect("a valid mime type");
    res.set_content_type(mime);
    no_store(&mut res);
    // Tells nginx-style proxies not to buffer the stream.
    res.insert_header("X-Accel-Buffering", "no");
    Ok(res)
}

/// A viewer's stream, holding its place among `--max-viewers` until it ends.
struct SlotReader {
    reader: MjpegReader,
    _slot: ViewerSlot,
}

impl AsyncRead for SlotReader {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.reader).poll_read(cx, buf)
    }
}

impl AsyncBufRead for SlotReader {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<&[u8]>> {
        Pin::new(&mut self.get_mut().reader).poll_fill_buf(cx)
    }

    fn consume(mut self: Pin<&mut Self>, amt: usize) {
        Pin::new(&mut self.reader).consume(amt)
    }
}

/// The variant a query asks for, snapped to the ladder; `None` for the camera's own stream. Bad
/// values are the caller's error, said in words.
fn variant_of(
    q: &StreamQuery,
    source_width: u32,
    default_quality: u8,
) -> Result<Option<VariantKey>, String> {
    let quality = whole_number("quality", &q.quality, 1, 100)?.map_or(default_quality, |q| q as u8);
    let width = whole_number("width", &q.width, 16, 7680)?;
    let scale = whole_number("scale", &q.scale, 5, 400)?;
    let width = match (width, scale) {
        (Some(w), _) => Some(w),
        (None, Some(p)) => Some((source_width * p / 100).max(16)),
        (None, None) => None,
    };
    Ok(ladder::snap(width, quality, source_width, default_quality))
}

/// Query value `name` as a whole number within `min..=max`; `None` when absent or empty.
fn whole_number(name: &str, v: &Option<String>, min: u32, max: u32) -> Result<Option<u32>, String> {
    match v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => match s.parse::<u32>() {
            Ok(n) if (min..=max).contains(&n) => Ok(Some(n)),
            _ => Err(format!(
                "`{name}` must be a whole number from {min} to {max}, not `{s}`"
            )),
        },
    }
}

async fn snapshot(req: Request) -> tide::Result {
    let frame = req.state().snapshot().await.map_err(HttpError::from)?;
    let mut res = Response::new(StatusCode::Ok);
    res.set_body(Body::from_bytes(frame.jpeg().to_vec()));
    res.set_content_type(http_types::mime::JPEG);
    res.insert_header(
        "X-Timestamp",
        crate::video::hub::timestamp(frame.captured_at()).as_str(),
    );
    no_store(&mut res);
    Ok(res)
}

/// `POST /photos`: 303 to the photo's page, or `201` with JSON for `Accept: application/json`.
async fn take_photo(req: Request) -> tide::Result {
    let wants_json = req
        .header("accept")
        .is_some_and(|a| a.as_str().contains("application/json"));
    let app = req.state().clone();
    let saved = app.take_photo().await.map_err(HttpError::from)?;
    let url = urls::photo_page(&saved.name);
    if wants_json {
        let mut res = Response::new(StatusCode::Created);
        res.insert_header("Location", url.as_str());
        res.set_body(Body::from_json(&serde_json::json!({
            "name": saved.name,
            "url": url,
            "file": urls::photo_file(&saved.name),
        }))?);
        Ok(res)
    } else {
        let mut res = Response::new(StatusCode::SeeOther);
        res.insert_header("Location", url.as_str());
        Ok(res)
    }
}

async fn state(req: Request) -> tide::Result {
    let mut res = Response::new(StatusCode::Ok);
    res.set_body(Body::from_json(&req.state().state())?);
    no_store(&mut res);
    Ok(res)
}

fn no_store(res: &mut Response) {
    res.insert_header("Cache-Control", "no-store, no-cache, must-revalidate");
    res.insert_header("Pragma", "no-cache");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(width: Option<&str>, quality: Option<&str>, scale: Option<&str>) -> StreamQuery {
        StreamQuery {
            width: width.map(Into::into),
            quality: quality.map(Into::into),
            scale: scale.map(Into::into),
            fps: None,
        }
    }

    #[test]
    fn plain_and_equivalent_queries_are_the_main_stream() {
        assert_eq!(variant_of(&q(None, None, None), 640, 80), Ok(None));
        assert_eq!(
            variant_of(&q(Some("640"), Some("80"), None), 640, 80),
            Ok(None)
        );
        assert_eq!(variant_of(&q(None, None, Some("120")), 640, 80), Ok(None));
    }

    #[test]
    fn scale_and_width_pick_a_variant() {
        let k = variant_of(&q(None, Some("40"), Some("50")), 640, 80)
            .unwrap()
            .unwrap();
        assert_eq!((k.width, k.quality), (Some(320), 40));
        let k = variant_of(&q(Some("200"), None, None), 640, 80)
            .unwrap()
            .unwrap();
        assert_eq!(
            (k.width, k.quality),
            (Some(160), 80),
            "snapped down the ladder"
        );
    }

    #[test]
    fn bad_values_are_refused_in_words() {
        let e = variant_of(&q(None, Some("500"), None), 640, 80).unwrap_err();
        assert!(e.contains("quality"), "{e}");
        let e = variant_of(&q(Some("abc"), None, None), 640, 80).unwrap_err();
        assert!(e.contains("width"), "{e}");
        let fps = |v: &str| whole_number("fps", &Some(v.into()), 1, MAX_FPS);
        assert_eq!(fps("5"), Ok(Some(5)));
        assert_eq!(fps(" "), Ok(None));
        for bad in ["0", "121", "2.5", "-1", "many"] {
            assert!(fps(bad).unwrap_err().contains("`fps`"), "{bad}");
        }
    }
}
