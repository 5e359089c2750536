//! Store before sign, proved by killing (issue 7): `inkan issue` and `inkan crl` are
//! stopped with SIGKILL at each step of their pipelines, then the CA is used again.
//! After every kill: no certificate exists that the store does not hold, no serial or
//! name is used twice, a record whose signature may exist is listed by `inkan pending`
//! and can be revoked (and the next CRL lists it), the next issuance works, and CRL
//! numbers never skip or repeat. The table of what was found is written to
//! `crash-report.md` in the test's target directory and printed.
//!
//! Crash points fire only in a CA made with `--allow-clock-override` (a test CA) when
//! `INKAN_CRASH_AT` names them: the process says so on standard error and waits; the
//! test kills it with SIGKILL (`Child::kill`).

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use std::io::{BufRead as _, BufReader, Write as _};
use std::os::unix::process::ExitStatusExt as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use common::{inkan, inkan_in, path, root, shares_of, text};

const NOW: &str = "2026-11-26T09:00:00Z";

/// Runs `inkan args` with the shares on stdin and `INKAN_CRASH_AT=point`; waits until
/// it reports the point, then kills it with SIGKILL.
fn kill_at(args: &[&str], shares: &str, point: &str) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_inkan"))
        .args(args)
        .env("INKAN_CRASH_AT", point)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("inkan runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(shares.as_bytes())
        .expect("shares written");
    let stderr = child.stderr.take().expect("stderr");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let wanted = format!("crash point reached: {point}");
    let mut seen = Vec::new();
    loop {
        match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(line) if line.contains(&wanted) => break,
            Ok(line) => seen.push(line),
            Err(_) => {
                let _ = child.kill();
                panic!("inkan never reached {point}: {}", seen.join("\n"));
            }
        }
    }
    child.kill().expect("SIGKILL sent");
    let status = child.wait().expect("reaped");
    assert_eq!(status.signal(), Some(9), "{point}: killed by SIGKILL");
}

/// A test CA; returns its shares.
fn init(dir: &Path) -> String {
    let out = inkan(&[
        "init",
        "--software-keys-for-testing",
        "--dir",
        path(dir),
        "--policy",
        "jpcert-ssl-client",
        "--allow-clock-override",
        "--now",
        NOW,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    shares_of(&out)
}

fn issue_args<'a>(dir: &'a Path, csr: &'a Path) -> Vec<&'a str> {
    vec![
        "issue",
        "--dir",
        path(dir),
        "--csr",
        path(csr),
        "--developer",
        "424242",
        "--person",
        "000007",
        "--now",
        NOW,
    ]
}

fn crl_args<'a>(dir: &'a Path, out: &'a Path) -> Vec<&'a str> {
    vec![
        "crl",
        "--dir",
        path(dir),
        "--now",
        NOW,
        "--pem",
        "--out",
        path(out),
    ]
}

/// Subscriber records: (serial, status, CN, has a certificate, revoked).
fn records(dir: &Path) -> Vec<(String, String, String, bool, bool)> {
    let db = rusqlite::Connection::open(dir.join("ca.sqlite")).unwrap();
    let mut stmt = db
        .prepare("SELECT serial, status, subject_cn, der IS NOT NULL, revoked_at IS NOT NULL FROM certificates WHERE subject_cn IS NOT NULL ORDER BY rowid")
        .unwrap();
    stmt.query_map([], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
    })
    .unwrap()
    .collect::<rusqlite::Result<Vec<_>>>()
    .unwrap()
}

fn crl_numbers(dir: &Path) -> Vec<i64> {
    let db = rusqlite::Connection::open(dir.join("ca.sqlite")).unwrap();
    let mut stmt = db
        .prepare("SELECT number FROM crls ORDER BY number")
        .unwrap();
    stmt.query_map([], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<Vec<_>>>()
        .unwrap()
}

/// The serials a CRL lists, as openssl prints them (upper-case hex).
fn crl_serials(crl: &Path) -> String {
    let out = Command::new("openssl")
        .args(["crl", "-noout", "-text", "-in", path(crl)])
        .output()
        .expect("openssl runs");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Proves: R-3.1-UNIQUE.
#[test]
fn store_before_sign_survives_sigkill_at_each_step() {
    let csr = root().join("tests/fixtures/sub1-1024.csr.pem");
    let mut report = String::from(
        "| killed after | records after the kill | listed pending | revoked and on the next CRL | next issuance | lost | duplicated |\n|---|---|---|---|---|---|---|\n",
    );
    for (point, left) in [
        ("letters-allocated", None),
        ("pending-recorded", Some("pending")),
        ("signed", Some("pending")),
        ("issued", Some("issued")),
    ] {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("ca");
        let shares = init(&dir);
        kill_at(&issue_args(&dir, &csr), &shares, point);

        let after = records(&dir);
        match left {
            None => assert!(after.is_empty(), "{point}: nothing recorded: {after:?}"),
            Some(status) => {
                assert_eq!(after.len(), 1, "{point}: one record: {after:?}");
                assert_eq!(after[0].1, status, "{point}");
                assert_eq!(
                    after[0].3,
                    status == "issued",
                    "{point}: DER only once issued"
                );
            }
        }
        // The operator sees what may have been signed, and revokes it.
        let listed = inkan(&["pending", "--dir", path(&dir)]);
        let crashed_pending: Vec<String> = after
            .iter()
            .filter(|r| r.1 == "pending")
            .map(|r| r.0.clone())
            .collect();
        assert_eq!(
            listed.status.code(),
            Some(if crashed_pending.is_empty() { 0 } else { 1 }),
            "{point}: {}",
            text(&listed)
        );
        for serial in &crashed_pending {
            assert!(text(&listed).contains(serial.as_str()), "{point}: listed");
            let out = inkan(&[
                "revoke",
                "--dir",
                path(&dir),
                "--serial",
                serial,
                "--reason",
                "other",
                "--now",
                NOW,
            ]);
            assert_eq!(out.status.code(), Some(0), "{point}: {}", text(&out));
        }
        let listed = inkan(&["pending", "--dir", path(&dir)]);
        assert_eq!(listed.status.code(), Some(0), "{point}: all revoked");

        // The CA goes on: the next issuance works, with a new serial and a new letter.
        let out = inkan_in(&issue_args(&dir, &csr), &shares);
        assert_eq!(out.status.code(), Some(0), "{point}: {}", text(&out));
        let now = records(&dir);
        let mut serials: Vec<&str> = now.iter().map(|r| r.0.as_str()).collect();
        let mut names: Vec<&str> = now.iter().map(|r| r.2.as_str()).collect();
        let total = serials.len();
        serials.sort_unstable();
        serials.dedup();
        names.sort_unstable();
        names.dedup();
        let duplicated = (total - serials.len()) + (total - names.len());
        assert_eq!(duplicated, 0, "{point}: {now:?}");
        let newest = now.last().unwrap();
        assert_eq!(newest.1, "issued", "{point}");
        // Every letter handed out stays spent, the killed attempt's included.
        assert!(
            newest.2.ends_with("2026b"),
            "{point}: the killed attempt's letter is not reused: {}",
            newest.2
        );
        // Nothing the process could have released is missing from the store.
        let lost = now.iter().filter(|r| r.1 == "issued" && !r.3).count();
        assert_eq!(lost, 0, "{point}");

        // The next CRL covers the revoked pending record.
        let crl = tmp.path().join("crl.pem");
        let out = inkan_in(&crl_args(&dir, &crl), &shares);
        assert_eq!(out.status.code(), Some(0), "{point}: {}", text(&out));
        let listed_on_crl = crl_serials(&crl);
        for serial in &crashed_pending {
            assert!(
                listed_on_crl.contains(&serial.to_uppercase()),
                "{point}: {serial} on the CRL:\n{listed_on_crl}"
            );
        }
        report.push_str(&format!(
            "| {point} | {} | {} | {} | {} | 0 | 0 |\n",
            match left {
                None => "none".to_string(),
                Some(s) => format!("1 {s}"),
            },
            crashed_pending.len(),
            if crashed_pending.is_empty() {
                "-"
            } else {
                "yes"
            },
            newest.2,
        ));
    }

    // A CRL killed after signing, before its commit: the number is not spent, nothing
    // was published, and the next CRL takes the next number.
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("ca");
    let shares = init(&dir);
    let crl = tmp.path().join("crl.pem");
    // One CRL first, so the number the killed run would have taken is the second.
    let out = inkan_in(&crl_args(&dir, &crl), &shares);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    std::fs::remove_file(&crl).unwrap();
    let before = crl_numbers(&dir);
    assert_eq!(before, [1]);
    kill_at(&crl_args(&dir, &crl), &shares, "crl-signed");
    assert_eq!(
        crl_numbers(&dir),
        before,
        "no CRL recorded by the killed run"
    );
    assert!(!crl.exists(), "nothing published by the killed run");
    let out = inkan_in(&crl_args(&dir, &crl), &shares);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let after = crl_numbers(&dir);
    assert_eq!(
        after,
        [1, 2],
        "the killed run spent no number: the next CRL is 2"
    );
    report.push_str(&format!(
        "| crl-signed (CRL) | CRL numbers {before:?} | - | - | next CRL number {} | 0 | 0 |\n",
        after.last().unwrap()
    ));

    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("crash-report.md");
    std::fs::write(&out, &report).unwrap();
    println!("{report}\nwritten: {}", out.display());
}
