//! The server's shared state: the CA and the RA's records, each behind a mutex,
//! reached from async handlers through `spawn_blocking` (database calls and RSA block).
//! When both are needed they are always locked in the same order, CA first.
//!
//! Enrollments are checked on blocking threads as they arrive, then go through one
//! worker thread that takes every enrollment waiting when it is free and issues them
//! as one batch ([`crate::ra::enrollment::enroll_batch`]):
//! concurrent subscribers share the batch's disk syncs and its signing threads (group
//! commit).

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, Weak};
use std::time::Instant;

use inkan_runtime::ca::Ca;
use inkan_runtime::calendar::Timestamp;
use inkan_runtime::custody::ActivationStatus;
use inkan_runtime::policy::Policy;
use tokio::sync::Notify;

use crate::config::Config;
use crate::metrics::Metrics;
use crate::ra::enrollment::{Enrolled, Enrollment, enroll_batch};
use crate::ra::{Ra, RaError};

/// Shared by every handler and job.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    ca: Mutex<Ca>,
    ra: Mutex<Ra>,
    config: Config,
    policy: &'static dyn Policy,
    /// Wakes the jobs: a revocation wants a CRL at once, queued mail wants sending.
    wake: Notify,
    /// Enrollments waiting for the batch worker.
    enrollments: Mutex<mpsc::Sender<EnrollJob>>,
    /// The time set by [`AppState::set_clock`], as Unix seconds; [`REAL_CLOCK`] for
    /// the system's.
    clock: AtomicI64,
    /// Why the CA keys are software keys where the policy wants an HSM, if they are.
    custody_waiver: Option<String>,
    /// This server's series (`/metrics`).
    metrics: Metrics,
    /// The profile enrollments issue under, as the metrics name it.
    enrollment_profile: &'static str,
}

/// [`Inner::clock`] when no time was set.
const REAL_CLOCK: i64 = i64::MIN;

impl Inner {
    fn now(&self) -> Timestamp {
        match self.clock.load(Ordering::Relaxed) {
            REAL_CLOCK => Timestamp::now(),
            t => Timestamp::from_unix(t).unwrap_or_else(Timestamp::now),
        }
    }
}

/// The most enrollments one batch takes.
const MAX_BATCH: usize = 32;

/// An enrollment waiting for the batch worker, and where its answer goes.
struct EnrollJob {
    enrollment: Enrollment,
    reply: tokio::sync::oneshot::Sender<Result<Enrolled, RaError>>,
}

/// Takes every waiting enrollment, issues them as one batch, answers each; ends when
/// the state is dropped.
fn enrollment_worker(state: Weak<Inner>, jobs: mpsc::Receiver<EnrollJob>) {
    loop {
        let waiting = Instant::now();
        let Ok(first) = jobs.recv() else {
            return;
        };
        let waited = waiting.elapsed();
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match jobs.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let Some(inner) = state.upgrade() else {
            return;
        };
        let (enrollments, replies): (Vec<Enrollment>, Vec<_>) =
            batch.into_iter().map(|j| (j.enrollment, j.reply)).unzip();
        let started = Instant::now();
        let (answers, issued) = match (inner.ca.lock(), inner.ra.lock()) {
            (Ok(mut ca), Ok(mut ra)) => {
                let answers = enroll_batch(&mut ca, &mut ra, &enrollments, inner.now());
                (answers, ca.take_last_batch())
            }
            _ => (
                enrollments
                    .iter()
                    .map(|_| Err(RaError::internal("CA lock poisoned")))
                    .collect(),
                None,
            ),
        };
        // Counted before anyone is answered, so that a scrape made after the last
        // answer (the benchmark's) sees every batch.
        inner
            .metrics
            .enrollment_batch(waited, enrollments.len(), started.elapsed(), issued);
        for (reply, answer) in replies.into_iter().zip(answers) {
            let _ = reply.send(answer);
        }
    }
}

impl AppState {
    /// Opens the CA directory and the RA's records.
    pub fn open(
        config: Config,
        lookup: &dyn Fn(&str) -> Option<&'static dyn Policy>,
    ) -> Result<Self, RaError> {
        crate::i18n::ready()?;
        let ca = Ca::open(&config.dir, lookup)?;
        tracing::info!(
            store = %inkan_runtime::ca::store_location(&config.dir)?,
            "opened the CA's store"
        );
        let pending: Vec<String> = ca
            .pending()?
            .into_iter()
            .filter(|r| r.revoked.is_none())
            .map(|r| r.serial)
            .collect();
        if !pending.is_empty() {
            tracing::warn!(
                count = pending.len(),
                serials = pending.join(" "),
                "records left pending by a process that stopped between recording and signing: revoke each (inkan pending, inkan revoke)"
            );
        }
        let policy = ca.policy();
        let custody_waiver = ca.custody_waiver().map(String::from);
        let ra = Ra::open(&config.dir, policy.definition())?;
        let enrollment_profile = crate::ra::enrollment::subscriber_profile(&ca)?.name;
        let (sender, jobs) = mpsc::channel();
        let inner = Arc::new(Inner {
            ca: Mutex::new(ca),
            ra: Mutex::new(ra),
            config,
            policy,
            wake: Notify::new(),
            enrollments: Mutex::new(sender),
            clock: AtomicI64::new(REAL_CLOCK),
            custody_waiver,
            metrics: Metrics::new(),
            enrollment_profile,
        });
        let state = Arc::downgrade(&inner);
        std::thread::Builder::new()
            .name("inkan-enroll".into())
            .spawn(move || enrollment_worker(state, jobs))
            .map_err(|e| RaError::internal(format!("starting the enrollment worker: {e}")))?;
        Ok(AppState { inner })
    }

    /// Queues an enrollment for the next batch and waits for its answer, and counts it
    /// as issued or refused.
    pub async fn enroll(&self, password: String, csr: String) -> Result<Enrolled, RaError> {
        let answer = self.enroll_uncounted(password, csr).await;
        match &answer {
            Ok(_) => self.inner.metrics.issued(self.inner.enrollment_profile),
            Err(e) => self.inner.metrics.refused(e),
        }
        answer
    }

    async fn enroll_uncounted(&self, password: String, csr: String) -> Result<Enrolled, RaError> {
        // The request's checks (an RSA verification) run here, on a blocking thread of
        // their own, so the one worker spends its time only on what must be serial.
        let policy = self.inner.policy;
        let enrollment =
            tokio::task::spawn_blocking(move || Enrollment::checked(policy, password, csr))
                .await
                .map_err(|e| RaError::internal(format!("the request's check stopped: {e}")))??;
        let (reply, answer) = tokio::sync::oneshot::channel();
        self.inner
            .enrollments
            .lock()
            .map_err(|_| RaError::internal("enrollment queue poisoned"))?
            .send(EnrollJob { enrollment, reply })
            .map_err(|_| RaError::internal("the enrollment worker has stopped"))?;
        answer
            .await
            .map_err(|_| RaError::internal("the enrollment worker dropped the request"))?
    }

    /// The time the service acts at: the system's, or the one set by
    /// [`set_clock`](Self::set_clock).
    pub fn now(&self) -> Timestamp {
        self.inner.now()
    }

    /// Makes the service act at `t` from now on: for tests and dry runs of deadlines,
    /// and only on a CA directory made with `--allow-clock-override` (the CA refuses
    /// any other, as it refuses the CLI's `--now`).
    pub async fn set_clock(&self, t: Timestamp) -> Result<(), RaError> {
        self.with_both(move |ca, _| Ok::<_, RaError>(ca.now(Some(t))?))
            .await?;
        self.inner.clock.store(t.unix(), Ordering::Relaxed);
        Ok(())
    }

    /// Why the CA keys are software keys where the policy wants them in an HSM
    /// (R-6.2-HSM), as recorded when the CA was made; `None` when they are where the
    /// policy says.
    pub fn custody_waiver(&self) -> Option<&str> {
        self.inner.custody_waiver.as_deref()
    }

    /// This server's series.
    pub fn metrics(&self) -> &Metrics {
        &self.inner.metrics
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
    ) -> Result<ActivationStatus, RaError> {
        let now = self.now();
        let status = self
            .with_both(move |ca, _| Ok::<_, RaError>(ca.enter_share(&share, now, &actor)?))
            .await?;
        if status.active {
            tracing::info!("CA keys activated");
            self.wake();
        }
        Ok(status)
    }

    /// Runs blocking work on the RA's records. `E` is the caller's error type: the RA's
    /// own, or one it converts into (a handler's problem document).
    pub async fn with_ra<T, E>(
        &self,
        f: impl FnOnce(&mut Ra) -> Result<T, E> + Send + 'static,
    ) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<RaError> + Send + 'static,
    {
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || {
            let mut ra = inner
                .ra
                .lock()
                .map_err(|_| RaError::internal("RA store lock poisoned"))?;
            f(&mut ra)
        })
        .await
        .map_err(|e| RaError::internal(format!("task failed: {e}")))?
    }

    /// Runs blocking work on the CA and the RA's records together (CA locked first).
    pub async fn with_both<T, E>(
        &self,
        f: impl FnOnce(&mut Ca, &mut Ra) -> Result<T, E> + Send + 'static,
    ) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<RaError> + Send + 'static,
    {
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || {
            let mut ca = inner
                .ca
                .lock()
                .map_err(|_| RaError::internal("CA lock poisoned"))?;
            let mut ra = inner
                .ra
                .lock()
                .map_err(|_| RaError::internal("RA store lock poisoned"))?;
            f(&mut ca, &mut ra)
        })
        .await
        .map_err(|e| RaError::internal(format!("task failed: {e}")))?
    }
}
