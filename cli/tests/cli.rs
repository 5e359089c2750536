//! The `inkan` binary as scripts and CI drive it: its interface, its exit codes
//! (0 ok, 1 refused or findings, 2 usage), and the whole life of a CA through it.

#![allow(clippy::expect_used)] // Test helpers: a failed expectation is a failed test.

mod common;

use std::path::Path;
use std::process::Command;

use common::{inkan, inkan_in, issue, issued_serial, path, root, shares_of, text};

/// The faithful policy with one text replaced, written under its own file name in `dir`.
fn broken_policy(dir: &Path, from: &str, to: &str) -> std::path::PathBuf {
    let source = std::fs::read_to_string(root().join("policy/jpcert-ssl-client.yaml"))
        .expect("faithful policy");
    assert_eq!(source.matches(from).count(), 1, "{from}");
    let file = dir.join("jpcert-ssl-client.yaml");
    std::fs::write(&file, source.replacen(from, to, 1)).expect("write policy");
    file
}

/// Proves: R-1.3-HIERARCHY.
#[test]
fn policy_check_reports_waivers_and_fails_on_errors() {
    let good = root().join("policy/jpcert-ssl-client.yaml");
    let out = inkan(&["policy", "check", path(&good)]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        text(&out).contains("warning[weak-rsa-key]"),
        "{}",
        text(&out)
    );
    let tmp = tempfile::tempdir().expect("temp dir");
    let bad = broken_policy(tmp.path(), "path_len: 1 }", "path_len: 0 }");
    let out = inkan(&["policy", "check", path(&bad)]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out).contains("error[path-len]"), "{}", text(&out));
}

#[test]
fn usage_errors_exit_2_and_help_works() {
    assert_eq!(inkan(&["issue"]).status.code(), Some(2));
    assert_eq!(inkan(&["frobnicate"]).status.code(), Some(2));
    let help = inkan(&["--help"]);
    assert_eq!(help.status.code(), Some(0));
    assert!(text(&help).contains("quickstart"));
}

/// Proves: R-3.1-SUB-DN, R-3.1-PSEUDONYM, R-4.9-REASONS, R-9.6-RP-CHECK.
#[test]
fn a_ca_lives_through_the_cli() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().join("ca");
    let csr = root().join("tests/fixtures/sub1-1024.csr.pem");
    let cert = tmp.path().join("sub.pem");
    let crl = tmp.path().join("crl.pem");
    let now = "2026-11-26T09:00:00Z";

    let out = inkan(&[
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
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let again = inkan(&[
        "init",
        "--software-keys-for-testing",
        "--dir",
        path(&dir),
        "--policy",
        "jpcert-ssl-client",
    ]);
    assert_eq!(
        again.status.code(),
        Some(1),
        "a second init must not touch an existing CA"
    );
    // R-6.2-M-OF-N: the keys are stored encrypted; signing needs the custodians' shares.
    let shares = shares_of(&out);
    assert_eq!(
        shares.lines().count(),
        3,
        "one share per custodian: {}",
        text(&out)
    );
    let key = std::fs::read_to_string(dir.join("keys/root.key.pem")).expect("key file");
    assert!(
        key.contains("BEGIN ENCRYPTED PRIVATE KEY") && !key.contains("BEGIN PRIVATE KEY"),
        "only encrypted keys on disk"
    );
    let locked = inkan_in(&["crl", "--dir", path(&dir), "--now", now], "");
    assert_eq!(locked.status.code(), Some(1), "no shares, no CRL");

    let out = issue(&dir, &csr, ("123456", "000001"), now, &cert, &shares);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    // Written through a private temporary file, the certificate is still public.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&cert)
            .expect("written")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o644, "{mode:o}");
    }
    let log = text(&out);
    assert!(log.contains("SSL-123456-000001-2026a"), "{log}");
    let serial = issued_serial(&out);
    let serial = serial.as_str();

    // A certificate that cannot be written out (here the target is a directory) was
    // still issued: the command says so and how to print it again, leaves no file
    // behind, and `inkan cert` prints it, with its chain if asked.
    let blocked = tmp.path().join("blocked");
    std::fs::create_dir(&blocked).expect("a directory where the file would go");
    std::fs::write(blocked.join("keep"), "x").expect("the directory is not empty");
    let failed = inkan_in(
        &[
            "issue",
            "--dir",
            path(&dir),
            "--csr",
            path(&csr),
            "--developer",
            "123456",
            "--person",
            "000002",
            "--now",
            now,
            "--out",
            path(&blocked),
        ],
        &shares,
    );
    assert_eq!(failed.status.code(), Some(1), "{}", text(&failed));
    let said = text(&failed);
    assert!(
        said.contains("was issued and recorded") && said.contains("inkan cert --dir"),
        "{said}"
    );
    let leftovers: Vec<_> = std::fs::read_dir(tmp.path())
        .expect("listing")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".tmp") || n.ends_with(".partial"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    let second = issued_serial(&failed);
    let again = inkan(&["cert", "--dir", path(&dir), "--serial", &second, "--chain"]);
    assert_eq!(again.status.code(), Some(0), "{}", text(&again));
    let pem_text = String::from_utf8_lossy(&again.stdout).into_owned();
    assert_eq!(
        pem_text.matches("BEGIN CERTIFICATE").count(),
        3,
        "{pem_text}"
    );
    let missing = inkan(&["cert", "--dir", path(&dir), "--serial", "0badcafe"]);
    assert_eq!(missing.status.code(), Some(1), "{}", text(&missing));

    // The audit log, read: filtered by event and actor, as JSON lines; one entry whole.
    let listed = inkan(&[
        "audit",
        "list",
        "--dir",
        path(&dir),
        "--event",
        "certificate-issued",
        "--actor",
        "cli",
        "--json",
    ]);
    assert_eq!(listed.status.code(), Some(0), "{}", text(&listed));
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&listed.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert_eq!(
        lines.len(),
        2,
        "two certificates issued by the CLI: {lines:?}"
    );
    assert!(
        lines
            .iter()
            .all(|e| e["event"] == "certificate-issued" && e["actor"] == "cli")
    );
    let seq = lines[0]["seq"]
        .as_u64()
        .expect("a sequence number")
        .to_string();
    let shown = inkan(&["audit", "show", "--dir", path(&dir), &seq]);
    assert_eq!(shown.status.code(), Some(0), "{}", text(&shown));
    let entry: serde_json::Value = serde_json::from_slice(&shown.stdout).expect("JSON");
    assert_eq!(entry["hash"], lines[0]["hash"]);
    assert_eq!(entry["hash"].as_str().map(str::len), Some(64));
    let none = inkan(&[
        "audit",
        "list",
        "--dir",
        path(&dir),
        "--until",
        "2000-01-01T00:00:00Z",
    ]);
    assert!(none.stdout.is_empty(), "{}", text(&none));
    let missing = inkan(&["audit", "show", "--dir", path(&dir), "999999"]);
    assert_eq!(missing.status.code(), Some(1), "{}", text(&missing));

    let out = inkan_in(
        &[
            "issue",
            "--dir",
            path(&dir),
            "--csr",
            path(&csr),
            "--developer",
            "12a",
            "--person",
            "1",
        ],
        &shares,
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out).contains("not a decimal number"),
        "{}",
        text(&out)
    );

    let out = inkan(&[
        "revoke",
        "--dir",
        path(&dir),
        "--serial",
        serial,
        "--reason",
        "key-compromise",
        "--now",
        now,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let out = inkan(&[
        "revoke",
        "--dir",
        path(&dir),
        "--serial",
        serial,
        "--reason",
        "no-such-reason",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out).contains("key-compromise, key-loss, cessation-of-use, developer-removed, other"),
        "{}",
        text(&out)
    );

    let out = inkan_in(
        &[
            "crl",
            "--dir",
            path(&dir),
            "--now",
            now,
            "--pem",
            "--out",
            path(&crl),
        ],
        &shares,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));

    let out = inkan(&["ca-certs", "--dir", path(&dir)]);
    let pem = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(pem.matches("BEGIN CERTIFICATE").count(), 2);

    // R-7.1-SUB, R-7.2-CRL in CI: everything the CA issued, as JUnit XML (two CA
    // certificates, the two subscriber certificates, the CRL).
    let junit = inkan(&[
        "check",
        "--policy",
        "jpcert-ssl-client",
        "--ca",
        path(&dir),
        "--format",
        "junit",
    ]);
    assert_eq!(junit.status.code(), Some(0), "{}", text(&junit));
    assert!(
        text(&junit).contains("tests=\"5\" failures=\"0\""),
        "{}",
        text(&junit)
    );
    let strict = inkan(&[
        "check",
        "--policy",
        "jpcert-ssl-client-2026",
        "--ca",
        path(&dir),
        "--format",
        "junit",
    ]);
    assert_eq!(strict.status.code(), Some(1));
    assert!(
        text(&strict).contains("<failure message="),
        "{}",
        text(&strict)
    );
    // A directory: the CA certificates, the subscriber certificate and the CRL; keys are skipped.
    let files = inkan(&[
        "check",
        "--policy",
        "jpcert-ssl-client",
        "--dir",
        path(tmp.path()),
    ]);
    assert_eq!(files.status.code(), Some(0), "{}", text(&files));
    assert_eq!(text(&files).matches("ok: ").count(), 4, "{}", text(&files));
    assert!(text(&files).contains("skipping"), "{}", text(&files));

    let out = inkan(&[
        "check",
        "--policy",
        "jpcert-ssl-client",
        "--cert",
        path(&cert),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let out = inkan(&[
        "check",
        "--policy",
        "jpcert-ssl-client",
        "--crl",
        path(&crl),
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(text(&out).contains("\"conforms\": true"));
    let out = inkan(&[
        "check",
        "--policy",
        "jpcert-ssl-client-2026",
        "--cert",
        path(&cert),
        "--profile",
        "ssl-client",
    ]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "a faithful certificate does not conform to the 2026 profile"
    );
    assert!(text(&out).contains("requires 2048"), "{}", text(&out));

    // R-9.6-RP-CHECK: a relying party with the published CA certificates and CRL
    // refuses the revoked certificate; with a stale CRL it refuses to judge.
    let bundle = tmp.path().join("ca-certs.pem");
    std::fs::write(&bundle, &pem).expect("bundle written");
    let rp_with = |crl: &Path, at: &str, extra: &[&str]| {
        let mut args = vec![
            "verify",
            "--policy",
            "jpcert-ssl-client",
            "--ca-certs",
            path(&bundle),
            "--crl",
            path(crl),
            "--now",
            at,
            path(&cert),
        ];
        args.extend_from_slice(extra);
        inkan(&args)
    };
    let rp = |crl: &Path, at: &str| rp_with(crl, at, &[]);
    let out = rp(&crl, now);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("refused: revoked: serial"),
        "{}",
        text(&out)
    );
    assert!(text(&out).contains("(reason code 1)"), "{}", text(&out));
    assert!(
        text(&out).contains("(CPS 9.6: latest-crl)"),
        "{}",
        text(&out)
    );
    let out = rp(&crl, "2026-12-26T09:00:00Z");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("stale CRL"), "{}", text(&out));
    assert!(
        text(&out).contains("(CPS 9.6: latest-crl)"),
        "{}",
        text(&out)
    );
    let out = rp(&tmp.path().join("missing.crl"), now);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    // With a cache, a CRL is fetched once and reused until its nextUpdate, even when
    // its source is gone.
    let cached_copy = tmp.path().join("cached-source.pem");
    std::fs::copy(&crl, &cached_copy).expect("copied");
    let cache = tmp.path().join("crl-cache");
    let cached = || rp_with(&cached_copy, now, &["--crl-cache", path(&cache)]);
    let out = cached();
    assert!(text(&out).contains("CRL fetched from"), "{}", text(&out));
    std::fs::remove_file(&cached_copy).expect("removed");
    let out = cached();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("CRL from the cache"), "{}", text(&out));
    assert!(text(&out).contains("refused: revoked"), "{}", text(&out));
}

#[test]
fn a_store_url_with_a_password_is_refused_and_nothing_is_made() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().join("ca");
    for (url, says) in [
        (
            "postgres://inkan:secret@127.0.0.1/ca",
            "INKAN_STORE_PASSWORD",
        ),
        ("mysql://127.0.0.1/ca", "expected `sqlite`"),
    ] {
        let out = inkan(&[
            "init",
            "--software-keys-for-testing",
            "--dir",
            path(&dir),
            "--policy",
            "jpcert-ssl-client",
            "--store",
            url,
        ]);
        assert_eq!(out.status.code(), Some(1), "{url}");
        assert!(text(&out).contains(says), "{}", text(&out));
        assert!(!text(&out).contains("secret"), "the password is not echoed");
        assert!(!dir.exists(), "a refused init leaves nothing behind");
    }
}

#[test]
fn now_is_refused_without_clock_override() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().join("ca");
    let out = inkan(&[
        "init",
        "--software-keys-for-testing",
        "--dir",
        path(&dir),
        "--policy",
        "jpcert-ssl-client",
        "--now",
        "2026-01-01T00:00:00Z",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(!dir.exists(), "a refused init leaves nothing behind");
    assert_eq!(
        inkan(&[
            "init",
            "--software-keys-for-testing",
            "--dir",
            path(&dir),
            "--policy",
            "jpcert-ssl-client"
        ])
        .status
        .code(),
        Some(0)
    );
    let out = inkan_in(
        &["crl", "--dir", path(&dir), "--now", "2030-01-01T00:00:00Z"],
        "",
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out).contains("--allow-clock-override"),
        "{}",
        text(&out)
    );
}

/// Proves: R-1.3-HIERARCHY.
#[test]
fn quickstart_ends_with_openssl_agreeing() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let out = inkan(&["quickstart", "--dir", path(&tmp.path().join("qs"))]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(text(&out).contains("openssl agrees with everything inkan issued"));
}

/// The CA events that happen outside software (room entry and exit, system access,
/// security file operations) are recorded by a person with `inkan audit record`, in the
/// same hash-chained log; an event the software records itself is refused.
/// Proves: R-5.4-CA-EVENTS.
#[test]
fn r_5_4_ca_events_a_person_records_what_happens_outside_software() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().join("ca");
    let init = inkan(&[
        "init",
        "--software-keys-for-testing",
        "--dir",
        path(&dir),
        "--policy",
        "jpcert-ssl-client",
    ]);
    assert_eq!(init.status.code(), Some(0), "{}", text(&init));
    let record = |event: &str| {
        inkan(&[
            "audit",
            "record",
            "--dir",
            path(&dir),
            "--event",
            event,
            "--person",
            "Kei Kato",
            "--note",
            "door 2, 09:10-09:40",
            "--by",
            "custodian-1",
        ])
    };
    let out = record("ca-room-entry");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let out = record("certificate-issued");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("R-5.4-CA-EVENTS"), "{}", text(&out));
    let db = rusqlite::Connection::open(dir.join("ca.sqlite")).expect("sqlite");
    let (actor, details): (String, String) = db
        .query_row(
            "SELECT actor, details FROM audit WHERE event = 'ca-room-entry'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("the entry is in the log");
    assert_eq!(actor, "custodian-1");
    assert!(
        details.contains("Kei Kato") && details.contains("door 2"),
        "{details}"
    );
    let ok = inkan(&["audit", "verify", "--dir", path(&dir)]);
    assert_eq!(ok.status.code(), Some(0), "{}", text(&ok));
}

/// An entry of the hash-chained log edited in the database is found by `inkan audit
/// verify`, which names it and exits 1.
/// Proves: R-5.4-PROTECT.
#[test]
fn r_5_4_protect_audit_verify_fails_on_a_tampered_log() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().join("ca");
    assert_eq!(
        inkan(&[
            "init",
            "--software-keys-for-testing",
            "--dir",
            path(&dir),
            "--policy",
            "jpcert-ssl-client"
        ])
        .status
        .code(),
        Some(0)
    );
    let ok = inkan(&["audit", "verify", "--dir", path(&dir)]);
    assert_eq!(ok.status.code(), Some(0), "{}", text(&ok));
    let status = Command::new("python3")
        .args(["-c", "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute(\"UPDATE audit SET actor='mallory' WHERE seq=1\"); c.commit()"])
        .arg(dir.join("ca.sqlite"))
        .status()
        .expect("python3 runs");
    assert!(status.success());
    let bad = inkan(&["audit", "verify", "--dir", path(&dir)]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(text(&bad).contains("entry 1 was edited"), "{}", text(&bad));
}

/// Entries removed after the last signed checkpoint, with the recorded head moved
/// back to match, pass the chain and checkpoint checks; a head witnessed before the
/// removal (`inkan audit head`, or /repository/audit-head) finds them gone.
/// Proves: R-5.4-PROTECT.
#[test]
fn r_5_4_protect_a_witnessed_head_finds_entries_removed_after_the_last_checkpoint() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().join("ca");
    let init = inkan(&[
        "init",
        "--software-keys-for-testing",
        "--dir",
        path(&dir),
        "--policy",
        "jpcert-ssl-client",
    ]);
    assert_eq!(init.status.code(), Some(0), "{}", text(&init));
    // Entries after the last checkpoint: people record CA events with the CA locked.
    for person in ["A", "B", "C"] {
        let out = inkan(&[
            "audit",
            "record",
            "--dir",
            path(&dir),
            "--event",
            "ca-room-entry",
            "--person",
            person,
            "--by",
            "fay",
        ]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    }
    let head = inkan(&["audit", "head", "--dir", path(&dir)]);
    assert_eq!(head.status.code(), Some(0), "{}", text(&head));
    let witnessed = String::from_utf8_lossy(&head.stdout).trim().to_string();
    let ok = inkan(&[
        "audit",
        "verify",
        "--dir",
        path(&dir),
        "--witnessed",
        &witnessed,
    ]);
    assert_eq!(ok.status.code(), Some(0), "{}", text(&ok));
    assert!(
        text(&ok).contains("1 witnessed head(s) found"),
        "{}",
        text(&ok)
    );
    // Someone with the database removes the tail and moves the head back.
    let status = Command::new("python3")
        .args(["-c", "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); m=c.execute('SELECT max(seq) FROM audit_checkpoints').fetchone()[0]; c.execute('DELETE FROM audit WHERE seq > ?', (m,)); c.execute(\"UPDATE meta SET value=? WHERE key='audit_head'\", (str(m),)); c.commit()"])
        .arg(dir.join("ca.sqlite"))
        .status()
        .expect("python3 runs");
    assert!(status.success());
    let blind = inkan(&["audit", "verify", "--dir", path(&dir)]);
    assert_eq!(
        blind.status.code(),
        Some(0),
        "the chain alone cannot tell: {}",
        text(&blind)
    );
    let found = inkan(&[
        "audit",
        "verify",
        "--dir",
        path(&dir),
        "--witnessed",
        &witnessed,
    ]);
    assert_eq!(found.status.code(), Some(1), "{}", text(&found));
    assert!(
        text(&found).contains("is gone: entries were removed"),
        "{}",
        text(&found)
    );
    let garbled = inkan(&[
        "audit",
        "verify",
        "--dir",
        path(&dir),
        "--witnessed",
        "12:zz",
    ]);
    assert_eq!(garbled.status.code(), Some(1), "{}", text(&garbled));
}

#[test]
fn policy_diff_exit_status_says_whether_artefacts_change() {
    let faithful = root().join("policy/jpcert-ssl-client.yaml");
    let modern = root().join("policy/jpcert-ssl-client-2026.yaml");
    let out = inkan(&["policy", "diff", path(&faithful), path(&modern)]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("ssl-client: key size 1024 -> 2048 [R-6.1-KEY-SIZE]"));
    let same = inkan(&["policy", "diff", path(&faithful), path(&faithful)]);
    assert_eq!(same.status.code(), Some(0));
    assert!(text(&same).contains("no differences in meaning"));
    let json = inkan(&[
        "policy",
        "diff",
        "--format",
        "json",
        path(&faithful),
        path(&modern),
    ]);
    assert!(String::from_utf8_lossy(&json.stdout).contains("\"affects_artefacts\":true"));
    let tmp = tempfile::tempdir().expect("temp dir");
    let broken = broken_policy(
        tmp.path(),
        "oid: 1.2.392.200212.1.1.1\n",
        "oid: 1.2.392.2OO212.1.1.1\n",
    );
    assert_eq!(
        inkan(&["policy", "diff", path(&faithful), path(&broken)])
            .status
            .code(),
        Some(2),
        "an invalid revision cannot be compared"
    );
}

#[test]
fn policy_diff_reads_two_git_revisions() {
    let out = Command::new(env!("CARGO_BIN_EXE_inkan"))
        .args([
            "policy",
            "diff",
            "--git",
            "HEAD",
            "HEAD",
            "policy/jpcert-ssl-client.yaml",
        ])
        .current_dir(root())
        .output()
        .expect("inkan runs");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(text(&out).contains("no differences in meaning"));
}

/// An auditor compares revisions across a change of the policy language: a revision
/// written before `ra.passwords` and `may` existed still reads, and the diff says what
/// it did not state; run as a policy, the same revision is refused.
#[test]
fn policy_diff_reads_revisions_that_predate_a_key() {
    let current = std::fs::read_to_string(root().join("policy/jpcert-ssl-client.yaml"))
        .expect("the faithful policy");
    // The revision as it was: no `may` lists, no `passwords`, `workflows` or `forms`
    // block.
    let mut old = String::new();
    let mut in_passwords = false;
    for line in current.lines() {
        if line.starts_with("  passwords:")
            || line.starts_with("  workflows:")
            || line.starts_with("  forms:")
        {
            in_passwords = true;
            continue;
        }
        if in_passwords && line.starts_with("    ") {
            continue;
        }
        in_passwords = false;
        if line.trim_start().starts_with("may:") || line.starts_with("        - ") {
            continue;
        }
        old.push_str(line);
        old.push('\n');
    }
    assert!(old.len() < current.len() - 400, "the keys were taken out");
    let tmp = tempfile::tempdir().expect("temp dir");
    let file = tmp.path().join("jpcert-ssl-client.yaml");
    std::fs::write(&file, &old).expect("write");
    let current = root().join("policy/jpcert-ssl-client.yaml");
    let out = inkan(&["policy", "diff", path(&file), path(&current)]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let t = text(&out);
    assert!(t.contains("warning[missing-passwords]"), "{t}");
    assert!(t.contains("warning[missing-workflows]"), "{t}");
    assert!(t.contains("warning[missing-forms]"), "{t}");
    assert!(
        t.contains("revocation form: subscriber-name added: text"),
        "the forms the revision lacked are reported: {t}"
    );
    assert!(
        t.contains("workflow revocation-by-form: workflow added: kind of case: revocation"),
        "the workflows the revision lacked are reported: {t}"
    );
    assert!(t.contains("lifetime (not stated) -> 14 days"), "{t}");
    assert!(t.contains("role operator: may added:"), "{t}");
    let out = inkan(&["policy", "check", path(&file)]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("error[missing-passwords]"),
        "{}",
        text(&out)
    );
}
