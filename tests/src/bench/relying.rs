//! What a relying party pays (issue 16.4): `Verifier::verify`, the check `inkan verify`
//! and the rp-demo's TLS handshake make for every subscriber login (chain, validity, the
//! policy's subscriber profile, revocation), per second, against `openssl verify
//! -crl_check` on the same chain, certificate and CRL in one process (its start-up spread
//! over many certificates; it checks the chain and the CRL but not the profile); then the
//! same with a 1,000,000-entry CRL loaded: the time to load it, the memory it holds, and
//! the verification rate beside the small CRL's (a lookup linear in the CRL would show).

use std::path::Path;
use std::time::Instant;

use inkan_runtime::verify::Verifier;

use crate::{at, fixture, pem};

use super::crl::{crl_fixture, memory};
use super::figure::*;
use super::issuance::request;
use super::openssl::openssl;

const POLICY: &str = "jpcert-ssl-client";
const NOW: &str = "2026-04-01T09:00:00Z";

/// A CA of the faithful policy with `revoked` entries, a certificate it issued and a
/// signed CRL; the files `openssl verify` reads written into `dir`.
fn setup(parent: &Path, revoked: usize) -> (tempfile::TempDir, Vec<Vec<u8>>, Vec<u8>, Vec<u8>) {
    let now = at(NOW);
    let (ca_tmp, mut ca, _) = crl_fixture(parent, revoked, false);
    let csr = fixture("sub1-1024.csr.pem");
    let cert = ca.issue(&request(&csr, 7), now).unwrap().der;
    let crl = ca.crl(None, now, "bench").unwrap().der;
    let cas = ca.ca_certificates().unwrap();
    let chain: String = cas.iter().map(|c| pem("CERTIFICATE", c)).collect();
    std::fs::write(parent.join("chain.pem"), chain).unwrap();
    std::fs::write(parent.join("crl.pem"), pem("X509 CRL", &crl)).unwrap();
    std::fs::write(parent.join("leaf.pem"), pem("CERTIFICATE", &cert)).unwrap();
    (ca_tmp, cas, cert, crl)
}

/// Verifications per second of `cert` through `rp`.
fn inkan_rate(rp: &Verifier, cert: &[u8], sizes: &Sizes) -> f64 {
    let now = at(NOW);
    rate(sizes.seconds, 50, |_| {
        std::hint::black_box(rp.verify(cert, now).unwrap());
    })
}

/// `openssl verify -crl_check` of `count` copies of the leaf in one process, per second.
fn openssl_rate(dir: &Path, count: usize) -> f64 {
    let attime = at(NOW).unix().to_string();
    let mut args = vec![
        "verify",
        "-attime",
        &attime,
        "-auth_level",
        "0",
        "-crl_check",
        "-CAfile",
        "chain.pem",
        "-CRLfile",
        "crl.pem",
    ];
    args.extend(std::iter::repeat_n("leaf.pem", count));
    let ((), seconds) = timed(|| openssl(dir, &args));
    count as f64 / seconds
}

pub(super) fn relying_party(sizes: &Sizes) -> Vec<Figure> {
    let now = at(NOW);
    let policy = crate::policy(POLICY);
    let mut figures = Vec::new();
    let count = sizes.requests.max(10);

    let small = tempfile::tempdir().unwrap();
    let (_ca, cas, cert, crl) = setup(small.path(), 10);
    let rp = Verifier::from_der(policy, &cas).unwrap();
    rp.load_crl(&crl, now).unwrap();
    let small_rate = inkan_rate(&rp, &cert, sizes);
    figures.push(
        Figure::rate(
            "relying party: Verifier::verify (chain, validity, profile, 10-entry CRL)".into(),
            small_rate,
            format!("openssl verify -crl_check, {count} certificates in one process"),
            openssl_rate(small.path(), count),
        )
        .target("profile only (issue 16.4)", true),
    );
    drop(rp);

    let entries = *sizes.crl.last().unwrap_or(&1000);
    let big = tempfile::tempdir().unwrap();
    let (_ca, cas, cert, crl) = setup(big.path(), entries);
    let rp = Verifier::from_der(policy, &cas).unwrap();
    let (_, before) = memory();
    let started = Instant::now();
    rp.load_crl(&crl, now).unwrap();
    let load = started.elapsed().as_secs_f64();
    let (_, after) = memory();
    let big_rate = inkan_rate(&rp, &cert, sizes);
    // openssl verify takes tens of milliseconds per certificate against a large CRL.
    let few = count.min(200);
    figures.push(
        Figure::rate(
            format!("relying party: Verifier::verify, {entries}-entry CRL loaded"),
            big_rate,
            "the same, 10-entry CRL".into(),
            small_rate,
        )
        .target(
            "ratio >= 0.5 (lookup not linear in the CRL)",
            big_rate >= 0.5 * small_rate,
        ),
    );
    figures.push(
        Figure::rate(
            format!("  openssl verify -crl_check, {entries}-entry CRL ({few} certificates)"),
            openssl_rate(big.path(), few),
            format!("the same, 10-entry CRL ({few} certificates)"),
            openssl_rate(small.path(), few),
        )
        .target("profile only", true),
    );
    let held = after.saturating_sub(before) as f64 / 1e6;
    figures.push(Figure {
        name: format!("  loading the {entries}-entry CRL (signature, parse, index): {load:.2} s; resident memory it holds"),
        measured: held,
        baseline_name: "the CRL's size".into(),
        baseline: crl.len() as f64 / 1e6,
        unit: "MB".into(),
        ratio: held / (crl.len() as f64 / 1e6),
        target: "profile only".into(),
        met: true,
    });
    figures
}
