//! Idle, slow and abusive connections held against the service (issue 15): clients
//! that say nothing, send their headers a byte at a time, or send garbage and headers
//! past every bound, reconnecting whenever they are cut off. Meanwhile a normal
//! client's every request is answered, and the idle and slow ones are cut off and come
//! back (the server closes them; they do not pile up). How much they cost the normal
//! client's latency is a benchmark (`cargo xtask bench`), not checked here.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use common::hostile::{Opened, attack, normal};
use common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_normal_client_is_served_while_hostile_connections_come_and_go() {
    let h = start_with(|c| {
        c.header_timeout_seconds = 1;
        c.request_timeout_seconds = 2;
        c.max_connections = 200;
    })
    .await;
    let addr = h.base.trim_start_matches("http://").to_string();
    let stop = Arc::new(AtomicBool::new(false));
    let opened = Arc::new(Opened::default());
    let each = 40;
    let attackers = attack(&addr, each, stop.clone(), opened.clone());
    tokio::time::sleep(Duration::from_millis(300)).await;
    let url = format!("{}/repository/ca-certs.pem", h.base);
    let mut failed = 0;
    let mut served = 0;
    let started = std::time::Instant::now();
    // Long enough for the header timeout to cut the idle and slow ones off twice.
    while started.elapsed() < Duration::from_millis(2600) {
        let (latencies, f) = normal(&url, 20).await;
        served += latencies.len() - f;
        failed += f;
    }
    stop.store(true, Ordering::Relaxed);
    for a in attackers {
        a.abort();
    }
    assert_eq!(failed, 0, "{served} served");
    assert!(served >= 20);
    // Cut off and reconnected: more connections than attackers.
    let idle = opened.idle.load(Ordering::Relaxed);
    let slow = opened.slow.load(Ordering::Relaxed);
    assert!(idle > each && slow > each, "idle {idle}, slow {slow}");
    assert!(opened.abusive.load(Ordering::Relaxed) >= each);
}
