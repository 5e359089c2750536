//! `cargo bench -p inkan-tests --bench engine` (or `cargo xtask bench`): the engine's
//! speed, each figure a ratio against a baseline measured in the same run on the same
//! machine, so the numbers stay comparable across machines and honest across changes.
//!
//! - issuance: certificates per second through `Ca::issue` (CSR parse, proof of
//!   possession, policy checks, build, pre-sign check, sign, record in SQLite with
//!   `synchronous = FULL`) over raw signatures per second with the same key, hash and
//!   rsa crate call. Target >= 0.90.
//! - audit: verifying a 1,000,000-entry hash chain, over hashing the same entries
//!   without the checks. Target >= 500,000 entries/s.
//! - compile: parse + check + lints of each policy, over the YAML parse alone.
//!   Target < 100 ms.
//!
//! Writes `target/bench/report.md`, `target/bench/report.json` and
//! `target/bench/ratios.svg`. Set `INKAN_BENCH_SECONDS` to change the time per figure
//! (default 3).

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use inkan_runtime::audit::{Entry, GENESIS, entry_hash};
use inkan_runtime::ca::IssueRequest;
use inkan_runtime::calendar::Timestamp;
use inkan_tests::{at, fixture, fixture_ca_in, root};
use rsa::pkcs8::DecodePrivateKey as _;
use rsa::{Pkcs1v15Sign, PrivateKey};
use sha2::Digest as _;

struct Figure {
    name: String,
    measured: f64,
    baseline_name: String,
    baseline: f64,
    unit: &'static str,
    /// measured / baseline (for rates) or baseline / measured (for times).
    ratio: f64,
    target: String,
    met: bool,
}

fn seconds() -> Duration {
    let s = std::env::var("INKAN_BENCH_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3.0);
    Duration::from_secs_f64(s)
}

/// Runs `f(i)` for at least `time` and `min` iterations; returns operations per second.
fn rate(time: Duration, min: u64, mut f: impl FnMut(u64)) -> f64 {
    let start = Instant::now();
    let mut i = 0;
    while i < min || start.elapsed() < time {
        f(i);
        i += 1;
    }
    i as f64 / start.elapsed().as_secs_f64()
}

fn issuance(id: &str, bits: u32, sha1: bool, time: Duration) -> Vec<Figure> {
    let pem = String::from_utf8(fixture(&format!("ca-ssl-clients-{bits}.key.pem"))).unwrap();
    let key = PrivateKey::from_pkcs8_pem(&pem).unwrap();
    // A TBSCertificate's size, hashed and signed as the signer does.
    let tbs = vec![0x5au8; 700];
    let raw = rate(time, 50, |i| {
        let mut msg = tbs.clone();
        msg[0] = i as u8;
        let (scheme, hash) = if sha1 {
            (
                Pkcs1v15Sign::new::<sha1::Sha1>(),
                sha1::Sha1::digest(&msg).to_vec(),
            )
        } else {
            (
                Pkcs1v15Sign::new::<sha2::Sha256>(),
                sha2::Sha256::digest(&msg).to_vec(),
            )
        };
        std::hint::black_box(key.sign(scheme, &hash).unwrap());
    });
    let csr = fixture(&format!("sub1-{bits}.csr.pem"));
    let engine = |parent: &std::path::Path| {
        let now = at("2026-04-01T09:00:00Z");
        let (_tmp, mut ca) = fixture_ca_in(parent, id, now);
        rate(time, 50, |i| {
            let req = IssueRequest {
                actor: "bench",
                csr: &csr,
                profile: None,
                fields: vec![("developer".into(), i + 1), ("person".into(), 1)],
            };
            std::hint::black_box(ca.issue(&req, now).unwrap());
        })
    };
    let on_disk = engine(&std::env::temp_dir());
    let profile = inkan_tests::policy(id)
        .definition()
        .certificates
        .iter()
        .find(|p| p.name == "ssl-client")
        .unwrap();
    let request = rate(time, 50, |_| {
        std::hint::black_box(inkan_runtime::csr::check(&csr, profile).unwrap());
    });
    let mut figures = vec![Figure {
        name: format!("issuance, {id} (RSA-{bits}, software)"),
        measured: on_disk,
        baseline_name: format!("raw RSA-{bits} signatures"),
        baseline: raw,
        unit: "per s",
        ratio: on_disk / raw,
        target: "ratio >= 0.90".into(),
        met: on_disk / raw >= 0.90,
    }];
    // The profile: the same issuance with the store on a tmpfs (no fsync cost), and
    // the request check alone, both against the same raw rate.
    let shm = std::path::Path::new("/dev/shm");
    if shm.is_dir() {
        let in_memory = engine(shm);
        figures.push(Figure {
            name: format!("  same, store on tmpfs (RSA-{bits})"),
            measured: in_memory,
            baseline_name: format!("raw RSA-{bits} signatures"),
            baseline: raw,
            unit: "per s",
            ratio: in_memory / raw,
            target: "profile only".into(),
            met: true,
        });
    }
    figures.push(Figure {
        name: format!("  CSR parse + proof of possession (RSA-{bits})"),
        measured: request,
        baseline_name: format!("raw RSA-{bits} signatures"),
        baseline: raw,
        unit: "per s",
        ratio: request / raw,
        target: "profile only".into(),
        met: true,
    });
    figures
}

fn audit_chain(entries: u64) -> Figure {
    let t0 = at("2026-04-01T00:00:00Z");
    let mut chain = Vec::with_capacity(entries as usize);
    let mut prev = GENESIS;
    for seq in 1..=entries {
        let at = Timestamp::from_unix(t0.unix() + seq as i64).unwrap();
        let details = format!("{{\"serial\":\"{seq:032x}\"}}");
        let hash = entry_hash(
            seq,
            at,
            "bench",
            "certificate-issued",
            "ca-lifecycle",
            &details,
            &prev,
        );
        chain.push(Entry {
            seq,
            at,
            actor: "bench".into(),
            event: "certificate-issued".into(),
            retention: "ca-lifecycle".into(),
            details,
            prev,
            hash,
        });
        prev = hash;
    }
    let (key, _) = inkan_runtime::audit::AuditKey::generate().unwrap();
    let head = key.checkpoint(entries, prev, t0, false);
    let start = Instant::now();
    let mut check = GENESIS;
    for e in &chain {
        check = entry_hash(
            e.seq,
            e.at,
            &e.actor,
            &e.event,
            &e.retention,
            &e.details,
            &check,
        );
    }
    std::hint::black_box(check);
    let baseline = entries as f64 / start.elapsed().as_secs_f64();
    let start = Instant::now();
    let report = inkan_runtime::audit::verify(&chain, &[head], Some(entries), &key.public_key());
    let measured = entries as f64 / start.elapsed().as_secs_f64();
    assert!(report.ok(), "{:?}", report.problems);
    Figure {
        name: format!("audit verify, {entries} entries"),
        measured,
        baseline_name: "hashing the same entries".into(),
        baseline,
        unit: "entries/s",
        ratio: measured / baseline,
        target: "measured >= 500000 entries/s".into(),
        met: measured >= 500_000.0,
    }
}

fn compile(id: &str, time: Duration) -> Figure {
    let file = format!("{id}.yaml");
    let source = std::fs::read_to_string(root().join("policy").join(&file)).unwrap();
    let canonical = inkan_compiler::canonical(&source);
    let parse = rate(time, 5, |_| {
        let raw: inkan_compiler::syntax::RawPolicy = serde_saphyr::from_str(&canonical).unwrap();
        std::hint::black_box(raw);
    });
    let full = rate(time, 5, |_| {
        std::hint::black_box(inkan_compiler::compile(&file, &source).unwrap());
    });
    let ms = 1000.0 / full;
    Figure {
        name: format!("compile {id}"),
        measured: ms,
        baseline_name: "YAML parse alone".into(),
        baseline: 1000.0 / parse,
        unit: "ms",
        ratio: (1000.0 / parse) / ms,
        target: "measured < 100 ms".into(),
        met: ms < 100.0,
    }
}

fn markdown(figures: &[Figure], machine: &str) -> String {
    let mut md = String::from("# inkan benchmarks\n\n");
    let _ = writeln!(md, "{machine}\n");
    md.push_str("| figure | measured | baseline (same run) | ratio | target | met |\n|---|---|---|---|---|---|\n");
    for f in figures {
        let _ = writeln!(
            md,
            "| {} | {:.1} {} | {}: {:.1} {} | {:.3} | {} | {} |",
            f.name,
            f.measured,
            f.unit,
            f.baseline_name,
            f.baseline,
            f.unit,
            f.ratio,
            f.target,
            if f.met { "yes" } else { "**no**" }
        );
    }
    md
}

fn json(figures: &[Figure]) -> String {
    let items: Vec<String> = figures
        .iter()
        .map(|f| {
            format!(
                "  {{\"name\": {:?}, \"measured\": {:.3}, \"unit\": {:?}, \"baseline_name\": {:?}, \"baseline\": {:.3}, \"ratio\": {:.4}, \"target\": {:?}, \"met\": {}}}",
                f.name, f.measured, f.unit, f.baseline_name, f.baseline, f.ratio, f.target, f.met
            )
        })
        .collect();
    format!("[\n{}\n]\n", items.join(",\n"))
}

/// A horizontal bar per figure: its ratio against its baseline (1.0 marked).
fn svg(figures: &[Figure]) -> String {
    let (w, row, left) = (760.0, 28.0, 330.0);
    // The axis stops at 2.0 so ratios near 1 stay readable; longer bars are clipped
    // and keep their number.
    let cap = figures.iter().map(|f| f.ratio).fold(1.0, f64::max).min(2.0);
    let max = cap * 1.1;
    let scale = (w - left - 60.0) / max;
    let h = row * figures.len() as f64 + 40.0;
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" font-family=\"sans-serif\" font-size=\"12\">\n"
    );
    for (i, f) in figures.iter().enumerate() {
        let y = 10.0 + row * i as f64;
        let colour = if f.met { "#3a7" } else { "#c44" };
        let _ = writeln!(
            s,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text><rect x=\"{left}\" y=\"{}\" width=\"{:.1}\" height=\"{}\" fill=\"{colour}\"/><text x=\"{:.1}\" y=\"{}\">{:.3}</text>",
            left - 8.0,
            y + 15.0,
            f.name.replace('&', "&amp;").replace('<', "&lt;"),
            y + 4.0,
            f.ratio.min(cap) * scale,
            row - 8.0,
            left + f.ratio.min(cap) * scale + 4.0,
            y + 15.0,
            f.ratio
        );
    }
    let one = left + scale;
    let _ = writeln!(
        s,
        "<line x1=\"{one:.1}\" y1=\"4\" x2=\"{one:.1}\" y2=\"{:.1}\" stroke=\"#333\" stroke-dasharray=\"4 3\"/><text x=\"{one:.1}\" y=\"{:.1}\" text-anchor=\"middle\">1.0 = baseline</text>\n</svg>",
        h - 22.0,
        h - 8.0
    );
    s
}

fn main() {
    // `cargo test --benches` runs this with --bench absent; only measure under `cargo bench`.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let time = seconds();
    let mut figures = Vec::new();
    eprintln!("issuance, faithful policy ...");
    figures.extend(issuance("jpcert-ssl-client", 1024, true, time));
    eprintln!("issuance, 2026 policy ...");
    figures.extend(issuance("jpcert-ssl-client-2026", 2048, false, time));
    eprintln!("audit chain of 1,000,000 entries ...");
    figures.push(audit_chain(1_000_000));
    for id in ["jpcert-ssl-client", "jpcert-ssl-client-2026"] {
        eprintln!("compile {id} ...");
        figures.push(compile(id, time));
    }
    let machine = format!(
        "{} logical CPUs; one thread; software RSA (rsa crate); SQLite with synchronous = FULL; {:?} per figure.",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        time
    );
    let dir = root().join("target/bench");
    std::fs::create_dir_all(&dir).unwrap();
    let md = markdown(&figures, &machine);
    std::fs::write(dir.join("report.md"), &md).unwrap();
    std::fs::write(dir.join("report.json"), json(&figures)).unwrap();
    std::fs::write(dir.join("ratios.svg"), svg(&figures)).unwrap();
    print!("{md}");
    println!("\nwritten: {}", dir.join("report.md").display());
}
