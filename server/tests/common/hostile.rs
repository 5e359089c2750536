//! Hostile connections for the hardening test and benchmark (issue 15): clients that
//! connect and say nothing, clients that send their headers a byte at a time, and
//! clients that send garbage or oversized headers and reconnect; and one normal client
//! whose latency is measured meanwhile.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

/// How many connections each kind of attacker opened, over the run.
#[derive(Default)]
pub struct Opened {
    pub idle: AtomicUsize,
    pub slow: AtomicUsize,
    pub abusive: AtomicUsize,
}

/// Starts `each` attackers of each kind against `addr` (host:port); they reconnect
/// whenever the server closes them, until `stop` is set.
pub fn attack(
    addr: &str,
    each: usize,
    stop: Arc<AtomicBool>,
    opened: Arc<Opened>,
) -> Vec<tokio::task::JoinHandle<()>> {
    let mut tasks = Vec::new();
    for i in 0..each {
        for kind in 0..3 {
            let (addr, stop, opened) = (addr.to_string(), stop.clone(), opened.clone());
            tasks.push(tokio::spawn(async move {
                while !stop.load(Ordering::Relaxed) {
                    let Ok(mut s) = tokio::net::TcpStream::connect(&addr).await else {
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    };
                    match kind {
                        0 => {
                            opened.idle.fetch_add(1, Ordering::Relaxed);
                            // Says nothing; waits to be closed.
                            let mut buf = [0u8; 64];
                            let _ = tokio::time::timeout(Duration::from_secs(30), s.read(&mut buf))
                                .await;
                        }
                        1 => {
                            opened.slow.fetch_add(1, Ordering::Relaxed);
                            // A header a byte every 200 ms, never finished.
                            let line = b"GET /healthz HTTP/1.1\r\nHost: inkan\r\nX-Slow: ";
                            if s.write_all(line).await.is_err() {
                                continue;
                            }
                            while !stop.load(Ordering::Relaxed) && s.write_all(b"a").await.is_ok() {
                                tokio::time::sleep(Duration::from_millis(200)).await;
                            }
                        }
                        _ => {
                            opened.abusive.fetch_add(1, Ordering::Relaxed);
                            // Garbage, then headers past every bound, then read the answer.
                            let junk: &[u8] = if i % 2 == 0 {
                                b"\x16\x03\x01\x02\x00GARBAGE / HTTP/9.9\r\n\r\n"
                            } else {
                                b"GET /repository HTTP/1.1\r\nHost: inkan\r\n"
                            };
                            let _ = s.write_all(junk).await;
                            let big = format!("X-Big: {}\r\n", "b".repeat(8 * 1024));
                            for _ in 0..8 {
                                if s.write_all(big.as_bytes()).await.is_err() {
                                    break;
                                }
                            }
                            let _ = s.write_all(b"\r\n").await;
                            let mut buf = vec![0u8; 4096];
                            let _ = tokio::time::timeout(Duration::from_secs(5), s.read(&mut buf))
                                .await;
                        }
                    }
                }
            }));
        }
    }
    tasks
}

/// One keep-alive client's `n` GETs of `url` in a row: each latency in milliseconds,
/// sorted, and how many were not answered 200.
pub async fn normal(url: &str, n: usize) -> (Vec<f64>, usize) {
    let client = reqwest::Client::new();
    let mut latencies = Vec::with_capacity(n);
    let mut failed = 0;
    for _ in 0..n {
        let sent = Instant::now();
        let ok = match client.get(url).send().await {
            Ok(r) => r.status() == 200 && r.bytes().await.is_ok(),
            Err(_) => false,
        };
        latencies.push(sent.elapsed().as_secs_f64() * 1000.0);
        if !ok {
            failed += 1;
        }
    }
    latencies.sort_by(f64::total_cmp);
    (latencies, failed)
}

/// The latency at quantile `q` of sorted `latencies`.
pub fn quantile(latencies: &[f64], q: f64) -> f64 {
    let n = latencies.len();
    if n == 0 {
        return 0.0;
    }
    let i = ((n as f64 * q).ceil() as usize).clamp(1, n) - 1;
    latencies[i]
}

/// The benchmark: a normal client's p99 for `n` requests of the repository's CA
/// certificates while `each` attackers of each kind hold connections (the abusive ones
/// reconnecting as fast as they are refused), against (1) the same client's p99 alone
/// and (2) `loaded_p99`, the p99 of enrollments under eight normal clients measured in
/// the same run: hostile connections must cost a client no more latency than ordinary
/// load does.
pub async fn figures(each: usize, n: usize, loaded_p99: f64) -> Vec<inkan_tests::bench::Figure> {
    let h = super::start_with(|c| {
        c.header_timeout_seconds = 2;
        c.request_timeout_seconds = 5;
    })
    .await;
    let url = format!("{}/repository/ca-certs.pem", h.base);
    let addr = h.base.trim_start_matches("http://").to_string();
    let (quiet, quiet_failed) = normal(&url, n).await;
    let stop = Arc::new(AtomicBool::new(false));
    let opened = Arc::new(Opened::default());
    let attackers = attack(&addr, each, stop.clone(), opened.clone());
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (loud, loud_failed) = normal(&url, n).await;
    stop.store(true, Ordering::Relaxed);
    for a in attackers {
        a.abort();
    }
    let (p99_quiet, p99_loud) = (quantile(&quiet, 0.99), quantile(&loud, 0.99));
    let failed = quiet_failed + loud_failed;
    let total = opened.idle.load(Ordering::Relaxed)
        + opened.slow.load(Ordering::Relaxed)
        + opened.abusive.load(Ordering::Relaxed);
    use inkan_tests::bench::Figure;
    // Times: the ratio is baseline / measured (1.0 = as fast as the baseline).
    let time = |name: String, baseline_name: &str, baseline: f64| {
        let mut f = Figure::rate(name, p99_loud, baseline_name.into(), baseline).unit("ms");
        f.ratio = if p99_loud > 0.0 {
            baseline / p99_loud
        } else {
            1.0
        };
        f
    };
    let against_load = time(
        format!(
            "  p99 of a normal client among {each} idle, {each} slow, {each} abusive connections ({total} opened)"
        ),
        "enrollment p99 under 8 normal clients, same run",
        loaded_p99,
    );
    let met = failed == 0 && against_load.ratio >= 1.0;
    vec![
        against_load.target(
            "no request failed; ratio >= 1.0 (no worse than ordinary load)",
            met,
        ),
        time(
            "    the same, against the client alone".into(),
            "the same client alone, same server and run",
            p99_quiet,
        ),
    ]
}
