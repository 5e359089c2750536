//! The server's shared state: the CA and the RA store, each behind a mutex, reached
//! from async handlers through `spawn_blocking` (SQLite and RSA are blocking work).
//! When both are needed they are always locked in the same order, CA first.

use std::sync::{Arc, Mutex};

use inkan_runtime::ca::Ca;
use inkan_runtime::policy::Policy;
use tokio::sync::Notify;

use crate::config::Config;
use crate::error::ApiError;
use crate::ra::{Ra, RaStore};

/// Shared by every handler and job.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    ca: Mutex<Ca>,
    ra: Mutex<Box<dyn RaStore>>,
    config: Config,
    policy: &'static dyn Policy,
    /// Wakes the jobs: a revocation wants a CRL at once, queued mail wants sending.
    wake: Notify,
}

impl AppState {
    /// Opens the CA directory and the RA tables.
    pub fn open(
        config: Config,
        lookup: &dyn Fn(&str) -> Option<&'static dyn Policy>,
    ) -> Result<Self, ApiError> {
        let ca = Ca::open(&config.dir, lookup)?;
        let policy = ca.policy();
        let ra: Box<dyn RaStore> = Box::new(Ra::open(&config.dir, policy.definition())?);
        Ok(AppState {
            inner: Arc::new(Inner {
                ca: Mutex::new(ca),
                ra: Mutex::new(ra),
                config,
                policy,
                wake: Notify::new(),
            }),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// The policy the CA enforces.
    pub fn policy(&self) -> &'static dyn Policy {
        self.inner.policy
    }

    /// Wakes the job loop.
    pub fn wake(&self) {
        self.inner.wake.notify_one();
    }

    /// Waits until woken or `timeout` passes.
    pub async fn sleep(&self, timeout: std::time::Duration) {
        let _ = tokio::time::timeout(timeout, self.inner.wake.notified()).await;
    }

    /// A custodian's share (R-6.2-M-OF-N); at the threshold the keys activate and the
    /// jobs wake at once (a CRL may be due).
    pub async fn enter_share(
        &self,
        share: String,
        actor: String,
    ) -> Result<inkan_runtime::custody::ActivationStatus, ApiError> {
        let status = self
            .with_both(move |ca, _| {
                Ok(ca.enter_share(&share, inkan_runtime::calendar::Timestamp::now(), &actor)?)
            })
            .await?;
        if status.active {
            tracing::info!("CA keys activated");
            self.wake();
        }
        Ok(status)
    }

    /// Runs blocking work on the RA store.
    pub async fn with_ra<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut dyn RaStore) -> Result<T, ApiError> + Send + 'static,
    ) -> Result<T, ApiError> {
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || {
            let mut ra = inner
                .ra
                .lock()
                .map_err(|_| ApiError::internal("RA store lock poisoned"))?;
            f(ra.as_mut())
        })
        .await
        .map_err(|e| ApiError::internal(format!("task failed: {e}")))?
    }

    /// Runs blocking work on the CA and the RA store together.
    pub async fn with_both<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Ca, &mut dyn RaStore) -> Result<T, ApiError> + Send + 'static,
    ) -> Result<T, ApiError> {
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || {
            let mut ca = inner
                .ca
                .lock()
                .map_err(|_| ApiError::internal("CA lock poisoned"))?;
            let mut ra = inner
                .ra
                .lock()
                .map_err(|_| ApiError::internal("RA store lock poisoned"))?;
            f(&mut ca, ra.as_mut())
        })
        .await
        .map_err(|e| ApiError::internal(format!("task failed: {e}")))?
    }
}
