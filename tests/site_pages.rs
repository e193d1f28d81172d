//! The site core without HTTP: pages rendered from the fixture content folder (snapshot-style
//! asserts on the HTML), front matter, nav order, link rewriting, theme override, a broken theme
//! edit keeping the last good theme, and `theme init`.

mod common;

use std::path::{Path, PathBuf};

use pistream::site::{init_theme, LiveView, NoPhotos, SiteError, SiteService};
use serde_json::json;

fn fixture(part: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/site")
        .join(part)
}

fn open(theme: Option<&Path>) -> std::sync::Arc<SiteService> {
    SiteService::open(&fixture("content"), theme, 80).expect("site builds")
}

#[test]
fn a_page_renders_front_matter_tables_tasks_and_unique_anchors() {
    let site = open(None).site();
    let html = site
        .render_page("setup", &NoPhotos)
        .expect("page exists")
        .unwrap();
    assert!(html.contains("<title>Setup · pistream</title>"), "{html}");
    assert!(
        html.contains("<meta name=\"description\" content=\"Setting up\">"),
        "{html}"
    );
    assert!(html.contains("<time>2024-05-01</time>"), "{html}");
    assert!(
        html.contains(
            "<h1 id=\"setup-steps\">Setup steps <a class=\"anchor\" href=\"#setup-steps\""
        ),
        "{html}"
    );
    assert!(
        html.contains("<h2 id=\"step\">") && html.contains("<h2 id=\"step-1\">"),
        "{html}"
    );
    assert!(html.contains("<td><code>--pic</code></td>"), "{html}");
    assert!(
        html.contains("<input disabled=\"\" type=\"checkbox\" checked=\"\"/>"),
        "{html}"
    );
    // The page names the events that reload it: its own source, the nav, the theme.
    assert!(
        html.contains("data-reload=\"theme site page:setup\""),
        "{html}"
    );
    // The body has its own H1, so the theme does not print the title a second time.
    assert_eq!(html.matches("<h1").count(), 1, "{html}");
}

#[test]
fn relative_links_and_images_are_rewritten() {
    let site = open(None).site();
    let html = site.render_page("setup", &NoPhotos).unwrap().unwrap();
    assert!(html.contains("href=\"/pages/guide/intro\""), "{html}");
    assert!(
        html.contains("href=\"/pages/%E5%85%B3%E4%BA%8E#team\""),
        "{html}"
    );
    assert!(html.contains("src=\"/content/img/dot.svg\""), "{html}");
    let intro = site.render_page("guide/intro", &NoPhotos).unwrap().unwrap();
    assert!(intro.contains("href=\"/pages/setup#step-1\""), "{intro}");
    // Raw HTML passes through (the documented policy).
    assert!(
        intro.contains("<span class=\"raw\">raw html kept</span>"),
        "{intro}"
    );
    // No H1 in the body: the theme prints the front matter title.
    assert!(intro.contains("<h1>Intro</h1>"), "{intro}");
}

#[test]
fn nav_lists_pages_by_weight_then_title_without_drafts_or_temp_files() {
    let svc = open(None);
    let site = svc.site();
    let titles: Vec<&str> = site.pages.nav.iter().map(|n| n.title.as_str()).collect();
    // 关于 has no weight (0), Intro 5, Setup 10; draft.md, .setup.md.swp and setup.md~ are absent.
    assert_eq!(titles, ["关于我们", "Intro", "Setup"]);
    assert!(site.render_page("draft", &NoPhotos).is_none());
    assert!(site.pages.problems.is_empty(), "{:?}", site.pages.problems);
    let html = site.render_live(&LiveView::default()).unwrap();
    let order: Vec<usize> = [
        "href=\"/\"",
        "href=\"/live\" aria-current=\"page\"",
        "href=\"/photos\"",
        "关于我们",
        ">Intro<",
        ">Setup<",
    ]
    .iter()
    .map(|needle| {
        html.find(needle)
            .unwrap_or_else(|| panic!("{needle} in {html}"))
    })
    .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "nav order {order:?}");
}

#[test]
fn home_shows_the_index_text_and_the_live_picture_with_its_controls() {
    let site = open(None).site();
    let html = site.render_home(&LiveView::default(), &NoPhotos).unwrap();
    assert!(
        html.contains("<title>Fixture home · pistream</title>"),
        "{html}"
    );
    assert!(html.contains("Home text."), "{html}");
    assert!(
        html.contains("<img id=\"stream\" src=\"/stream\""),
        "{html}"
    );
    assert!(
        html.contains("<form method=\"post\" action=\"/photos\" class=\"take-photo\">"),
        "{html}"
    );
    for action in ["fullscreen", "shrink", "enlarge", "lower", "raise", "reset"] {
        assert!(
            html.contains(&format!("data-action=\"{action}\"")),
            "{action}"
        );
    }
    let live = site
        .render_live(&LiveView {
            scale: Some(80),
            quality: Some(40),
        })
        .unwrap();
    assert!(
        live.contains("src=\"/stream?scale&#x3D;80&amp;quality&#x3D;40\""),
        "{live}"
    );
    // The no-JavaScript links take the original's steps: 80% and 120% size, 80% and 200% quality.
    assert!(
        live.contains("href=\"/live?scale&#x3D;64&amp;quality&#x3D;40\""),
        "{live}"
    );
    assert!(
        live.contains("href=\"/live?scale&#x3D;96&amp;quality&#x3D;40\""),
        "{live}"
    );
    assert!(
        live.contains("href=\"/live?scale&#x3D;80&amp;quality&#x3D;32\""),
        "{live}"
    );
    assert!(
        live.contains("href=\"/live?scale&#x3D;80&amp;quality&#x3D;80\"")
            || live.contains("href=\"/live?scale&#x3D;80\""),
        "{live}"
    );
}

#[test]
fn gallery_and_photo_pages_render_the_gallery_data() {
    let site = open(None).site();
    let photo = json!({
        "name": "a #1 照片.jpg", "url": "/pic/a%20%231%20%E7%85%A7%E7%89%87.jpg",
        "page_url": "/photos/a%20%231%20%E7%85%A7%E7%89%87.jpg", "thumb_url": "/thumbs/a%20%231%20%E7%85%A7%E7%89%87.jpg",
        "delete_url": "/photos/a%20%231%20%E7%85%A7%E7%89%87.jpg/delete", "bytes": 52400,
        "modified": "2024-01-02 03:04:05", "modified_unix": 0, "width": 640, "height": 480,
        "prev": null, "next": "older?.jpg", "file_name": "a #1 照片.jpg", "album": "",
        "album_url": "/photos?page=1", "download_url": "/pic/a%20%231%20%E7%85%A7%E7%89%87.jpg?download=1",
        "medium_url": "/medium/a%20%231%20%E7%85%A7%E7%89%87.jpg", "srcset": "", "sizes": "",
    });
    let page = json!({ "photos": [photo.clone()], "page": 2, "pages": 3, "total": 49,
        "album": "", "title": "Photos", "url": "/photos", "crumbs": [], "albums": [], "count": 49,
        "zip_url": "/zip", "delete_selected_url": "/selection/delete",
        "zip_selected_url": "/selection/zip" });
    let html = site
        .render_gallery(&serde_json::from_value(page).unwrap())
        .unwrap();
    assert!(
        html.contains("src=\"/thumbs/a%20%231%20%E7%85%A7%E7%89%87.jpg\""),
        "{html}"
    );
    assert!(
        html.contains("action=\"/photos/a%20%231%20%E7%85%A7%E7%89%87.jpg/delete\""),
        "{html}"
    );
    assert!(
        html.contains("href=\"/photos?page&#x3D;1\"")
            && html.contains("href=\"/photos?page&#x3D;3\""),
        "{html}"
    );
    assert!(
        html.contains("value=\"2\" inputmode") && html.contains("of 3"),
        "{html}"
    );
    let html = site
        .render_photo(&serde_json::from_value(photo).unwrap())
        .unwrap();
    assert!(
        html.contains("52.4 KB")
            && html.contains("640 × 480")
            && html.contains("2024-01-02 03:04:05"),
        "{html}"
    );
    assert!(
        html.contains("href=\"/photos/older%3F.jpg\""),
        "next link encodes `?`: {html}"
    );
    assert!(
        !html.contains("rel=\"prev\""),
        "the newest photo has no newer one: {html}"
    );
    assert!(html.contains("download=\"a #1 照片.jpg\""), "{html}");
}

#[test]
fn the_error_page_is_themed_and_escapes_the_message() {
    let site = open(None).site();
    let html = site.render_error(404, "No page `<script>`.");
    assert!(html.contains("404 · Not found"), "{html}");
    assert!(
        html.contains("No page &#x60;&lt;script&gt;&#x60;."),
        "{html}"
    );
    assert!(html.contains("href=\"/theme/style.css?v="), "{html}");
}

#[test]
fn a_theme_folder_overrides_file_by_file() {
    let svc = open(Some(&fixture("theme")));
    let site = svc.site();
    let page = site.render_page("setup", &NoPhotos).unwrap().unwrap();
    assert!(
        page.contains("<article class=\"override\">Setup|"),
        "{page}"
    );
    assert!(page.contains("/theme/extra.css?v="), "{page}");
    // Files the override does not have come from the built-in theme.
    assert!(page.contains("<nav aria-label=\"Main\">"), "{page}");
    let home = site.render_home(&LiveView::default(), &NoPhotos).unwrap();
    assert!(
        !home.contains("class=\"override\"") && home.contains("id=\"stream\""),
        "{home}"
    );
    assert!(site.theme.asset("extra.css").is_some() && site.theme.asset("style.css").is_some());
}

#[test]
fn a_broken_theme_edit_keeps_the_last_good_theme_and_names_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let theme = dir.path().join("theme");
    common::copy_dir(&fixture("theme"), &theme);
    let svc = open(Some(&theme));
    let mut events = svc.events().subscribe();

    std::fs::write(
        theme.join("templates/page.hbs"),
        "<p>\n{{#if content}}\nunclosed\n",
    )
    .unwrap();
    svc.reload_theme();
    assert!(events.wait_for("theme", std::time::Duration::from_secs(5)));
    let site = svc.site();
    let page = site.render_page("setup", &NoPhotos).unwrap().unwrap();
    assert!(
        page.contains("class=\"override\""),
        "old template still serves: {page}"
    );
    let problem = site.problems.join("\n");
    assert!(
        problem.contains("templates/page.hbs") && problem.contains("line"),
        "{problem}"
    );
    assert!(
        page.contains("class=\"problems\"") && page.contains("page.hbs"),
        "shown on the page: {page}"
    );

    // A template that parses but calls a partial that does not exist is refused too.
    std::fs::write(theme.join("templates/page.hbs"), "{{> no_such_partial}}").unwrap();
    svc.reload_theme();
    assert!(svc
        .site()
        .render_page("setup", &NoPhotos)
        .unwrap()
        .unwrap()
        .contains("class=\"override\""));

    std::fs::write(
        theme.join("templates/page.hbs"),
        "<b>fixed {{content.title}}</b>",
    )
    .unwrap();
    svc.reload_theme();
    let site = svc.site();
    assert!(site
        .render_page("setup", &NoPhotos)
        .unwrap()
        .unwrap()
        .contains("<b>fixed Setup</b>"));
    assert!(site.problems.is_empty(), "{:?}", site.problems);
}

#[test]
fn a_broken_theme_at_start_falls_back_to_the_built_in_one() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("templates")).unwrap();
    std::fs::write(
        dir.path().join("templates/home.hbs"),
        "line one\n{{#each}}\n",
    )
    .unwrap();
    let site = open(Some(dir.path())).site();
    assert!(site.problems[0].contains("home.hbs"), "{:?}", site.problems);
    let html = site.render_home(&LiveView::default(), &NoPhotos).unwrap();
    assert!(
        html.contains("id=\"stream\"") && html.contains("home.hbs"),
        "{html}"
    );
}

#[test]
fn theme_init_writes_the_built_in_theme_and_refuses_a_non_empty_folder() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("mytheme");
    init_theme(&out).unwrap();
    for f in [
        "templates/layout.hbs",
        "partials/nav.hbs",
        "assets/style.css",
        "assets/live.js",
    ] {
        assert!(out.join(f).is_file(), "{f}");
    }
    // The written theme renders exactly like the built-in one.
    let builtin = open(None)
        .site()
        .render_page("setup", &NoPhotos)
        .unwrap()
        .unwrap();
    let written = open(Some(&out))
        .site()
        .render_page("setup", &NoPhotos)
        .unwrap()
        .unwrap();
    assert_eq!(builtin, written);
    assert!(matches!(init_theme(&out), Err(SiteError::NotEmpty(_))));
}

#[test]
fn a_template_failing_on_real_data_gives_an_error_naming_file_and_line() {
    // The sample data has no `extra.special`, so the test render passes; a real page that has it
    // reaches the missing partial while a visitor waits.
    let dir = tempfile::tempdir().unwrap();
    let content = dir.path().join("content");
    std::fs::create_dir_all(dir.path().join("theme/templates")).unwrap();
    std::fs::create_dir_all(&content).unwrap();
    std::fs::write(
        dir.path().join("theme/templates/page.hbs"),
        "<p>{{content.title}}</p>\n{{#if content.extra.special}}\n{{> not_there}}\n{{/if}}\n",
    )
    .unwrap();
    std::fs::write(content.join("plain.md"), "# Plain\n").unwrap();
    std::fs::write(content.join("odd.md"), "+++\nspecial = true\n+++\n# Odd\n").unwrap();
    let site = SiteService::open(&content, Some(&dir.path().join("theme")), 80)
        .unwrap()
        .site();
    assert!(site.problems.is_empty(), "{:?}", site.problems);
    assert!(site.render_page("plain", &NoPhotos).unwrap().is_ok());
    match site.render_page("odd", &NoPhotos).unwrap() {
        Err(SiteError::Template {
            file,
            line,
            message,
        }) => {
            assert!(file.ends_with("templates/page.hbs"), "{file}");
            assert_eq!(line, Some(3), "{message}");
            let page = pistream::site::plain_error_page(
                500,
                &SiteError::Template {
                    file,
                    line,
                    message,
                }
                .to_string(),
            );
            assert!(page.contains("page.hbs, line 3"), "{page}");
        }
        other => panic!("expected a template error, got {other:?}"),
    }
}
