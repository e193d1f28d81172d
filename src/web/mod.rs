//! The HTTP edge: the only module that knows tide, http-types and sockets. [`listener`] accepts
//! connections, [`http1`] speaks HTTP/1.0 and 1.1 on them and asks tide's router for responses; the
//! route modules are thin handlers over [`crate::app::App`].

use std::sync::Arc;

use crate::app::App;

mod camera_routes;
mod conditional;
mod control_routes;
mod gallery_routes;
pub mod http1;
pub mod listener;
mod ops_routes;
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
    ops_routes::register(&mut server);
    camera_routes::register(&mut server);
    control_routes::register(&mut server);
    site_routes::register(&mut server);
    gallery_routes::register(&mut server);
    server
}
