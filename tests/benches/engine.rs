//! `cargo bench -p inkan-tests --bench engine` (or `cargo xtask bench`, which runs the
//! server's `http` bench first): runs every engine benchmark of [`inkan_tests::bench`],
//! merges the HTTP figures from `target/bench/http.json` and `http-postgres.json` when
//! present, and writes
//! `target/bench/report.md`, `report.json` and `ratios.svg`.
//!
//! `INKAN_BENCH_SECONDS` sets the time per rate figure (default 3); `INKAN_BENCH_ONLY`
//! runs only the groups whose name contains it (issuance, hsm, openssl-ca, signer,
//! relying-party, crl, audit, compile), and writes a partial report.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use inkan_tests::bench::{self, Figure, Sizes};
use inkan_tests::root;

fn main() {
    // `cargo test --benches` runs this without --bench; only measure under `cargo bench`.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    if let Some(n) = std::env::var("INKAN_BENCH_CRL_MEMORY")
        .ok()
        .and_then(|n| n.parse().ok())
    {
        bench::crl_memory_child(n);
        return;
    }
    let seconds = std::env::var("INKAN_BENCH_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3.0);
    let mut sizes = Sizes::full(seconds);
    sizes.isolate = std::env::current_exe().ok();
    sizes.only = std::env::var("INKAN_BENCH_ONLY").ok();
    let started = std::time::Instant::now();
    let mut figures = bench::run(&sizes, &|what| {
        eprintln!("[{:>5.0} s] {what} ...", started.elapsed().as_secs_f64())
    });
    let dir = root().join("target/bench");
    for file in ["http.json", "http-postgres.json"] {
        if let Ok(text) = std::fs::read_to_string(dir.join(file)) {
            let http: Vec<Figure> = serde_json::from_str(&text).unwrap();
            figures.extend(http);
        }
    }
    let machine = format!(
        "{} logical CPUs ({}); software RSA: ring (SHA-2, RSA-2048 and up) or the rsa crate (SHA-1, RSA-1024); SQLite with synchronous = FULL; {} per rate figure; OpenSSL: {}.",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        cpu_model(),
        format_args!("{seconds} s"),
        openssl_version()
    );
    let md = bench::write_report(&dir, &figures, &machine).unwrap();
    print!("{md}");
    println!("\nwritten: {}", dir.join("report.md").display());
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("model name"))
                .map(|v| v.trim_start_matches([' ', '\t', ':']).to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into())
}

fn openssl_version() -> String {
    std::process::Command::new("openssl")
        .arg("version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_else(|_| "not found".into())
}
