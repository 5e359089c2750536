//! The `inkan` command on a PostgreSQL store. Runs when `INKAN_TEST_POSTGRES` names a
//! server (`cargo xtask test` runs it in its PostgreSQL leg; without it the test says
//! so and passes): `init --store` records the URL in `inkan.toml` and makes no SQLite
//! file, every later command finds the database through it, and a second init into a
//! database that holds a CA is refused without touching that CA.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

use common::*;

#[test]
fn a_ca_on_postgresql_lives_through_the_cli_and_a_second_init_leaves_it_alone() {
    let Some(url) = inkan_tests::test_store() else {
        eprintln!("INKAN_TEST_POSTGRES is not set: nothing to run here (cargo xtask test sets it)");
        return;
    };
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().join("ca");
    let now = "2026-11-26T09:00:00Z";
    let init = |dir: &std::path::Path| {
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
            "--store",
            &url,
        ])
    };
    let out = init(&dir);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        !dir.join("ca.sqlite").exists(),
        "the state is in PostgreSQL"
    );
    let config = std::fs::read_to_string(dir.join("inkan.toml")).unwrap();
    assert!(config.contains(&format!("store = \"{url}\"")), "{config}");
    let shares = shares_of(&out);

    let csr = root().join("tests/fixtures/sub1-1024.csr.pem");
    let cert = tmp.path().join("sub.pem");
    let out = issue(&dir, &csr, ("123456", "000001"), now, &cert, &shares);
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
        now,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));

    // A second CA pointed at the same database: refused, and nothing of it is made.
    let other = tmp.path().join("other");
    let out = init(&other);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("already holds a CA"), "{}", text(&out));
    assert!(!other.exists(), "a refused init leaves nothing behind");

    // The first CA is whole: it publishes a CRL and its audit chain verifies.
    let out = inkan_in(&["crl", "--dir", path(&dir), "--now", now], &shares);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let out = inkan(&["audit", "verify", "--dir", path(&dir)]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}

/// Runs inkan with extra environment, the rest inherited.
fn inkan_env(args: &[&str], env: &[(&str, &std::path::Path)]) -> std::process::Output {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_inkan"));
    command.args(args).env_remove("INKAN_STORE_CA");
    for (k, v) in env {
        command.env(k, v);
    }
    command.output().expect("the inkan binary runs")
}

/// Runs with the test cluster's CA (`INKAN_TEST_POSTGRES_CA`, set by `.ci/postgres`): a
/// URL asking for TLS without a CA file is refused; with a CA that did not sign the
/// database's certificate the handshake is refused; with the right one the CA is made
/// over TLS (required: the connector never falls back to plain text).
#[test]
fn the_store_is_reached_over_verified_tls_or_not_at_all() {
    let (Some(url), Some(database_ca)) = (
        inkan_tests::test_store(),
        std::env::var_os("INKAN_TEST_POSTGRES_CA"),
    ) else {
        eprintln!(
            "INKAN_TEST_POSTGRES(_CA) not set: nothing to run here (cargo xtask test sets them)"
        );
        return;
    };
    let database_ca = std::path::PathBuf::from(database_ca);
    // The certificate names localhost; TLS is asked for in the URL.
    let url = format!("{}?sslmode=require", url.replace("127.0.0.1", "localhost"));
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().join("ca");
    let init = |env: &[(&str, &std::path::Path)]| {
        inkan_env(
            &[
                "init",
                "--software-keys-for-testing",
                "--dir",
                path(&dir),
                "--policy",
                "jpcert-ssl-client",
                "--store",
                &url,
            ],
            env,
        )
    };

    let out = init(&[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("INKAN_STORE_CA"), "{}", text(&out));
    assert!(!dir.exists());

    // Another CA (self-signed over a fixture key): the database's certificate does not
    // chain to it.
    let wrong = tmp.path().join("wrong-ca.pem");
    let made = std::process::Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-days",
            "1",
            "-subj",
            "/CN=not-the-database-ca",
            "-key",
        ])
        .arg(root().join("tests/fixtures/ca-root-2048.key.pem"))
        .arg("-out")
        .arg(&wrong)
        .status()
        .expect("openssl runs");
    assert!(made.success());
    let out = init(&[("INKAN_STORE_CA", &wrong)]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("TLS"), "{}", text(&out));
    assert!(!dir.exists());

    let out = init(&[("INKAN_STORE_CA", &database_ca)]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let out = inkan_env(
        &["audit", "verify", "--dir", path(&dir)],
        &[("INKAN_STORE_CA", &database_ca)],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}
