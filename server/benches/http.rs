//! `cargo bench -p inkan-server --bench http` (run by `cargo xtask bench` before the
//! engine benches): enrollments per second through the running service, with p50/p99
//! latency, against the engine's own rate; a normal client's p99 among 300 hostile
//! connections against its p99 alone (issue 15); writes `target/bench/http.json`, which the
//! engine bench merges into the report. `INKAN_BENCH_HTTP_REQUESTS` sets the count
//! (default 2000).

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
    eprintln!("{n} enrollments over HTTP ...");
    let mut figures = runtime.block_on(common::http_figures(n, 8));
    eprintln!("a normal client among hostile connections ...");
    let loaded_p99 = figures[1].measured;
    figures.extend(runtime.block_on(common::hostile::figures(100, 2000, loaded_p99)));
    let dir = inkan_tests::root().join("target/bench");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("http.json"),
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
