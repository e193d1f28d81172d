//! The application core every handler shares (placeholder: being written).
use std::sync::Arc;

use crate::config::Config;
use crate::gallery::Gallery;
use crate::site::SiteService;

pub struct App {
    pub config: Config,
    pub site: Arc<SiteService>,
    pub gallery: Arc<Gallery>,
}
