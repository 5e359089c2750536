//! Running the `inkan` binary from tests: arguments, shares on standard input, output.

#![allow(dead_code, clippy::expect_used)]

use std::path::Path;
use std::process::{Command, Output};

pub fn inkan(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_inkan"))
        .args(args)
        .output()
        .expect("the inkan binary runs")
}

/// Runs inkan with `input` on standard input (the custodians' shares).
pub fn inkan_in(args: &[&str], input: &str) -> Output {
    use std::io::Write as _;
    let mut child = Command::new(env!("CARGO_BIN_EXE_inkan"))
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the inkan binary runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("shares written");
    child.wait_with_output().expect("inkan finishes")
}

/// `inkan issue` of `csr` for developer and person at `now`, the certificate to `cert`,
/// the custodians' shares on standard input.
pub fn issue(
    dir: &Path,
    csr: &Path,
    (developer, person): (&str, &str),
    now: &str,
    cert: &Path,
    shares: &str,
) -> Output {
    inkan_in(
        &[
            "issue",
            "--dir",
            path(dir),
            "--csr",
            path(csr),
            "--developer",
            developer,
            "--person",
            person,
            "--now",
            now,
            "--out",
            path(cert),
        ],
        shares,
    )
}

/// The serial `inkan issue` reported.
pub fn issued_serial(out: &Output) -> String {
    text(out)
        .split("issued serial ")
        .nth(1)
        .and_then(|s| s.split(' ').next())
        .expect("serial printed")
        .to_string()
}

/// The shares `inkan init` printed, one per line.
pub fn shares_of(init: &Output) -> String {
    String::from_utf8_lossy(&init.stdout)
        .lines()
        .filter_map(|l| {
            l.trim()
                .strip_prefix("custodian ")
                .and_then(|r| r.split_once(": "))
                .map(|(_, s)| s.to_string())
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

pub fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
}

pub fn path(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// `inkan init` of a faithful-policy CA on software keys whose clock tests may move,
/// made at `now`.
#[allow(dead_code)]
pub fn init_at(dir: &Path, now: &str) -> Output {
    inkan(&[
        "init",
        "--software-keys-for-testing",
        "--dir",
        path(dir),
        "--policy",
        "jpcert-ssl-client",
        "--allow-clock-override",
        "--now",
        now,
    ])
}
