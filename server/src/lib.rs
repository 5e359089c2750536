//! The inkan CA as a service (`inkan serve`): the registration authority's workflow,
//! one-time-password enrollment, revocation with confirmation, the public repository
//! and the audit trail, over HTTP (axum), on the CA's store: the directory's SQLite
//! file, or a PostgreSQL database that several servers share.
//!
//! The layers, top down: [`http`] (the router, extractors, pages and problem
//! documents) calls the RA's domain [`ra`] (its records and the CPS's workflows, no
//! HTTP in it) through [`state::AppState`], which holds the CA and the RA's records
//! behind locks and batches enrollments; [`jobs`] and [`mail`] run the scheduled work.
//! Handlers never touch keys: they call the runtime's [`inkan_runtime::ca::Ca`], which
//! checks, records and signs. The RA's records live in the CA's database and every RA
//! change is audited in the same transaction. [`rp`] is the relying-party demo.

// The OpenAPI document is one `serde_json::json!` literal per group of routes, each
// deeper than the macro's default recursion allows.
#![recursion_limit = "256"]

pub mod compliance;
pub mod config;
pub mod http;
pub mod i18n;
pub mod jobs;
mod listener;
pub mod mail;
pub mod metrics;
pub mod ra;
pub mod rp;
pub mod state;

use std::net::SocketAddr;

use inkan_runtime::calendar::Timestamp;
use inkan_runtime::policy::Policy;

pub use config::Config;
pub use http::ApiError;
pub use ra::RaError;
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
    /// The CA directory or the RA's records could not be opened.
    #[error("cannot open the CA")]
    Open(#[source] RaError),
    /// The configuration does not give what the policy needs.
    #[error("{0}")]
    Config(String),
    /// The clock asked for could not be set (the CA was not made to allow it).
    #[error("cannot act at the time asked")]
    Clock(#[source] RaError),
    /// The address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// Address.
        addr: SocketAddr,
        /// Cause.
        source: std::io::Error,
    },
}

/// Starts the server and its jobs; returns once it is listening.
pub async fn start(
    config: Config,
    lookup: &dyn Fn(&str) -> Option<&'static dyn Policy>,
) -> Result<Running, ServeError> {
    start_at(config, lookup, None).await
}

/// As [`start`], acting at `clock` from the first instant, its jobs included (a CA
/// made with `--allow-clock-override`: tests and dry runs of deadlines).
pub async fn start_at(
    mut config: Config,
    lookup: &dyn Fn(&str) -> Option<&'static dyn Policy>,
    clock: Option<inkan_runtime::calendar::Timestamp>,
) -> Result<Running, ServeError> {
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
    if config.public_url.is_empty() && addr.ip().is_unspecified() {
        tracing::warn!(
            %addr,
            "public_url is not set and the server listens on every interface: e-mailed links will name the loopback address; set INKAN_PUBLIC_URL"
        );
    }
    config.public_url = config.public_url_for(addr);
    let state = AppState::open(config.clone(), lookup).map_err(ServeError::Open)?;
    if jobs::backup_every(state.policy()).is_some() && config.backup_dir.is_none() {
        return Err(ServeError::Config(format!(
            "policy `{}` has the service take backups on a schedule: set backup_dir in inkan.toml or INKAN_BACKUP_DIR",
            state.policy().id()
        )));
    }
    if let Some(dir) = &config.backup_dir {
        std::fs::create_dir_all(dir).map_err(|e| {
            ServeError::Config(format!(
                "cannot make the backup directory {}: {e}",
                dir.display()
            ))
        })?;
    }
    if let Some(t) = clock {
        state.set_clock(t).await.map_err(ServeError::Clock)?;
    }
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let jobs = tokio::spawn(jobs::run(state.clone(), stopped.clone()));
    let mut shutdown = stopped;
    let app = http::router(state.clone());
    let state_out = state.clone();
    let header_timeout = std::time::Duration::from_secs(config.header_timeout_seconds.max(1));
    let max_connections = config.max_connections;
    let task = tokio::spawn(async move {
        let _ = shutdown.borrow_and_update();
        listener::serve(listener, app, shutdown, header_timeout, max_connections).await
    });
    let def = state.policy().definition();
    tracing::info!(%addr, policy = def.id, policy_sha256 = def.sha256, "inkan serve listening");
    // Behind a TLS proxy on this host every client looks like loopback, and /metrics
    // answers loopback without a token.
    if config.public_url.starts_with("https://") && config.metrics_token_sha256.is_none() {
        tracing::warn!(
            public_url = %config.public_url,
            "public_url is https (a proxy in front?) and no metrics token is set: /metrics answers every client the proxy forwards; set metrics_token_sha256"
        );
    }
    if let Some(reason) = state.custody_waiver() {
        tracing::warn!(
            rule = "R-6.2-HSM",
            %reason,
            "the CA keys are software keys where the policy requires an HSM: not for production use"
        );
    }
    // A deadline counted past the policy's holiday calendar knows no holidays: say so
    // while there is time to add the next year (R-4.9-DEADLINE).
    if let Some(c) = &def.calendar {
        let soon = Timestamp::from_unix(state.now().unix() + 90 * 86_400).unwrap_or(state.now());
        if !c.covers_year(c.local_date(soon).0) {
            tracing::warn!(
                last_year_listed = c.covers.1,
                "the policy's holiday calendar ends within 90 days: deadlines after it count no holidays; add the next year's to the policy"
            );
        }
    }
    Ok(Running {
        addr,
        state: state_out,
        stop,
        task,
        jobs,
    })
}
