//! The HTTP benchmark's smoke variant (issue 6): a handful of enrollments through the
//! running service under concurrent clients, all answered 201, with figures made.
//! Speed is not checked here; `cargo xtask bench` measures it.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_http_benchmark_runs_at_smoke_size() {
    let figures = common::http_figures("jpcert-ssl-client", 6, &[3]).await;
    // Rate, engine, latency, the generator's CPU; the worker's mean batch, its five
    // phases and its time waiting for work; the service's own p99.
    assert_eq!(figures.len(), 12, "{figures:#?}");
    for f in &figures {
        assert!(f.measured.is_finite() && f.measured >= 0.0, "{f:?}");
        assert!(f.baseline.is_finite() && f.baseline > 0.0, "{f:?}");
    }
    for f in figures.iter().take(5) {
        assert!(f.measured > 0.0, "{f:?}");
    }
    // The six enrollments went through the worker's batches and were signed there:
    // the phases are read from the service's metrics, not left at zero.
    let sign = figures.iter().find(|f| f.name.ends_with("worker: sign"));
    assert!(sign.is_some_and(|f| f.measured > 0.0), "{figures:#?}");
    // The six answers are in the service's histogram: its p99 is a bucket's bound,
    // not the infinity of an empty histogram.
    let own = figures
        .iter()
        .find(|f| f.name.contains("the service's own p99"));
    assert!(
        own.is_some_and(|f| f.measured.is_finite() && f.measured >= 1.0),
        "{figures:#?}"
    );
}
