//! The HTTP edge: the only module that knows tide, http-types and sockets. [`listener`] accepts
//! connections, [`http1`] speaks HTTP/1.0 and 1.1 on them and asks tide's router for responses; the
//! route modules are thin handlers over [`crate::app::App`]. [`gate`] (login, cross-site check) and
//! [`limits`] guard every connection before a route is involved; [`errors`] is the one place errors
//! become responses.

use std::io;
use std::sync::Arc;

use crate::app::App;

mod allow;
pub mod auth;
mod camera_routes;
mod conditional;
mod control_routes;
pub mod errors;
mod gallery_routes;
pub mod gate;
pub mod http1;
pub mod limits;
pub mod listener;
mod login;
mod ops_routes;
mod origin;
pub mod shutdown;
mod site_routes;
mod timelapse_routes;

/// What every handler receives: the whole application core.
pub type State = Arc<App>;
/// The tide server with our state.
pub type Server = tide::Server<State>;
/// A request as handlers see it.
pub type Request = tide::Request<State>;

/// Everything a connection is served with: the routes and what guards them.
pub struct Edge {
    pub server: Server,
    pub gate: gate::Gate,
    pub limits: limits::Limits,
    pub clients: Arc<limits::PerClient>,
}

impl Edge {
    /// The edge `app`'s configuration describes (fails on a bad `--auth-file`).
    pub fn new(app: State) -> io::Result<Arc<Edge>> {
        let limits = limits::Limits::from_config(&app.config);
        let gate = gate::Gate::from_config(&app.config)?;
        let viewers = limits::ViewerSlots::new(limits.max_viewers);
        Ok(Arc::new(Edge {
            server: routes(app, viewers),
            gate,
            limits,
            clients: Arc::default(),
        }))
    }
}

/// Every route of pistream.
pub fn routes(app: State, viewers: Arc<limits::ViewerSlots>) -> Server {
    let mut server = tide::with_state(app);
    ops_routes::register(&mut server);
    // Inside the request counter (which sees the final status), outside every route.
    server.with(errors::ErrorPages);
    camera_routes::register(&mut server, viewers);
    control_routes::register(&mut server);
    site_routes::register(&mut server);
    gallery_routes::register(&mut server);
    timelapse_routes::register(&mut server);
    server
}
