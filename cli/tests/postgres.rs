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
    let out = inkan_in(
        &[
            "issue",
            "--dir",
            path(&dir),
            "--csr",
            path(&csr),
            "--developer",
            "123456",
            "--person",
            "000001",
            "--now",
            now,
            "--out",
            path(&tmp.path().join("sub.pem")),
        ],
        &shares,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let log = text(&out);
    let serial = log
        .split("issued serial ")
        .nth(1)
        .and_then(|s| s.split(' ').next())
        .expect("serial printed")
        .to_string();
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
