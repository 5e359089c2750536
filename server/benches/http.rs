//! `cargo bench -p inkan-server --bench http` (run by `cargo xtask bench` before the
//! engine benches): enrollments per second through the running service for both shipped
//! policies with 8 and with 64 clients, with p50/p99 latency and the load generator's
//! CPU, against `openssl ca` on every core and the engine's batch rate; a normal
//! client's p99 among 300 hostile connections against its p99 alone (issue 15). Writes
//! `target/bench/http.json` (SQLite) or `http-postgres.json` (when `INKAN_TEST_POSTGRES`
//! names a server), which the engine bench merges into the report.
//! `INKAN_BENCH_HTTP_REQUESTS` sets the count per run (default 2000);
//! `INKAN_BENCH_HTTP_ONLY=<policy>:<clients>` runs one case, and `INKAN_BENCH_PERF=<dir>`
//! records it with `perf` (see `docs/performance.md`).

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

#[path = "../tests/common/mod.rs"]
mod common;

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let n = std::env::var("INKAN_BENCH_HTTP_REQUESTS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2000);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let postgres = inkan_tests::test_store().is_some();
    let mut figures = Vec::new();
    // `INKAN_BENCH_HTTP_ONLY=<policy>:<clients>` runs one case (to profile it).
    let only = std::env::var("INKAN_BENCH_HTTP_ONLY").ok();
    let only = only.as_deref().and_then(|o| o.split_once(':'));
    for id in ["jpcert-ssl-client", "jpcert-ssl-client-2026"] {
        let clients: Vec<usize> = match only {
            Some((policy, _)) if policy != id => continue,
            Some((_, c)) => vec![c.parse().unwrap()],
            None => vec![8, 64],
        };
        eprintln!("{n} enrollments over HTTP, {id}, {clients:?} clients ...");
        figures.extend(runtime.block_on(common::http_figures(id, n, &clients)));
    }
    if !postgres && only.is_none() {
        eprintln!("a normal client among hostile connections ...");
        let loaded_p99 = figures
            .iter()
            .find(|f| f.name.contains("latency p99"))
            .unwrap()
            .measured;
        figures.extend(runtime.block_on(common::hostile::figures(100, 2000, loaded_p99)));
    }
    let dir = inkan_tests::root().join("target/bench");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join(if postgres {
            "http-postgres.json"
        } else {
            "http.json"
        }),
        serde_json::to_string_pretty(&figures).unwrap() + "\n",
    )
    .unwrap();
    for f in &figures {
        println!(
            "{}: {:.3} {} (ratio {:.3})",
            f.name, f.measured, f.unit, f.ratio
        );
    }
}
