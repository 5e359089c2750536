//! The HTTP benchmark's smoke variant (issue 6): a handful of enrollments through the
//! running service under concurrent clients, all answered 201, with figures made.
//! Speed is not checked here; `cargo xtask bench` measures it.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_http_benchmark_runs_at_smoke_size() {
    let figures = common::http_figures("jpcert-ssl-client", 6, &[3]).await;
    assert_eq!(figures.len(), 4);
    for f in &figures {
        assert!(f.measured.is_finite() && f.measured > 0.0, "{f:?}");
        assert!(f.baseline.is_finite() && f.baseline > 0.0, "{f:?}");
    }
}
