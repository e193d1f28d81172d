//! The HTTP edge: the only module that knows tide, http-types and sockets.
use std::sync::Arc;

use crate::app::App;

mod gallery_routes;
mod site_routes;

/// What every handler receives: the whole application core.
pub type State = Arc<App>;
/// The tide server with our state.
pub type Server = tide::Server<State>;
/// A request as handlers see it.
pub type Request = tide::Request<State>;

/// Every route of pistream.
pub fn routes(app: State) -> Server {
    let mut server = tide::with_state(app);
    site_routes::register(&mut server);
    gallery_routes::register(&mut server);
    server
}
