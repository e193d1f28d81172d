//! The site (placeholder: being written by the site work).
use std::sync::Arc;

use crate::config::Config;

/// Pages, nav and theme, rebuilt on change and swapped whole.
pub struct SiteService;

impl SiteService {
    pub fn start(_config: &Config) -> std::io::Result<Arc<SiteService>> {
        Ok(Arc::new(SiteService))
    }
}
