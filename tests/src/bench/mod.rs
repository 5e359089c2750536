//! The engine benchmarks behind `cargo xtask bench`, and their smoke variant in the test
//! suite. Every figure is a ratio against a baseline measured in the same run on the
//! same machine, so the numbers stay comparable across machines and honest across
//! changes (issue 6):
//!
//! - issuance: certificates per second through `Ca::issue` (CSR parse, proof of
//!   possession, policy checks, build, pre-sign check, sign, record in SQLite with
//!   `synchronous = FULL`) over raw signatures per second with the same key and hash;
//!   software RSA for both policies and SoftHSM2 through PKCS #11. One at a time,
//!   target >= 0.90; batches on every core against raw signatures on as many threads,
//!   the two alternated in rounds so that both see the same machine, target >= 0.80
//!   (issue 16).
//! - against `openssl ca`: the same requests issued by `openssl ca -batch` with an
//!   equivalent configuration, one process per core, and by inkan; wall time.
//!   Target >= 1.0.
//! - CRL at scale: 10,000 to 1,000,000 revocations from the store to a signed DER file,
//!   against `openssl ca -gencrl` on the same entries; peak memory against the CRL's
//!   size; time per entry at the largest size against the next. Targets: >= 5x at the
//!   largest, <= 3x the size, linear.
//! - the software signer against `openssl speed`, one core (`signers.rs`).
//! - the relying party's check against `openssl verify`, and with a large CRL loaded
//!   (`relying.rs`).
//! - audit: verifying a 1,000,000-entry hash chain. Target >= 500,000 entries/s.
//! - compile: parse + check + lints of each policy. Target < 100 ms.
//!
//! The HTTP figures come from the server crate's `http` bench, which writes
//! `target/bench/http.json`; the report merges them when present.
//!
//! The files: `figure.rs` (figures, sizes, the report), `issuance.rs` (software and
//! SoftHSM2 issuance against raw signatures), `openssl.rs` (`openssl ca` beside inkan),
//! `crl.rs` (CRLs at scale); the audit chain and compile figures are here.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod crl;
mod figure;
mod issuance;
mod openssl;
mod relying;
mod signers;

use std::time::Duration;

use inkan_runtime::audit::{Entry, GENESIS, entry_hash};
use inkan_runtime::calendar::Timestamp;

use crate::{at, root};
use crl::crl_at_scale;
pub use crl::crl_memory_child;
pub use figure::{Figure, Sizes, markdown, svg, write_report};
use figure::{rate, timed};
use issuance::{hsm_issuance, issuance};
use openssl::against_openssl_ca;
pub use openssl::openssl_ca_rate;
use relying::relying_party;
use signers::signers;

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
    let (check, hashing) = timed(|| {
        let mut check = GENESIS;
        for e in &chain {
            check = e.hash_after(&check);
        }
        check
    });
    std::hint::black_box(check);
    let (report, verify) =
        timed(|| inkan_runtime::audit::verify(&chain, &[head], Some(entries), &key.public_key()));
    assert!(report.ok(), "{:?}", report.problems);
    let measured = entries as f64 / verify;
    Figure {
        name: format!("audit verify, {entries} entries"),
        measured,
        baseline_name: "hashing the same entries".into(),
        baseline: entries as f64 / hashing,
        unit: "entries/s".into(),
        ratio: hashing / verify,
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
        unit: "ms".into(),
        ratio: (1000.0 / parse) / ms,
        target: "measured < 100 ms".into(),
        met: ms < 100.0,
    }
}

/// Every engine benchmark at `sizes`; `progress` hears which one starts.
pub fn run(sizes: &Sizes, progress: &dyn Fn(&str)) -> Vec<Figure> {
    let time = sizes.seconds;
    let wanted = |group: &str| sizes.only.as_deref().is_none_or(|o| group.contains(o));
    let mut figures = Vec::new();
    if wanted("issuance") {
        progress("issuance, faithful policy (software RSA-1024)");
        figures.extend(issuance("jpcert-ssl-client", 1024, true, sizes));
        progress("issuance, 2026 policy (software RSA-2048)");
        figures.extend(issuance("jpcert-ssl-client-2026", 2048, false, sizes));
    }
    if wanted("hsm") {
        progress("issuance, 2026 policy (SoftHSM2)");
        figures.extend(hsm_issuance(time, sizes.batch.min(200)));
    }
    if wanted("openssl-ca") {
        for (id, bits) in [
            ("jpcert-ssl-client", 1024),
            ("jpcert-ssl-client-2026", 2048),
        ] {
            progress(&format!(
                "{} requests against openssl ca ({id})",
                sizes.requests
            ));
            figures.push(against_openssl_ca(id, bits, sizes));
        }
    }
    if wanted("signer") {
        progress("the software signer against openssl speed, one core");
        figures.extend(signers(sizes));
    }
    if wanted("relying-party") {
        progress("the relying party's check against openssl verify");
        figures.extend(relying_party(sizes));
    }
    if wanted("crl") {
        progress(&format!(
            "CRLs of {:?} entries against openssl ca -gencrl",
            sizes.crl
        ));
        figures.extend(crl_at_scale(sizes));
    }
    if wanted("audit") {
        progress(&format!("audit chain of {} entries", sizes.audit));
        figures.push(audit_chain(sizes.audit));
    }
    if wanted("compile") {
        for id in ["jpcert-ssl-client", "jpcert-ssl-client-2026"] {
            progress(&format!("compile {id}"));
            figures.push(compile(id, time));
        }
    }
    figures
}
