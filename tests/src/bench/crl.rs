//! CRLs at scale: revocations filled into the store, a signed CRL written, against
//! `openssl ca -gencrl` on the same entries; peak memory measured in a process of its
//! own.

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

use inkan_runtime::ca::Ca;
use inkan_runtime::calendar::Timestamp;

use crate::{at, fixture_ca_in};

use super::figure::*;
use super::openssl::{openssl, openssl_ca_dir};

/// Peak resident memory (VmHWM) and current (VmRSS), in bytes.
pub(super) fn memory() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .map_or(0, |kb| kb * 1024)
    };
    (field("VmHWM:"), field("VmRSS:"))
}

/// The i-th benchmark serial: 16 octets, positive, distinct for every i.
pub(super) fn serial(i: u64) -> u128 {
    let mixed = u128::from(i).wrapping_mul(0x9E37_79B9_7F4A_7C15_F39C_C060_5CED_C835);
    (mixed & ((1u128 << 126) - 1)) | (1u128 << 126)
}

/// Adds `n` revoked certificates straight to the store, as years of revocations would.
fn fill_revoked(db: &Path, issuer: &str, n: usize, revoked_at: Timestamp, expires: Timestamp) {
    let mut conn = rusqlite::Connection::open(db).unwrap();
    let tx = conn.transaction().unwrap();
    {
        let mut insert = tx
            .prepare("INSERT INTO certificates (serial, profile, issuer, subject, not_before, not_after, tbs, der, status, created_at, revoked_at, reason, reason_code) VALUES (?1, 'ssl-client', ?2, 'bench', ?3, ?4, x'00', x'00', 'issued', ?3, ?5, ?6, ?7)")
            .unwrap();
        for i in 0..n {
            let (reason, code) = if i % 3 == 0 {
                ("key-compromise", 1)
            } else {
                ("cessation-of-use", 5)
            };
            insert
                .execute(rusqlite::params![
                    format!("{:032x}", serial(i as u64)),
                    issuer,
                    revoked_at.unix() - 86_400,
                    expires.unix(),
                    revoked_at.unix(),
                    reason,
                    code
                ])
                .unwrap();
        }
    }
    tx.commit().unwrap();
}

/// The same revocations as `openssl ca`'s index.txt.
fn index_txt(n: usize, revoked_at: &str, expires: &str) -> String {
    let mut s = String::with_capacity(n * 80);
    for i in 0..n {
        let reason = if i % 3 == 0 {
            "keyCompromise"
        } else {
            "cessationOfOperation"
        };
        let _ = writeln!(
            s,
            "R\t{expires}\t{revoked_at},{reason}\t{:032X}\tunknown\t/CN=bench",
            serial(i as u64)
        );
    }
    s
}

/// A CA under the faithful policy with `n` revocations in its store, and an `openssl ca`
/// directory with the same revocations in its index.
pub(super) fn crl_fixture(
    parent: &Path,
    n: usize,
    with_openssl: bool,
) -> (tempfile::TempDir, Ca, std::path::PathBuf) {
    let now = at("2026-04-01T09:00:00Z");
    let (ca_tmp, ca) = fixture_ca_in(parent, "jpcert-ssl-client", now);
    let work = parent.join("openssl");
    if with_openssl {
        openssl_ca_dir(&ca, "jpcert-ssl-client", 1024, &work);
        std::fs::write(
            work.join("index.txt"),
            index_txt(n, "260401090000Z", "270430235959Z"),
        )
        .unwrap();
    }
    fill_revoked(
        &ca_tmp.path().join("ca/ca.sqlite"),
        "ssl-clients",
        n,
        now,
        at("2027-04-30T23:59:59Z"),
    );
    (ca_tmp, ca, work)
}

/// Growth of peak resident memory while `ca` makes its CRL at `when` and writes it to
/// `out`, and the CRL's size; `None` where the peak cannot be reset.
fn crl_peak(ca: &mut Ca, out: &Path, when: &str) -> (Option<u64>, usize) {
    let reset = std::fs::write("/proc/self/clear_refs", "5").is_ok();
    let (_, before) = memory();
    let published = ca.crl(None, at(when), "bench").unwrap();
    std::fs::write(out, &published.der).unwrap();
    let (peak, _) = memory();
    (
        reset.then(|| peak.saturating_sub(before)),
        published.der.len(),
    )
}

const DAY_ONE: &str = "2026-04-01T09:00:00Z";
const DAY_TWO: &str = "2026-04-02T09:00:00Z";

/// In a fresh process (`INKAN_BENCH_CRL_MEMORY=<entries>`): prints the peak memory
/// growth of the second CRL of that many entries (the steady state: the previous CRL
/// is read for the continuity check) and the CRL's size.
pub fn crl_memory_child(n: usize) {
    let tmp = tempfile::tempdir().unwrap();
    let (_ca_tmp, mut ca, _) = crl_fixture(tmp.path(), n, false);
    crl_peak(&mut ca, &tmp.path().join("crl.der"), DAY_ONE);
    let (growth, size) = crl_peak(&mut ca, &tmp.path().join("crl2.der"), DAY_TWO);
    println!("{} {size}", growth.map_or(-1, |g| g as i64));
}

/// [`crl_memory_child`] run by `exe`.
fn crl_memory_isolated(exe: &Path, n: usize) -> Option<u64> {
    let out = Command::new(exe)
        .arg("--bench")
        .env("INKAN_BENCH_CRL_MEMORY", n.to_string())
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    text.split_whitespace().next()?.parse::<u64>().ok()
}

struct CrlRun {
    entries: usize,
    /// The store's revocations read, nothing done with them.
    read: f64,
    /// The same revocations encoded and checked, from memory.
    encode: f64,
    inkan: f64,
    next: f64,
    openssl: f64,
    size: usize,
    growth: Option<u64>,
}

fn crl_run(n: usize, isolate: Option<&Path>) -> CrlRun {
    let tmp = tempfile::tempdir().unwrap();
    let (_ca_tmp, mut ca, work) = crl_fixture(tmp.path(), n, true);
    // From the store to a signed DER file.
    let ((_, size), inkan) = timed(|| crl_peak(&mut ca, &tmp.path().join("crl.der"), DAY_ONE));
    // The next day's CRL is checked against this one (R-7.2-CRL continuity).
    let ((growth, _), next) = timed(|| crl_peak(&mut ca, &tmp.path().join("crl2.der"), DAY_TWO));
    let growth = match isolate {
        Some(exe) => crl_memory_isolated(exe, n),
        None => growth,
    };
    let at_now = at(DAY_TWO);
    let mut all = Vec::with_capacity(n);
    let ((), read) = timed(|| {
        ca.store()
            .each_revoked_unexpired("ssl-clients", at_now, &mut |r| {
                all.push(r);
                Ok(())
            })
            .unwrap();
    });
    let profile = &crate::policy("jpcert-ssl-client").definition().crls[0];
    let (_, encode) = timed(|| {
        inkan_runtime::crl::Entries::collect(profile, |each| {
            for r in all.drain(..) {
                each(r)?;
            }
            Ok(())
        })
        .unwrap()
    });

    let ((), openssl_time) = timed(|| {
        openssl(
            &work,
            &["ca", "-gencrl", "-config", "openssl.cnf", "-out", "crl.pem"],
        )
    });
    CrlRun {
        entries: n,
        read,
        encode,
        inkan,
        next,
        openssl: openssl_time,
        size,
        growth,
    }
}

pub(super) fn crl_at_scale(sizes: &Sizes) -> Vec<Figure> {
    let runs: Vec<CrlRun> = sizes
        .crl
        .iter()
        .map(|&n| crl_run(n, sizes.isolate.as_deref()))
        .collect();
    let mut figures = Vec::new();
    for (k, r) in runs.iter().enumerate() {
        let largest = k + 1 == runs.len();
        let speedup = r.openssl / r.inkan;
        let fig = Figure {
            name: format!("CRL of {} entries (RSA-1024, {} bytes)", r.entries, r.size),
            measured: r.inkan,
            baseline_name: "openssl ca -gencrl, same entries".into(),
            baseline: r.openssl,
            unit: "s".into(),
            ratio: speedup,
            target: String::new(),
            met: true,
        };
        figures.push(if largest {
            fig.target("ratio >= 5 (largest size)", speedup >= 5.0)
        } else {
            fig.target("profile only", true)
        });
        figures.push(Figure {
            name: format!("  next CRL, checked against it ({} entries)", r.entries),
            measured: r.next,
            baseline_name: "openssl ca -gencrl, same entries".into(),
            baseline: r.openssl,
            unit: "s".into(),
            ratio: r.openssl / r.next,
            target: "profile only".into(),
            met: true,
        });
        if largest {
            for (what, t) in [
                ("store read alone", r.read),
                ("encode + check alone", r.encode),
            ] {
                figures.push(Figure {
                    name: format!("  profile: {what} ({} entries)", r.entries),
                    measured: t,
                    baseline_name: "the whole CRL".into(),
                    baseline: r.inkan,
                    unit: "s".into(),
                    ratio: t / r.inkan,
                    target: "profile only".into(),
                    met: true,
                });
            }
        }
        if let (Some(growth), true) = (r.growth, largest) {
            let times = growth as f64 / r.size as f64;
            figures.push(Figure {
                name: format!(
                    "  peak memory, next CRL of {} entries (previous one read)",
                    r.entries
                ),
                measured: growth as f64 / 1e6,
                baseline_name: "the CRL's size".into(),
                baseline: r.size as f64 / 1e6,
                unit: "MB".into(),
                ratio: times,
                target: "ratio <= 3".into(),
                met: times <= 3.0,
            });
        }
    }
    if let [.., a, b] = runs.as_slice() {
        let per_a = a.inkan / a.entries as f64;
        let per_b = b.inkan / b.entries as f64;
        figures.push(Figure {
            name: format!("  time per entry, {} vs {} entries", b.entries, a.entries),
            measured: per_b * 1e6,
            baseline_name: format!("time per entry at {}", a.entries),
            baseline: per_a * 1e6,
            unit: "us".into(),
            ratio: per_b / per_a,
            target: "ratio <= 1.25 (linear)".into(),
            met: per_b / per_a <= 1.25,
        });
    }
    figures
}
