//! The inkan CA as a service (`inkan serve`): the registration authority's workflow,
//! one-time-password enrollment, revocation with confirmation, the public repository
//! and the audit trail, over HTTP (axum), on the CA's store: the directory's SQLite
//! file, or a PostgreSQL database that several servers share.
//!
//! Handlers never touch keys: they call the runtime's [`inkan_runtime::ca::Ca`], which
//! checks, records and signs. The RA's own records ([`ra`]) live in the same database
//! and every RA change is audited in its own transaction. Storage stays behind the
//! runtime's store interface so a PostgreSQL store can follow without touching handlers.

pub mod app;
pub mod auth;
pub mod config;
pub mod error;
pub mod jobs;
pub mod mail;
pub mod openapi;
pub mod ra;
pub mod rp;
pub mod state;

use std::net::SocketAddr;

use inkan_runtime::policy::Policy;

pub use config::Config;
pub use error::ApiError;
pub use state::AppState;

/// A running server: its address, and the handle to stop it.
pub struct Running {
    /// The bound address.
    pub addr: SocketAddr,
    /// The server's state (for console activation).
    pub state: AppState,
    stop: tokio::sync::watch::Sender<bool>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
    jobs: tokio::task::JoinHandle<()>,
}

impl Running {
    /// Stops gracefully: in-flight requests finish, and a job that is running finishes
    /// before the job loop ends.
    pub async fn stop(self) -> std::io::Result<()> {
        let _ = self.stop.send(true);
        let served = self.task.await.map_err(std::io::Error::other)?;
        self.jobs.await.map_err(std::io::Error::other)?;
        served
    }
}

/// What can stop the server from starting.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServeError {
    /// The CA directory could not be opened.
    #[error("{0}")]
    Open(ApiError),
    /// The address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// Address.
        addr: SocketAddr,
        /// Cause.
        source: std::io::Error,
    },
}

/// Serves `app` on `listener` until `shutdown` changes, then lets every open connection
/// finish its request. Unlike `axum::serve`, a connection that has not sent a request's
/// headers within `header_timeout` is closed, so slow clients cannot hold connections
/// open; request bodies and handlers are bounded by the router's own timeout.
async fn serve(
    listener: tokio::net::TcpListener,
    app: axum::Router,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
    header_timeout: std::time::Duration,
) -> std::io::Result<()> {
    use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
    use hyper_util::server::conn::auto::Builder;
    use hyper_util::service::TowerToHyperService;
    let mut builder = Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(header_timeout);
    let mut connections = tokio::task::JoinSet::new();
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors and the like: wait, do not spin.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                    continue;
                }
            },
            _ = shutdown.changed() => break,
        };
        let service = TowerToHyperService::new(app.clone());
        let builder = builder.clone();
        let mut stop = shutdown.clone();
        connections.spawn(async move {
            let connection = builder.serve_connection_with_upgrades(TokioIo::new(stream), service);
            let mut connection = std::pin::pin!(connection);
            tokio::select! {
                served = connection.as_mut() => {
                    if let Err(e) = served {
                        tracing::debug!(%peer, error = %e, "connection ended");
                    }
                    return;
                }
                _ = stop.changed() => connection.as_mut().graceful_shutdown(),
            }
            let _ = connection.await;
        });
        // Reap finished connections as we go.
        while connections.try_join_next().is_some() {}
    }
    while connections.join_next().await.is_some() {}
    Ok(())
}

/// Starts the server and its jobs; returns once it is listening.
pub async fn start(
    config: Config,
    lookup: &dyn Fn(&str) -> Option<&'static dyn Policy>,
) -> Result<Running, ServeError> {
    let state = AppState::open(config.clone(), lookup).map_err(ServeError::Open)?;
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|source| ServeError::Bind {
            addr: config.listen,
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| ServeError::Bind {
        addr: config.listen,
        source,
    })?;
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let jobs = tokio::spawn(jobs::run(state.clone(), stopped.clone()));
    let mut shutdown = stopped;
    let app = app::router(state.clone());
    let state_out = state.clone();
    let header_timeout = std::time::Duration::from_secs(config.header_timeout_seconds.max(1));
    let task = tokio::spawn(async move {
        let _ = shutdown.borrow_and_update();
        serve(listener, app, shutdown, header_timeout).await
    });
    let def = state.policy().definition();
    tracing::info!(%addr, policy = def.id, policy_sha256 = def.sha256, "inkan serve listening");
    Ok(Running {
        addr,
        state: state_out,
        stop,
        task,
        jobs,
    })
}
