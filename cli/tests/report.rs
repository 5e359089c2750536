//! `inkan audit report` from the command line: a CA whose CRLs came 30 hours apart is
//! reported violated on R-4.9-CRL-24H with the entries, in JSON a tool can read; the
//! exit status says so; `--out` never writes over a file; a wrong format or an empty
//! period is refused with a clear error.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

use common::*;

fn crl(dir: &std::path::Path, now: &str, out: &std::path::Path, shares: &str) {
    let o = inkan_in(
        &["crl", "--dir", path(dir), "--now", now, "--out", path(out)],
        shares,
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
}

#[test]
fn the_report_names_a_late_crl_and_says_so_in_its_exit_status() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().join("ca");
    let init = init_at(&dir, "2026-11-02T00:00:00Z");
    assert_eq!(init.status.code(), Some(0), "{}", text(&init));
    let shares = shares_of(&init);
    let csr = root().join("tests/fixtures/sub1-1024.csr.pem");
    let cert = tmp.path().join("sub.pem");
    let out = issue(
        &dir,
        &csr,
        ("123456", "000001"),
        "2026-11-02T01:00:00Z",
        &cert,
        &shares,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    crl(
        &dir,
        "2026-11-02T02:00:00Z",
        &tmp.path().join("1.crl"),
        &shares,
    );
    crl(
        &dir,
        "2026-11-03T08:00:00Z",
        &tmp.path().join("2.crl"),
        &shares,
    );
    crl(
        &dir,
        "2026-11-04T07:00:00Z",
        &tmp.path().join("3.crl"),
        &shares,
    );
    let report = |extra: &[&str]| {
        let mut args = vec![
            "audit",
            "report",
            "--dir",
            path(&dir),
            "--from",
            "2026-11-02",
            "--to",
            "2026-11-03",
            "--now",
            "2026-11-04T08:00:00Z",
        ];
        args.extend_from_slice(extra);
        inkan(&args)
    };
    let json = report(&["--format", "json"]);
    assert_eq!(json.status.code(), Some(1), "{}", text(&json));
    assert!(
        String::from_utf8_lossy(&json.stderr).contains("R-4.9-CRL-24H"),
        "the violated rules are named: {}",
        text(&json)
    );
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    // Tokyo days: November 2 00:00 JST is November 1 15:00 UTC.
    assert_eq!(v["period"]["from"], "2026-11-01T15:00:00Z");
    assert_eq!(v["period"]["to"], "2026-11-03T15:00:00Z");
    let rule = |id: &str| {
        v["rules"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == id)
            .unwrap()
            .clone()
    };
    assert_eq!(rule("R-4.9-CRL-24H")["verdict"], "violated");
    assert_eq!(rule("R-7.1-SUB")["verdict"], "met");
    let gap = &v["findings"][rule("R-4.9-CRL-24H")["findings"][0].as_u64().unwrap() as usize];
    assert_eq!(
        gap["evidence"][0],
        "no `crl-created` for 30 h 00 min from number 1 (entry 12) to number 2 (entry 16)"
    );
    assert_eq!(gap["entries"], serde_json::json!([12, 16]));

    let paper = tmp.path().join("report.html");
    let html = report(&["--format", "html", "--out", path(&paper)]);
    assert_eq!(html.status.code(), Some(1), "{}", text(&html));
    assert!(
        std::fs::read_to_string(&paper)
            .unwrap()
            .contains("R-4.9-CRL-24H")
    );
    let again = report(&["--format", "html", "--out", path(&paper)]);
    assert_eq!(again.status.code(), Some(1));
    assert!(text(&again).contains("File exists"), "{}", text(&again));

    let bad = report(&["--format", "xml"]);
    assert!(
        text(&bad).contains("--format is html, json or md"),
        "{}",
        text(&bad)
    );
    let empty = inkan(&[
        "audit",
        "report",
        "--dir",
        path(&dir),
        "--from",
        "2026-11-03",
        "--to",
        "2026-11-02",
    ]);
    assert!(
        text(&empty).contains("the period is empty"),
        "{}",
        text(&empty)
    );
}
