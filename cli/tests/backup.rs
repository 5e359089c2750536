//! `inkan backup` and `inkan restore` as the operator guide's "Disaster recovery"
//! section runs them: back up, go on working, lose the directory, restore against the
//! published CRL (refused until the certificate issued after the backup is given
//! back), and carry on with the next CRL number and the RA's staff accounts intact.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

use common::*;

/// Proves: R-7.2-CRL.
#[test]
fn the_disaster_recovery_walk_of_the_operator_guide() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().join("ca");
    let now = "2026-11-26T09:00:00Z";
    let init = inkan(&[
        "init",
        "--software-keys-for-testing",
        "--dir",
        path(&dir),
        "--policy",
        "jpcert-ssl-client",
        "--allow-clock-override",
        "--now",
        now,
    ]);
    assert_eq!(init.status.code(), Some(0), "{}", text(&init));
    let shares = shares_of(&init);
    let staff = std::process::Command::new(env!("CARGO_BIN_EXE_inkan"))
        .args([
            "ra",
            "add-staff",
            "--dir",
            path(&dir),
            "--login",
            "eve",
            "--person",
            "E",
            "--role",
            "examiner",
        ])
        .env("INKAN_STAFF_PASSWORD", "correct horse battery staple 1")
        .output()
        .unwrap();
    assert_eq!(staff.status.code(), Some(0), "{}", text(&staff));
    let csr = |n: u32| root().join(format!("tests/fixtures/sub{n}-1024.csr.pem"));
    let first = tmp.path().join("first.pem");
    let out = issue(&dir, &csr(1), ("123456", "000001"), now, &first, &shares);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));

    // The audit key, kept apart from the backups, as the guide says.
    let audit_key: String = rusqlite::Connection::open(dir.join("ca.sqlite"))
        .unwrap()
        .query_row(
            "SELECT value FROM meta WHERE key = 'audit_public_key'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let backup = tmp.path().join("ca-2026-11-26.inkan-backup");
    let out = inkan_in(
        &[
            "backup",
            "--dir",
            path(&dir),
            "--out",
            path(&backup),
            "--now",
            now,
        ],
        &shares,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(text(&out).contains("audit head"), "{}", text(&out));
    // Nothing in the file is a clear key: the key files are the encrypted ones.
    let raw = std::process::Command::new("tar")
        .args(["-xzOf"])
        .arg(&backup)
        .output()
        .unwrap();
    assert!(raw.status.success());
    let all = String::from_utf8_lossy(&raw.stdout);
    assert!(all.contains("BEGIN ENCRYPTED PRIVATE KEY"));
    assert!(!all.contains("BEGIN PRIVATE KEY") && !all.contains("BEGIN RSA PRIVATE KEY"));

    // After the backup: a certificate issued and revoked, the CRL published.
    let later = "2026-11-27T09:00:00Z";
    let second = tmp.path().join("second.pem");
    let out = issue(&dir, &csr(2), ("123456", "000002"), later, &second, &shares);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let serial = issued_serial(&out);
    let out = inkan(&[
        "revoke",
        "--dir",
        path(&dir),
        "--serial",
        &serial,
        "--reason",
        "key-compromise",
        "--now",
        later,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let published = tmp.path().join("published.crl");
    let out = inkan_in(
        &[
            "crl",
            "--dir",
            path(&dir),
            "--now",
            later,
            "--out",
            path(&published),
        ],
        &shares,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(text(&out).contains("CRL number 1"), "{}", text(&out));

    // The machine is lost.
    std::fs::remove_dir_all(&dir).unwrap();
    let restore_at = "2026-11-28T09:00:00Z";
    // On PostgreSQL's leg of `cargo xtask test`, the restored CA lives in a fresh
    // PostgreSQL database.
    let target = inkan_tests::test_store();
    let restore = |extra: &[&str]| {
        let mut args = vec![
            "restore",
            "--from",
            path(&backup),
            "--dir",
            path(&dir),
            "--published-crl",
            path(&published),
            "--audit-public-key",
            &audit_key,
            "--now",
            restore_at,
        ];
        if let Some(url) = &target {
            args.extend(["--store", url.as_str()]);
        }
        args.extend_from_slice(extra);
        inkan(&args)
    };
    let refused = restore(&[]);
    assert_eq!(refused.status.code(), Some(1), "{}", text(&refused));
    assert!(text(&refused).contains(&serial), "{}", text(&refused));
    assert!(!dir.exists(), "nothing written");
    let no_crl = inkan(&["restore", "--from", path(&backup), "--dir", path(&dir)]);
    assert_eq!(no_crl.status.code(), Some(2), "{}", text(&no_crl));

    let out = restore(&["--certificate", path(&second)]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        text(&out).contains("revoked from them: 1; certificates given back: 1"),
        "{}",
        text(&out)
    );
    assert_eq!(
        dir.join("ca.sqlite").exists(),
        target.is_none(),
        "the restored state is where --store says"
    );
    // Key files come back private, certificates readable.
    use std::os::unix::fs::PermissionsExt as _;
    let mode = |p: &str| std::fs::metadata(dir.join(p)).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode("keys/ssl-clients.key.pem"), 0o600);
    assert_eq!(mode("keys/audit.key"), 0o600);
    assert_eq!(mode("certs/root.pem"), 0o644);
    if target.is_none() {
        // The store holds password and token hashes: its owner's alone, as init made it.
        assert_eq!(mode("ca.sqlite"), 0o600);
    }

    // The restored CA goes on: CRL 2 lists the revocation made after the backup.
    let next = tmp.path().join("next.crl");
    let out = inkan_in(
        &[
            "crl",
            "--dir",
            path(&dir),
            "--now",
            restore_at,
            "--out",
            path(&next),
        ],
        &shares,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(text(&out).contains("CRL number 2"), "{}", text(&out));
    let listed = std::process::Command::new("openssl")
        .args(["crl", "-inform", "DER", "-noout", "-text", "-in"])
        .arg(&next)
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&listed.stdout)
            .to_lowercase()
            .contains(&serial.to_lowercase()),
        "{}",
        String::from_utf8_lossy(&listed.stdout)
    );
    let verify = inkan(&["audit", "verify", "--dir", path(&dir)]);
    assert_eq!(verify.status.code(), Some(0), "{}", text(&verify));
    assert!(
        text(&verify).contains("restored from a backup"),
        "{}",
        text(&verify)
    );
    // The RA's staff came back with the CA.
    let again = std::process::Command::new(env!("CARGO_BIN_EXE_inkan"))
        .args([
            "ra",
            "add-staff",
            "--dir",
            path(&dir),
            "--login",
            "eve",
            "--person",
            "F",
            "--role",
            "operator",
        ])
        .env("INKAN_STAFF_PASSWORD", "correct horse battery staple 2")
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(1), "{}", text(&again));
    assert!(
        text(&again).contains("login `eve` exists"),
        "{}",
        text(&again)
    );
}
