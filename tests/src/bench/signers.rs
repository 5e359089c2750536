//! The software signer against OpenSSL on one core (issue 16): raw PKCS #1 v1.5
//! signatures per second with the call inkan's software signer makes (the rsa crate for
//! the faithful policy's RSA-1024 with SHA-1, ring for the 2026 policy's RSA-2048 with
//! SHA-256) against `openssl speed` on the same key size, one process. `openssl speed`
//! times the private-key operation on a digest-sized input without hashing, so the
//! baseline is, if anything, generous to OpenSSL by the hash of a 700-byte message.

use std::process::Command;

use super::figure::*;
use super::issuance::raw_software;

/// Signatures per second of `openssl speed` for RSA-`bits` on `processes` processes
/// (`-multi`), from its machine-readable `+F2` line; `None` when it cannot be run or read.
pub(super) fn openssl_speed(bits: u32, seconds: u64, processes: usize) -> Option<f64> {
    let mut command = Command::new("openssl");
    command.args(["speed", "-mr", "-seconds", &seconds.to_string()]);
    if processes > 1 {
        command.args(["-multi", &processes.to_string()]);
    }
    let out = command.arg(format!("rsa{bits}")).output().ok()?;
    // `+F2:<index>:<bits>:<sign/s>:<verify/s>`
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.strip_prefix("+F2:"))
        .find_map(|l| l.split(':').nth(2)?.parse().ok())
}

pub(super) fn signers(sizes: &Sizes) -> Vec<Figure> {
    let seconds = sizes.seconds.as_secs().max(1);
    let mut figures = Vec::new();
    for (bits, sha1, ours) in [
        (1024, true, "rsa crate, SHA-1"),
        (2048, false, "ring, SHA-256"),
    ] {
        let Some(openssl) = openssl_speed(bits, seconds, 1) else {
            continue;
        };
        let measured = raw_software(bits, sha1, sizes.seconds, 1);
        figures.push(
            Figure::rate(
                format!("software signer, RSA-{bits} ({ours}), one core"),
                measured,
                format!("openssl speed rsa{bits}, one process"),
                openssl,
            )
            .target("profile only (issue 16.3)", true),
        );
    }
    figures
}
