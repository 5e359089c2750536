//! The HTTP benchmark (issue 16) and the load generator it and the tests share:
//! subscribers enrolling with their one-time passwords through `POST /api/enroll`, as
//! many keep-alive clients as asked, each sending its next request when its last is
//! answered. The generator can run on a thread of its own (a single-threaded runtime),
//! so the CPU it takes is measured apart from the service's.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use inkan_runtime::ca::{Csr, IssueRequest};
use inkan_runtime::calendar::Timestamp;
use inkan_tests::bench::Figure;
use serde_json::json;

use super::{Harness, at, csr_bits, passwords, scrape, start_for};

/// What a load run saw.
pub struct Load {
    /// Enrollments answered 201.
    pub ok: usize,
    /// Anything else, with the first error seen.
    pub errors: usize,
    pub first_error: Option<String>,
    /// Wall time of the run.
    pub seconds: f64,
    /// Latency of every request, in milliseconds, sorted.
    pub latencies_ms: Vec<f64>,
    /// CPU seconds the calling thread took from the clock's start to the end: the whole
    /// generator when it runs on a thread of its own ([`load_apart`]).
    thread_cpu: f64,
}

impl Load {
    /// This run and `other` as one: counts and times added, latencies merged.
    fn and(mut self, other: Load) -> Load {
        self.ok += other.ok;
        self.errors += other.errors;
        self.first_error = self.first_error.or(other.first_error);
        self.seconds += other.seconds;
        self.thread_cpu += other.thread_cpu;
        self.latencies_ms.extend(other.latencies_ms);
        self.latencies_ms.sort_by(f64::total_cmp);
        self
    }

    /// The latency at quantile `q` (0..=1), in milliseconds.
    pub fn quantile(&self, q: f64) -> f64 {
        let n = self.latencies_ms.len();
        if n == 0 {
            return 0.0;
        }
        let i = ((n as f64 * q).ceil() as usize).clamp(1, n) - 1;
        self.latencies_ms[i]
    }
}

/// Enrolls each (password, CSR) through `POST /api/enroll` on loopback with
/// `concurrency` clients, on the caller's runtime.
pub async fn load(h: &Harness, work: Vec<(String, String)>, concurrency: usize) -> Load {
    load_url(format!("{}/api/enroll", h.base), work, concurrency).await
}

async fn load_url(url: String, work: Vec<(String, String)>, concurrency: usize) -> Load {
    let queue = Arc::new(Mutex::new(work));
    // Every client is made before the clock starts: making one loads the system's root
    // certificates (about 4 ms here, on this one thread), and the first requests of a
    // run with 64 clients waited up to 240 ms behind the others being made.
    let made: Vec<reqwest::Client> = (0..concurrency).map(|_| reqwest::Client::new()).collect();
    let (start, cpu) = (std::time::Instant::now(), thread_cpu_seconds());
    let mut clients = Vec::new();
    for c in made {
        let queue = queue.clone();
        let url = url.clone();
        clients.push(tokio::spawn(async move {
            let mut seen = Vec::new();
            loop {
                let next = queue.lock().unwrap().pop();
                let Some((password, csr)) = next else { break };
                let sent = std::time::Instant::now();
                let r = c
                    .post(&url)
                    .json(&json!({ "password": password, "csr": csr }))
                    .send()
                    .await;
                let outcome = match r {
                    Ok(r) if r.status() == 201 => {
                        r.bytes().await.map(|_| ()).map_err(|e| e.to_string())
                    }
                    Ok(r) => Err(format!(
                        "{} {}",
                        r.status(),
                        r.text().await.unwrap_or_default()
                    )),
                    Err(e) => Err(e.to_string()),
                };
                seen.push((sent.elapsed().as_secs_f64() * 1000.0, outcome));
            }
            seen
        }));
    }
    let mut load = Load {
        ok: 0,
        errors: 0,
        first_error: None,
        seconds: 0.0,
        latencies_ms: Vec::new(),
        thread_cpu: 0.0,
    };
    for c in clients {
        for (ms, outcome) in c.await.unwrap() {
            load.latencies_ms.push(ms);
            match outcome {
                Ok(()) => load.ok += 1,
                Err(e) => {
                    load.errors += 1;
                    load.first_error.get_or_insert(e);
                }
            }
        }
    }
    load.seconds = start.elapsed().as_secs_f64();
    load.thread_cpu = thread_cpu_seconds() - cpu;
    load.latencies_ms.sort_by(f64::total_cmp);
    load
}

/// CPU time this thread has had, in seconds (Linux's per-thread schedstat).
fn thread_cpu_seconds() -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<f64>().ok())
        .map_or(0.0, |ns| ns / 1e9)
}

/// [`load`] on a thread and single-threaded runtime of its own, so that the load's
/// `thread_cpu` is the whole generator's (HTTP, JSON, the clients' tasks; not the
/// making of the clients, before the clock).
async fn load_apart(h: &Harness, work: Vec<(String, String)>, concurrency: usize) -> Load {
    let url = format!("{}/api/enroll", h.base);
    let (tx, rx) = tokio::sync::oneshot::channel();
    let generator = std::thread::Builder::new().name("load-generator".into());
    generator
        .spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            let _ = tx.send(runtime.block_on(load_url(url, work, concurrency)));
        })
        .unwrap();
    rx.await.unwrap()
}

/// With `INKAN_BENCH_PERF` naming a directory: `perf record` attached to this process
/// (sampling every thread at 999 Hz with DWARF call stacks) into `<dir>/<name>.perf.data`,
/// for the flame graph of the service under load in `docs/performance.md`.
fn perf_record(name: &str) -> Option<std::process::Child> {
    let dir = std::path::PathBuf::from(std::env::var_os("INKAN_BENCH_PERF")?);
    std::fs::create_dir_all(&dir).unwrap();
    let child = std::process::Command::new("perf")
        .args(["record", "-F", "999", "--call-graph", "dwarf,16384", "-p"])
        .arg(std::process::id().to_string())
        .arg("-o")
        .arg(dir.join(format!("{name}.perf.data")))
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("perf runs (apt-get install linux-perf)");
    // perf needs a moment to attach to every thread.
    std::thread::sleep(std::time::Duration::from_millis(500));
    Some(child)
}

/// Stops a [`perf_record`] and waits for it to write its file.
fn perf_stop(profiler: Option<std::process::Child>) {
    if let Some(mut child) = profiler {
        let _ = std::process::Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status();
        let _ = child.wait();
    }
}

/// Rounds in which the HTTP figure alternates its `openssl ca` baseline with the load.
const ROUNDS: usize = 3;

/// The engine's batch rate: `n` requests through `Ca::issue_many` in batches of 1,000,
/// same policy, keys, requests and store as the service.
fn engine_batches(id: &str, csrs: &[String], n: usize) -> f64 {
    let now = Timestamp::now();
    let (_tmp, mut ca) = inkan_tests::fixture_ca_in(&std::env::temp_dir(), id, now);
    let requests: Vec<IssueRequest<'_>> = (0..n)
        .map(|i| IssueRequest {
            actor: "bench",
            csr: Csr::Encoded(csrs[i % 3].as_bytes()),
            profile: None,
            // 26 name letters per person and year: a hundred people per developer.
            fields: vec![
                ("developer".into(), 800_000 + i as u64 / 100),
                ("person".into(), 1 + i as u64 % 100),
            ],
        })
        .collect();
    let start = std::time::Instant::now();
    for chunk in requests.chunks(1000) {
        for r in ca.issue_many(chunk, now).unwrap() {
            r.unwrap();
        }
    }
    n as f64 / start.elapsed().as_secs_f64()
}

/// The HTTP benchmark (issue 16): `n` enrollments through `inkan serve` under policy
/// `id`, once for each number of concurrent `clients` on loopback (a fresh service
/// each time), against `openssl ca` issuing the same number of the same requests with
/// one process per core (the two alternated in [`ROUNDS`] rounds of a third of the
/// requests), and against the engine's batch rate on the same store.
/// Target: >= 2.0x `openssl ca`, p99 < 50 ms, no errors. The store is the test store:
/// PostgreSQL when `INKAN_TEST_POSTGRES` names one, else SQLite.
pub async fn http_figures(id: &str, n: usize, clients: &[usize]) -> Vec<Figure> {
    let bits = if id.ends_with("2026") { 2048 } else { 1024 };
    let store = if inkan_tests::test_store().is_some() {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    let csrs: Vec<String> = (1..=3).map(|k| csr_bits(k, bits)).collect();
    let engine = {
        let (id, csrs) = (id.to_string(), csrs.clone());
        tokio::task::spawn_blocking(move || engine_batches(&id, &csrs, n))
            .await
            .unwrap()
    };
    let mut figures = Vec::new();
    for &concurrency in clients {
        let h = start_for(id, |_| {}).await;
        let mut work: Vec<(String, String)> = passwords(&h, n, 100)
            .await
            .into_iter()
            .enumerate()
            .map(|(i, p)| (p, csrs[i % 3].clone()))
            .collect();
        let before = scrape(&h).await;
        let profiler = perf_record(&format!("{id}-{concurrency}-clients"));
        // `openssl ca` and the service in alternated rounds, a third of the requests
        // each: this machine's speed drifts (other tenants), and one baseline run before
        // all the load runs could see another machine than they did (it moved by up to
        // 2.7x between two runs minutes apart). The idle service costs nothing meanwhile.
        let (mut load, mut openssl) = (None::<Load>, 0.0);
        for round in 0..ROUNDS {
            let part =
                work.split_off(work.len() - n / ROUNDS - usize::from(round == 0) * (n % ROUNDS));
            let count = part.len();
            let id = id.to_string();
            openssl += tokio::task::spawn_blocking(move || {
                inkan_tests::bench::openssl_ca_rate(&id, bits, count)
            })
            .await
            .unwrap()
                / ROUNDS as f64;
            let this = load_apart(&h, part, concurrency).await;
            load = Some(match load {
                Some(so_far) => so_far.and(this),
                None => this,
            });
        }
        let load = load.expect("at least one round");
        perf_stop(profiler);
        let after = scrape(&h).await;
        assert_eq!(load.errors, 0, "{:?}", load.first_error);
        let rate = load.ok as f64 / load.seconds;
        let (p50, p99) = (load.quantile(0.50), load.quantile(0.99));
        let met = rate / openssl >= 2.0 && p99 < 50.0 && load.errors == 0;
        figures.extend([
            Figure::rate(
                format!(
                    "HTTP enrollments, {id} (RSA-{bits}, {store}), {n} with {concurrency} clients"
                ),
                rate,
                format!(
                    "openssl ca -batch, same {n} requests, {cores} processes, in alternated rounds"
                ),
                openssl,
            )
            .target("ratio >= 2.0, p99 < 50 ms, no errors", met),
            Figure::rate(
                "  against the engine's batches".into(),
                rate,
                "Ca::issue_many, batches of 1000, same store".into(),
                engine,
            ),
            Figure::rate(
                format!("  latency p99 (p50 {p50:.1} ms)"),
                p99,
                "p50".into(),
                p50,
            )
            .unit("ms")
            .target("p99 < 50 ms", p99 < 50.0),
            Figure::rate(
                "  load generator's CPU (its own thread)".into(),
                load.thread_cpu / load.seconds * 100.0,
                "one core".into(),
                100.0,
            )
            .unit("% of a core"),
        ]);
        figures.extend(worker_figures(&before, &after, load.seconds, concurrency));
    }
    figures
}

/// Where the enrollment worker's time went in a load run, from its `/metrics` series
/// read before and after: the mean batch against the clients that could fill it, each
/// phase of its batches as a share of the run's wall time (`sign` is the only one that
/// uses every core; `ra` includes waiting for the CA's and the RA's locks), and the
/// rest. The worker is one thread taking one batch at a time, so that rest is the wall
/// time less its phases: waiting for work (the HTTP side not keeping it fed, the
/// thread not yet scheduled when work came, the run's first and last requests) and a
/// few microseconds of bookkeeping a batch. Its own `waiting` series is not used, as
/// the first wait of a run began before the run did.
fn worker_figures(
    before: &BTreeMap<String, f64>,
    after: &BTreeMap<String, f64>,
    seconds: f64,
    clients: usize,
) -> Vec<Figure> {
    let delta = |series: &str| {
        // A series renamed in the service would otherwise read as 0% here, and its
        // time as waiting.
        assert!(after.contains_key(series), "no {series} in the scrape");
        at(after, series) - at(before, series)
    };
    let batches = delta("inkan_enrollment_batch_size_count");
    let mean = if batches > 0.0 {
        delta("inkan_enrollment_batch_size_sum") / batches
    } else {
        0.0
    };
    let share = |name: String, spent: f64| {
        Figure::rate(
            name,
            spent / seconds * 100.0,
            "the run's wall time".into(),
            100.0,
        )
        .unit("% of wall time")
    };
    let mut figures = vec![
        Figure::rate(
            format!("  the worker's mean batch ({batches:.0} batches)"),
            mean,
            "clients".into(),
            clients as f64,
        )
        .unit("enrollments"),
    ];
    let mut busy = 0.0;
    for phase in ["prepare", "record", "sign", "complete", "ra"] {
        let spent = delta(&format!(
            "inkan_enrollment_worker_seconds_total{{phase=\"{phase}\"}}"
        ));
        busy += spent;
        figures.push(share(format!("  worker: {phase}"), spent));
    }
    // One thread's phases cannot outlast the run (a little rounding aside): if they
    // do, the measurement is wrong, not the rest negative.
    assert!(
        busy <= seconds * 1.01,
        "the worker's phases ({busy:.3} s) outlast the run ({seconds:.3} s)"
    );
    figures.push(share(
        "  worker: waiting for work (wall time less its phases)".into(),
        (seconds - busy).max(0.0),
    ));
    figures.push(server_p99(before, after));
    figures
}

/// The service's own p99 for the run's enrollments, from its request-duration
/// histogram (from the request's arrival to its answer, without the client and the
/// loopback): the upper bound of the bucket that holds it, powers of two from 1 ms.
fn server_p99(before: &BTreeMap<String, f64>, after: &BTreeMap<String, f64>) -> Figure {
    let mut buckets: Vec<(f64, f64)> = after
        .iter()
        .filter(|(k, _)| {
            k.starts_with("inkan_http_request_duration_seconds_bucket{")
                && k.contains("route=\"/api/enroll\"")
                && k.contains("status=\"201\"")
        })
        .filter_map(|(k, v)| {
            // `+Inf` included: Rust's float parser reads it.
            let le: f64 = k.split("le=\"").nth(1)?.split('"').next()?.parse().ok()?;
            Some((le, v - at(before, k)))
        })
        .collect();
    buckets.sort_by(|a, b| a.0.total_cmp(&b.0));
    let total = buckets.last().map_or(0.0, |b| b.1);
    // No enrollment in the histogram is no figure (NaN), not the first bucket.
    let p99 = buckets
        .iter()
        .find(|(_, count)| total > 0.0 && *count >= 0.99 * total)
        .map_or(f64::NAN, |b| b.0 * 1000.0);
    Figure::rate(
        "  the service's own p99 (its histogram's bucket, arrival to answer)".into(),
        p99,
        "50 ms".into(),
        50.0,
    )
    .unit("ms at most")
}
