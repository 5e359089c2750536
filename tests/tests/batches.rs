//! Batches through `Ca::issue_many`: each good request issued with its own name and
//! audit entry in request order, a bad one refused on its own, and a request checked
//! before its batch counted only for the profile it was checked for.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use inkan_runtime::Error;
use inkan_runtime::ca::{Csr, IssueRequest};
use inkan_tests::{at, both_oracles, fixture, fixture_ca, model};

/// A batch (an application form's holders): every good request is issued with its own
/// name, checked by the oracle, recorded and audited; a bad request in the middle is
/// refused on its own and costs the others nothing (R-4.2-PROMPT, R-3.1-UNIQUE).
/// Proves: R-5.4-CA-EVENTS.
#[test]
fn a_batch_issues_each_good_request_and_refuses_the_bad_one_alone() {
    use x509_cert::der::Decode as _;
    for (id, bits) in [
        ("jpcert-ssl-client", 1024),
        ("jpcert-ssl-client-2026", 2048),
    ] {
        let now = at("2026-04-01T09:00:00Z");
        let (_tmp, mut ca) = fixture_ca(id, now);
        let good = fixture(&format!("sub1-{bits}.csr.pem"));
        let garbage =
            b"-----BEGIN CERTIFICATE REQUEST-----\nnot one\n-----END CERTIFICATE REQUEST-----\n"
                .to_vec();
        let requests: Vec<IssueRequest<'_>> = (0..7u64)
            .map(|i| IssueRequest {
                actor: "batch",
                csr: Csr::Encoded(if i == 3 { &garbage } else { &good }),
                profile: None,
                fields: vec![("developer".into(), 77), ("person".into(), i % 2 + 1)],
            })
            .collect();
        let results = ca.issue_many(&requests, now).unwrap();
        assert_eq!(results.len(), 7);
        assert!(results[3].is_err(), "{id}: the garbage request is refused");
        let m = model(id);
        let mut names = std::collections::BTreeSet::new();
        // Letters go in request order, per person; the refused request spent none.
        let letters = [
            (1, 'a'),
            (2, 'a'),
            (1, 'b'),
            (0, ' '),
            (1, 'c'),
            (2, 'b'),
            (1, 'd'),
        ];
        for (issued, (person, letter)) in results
            .iter()
            .zip(letters)
            .filter_map(|(r, l)| r.as_ref().ok().map(|i| (i, l)))
        {
            let bad = both_oracles(
                &ca,
                &m,
                &issued.der,
                now,
                &format!("SSL-000077-{person:06}-2026{letter}"),
            );
            assert!(bad.is_empty(), "{id}: {bad:#?}");
            let record = ca.store().certificate(&issued.serial).unwrap().unwrap();
            assert_eq!(
                record.der.as_deref(),
                Some(issued.der.as_slice()),
                "{id}: recorded as signed"
            );
            assert!(
                names.insert(issued.subject.clone()),
                "{id}: names are unique"
            );
        }
        assert_eq!(names.len(), 6);
        // One certificate-issued entry per certificate, naming its own serial, subject
        // and expiry (the entries are made beside the signatures, on every core).
        let mut audited: Vec<(String, String, String, String)> = ca
            .store()
            .audit_entries()
            .unwrap()
            .into_iter()
            .filter(|e| e.event == "certificate-issued" && e.actor == "batch")
            .map(|e| {
                let d: serde_json::Value = serde_json::from_str(&e.details).unwrap();
                let field = |k: &str| d[k].as_str().unwrap_or_default().to_string();
                (
                    field("serial"),
                    field("subject"),
                    field("profile"),
                    field("not_after"),
                )
            })
            .collect();
        let mut expected: Vec<(String, String, String, String)> = results
            .iter()
            .filter_map(|r| r.as_ref().ok())
            .map(|issued| {
                let cert = x509_cert::Certificate::from_der(&issued.der).unwrap();
                let not_after =
                    inkan_runtime::x509::timestamp(&cert.tbs_certificate().validity().not_after)
                        .unwrap();
                (
                    issued.serial.clone(),
                    issued.subject.clone(),
                    "ssl-client".to_string(),
                    not_after.to_string(),
                )
            })
            .collect();
        audited.sort();
        expected.sort();
        assert_eq!(
            audited, expected,
            "{id}: one certificate-issued entry each, its own"
        );
        // The batch says where its time went (the benchmark's per-step profile).
        let timings = ca.last_batch().unwrap();
        assert_eq!(timings.requests, 7, "{id}");
        assert!(
            timings.sign > std::time::Duration::ZERO,
            "{id}: {timings:?}"
        );
    }
}

/// A request checked before the batch (the server checks each subscriber's as it
/// arrives) is issued without a second check, in its place in the request order; one
/// checked for another policy's profile of the same name (the faithful policy's
/// RSA-1024 `ssl-client`) is refused in a 2026 batch and spends no letter.
#[test]
fn a_request_checked_before_the_batch_counts_only_for_its_own_profile() {
    let now = at("2026-04-01T09:00:00Z");
    let (_tmp, mut ca) = fixture_ca("jpcert-ssl-client-2026", now);
    let ours_csr = fixture("sub1-2048.csr.pem");
    let theirs_csr = fixture("sub1-1024.csr.pem");
    let profile = |id: &str| {
        inkan_policies::by_id(id)
            .unwrap()
            .certificate("ssl-client")
            .unwrap()
    };
    let ours = inkan_runtime::csr::check(&ours_csr, profile("jpcert-ssl-client-2026")).unwrap();
    let theirs = inkan_runtime::csr::check(&theirs_csr, profile("jpcert-ssl-client")).unwrap();
    let csrs = [
        Csr::Checked(&ours),
        Csr::Encoded(&ours_csr),
        Csr::Checked(&theirs),
        Csr::Checked(&ours),
    ];
    let requests: Vec<IssueRequest<'_>> = csrs
        .into_iter()
        .map(|csr| IssueRequest {
            actor: "batch",
            csr,
            profile: None,
            fields: vec![("developer".into(), 77), ("person".into(), 1)],
        })
        .collect();
    let results = ca.issue_many(&requests, now).unwrap();
    match &results[2] {
        Err(Error::BadRequest(m)) => assert!(m.contains("another profile"), "{m}"),
        other => panic!("the other policy's checked request: {other:?}"),
    }
    let m = model("jpcert-ssl-client-2026");
    for (i, letter) in [(0, 'a'), (1, 'b'), (3, 'c')] {
        let issued = results[i].as_ref().unwrap();
        let bad = both_oracles(
            &ca,
            &m,
            &issued.der,
            now,
            &format!("SSL-000077-000001-2026{letter}"),
        );
        assert!(bad.is_empty(), "request {i}: {bad:#?}");
    }
}
