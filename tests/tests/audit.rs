//! The audit log records every CA event of R-5.4-CA-EVENTS the runtime sees, detects
//! tampering with the stored log (R-5.4-PROTECT), and purges only what its retention
//! period allows, auditing the purge and still verifying afterwards (R-5.4-RETENTION).

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use inkan_runtime::ca::{Ca, Csr, IssueRequest};
use inkan_runtime::calendar::{Span, Timestamp};
use inkan_tests::{at, fixture, fixture_ca};

/// A CA that issued two certificates, revoked one and published a CRL.
fn busy_ca() -> (tempfile::TempDir, Ca) {
    let now = at("2026-05-01T00:00:00Z");
    let (tmp, mut ca) = fixture_ca("jpcert-ssl-client", at("2026-04-01T00:00:00Z"));
    let mut serials = Vec::new();
    for person in 1..=2 {
        let csr = fixture(&format!("sub{person}-1024.csr.pem"));
        let req = IssueRequest {
            actor: "test",
            csr: Csr::Encoded(&csr),
            profile: None,
            fields: vec![("developer".into(), 1), ("person".into(), person)],
        };
        serials.push(ca.issue(&req, now).unwrap().serial);
    }
    ca.revoke(&serials[0], "key-loss", now, "operator-1")
        .unwrap();
    ca.crl(None, now, "scheduler").unwrap();
    (tmp, ca)
}

fn db(tmp: &tempfile::TempDir) -> rusqlite::Connection {
    rusqlite::Connection::open(tmp.path().join("ca/ca.sqlite")).unwrap()
}

fn problems(tmp: &tempfile::TempDir) -> Vec<String> {
    let ca = Ca::open(&tmp.path().join("ca"), &|id| inkan_policies::by_id(id)).unwrap();
    ca.verify_audit().unwrap().problems
}

/// Proves: R-5.4-CA-EVENTS.
#[test]
fn r_5_4_ca_events_are_recorded_with_actor_and_without_secrets() {
    let (_tmp, ca) = busy_ca();
    let entries = ca.store().audit_entries().unwrap();
    let events: Vec<(&str, &str)> = entries
        .iter()
        .map(|e| (e.event.as_str(), e.actor.as_str()))
        .collect();
    assert_eq!(
        events,
        [
            ("certificate-issued", "init"),
            ("certificate-issued", "init"),
            ("ca-initialised", "init"),
            ("custody-waived", "init"),
            ("certificate-issued", "test"),
            ("certificate-issued", "test"),
            ("certificate-revoked", "operator-1"),
            ("crl-created", "scheduler"),
        ]
    );
    assert!(
        entries
            .iter()
            .all(|e| !e.details.contains("PRIVATE") && !e.details.contains("BEGIN"))
    );
    assert!(ca.verify_audit().unwrap().ok());
}

/// Proves: R-5.4-PROTECT.
#[test]
fn r_5_4_protect_an_edited_entry_is_detected() {
    let (tmp, _ca) = busy_ca();
    let conn = db(&tmp);
    conn.execute("UPDATE audit SET details = replace(details, 'key-loss', 'other') WHERE event = 'certificate-revoked'", []).unwrap();
    let seq: i64 = conn
        .query_row(
            "SELECT seq FROM audit WHERE event = 'certificate-revoked'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let p = problems(&tmp);
    assert!(
        p.iter()
            .any(|p| p.contains(&format!("entry {seq} was edited"))),
        "{p:?}"
    );
}

/// Proves: R-5.4-PROTECT.
#[test]
fn r_5_4_protect_a_deleted_entry_is_detected() {
    let (tmp, _ca) = busy_ca();
    db(&tmp)
        .execute("DELETE FROM audit WHERE seq = 4", [])
        .unwrap();
    let p = problems(&tmp);
    assert!(
        p.iter().any(|p| p.contains("entries 4..4 are missing")),
        "{p:?}"
    );
}

/// Proves: R-5.4-PROTECT.
#[test]
fn r_5_4_protect_reordered_entries_are_detected() {
    let (tmp, _ca) = busy_ca();
    let conn = db(&tmp);
    conn.execute("UPDATE audit SET seq = 100 WHERE seq = 4", [])
        .unwrap();
    conn.execute("UPDATE audit SET seq = 4 WHERE seq = 5", [])
        .unwrap();
    conn.execute("UPDATE audit SET seq = 5 WHERE seq = 100", [])
        .unwrap();
    let p = problems(&tmp);
    assert!(p.iter().any(|p| p.contains("does not follow")), "{p:?}");
}

/// Proves: R-5.4-PROTECT.
#[test]
fn r_5_4_protect_a_truncated_log_is_detected() {
    let (tmp, _ca) = busy_ca();
    let conn = db(&tmp);
    let head: i64 = conn
        .query_row("SELECT max(seq) FROM audit", [], |r| r.get(0))
        .unwrap();
    conn.execute("DELETE FROM audit WHERE seq >= ?1", [head - 1])
        .unwrap();
    let p = problems(&tmp);
    assert!(p.iter().any(|p| p.contains("truncated")), "{p:?}");
    // Even if the recorded head is rewound too, the signed checkpoint still tells.
    conn.execute(
        "UPDATE meta SET value = ?1 WHERE key = 'audit_head'",
        [(head - 2).to_string()],
    )
    .unwrap();
    let p = problems(&tmp);
    assert!(
        p.iter()
            .any(|p| p.contains(&format!("signed checkpoint covers entry {head}"))),
        "{p:?}"
    );
}

/// Proves: R-5.4-PROTECT.
#[test]
fn r_5_4_protect_a_forged_checkpoint_is_detected() {
    let (tmp, _ca) = busy_ca();
    let conn = db(&tmp);
    let changed = conn
        .execute(
            "UPDATE audit_checkpoints SET signature = zeroblob(64) \
             WHERE seq = (SELECT max(seq) FROM audit_checkpoints)",
            [],
        )
        .unwrap();
    assert_eq!(changed, 1);
    assert!(problems(&tmp).iter().any(|p| p.contains("does not verify")));
}

fn later(t: &str, span: Span) -> Timestamp {
    at(t).checked_add(span).unwrap()
}

/// Proves: R-5.4-RETENTION.
#[test]
fn r_5_4_retention_purge_removes_nothing_younger_than_its_period() {
    let (_tmp, mut ca) = busy_ca();
    // One day on, nothing has reached its retention period (2 months at the least).
    let purged = ca
        .purge_audit(
            later(
                "2026-05-01T00:00:00Z",
                Span {
                    days: 1,
                    ..Span::default()
                },
            ),
            "test",
        )
        .unwrap();
    assert_eq!(purged.removed, 0);
    // Three months on, the security events have, but the first lifecycle entry (5 years)
    // heads the chain, and only a prefix can go.
    let purged = ca
        .purge_audit(
            later(
                "2026-05-01T00:00:00Z",
                Span {
                    months: 3,
                    ..Span::default()
                },
            ),
            "test",
        )
        .unwrap();
    assert_eq!(purged.removed, 0);
    assert!(ca.verify_audit().unwrap().ok());
}

/// Proves: R-5.4-PROTECT.
#[test]
fn a_purge_after_five_years_is_audited_and_the_chain_still_verifies() {
    let (_tmp, mut ca) = busy_ca();
    let before = ca.store().audit_entries().unwrap().len() as u64;
    let purged = ca
        .purge_audit(
            later(
                "2026-05-01T00:00:00Z",
                Span {
                    years: 5,
                    days: 1,
                    ..Span::default()
                },
            ),
            "auditor",
        )
        .unwrap();
    assert_eq!(purged.removed, before);
    let entries = ca.store().audit_entries().unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(
        (entries[0].event.as_str(), entries[0].seq),
        ("audit-purged", before + 1)
    );
    assert!(
        entries[0]
            .details
            .contains(&format!("\"removed\":\"{before}\""))
    );
    let report = ca.verify_audit().unwrap();
    assert!(report.ok(), "{:?}", report.problems);
}
