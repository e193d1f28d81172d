//! Starting and stopping the whole server: build the core, bind the listener, run the accept loop,
//! and shut down gracefully — stop accepting, end streams, let requests in flight (a photo being
//! written) finish, close the camera.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use async_std::task::JoinHandle;
use pistream_camera::Camera;

use crate::app::App;
use crate::config::Config;
use crate::signals::TerminationSignals;
use crate::video::cameras;
use crate::video::capture::CameraFactory;
use crate::web::{self, shutdown::Shutdown};

/// How long shutdown waits for open connections (a viewer that stopped reading never finishes).
const DRAIN_TIMEOUT: Duration = Duration::from_secs(3);

/// The stop requests (SIGTERM and SIGINT; Ctrl-C, Ctrl-Break and console close on Windows), caught
/// from now on. Register them before announcing the server: a signal that arrives earlier would kill
/// the process instead of stopping it gracefully.
pub fn termination_signals() -> io::Result<TerminationSignals> {
    TerminationSignals::listen()
}

/// A server that is listening.
pub struct Running {
    /// Where it listens (the real port when `--bind` said port 0).
    pub addr: SocketAddr,
    pub app: Arc<App>,
    shutdown: Arc<Shutdown>,
    accept: JoinHandle<()>,
}

impl Running {
    /// Starts the server `config` describes, with the camera `--camera` names.
    pub async fn start(config: Config) -> io::Result<Running> {
        let for_cameras = config.clone();
        Running::start_with_factory(config, Box::new(move || cameras::create(&for_cameras))).await
    }

    /// Starts the server with one camera made by the caller. Should it panic or hang, capture shows
    /// NO SIGNAL for good: there is no second one ([`Running::start_with_factory`] can remake it).
    pub async fn start_with_camera(config: Config, camera: Box<dyn Camera>) -> io::Result<Running> {
        let once = parking_lot::Mutex::new(Some(camera));
        let factory: CameraFactory = Box::new(move || {
            once.lock()
                .take()
                .ok_or_else(|| "the camera given at start cannot be remade".to_string())
        });
        Running::start_with_factory(config, factory).await
    }

    /// Starts the server with cameras made by `factory` (tests use a mock with its fault knobs).
    pub async fn start_with_factory(config: Config, factory: CameraFactory) -> io::Result<Running> {
        let listener = web::listener::bind(config.bind).map_err(|e| {
            io::Error::new(e.kind(), format!("cannot listen on {}: {e}", config.bind))
        })?;
        let addr = listener.local_addr()?;
        crate::supervise::install_panic_hook();
        // Before the first page renders: every URL is made with it.
        crate::urls::set_base(&config.base_path)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
        let app = App::new(config, factory)?;
        let edge = web::Edge::new(app.clone())?;
        if !edge.gate.has_auth() && !addr.ip().is_loopback() {
            log::warn!(
                "listening on {addr} WITHOUT A PASSWORD: anyone who can reach this address can \
                 watch the camera and take and delete photos. Use --auth-file (see SECURITY.md), \
                 or --bind 127.0.0.1:PORT."
            );
        }
        let shutdown = Shutdown::new();
        let accept =
            async_std::task::spawn(web::listener::accept_loop(listener, edge, shutdown.clone()));
        Ok(Running {
            addr,
            app,
            shutdown,
            accept,
        })
    }

    /// Connections open now (for tests of disconnect storms).
    pub fn open_connections(&self) -> usize {
        self.shutdown.open_connections()
    }

    /// Graceful shutdown: stop accepting, end every stream, wait for requests in flight (bounded),
    /// close the camera. Returns false if some connection had to be abandoned.
    pub async fn shutdown(self) -> bool {
        self.shutdown.begin();
        self.accept.await;
        self.app.shutdown();
        let drained = self.shutdown.drained(DRAIN_TIMEOUT).await;
        let capture = self.app.capture.clone();
        let stopped = blocking::unblock(move || capture.wait_stopped(DRAIN_TIMEOUT)).await;
        if !drained {
            log::warn!(
                "{} connection(s) still open at shutdown",
                self.shutdown.open_connections()
            );
        }
        drained && stopped
    }

    /// Runs until one of `signals` arrives, then shuts down gracefully.
    pub async fn run_until(self, mut signals: TerminationSignals) -> io::Result<()> {
        let sig = signals.next().await;
        log::info!("{sig}: shutting down");
        #[cfg(unix)]
        crate::systemd::stopping();
        self.shutdown().await;
        Ok(())
    }
}
