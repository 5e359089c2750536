//! Key custody as the policy says it (R-6.2-HSM): a CA under a policy that keeps its
//! keys in an HSM is not made, nor run, with software keys unless the operator said
//! so when making it; that waiver is recorded, warned of, and no certificate names a
//! token that does not hold its key.

#![allow(clippy::expect_used)] // Test helpers: a failed expectation is a failed test.

mod common;

use std::process::Command;

use common::{inkan, inkan_in, path, shares_of, text};

/// This binary's SoftHSM2 tokens, made together before the module is first loaded.
const TOKENS: &[&str] = &["transcript", "backup-first", "backup-second"];

/// Proves: R-6.2-HSM.
#[test]
fn r_6_2_hsm_software_keys_need_a_recorded_waiver() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().join("ca");
    // Without the waiver: refused, and nothing is left behind.
    let out = inkan(&["init", "--dir", path(&dir), "--policy", "jpcert-ssl-client"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("R-6.2-HSM"), "{}", text(&out));
    assert!(!dir.exists(), "a refused init leaves no directory");
    // With it: made, warned of, recorded in the audit log.
    let out = inkan(&[
        "init",
        "--software-keys-for-testing",
        "--dir",
        path(&dir),
        "--policy",
        "jpcert-ssl-client",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        text(&out).contains("not for serving subscribers"),
        "{}",
        text(&out)
    );
    let shares = shares_of(&out);
    let db = rusqlite::Connection::open(dir.join("ca.sqlite")).expect("sqlite");
    let waived: String = db
        .query_row(
            "SELECT details FROM audit WHERE event = 'custody-waived'",
            [],
            |r| r.get(0),
        )
        .expect("the waiver is audited");
    assert!(waived.contains("--software-keys-for-testing"), "{waived}");
    // The issuing CA's subjectAltName names no token (R-7.1-ICA's {hsm_token}).
    let san = Command::new("openssl")
        .args(["x509", "-noout", "-ext", "subjectAltName", "-in"])
        .arg(dir.join("certs/ssl-clients.pem"))
        .output()
        .expect("openssl runs");
    let san = String::from_utf8_lossy(&san.stdout).to_string();
    assert!(san.contains("CN=NO HSM - SOFTWARE KEYS"), "{san}");
    // A directory whose waiver is gone (edited, or made before waivers existed) does
    // not run: the CA refuses to open.
    db.execute("DELETE FROM meta WHERE key = 'custody_waiver'", [])
        .expect("delete");
    drop(db);
    let out = inkan_in(&["crl", "--dir", path(&dir)], &shares);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("R-6.2-HSM"), "{}", text(&out));
}

/// A ceremony's transcript is checked with `inkan ceremony verify` against the CA's
/// audit key: the transcript as written passes, one with a witness's name changed
/// does not.
#[test]
fn a_ceremony_transcript_is_checked_against_the_cas_audit_key() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().join("ca");
    let token = inkan_tests::softhsm::token(TOKENS, "transcript");
    let (ca, _, transcript) = inkan_tests::softhsm::ceremony("jpcert-ssl-client-2026", token, &dir);
    drop(ca);
    // As `inkan ceremony` prints it: the transcript, then the shares.
    let file = tmp.path().join("transcript.txt");
    std::fs::write(
        &file,
        format!("{transcript}Activation shares: each is shown once.\n  custodian 1: 1-abcd-ef01\n"),
    )
    .expect("written");
    let out = inkan(&["ceremony", "verify", path(&file), "--dir", path(&dir)]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(text(&out).contains("transcript ok"), "{}", text(&out));
    let forged = tmp.path().join("forged.txt");
    std::fs::write(
        &forged,
        transcript.replace("Key Custodian One", "Someone Else"),
    )
    .expect("written");
    let out = inkan(&["ceremony", "verify", path(&forged), "--dir", path(&dir)]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("FAILED"), "{}", text(&out));
    // The ceremony itself still wants its arguments.
    let out = inkan(&["ceremony", "--dir", path(&dir)]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
}

/// The operator guide's key backup, as its commands run: `inkan key-backup export`
/// with two activation custodians, `inkan key-backup import --switch` into a second
/// token with two key-backup custodians as well, and the CA signing its next CRL on
/// the second token, which openssl verifies against the issuing CA's certificate.
/// Proves: R-6.2-BACKUP.
#[test]
fn the_key_backup_walk_of_the_operator_guide() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().join("ca");
    let first = inkan_tests::softhsm::token(TOKENS, "backup-first");
    let second = inkan_tests::softhsm::token(TOKENS, "backup-second");
    let made = inkan_tests::softhsm::ceremony_made("jpcert-ssl-client-2026", first, &dir);
    drop(made.ca);
    let line = |shares: &[&inkan_runtime::custody::shamir::Share]| {
        shares
            .iter()
            .map(|s| s.to_text() + "\n")
            .collect::<String>()
    };
    let wrapped = tmp.path().join("ca-keys.wrapped");
    let out = inkan_in(
        &[
            "key-backup",
            "export",
            "--dir",
            path(&dir),
            "--out",
            path(&wrapped),
        ],
        &line(&[&made.shares[0], &made.shares[1]]),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let module = inkan_tests::softhsm::module();
    let ctx = inkan_runtime::pkcs11::open_module(&module).expect("module");
    let (slot, _) = inkan_runtime::pkcs11::find_token(&ctx, &second).expect("second token");
    let import = |shares: String| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_inkan"))
            .args([
                "key-backup",
                "import",
                "--dir",
                path(&dir),
                "--file",
                path(&wrapped),
            ])
            .args([
                "--hsm",
                path(&module),
                "--slot",
                &slot.id().to_string(),
                "--switch",
            ])
            .env("INKAN_HSM_PIN", inkan_tests::softhsm::USER_PIN)
            .env("INKAN_HSM_SO_PIN", inkan_tests::softhsm::SO_PIN)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("inkan runs");
        use std::io::Write as _;
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(shares.as_bytes())
            .expect("shares written");
        child.wait_with_output().expect("inkan finishes")
    };
    // The activation custodians alone: refused.
    let out = import(line(&[&made.shares[0], &made.shares[2]]));
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("key-backup shares"), "{}", text(&out));
    let out = import(line(&[
        &made.backup_shares[2],
        &made.shares[0],
        &made.backup_shares[0],
        &made.shares[2],
    ]));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        text(&out).contains("the CA uses this token from now on"),
        "{}",
        text(&out)
    );
    let crl = tmp.path().join("next.crl");
    let out = inkan_in(
        &["crl", "--dir", path(&dir), "--pem", "--out", path(&crl)],
        &line(&[&made.shares[1], &made.shares[2]]),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let checked = Command::new("openssl")
        .args(["crl", "-noout", "-in"])
        .arg(&crl)
        .arg("-CAfile")
        .arg(dir.join("certs/ssl-clients.pem"))
        .output()
        .expect("openssl runs");
    let said = text(&checked);
    assert!(
        checked.status.success() && said.contains("verify OK"),
        "{said}"
    );
}
