//! The site's other pages kept true on phones and at night (issue 11.4: "every new page and
//! control must too"): the live page with its Timelapse box, a markdown page with a table of
//! contents and camera embeds, and the search page with results — each at phone size (360x740,
//! touch) and desktop size (1280x800), in the light and the dark colour scheme, in Chromium.
//! A screenshot of each goes under `target/screenshots/`; the layout facts of
//! `common::browser::sweep_layouts` are asserted: no horizontal scroll, buttons at least 40 px tall,
//! body, text and muted-text contrast >= 4.5:1.

mod common;

use std::time::Duration;

use serde_json::json;

const PAGE: &str = r#"+++
title = "Garden camera"
toc = true
+++

# Garden camera

The camera looks at the vegetable garden behind the shed.

## Live

```pistream
show = live
width = 320
caption = The garden, live
```

## Now and then

```pistream
show = snapshot
every = 5
caption = A still, every five seconds
```

## Latest photos

```pistream
show = photos
count = 3
caption = The newest photos
```
"#;

#[test]
fn live_page_and_search_keep_their_layout_on_phones_and_at_night() {
    let s = common::start(|c| {
        c.watch = pistream::config::WatchMode::Off;
        std::fs::write(c.content.join("garden.md"), PAGE).unwrap();
    });
    for i in 0..3u8 {
        image::RgbImage::from_fn(640, 480, |x, y| {
            image::Rgb([(x / 3) as u8, (y / 2) as u8, i * 80])
        })
        .save(s.pic.join(format!("garden-{i}.jpg")))
        .unwrap();
    }
    s.refresh_gallery();
    let pages = [
        ("live", s.url("/live")),
        ("page", s.url("/pages/garden")),
        ("search", s.url("/search?q=garden")),
    ];
    common::browser::sweep_layouts(
        &pages,
        |b, page| {
            // Loaded, and every picture in view shown — a live stream has shown its first frame
            // (it never completes).
            let settled = b.wait_for(
                "document.readyState === 'complete' && Array.prototype.every.call(document.images, \
                 function (i) { return i.complete || i.naturalWidth > 0 || \
                 i.getBoundingClientRect().top > innerHeight; })",
                Duration::from_secs(20),
            );
            assert_eq!(settled, true, "{page} loaded");
        },
        |b, page, m| {
            if page == "page" {
                // What the page is meant to show is there (not an error page that lays out well).
                let facts = b.run(
                    "return { toc: document.querySelectorAll('.toc a').length, \
                     embeds: document.querySelectorAll('.embed').length };",
                );
                assert_eq!(facts, json!({ "toc": 3, "embeds": 3 }));
            } else {
                assert!(
                    m["buttons"].as_u64() > Some(0),
                    "its buttons were measured: {m}"
                );
            }
        },
    );
}
