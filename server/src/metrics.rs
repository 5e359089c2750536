//! What an operator watches: the series `/metrics` serves in the Prometheus text format
//! (OpenMetrics), kept in one registry per server (prometheus-client), so two servers
//! in one process — the tests — never share a count.
//!
//! Two kinds of series:
//! - **events of this process**, counted as they happen: certificates issued by
//!   profile, enrollments refused by the meaning of the refusal, revocations by reason,
//!   job runs and failures by job, HTTP request durations by route. Several servers on
//!   one database each count their own (sum them);
//! - **the CA's state**, read from the store at each scrape ([`Gauges`]): the CRL's
//!   number, age and time to its nextUpdate per issuer, whether the keys are locked,
//!   records left pending between recording and signing, revocation requests past
//!   their deadline. Every server on one database reports the same values (take one).

use std::sync::Arc;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use std::time::Duration;

use inkan_runtime::ca::{BatchTimings, Ca};
use inkan_runtime::calendar::Timestamp;

use crate::ra::{Ra, RaError};

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Profile {
    profile: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Reason {
    reason: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Job {
    job: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Phase {
    phase: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Issuer {
    issuer: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Request {
    method: String,
    /// The route's template (`/api/ra/applications/{id}`), never the path asked for,
    /// so a client cannot grow the series without bound; `unmatched` for the rest.
    route: String,
    status: u16,
}

type FloatGauge = Gauge<f64, std::sync::atomic::AtomicU64>;
type FloatCounter = Counter<f64, std::sync::atomic::AtomicU64>;

/// The CA's state at one scrape, read from the store.
#[derive(Debug, Default)]
pub struct Gauges {
    /// Per CRL issuer: the newest CRL's number, seconds since its thisUpdate, seconds
    /// until its nextUpdate (negative once past).
    pub crls: Vec<(&'static str, u64, i64, i64)>,
    /// Whether the CA keys wait for their custodians' shares.
    pub locked: bool,
    /// Certificate records left pending by a process that stopped between recording
    /// and signing, not yet revoked.
    pub pending: usize,
    /// Revocation requests past their deadline (R-4.9-DEADLINE).
    pub revocations_overdue: usize,
    /// Messages in the outbox not yet delivered.
    pub mail_waiting: usize,
}

/// One server's series.
#[derive(Clone)]
pub struct Metrics {
    inner: Arc<Inner>,
}

struct Inner {
    registry: Registry,
    issued: Family<Profile, Counter>,
    refused: Family<Reason, Counter>,
    revoked: Family<Reason, Counter>,
    job_runs: Family<Job, Counter>,
    job_failures: Family<Job, Counter>,
    requests: Family<Request, Histogram>,
    batch_size: Histogram,
    worker_seconds: Family<Phase, FloatCounter>,
    crl_number: Family<Issuer, Gauge>,
    crl_age: Family<Issuer, FloatGauge>,
    crl_next_update: Family<Issuer, FloatGauge>,
    locked: Gauge,
    pending: Gauge,
    overdue: Gauge,
    mail_waiting: Gauge,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

fn request_histogram() -> Histogram {
    // 1 ms to about 16 s: enrollments under load sit in the tens of milliseconds, a
    // CRL of a million entries takes seconds.
    Histogram::new(exponential_buckets(0.001, 2.0, 15))
}

impl Metrics {
    /// Every series, registered under the `inkan_` prefix.
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("inkan");
        let issued = Family::<Profile, Counter>::default();
        let refused = Family::<Reason, Counter>::default();
        let revoked = Family::<Reason, Counter>::default();
        let job_runs = Family::<Job, Counter>::default();
        let job_failures = Family::<Job, Counter>::default();
        let requests =
            Family::<Request, Histogram>::new_with_constructor(request_histogram as fn() -> _);
        // 1 to 64: the worker takes at most 32 at once.
        let batch_size = Histogram::new(exponential_buckets(1.0, 2.0, 7));
        let worker_seconds = Family::<Phase, FloatCounter>::default();
        let crl_number = Family::<Issuer, Gauge>::default();
        let crl_age = Family::<Issuer, FloatGauge>::default();
        let crl_next_update = Family::<Issuer, FloatGauge>::default();
        let (locked, pending, overdue, mail_waiting) = Default::default();
        registry.register(
            "certificates_issued",
            "Certificates this server issued, by profile",
            issued.clone(),
        );
        registry.register(
            "enrollments_refused",
            "Enrollments this server refused or failed, by the meaning of the refusal",
            refused.clone(),
        );
        registry.register(
            "revocations",
            "Certificates this server revoked, by reason",
            revoked.clone(),
        );
        registry.register(
            "job_runs",
            "Scheduled jobs this server ran (a mail delivery attempt is one run of `mail`)",
            job_runs.clone(),
        );
        registry.register(
            "job_failures",
            "Scheduled job runs that failed, by job",
            job_failures.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "Time to answer an HTTP request, by method, route template and status",
            requests.clone(),
        );
        registry.register(
            "enrollment_batch_size",
            "Enrollments the enrollment worker took together, per batch",
            batch_size.clone(),
        );
        registry.register(
            "enrollment_worker_seconds",
            "Seconds the enrollment worker spent, by phase: `waiting` for enrollments; in a \
             batch, `prepare` (checks, names, TBSs built and checked), `record` (the pending \
             records' commit), `sign` (signing and verifying on every core), `complete` (the \
             certificates' commit), and `ra` (passwords claimed, download tokens, answers)",
            worker_seconds.clone(),
        );
        registry.register(
            "crl_number",
            "The newest CRL's number, by issuer",
            crl_number.clone(),
        );
        registry.register(
            "crl_age_seconds",
            "Seconds since the newest CRL's thisUpdate, by issuer",
            crl_age.clone(),
        );
        registry.register(
            "crl_next_update_seconds",
            "Seconds until the newest CRL's nextUpdate, by issuer; negative once it has passed",
            crl_next_update.clone(),
        );
        registry.register(
            "ca_locked",
            "1 while the CA keys wait for their custodians' shares, else 0",
            Gauge::clone(&locked),
        );
        registry.register(
            "pending_records",
            "Certificate records left pending between recording and signing, not revoked",
            Gauge::clone(&pending),
        );
        registry.register(
            "revocations_overdue",
            "Revocation requests past their deadline",
            Gauge::clone(&overdue),
        );
        registry.register(
            "mail_waiting",
            "Messages in the outbox not yet delivered",
            Gauge::clone(&mail_waiting),
        );
        Metrics {
            inner: Arc::new(Inner {
                registry,
                issued,
                refused,
                revoked,
                job_runs,
                job_failures,
                requests,
                batch_size,
                worker_seconds,
                crl_number,
                crl_age,
                crl_next_update,
                locked,
                pending,
                overdue,
                mail_waiting,
            }),
        }
    }

    /// A certificate issued under `profile`.
    pub fn issued(&self, profile: &str) {
        self.inner
            .issued
            .get_or_create(&Profile {
                profile: profile.to_string(),
            })
            .inc();
    }

    /// An enrollment refused or failed with `error`.
    pub fn refused(&self, error: &RaError) {
        let reason = refusal(error);
        self.inner.refused.get_or_create(&Reason { reason }).inc();
    }

    /// `count` certificates revoked for `reason` (a name from the policy's list).
    pub fn revoked(&self, reason: &'static str, count: usize) {
        self.inner
            .revoked
            .get_or_create(&Reason { reason })
            .inc_by(u64::try_from(count).unwrap_or(u64::MAX));
    }

    /// A run of `job`, and whether it failed.
    pub fn job(&self, job: &'static str, failed: bool) {
        self.inner.job_runs.get_or_create(&Job { job }).inc();
        if failed {
            self.inner.job_failures.get_or_create(&Job { job }).inc();
        }
    }

    /// An answered request.
    pub fn request(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let labels = Request {
            method: method.to_string(),
            route: route.to_string(),
            status,
        };
        self.inner.requests.get_or_create(&labels).observe(seconds);
    }

    /// One turn of the enrollment worker: `waited` for enrollments, then `took` to
    /// answer a batch of `size`, of which `issued` is the CA's share if it issued one.
    pub fn enrollment_batch(
        &self,
        waited: Duration,
        size: usize,
        took: Duration,
        issued: Option<BatchTimings>,
    ) {
        let i = &self.inner;
        #[allow(clippy::cast_precision_loss)] // At most 32.
        i.batch_size.observe(size as f64);
        let add = |phase, d: Duration| {
            i.worker_seconds
                .get_or_create(&Phase { phase })
                .inc_by(d.as_secs_f64());
        };
        add("waiting", waited);
        let mut ca = Duration::ZERO;
        if let Some(t) = issued {
            for (phase, d) in [
                ("prepare", t.prepare),
                ("record", t.record),
                ("sign", t.sign),
                ("complete", t.complete),
            ] {
                add(phase, d);
                ca += d;
            }
        }
        add("ra", took.saturating_sub(ca));
    }

    /// The text exposition of every series, with the CA's state as `now` read.
    pub fn render(&self, now: &Gauges) -> Result<String, std::fmt::Error> {
        let i = &self.inner;
        for &(issuer, number, age, next) in &now.crls {
            let issuer = Issuer { issuer };
            i.crl_number
                .get_or_create(&issuer)
                .set(i64::try_from(number).unwrap_or(i64::MAX));
            // Seconds as a float, which is what Prometheus stores; exact to 2^53.
            i.crl_age.get_or_create(&issuer).set(age as f64);
            i.crl_next_update.get_or_create(&issuer).set(next as f64);
        }
        i.locked.set(i64::from(now.locked));
        i.pending.set(count(now.pending));
        i.overdue.set(count(now.revocations_overdue));
        i.mail_waiting.set(count(now.mail_waiting));
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, &i.registry)?;
        Ok(out)
    }
}

/// Reads the CA's state for a scrape at `now`.
pub fn read(ca: &Ca, ra: &Ra, now: Timestamp) -> Result<Gauges, RaError> {
    let mut crls = Vec::new();
    for profile in ca.policy().definition().crls {
        if crls
            .iter()
            .any(|c: &(&str, u64, i64, i64)| c.0 == profile.issuer)
        {
            continue;
        }
        if let Some(head) = ca.store().latest_crl_head(profile.issuer)? {
            crls.push((
                profile.issuer,
                head.number,
                now.unix() - head.this_update.unix(),
                head.next_update.unix() - now.unix(),
            ));
        }
    }
    Ok(Gauges {
        crls,
        locked: ca.activation().is_some(),
        pending: ca.pending()?.iter().filter(|r| r.revoked.is_none()).count(),
        revocations_overdue: ra.overdue(now)?.len(),
        mail_waiting: ra.unsent_count()?,
    })
}

fn count(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// The label a refusal is counted under: what it means (the meanings the problem
/// documents' statuses carry), never its words, which hold serials and names.
fn refusal(e: &RaError) -> &'static str {
    use inkan_runtime::error::ErrorKind;
    match e {
        RaError::Malformed(_) => "malformed",
        RaError::Unauthenticated(_) => "unauthenticated",
        RaError::Forbidden(_) => "forbidden",
        RaError::NotFound(_) => "not-found",
        RaError::Conflict(_) => "conflict",
        RaError::Refused(_) => "refused-by-policy",
        RaError::Shared(inner) => refusal(inner),
        _ => match e.kind_below() {
            Some(ErrorKind::Invalid) => "refused-by-policy",
            Some(ErrorKind::NotFound) => "not-found",
            Some(ErrorKind::Conflict) => "conflict",
            Some(ErrorKind::Unavailable) => "unavailable",
            Some(ErrorKind::Corrupt) => "corrupt",
            _ => "internal",
        },
    }
}
