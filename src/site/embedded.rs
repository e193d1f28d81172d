//! The default theme, compiled into the binary so pistream runs from any directory and
//! `pistream theme init DIR` can write it out. One line per file of `themes/default/`; a test
//! checks that this table and the folder list the same files, so a new file cannot be forgotten.

/// `(path inside the theme, bytes)` for every file of `themes/default/`.
pub const DEFAULT_THEME: &[(&str, &[u8])] = &[
    (
        "assets/camera.js",
        include_bytes!("../../themes/default/assets/camera.js"),
    ),
    (
        "assets/embed.js",
        include_bytes!("../../themes/default/assets/embed.js"),
    ),
    (
        "assets/favicon.svg",
        include_bytes!("../../themes/default/assets/favicon.svg"),
    ),
    (
        "assets/gallery.css",
        include_bytes!("../../themes/default/assets/gallery.css"),
    ),
    (
        "assets/gallery.js",
        include_bytes!("../../themes/default/assets/gallery.js"),
    ),
    (
        "assets/live.js",
        include_bytes!("../../themes/default/assets/live.js"),
    ),
    (
        "assets/site.js",
        include_bytes!("../../themes/default/assets/site.js"),
    ),
    (
        "assets/style.css",
        include_bytes!("../../themes/default/assets/style.css"),
    ),
    (
        "assets/timelapse.js",
        include_bytes!("../../themes/default/assets/timelapse.js"),
    ),
    (
        "partials/album_card.hbs",
        include_bytes!("../../themes/default/partials/album_card.hbs"),
    ),
    (
        "partials/embed_error.hbs",
        include_bytes!("../../themes/default/partials/embed_error.hbs"),
    ),
    (
        "partials/embed_live.hbs",
        include_bytes!("../../themes/default/partials/embed_live.hbs"),
    ),
    (
        "partials/embed_photos.hbs",
        include_bytes!("../../themes/default/partials/embed_photos.hbs"),
    ),
    (
        "partials/embed_snapshot.hbs",
        include_bytes!("../../themes/default/partials/embed_snapshot.hbs"),
    ),
    (
        "partials/footer.hbs",
        include_bytes!("../../themes/default/partials/footer.hbs"),
    ),
    (
        "partials/head.hbs",
        include_bytes!("../../themes/default/partials/head.hbs"),
    ),
    (
        "partials/live_view.hbs",
        include_bytes!("../../themes/default/partials/live_view.hbs"),
    ),
    (
        "partials/nav.hbs",
        include_bytes!("../../themes/default/partials/nav.hbs"),
    ),
    (
        "partials/page_nav.hbs",
        include_bytes!("../../themes/default/partials/page_nav.hbs"),
    ),
    (
        "partials/pager.hbs",
        include_bytes!("../../themes/default/partials/pager.hbs"),
    ),
    (
        "partials/photo_card.hbs",
        include_bytes!("../../themes/default/partials/photo_card.hbs"),
    ),
    (
        "partials/search_box.hbs",
        include_bytes!("../../themes/default/partials/search_box.hbs"),
    ),
    (
        "partials/timelapse_switch.hbs",
        include_bytes!("../../themes/default/partials/timelapse_switch.hbs"),
    ),
    (
        "partials/timelapse_video.hbs",
        include_bytes!("../../themes/default/partials/timelapse_video.hbs"),
    ),
    (
        "partials/toc.hbs",
        include_bytes!("../../themes/default/partials/toc.hbs"),
    ),
    (
        "templates/error.hbs",
        include_bytes!("../../themes/default/templates/error.hbs"),
    ),
    (
        "templates/gallery.hbs",
        include_bytes!("../../themes/default/templates/gallery.hbs"),
    ),
    (
        "templates/home.hbs",
        include_bytes!("../../themes/default/templates/home.hbs"),
    ),
    (
        "templates/layout.hbs",
        include_bytes!("../../themes/default/templates/layout.hbs"),
    ),
    (
        "templates/live.hbs",
        include_bytes!("../../themes/default/templates/live.hbs"),
    ),
    (
        "templates/page.hbs",
        include_bytes!("../../themes/default/templates/page.hbs"),
    ),
    (
        "templates/photo.hbs",
        include_bytes!("../../themes/default/templates/photo.hbs"),
    ),
    (
        "templates/search.hbs",
        include_bytes!("../../themes/default/templates/search.hbs"),
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    /// Every file on disk (that the theme loader reads) is in the table and every entry is a file
    /// on disk with the same bytes.
    #[test]
    fn table_matches_the_theme_folder() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("themes/default");
        let mut on_disk: Vec<String> = crate::site::paths::walk_files(&root)
            .map(|f| f.expect("theme folder readable"))
            .collect();
        on_disk.sort();
        let mut table: Vec<String> = DEFAULT_THEME.iter().map(|(p, _)| p.to_string()).collect();
        table.sort();
        assert_eq!(table, on_disk, "update src/site/embedded.rs");
        for (rel, bytes) in DEFAULT_THEME {
            assert_eq!(std::fs::read(root.join(rel)).unwrap(), *bytes, "{rel}");
        }
    }

    /// docs/THEMES.md names every file of the built-in theme (each template, partial and asset),
    /// so a file added to the theme without a word in the docs fails here.
    #[test]
    fn themes_md_documents_every_file() {
        let docs = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/THEMES.md"),
        )
        .unwrap();
        let missing: Vec<&str> = DEFAULT_THEME
            .iter()
            .map(|(rel, _)| *rel)
            .filter(|rel| !docs.contains(&format!("`{rel}`")))
            .collect();
        assert!(
            missing.is_empty(),
            "docs/THEMES.md says nothing of {missing:?}"
        );
    }
}
