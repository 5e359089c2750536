//! Faults injected into a running CA (issue 7): the database failing in the middle of
//! issuance (a trigger that aborts the statement, as a full disk or a lost connection
//! would), and a clock going backwards. Each test names what it injected and checks that
//! nothing was issued that is not recorded, nothing recorded was lost, the failure was
//! audited, and the CA works again once the fault clears.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use inkan_runtime::ca::Ca;
use inkan_tests::{at, fixture, fixture_ca, request};

/// (serial, status, has DER) of every subscriber record.
fn records(db: &rusqlite::Connection) -> Vec<(String, String, bool)> {
    let mut stmt = db
        .prepare("SELECT serial, status, der IS NOT NULL FROM certificates WHERE subject_cn IS NOT NULL ORDER BY rowid")
        .unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<rusqlite::Result<Vec<_>>>()
        .unwrap()
}

/// Opens the CA's database and makes every statement `when` names abort.
fn inject(tmp: &std::path::Path, when: &str) -> rusqlite::Connection {
    let db = rusqlite::Connection::open(tmp.join("ca/ca.sqlite")).unwrap();
    db.execute_batch(&format!(
        "CREATE TRIGGER injected {when} BEGIN SELECT RAISE(ABORT, 'injected fault'); END;"
    ))
    .unwrap();
    db
}

fn last_event(ca: &Ca) -> inkan_runtime::audit::Entry {
    ca.store().audit_entries().unwrap().pop().unwrap()
}

/// Injected: every UPDATE that would record a signed certificate aborts, after the TBS
/// was recorded and signed. Checked: the certificate is not returned, its record stays
/// pending with its TBS (so an operator can revoke it), `issuance-failed` is audited
/// naming it, and issuance works once the fault clears.
#[test]
fn the_database_failing_after_signing_loses_nothing_and_recovers() {
    let now = at("2026-04-01T09:00:00Z");
    let (tmp, mut ca) = fixture_ca("jpcert-ssl-client", now);
    let csr = fixture("sub1-1024.csr.pem");
    let db = inject(tmp.path(), "BEFORE UPDATE OF der ON certificates");
    let err = ca.issue(&request(&csr, 31, 1), now).unwrap_err();
    let cause = inkan_runtime::error::report(&err);
    assert!(cause.contains("injected fault"), "{cause}");
    assert_eq!(
        err.kind(),
        inkan_runtime::error::ErrorKind::Unavailable,
        "nothing was issued or spent: try again later ({cause})"
    );
    let left = records(&db);
    assert_eq!(left.len(), 1);
    assert_eq!((left[0].1.as_str(), left[0].2), ("pending", false));
    let event = last_event(&ca);
    assert_eq!(event.event, "issuance-failed");
    assert!(
        event.details.contains(&left[0].0) && event.details.contains("complete"),
        "{}",
        event.details
    );
    assert_eq!(ca.pending().unwrap().len(), 1);

    db.execute_batch("DROP TRIGGER injected;").unwrap();
    let issued = ca.issue(&request(&csr, 31, 1), now).unwrap();
    assert_ne!(issued.serial, left[0].0, "a serial is never reused");
    ca.revoke(&left[0].0, "other", now, "operator").unwrap();
    let crl = ca.crl(None, now, "operator").unwrap();
    let (_, parsed) = x509_parser::parse_x509_crl(&crl.der).unwrap();
    assert!(
        parsed
            .iter_revoked_certificates()
            .any(|r| hex::encode(r.raw_serial()) == left[0].0),
        "the pending record is on the CRL"
    );
}

/// Injected: the INSERT that records a TBS before signing aborts. Checked: nothing is
/// signed or recorded, the failure is audited, and issuance works once it clears.
#[test]
fn the_database_failing_before_signing_signs_nothing_and_recovers() {
    let now = at("2026-04-01T09:00:00Z");
    let (tmp, mut ca) = fixture_ca("jpcert-ssl-client-2026", now);
    let csr = fixture("sub1-2048.csr.pem");
    let db = inject(tmp.path(), "BEFORE INSERT ON certificates");
    let results = ca
        .issue_many(&[request(&csr, 31, 1), request(&csr, 31, 2)], now)
        .unwrap();
    assert!(results.iter().all(Result::is_err), "{results:?}");
    assert!(
        records(&db).is_empty(),
        "nothing recorded, so nothing signed"
    );
    let event = last_event(&ca);
    assert_eq!(event.event, "issuance-failed");
    assert!(event.details.contains("record"), "{}", event.details);

    db.execute_batch("DROP TRIGGER injected;").unwrap();
    let issued = ca.issue(&request(&csr, 31, 1), now).unwrap();
    assert_eq!(
        records(&db),
        vec![(issued.serial, "issued".to_string(), true)]
    );
}

/// Injected: one item of a batch's signing fan-out panics (the `test-hooks` feature), as
/// a signer's or an encoder's bug would. Checked: the caller gets an answer for every
/// request, not the panic; the other requests are issued and recorded whole; the lost
/// one's record stays pending (so an operator can revoke it) and `issuance-failed` is
/// audited naming it; the next batch issues normally.
#[test]
fn a_signing_panic_loses_its_own_request_alone_and_audits_it() {
    let now = at("2026-04-01T09:00:00Z");
    let (tmp, mut ca) = fixture_ca("jpcert-ssl-client-2026", now);
    let csr = fixture("sub1-2048.csr.pem");
    let db = rusqlite::Connection::open(tmp.path().join("ca/ca.sqlite")).unwrap();
    ca.panic_while_signing(1).unwrap();
    let requests: Vec<_> = (1..=4).map(|person| request(&csr, 32, person)).collect();
    let results = ca.issue_many(&requests, now).unwrap();
    assert_eq!(results.len(), 4);
    assert!(results[1].is_err(), "{:?}", results[1]);
    let issued: Vec<_> = [0, 2, 3]
        .map(|i| results[i].as_ref().unwrap().serial.clone())
        .into();
    let left = records(&db);
    assert_eq!(left.len(), 4, "{left:?}");
    for (serial, status, has_der) in &left {
        if issued.contains(serial) {
            assert_eq!((status.as_str(), *has_der), ("issued", true), "{serial}");
        } else {
            assert_eq!((status.as_str(), *has_der), ("pending", false), "{serial}");
            let event = last_event(&ca);
            assert_eq!(event.event, "issuance-failed");
            assert!(
                event.details.contains(serial.as_str()) && event.details.contains("panicked"),
                "{}",
                event.details
            );
        }
    }
    assert_eq!(ca.pending().unwrap().len(), 1);
    let again = ca.issue_many(&requests[..2], now).unwrap();
    assert!(again.iter().all(Result::is_ok), "{again:?}");
}

/// Injected: the clock goes back an hour between two CRLs. Checked: the second CRL is
/// refused with nothing signed, `crl-refused` is audited, and once the clock is past the
/// newest CRL the next one takes the next number.
/// Proves: R-7.2-CRL.
#[test]
fn r_7_2_crl_a_clock_gone_backwards_publishes_no_older_crl() {
    let now = at("2026-04-01T09:00:00Z");
    let (_tmp, mut ca) = fixture_ca("jpcert-ssl-client", now);
    assert_eq!(ca.crl(None, now, "scheduler").unwrap().number, 1);
    match ca.crl(None, at("2026-04-01T08:00:00Z"), "scheduler") {
        Err(inkan_runtime::Error::ClockBehind { .. }) => {}
        other => panic!("expected a refusal, got {other:?}"),
    }
    let event = last_event(&ca);
    assert_eq!(event.event, "crl-refused");
    assert!(event.details.contains("clock"), "{}", event.details);
    assert_eq!(
        ca.crl(None, at("2026-04-01T10:00:00Z"), "scheduler")
            .unwrap()
            .number,
        2
    );
}
