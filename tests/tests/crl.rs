//! CRLs over random sequences of issue / revoke / advance-time: every CRL has
//! cRLNumber = previous + 1, nextUpdate = thisUpdate + 4 days, exactly the revoked
//! unexpired serials with the policy's reason codes, and a signature that verifies.
//! Checked with x509-parser against the compiler's model (R-7.2-CRL, R-4.9-REASONS).

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::collections::BTreeMap;

use chrono::TimeZone as _;
use inkan_compiler::model::{CrlExtension, ReasonCode, UnspecifiedReason};
use inkan_runtime::ca::{Csr, IssueRequest};
use inkan_runtime::calendar::Timestamp;
use inkan_tests::{at, cps_expect, fixture, fixture_ca, hex_of, model, request};
use proptest::prelude::*;
use x509_parser::prelude::*;

#[derive(Debug, Clone)]
enum Op {
    Issue,
    Revoke(usize, usize),
    Advance(i64),
    Crl,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => Just(Op::Issue),
        3 => (0usize..64, 0usize..5).prop_map(|(i, r)| Op::Revoke(i, r)),
        2 => (1i64..(400 * 24)).prop_map(Op::Advance),
        3 => Just(Op::Crl),
    ]
}

fn run(id: &str, bits: u32, ops: &[Op]) {
    let m = model(id);
    let crl_model = m.crl_for("ssl-clients").unwrap();
    let reasons = &m.revocation.as_ref().unwrap().reasons;
    let (_tmp, mut ca) = fixture_ca(id, at("2026-04-01T00:00:00Z"));
    let issuer_der = ca.ca_certificates().unwrap().pop().unwrap();
    let (_, issuer) = X509Certificate::from_der(&issuer_der).unwrap();
    let mut now = at("2026-04-01T00:00:00Z");
    // serial -> (notAfter, revoked reason)
    let mut issued: Vec<(String, Timestamp)> = Vec::new();
    let mut revoked: BTreeMap<String, (Timestamp, ReasonCode)> = BTreeMap::new();
    // The same revocations by reason name, for the hand-transcribed CPS oracle.
    let mut revoked_as: BTreeMap<String, &str> = BTreeMap::new();
    let mut last_number = 0u64;
    for (n, op) in ops.iter().chain([&Op::Crl]).enumerate() {
        match op {
            Op::Issue => {
                let csr = fixture(&format!("sub{}-{bits}.csr.pem", n % 3 + 1));
                let req = IssueRequest {
                    actor: "test",
                    csr: Csr::Encoded(&csr),
                    profile: None,
                    fields: vec![("developer".into(), n as u64), ("person".into(), 1)],
                };
                if let Ok(c) = ca.issue(&req, now) {
                    let (_, cert) = X509Certificate::from_der(&c.der).unwrap();
                    issued.push((
                        c.serial,
                        Timestamp::from_unix(cert.validity().not_after.timestamp()).unwrap(),
                    ));
                }
            }
            Op::Revoke(i, r) => {
                if issued.is_empty() {
                    continue;
                }
                let (serial, _) = &issued[i % issued.len()];
                let reason = &reasons[r % reasons.len()];
                match ca.revoke(serial, &reason.name, now, "test") {
                    Ok(()) => {
                        revoked.insert(serial.clone(), (now, reason.code));
                        revoked_as.insert(serial.clone(), &reason.name);
                    }
                    Err(inkan_runtime::Error::AlreadyRevoked(_)) => {
                        assert!(revoked.contains_key(serial))
                    }
                    Err(e) => panic!("revoke: {e}"),
                }
            }
            Op::Advance(hours) => now = Timestamp::from_unix(now.unix() + hours * 3600).unwrap(),
            Op::Crl => {
                let crl = match ca.crl(None, now, "test") {
                    Ok(c) => c,
                    // Past the issuing CA's life: refused, and nothing may be recorded.
                    Err(inkan_runtime::Error::IssuerNotValid(_)) => continue,
                    Err(e) => panic!("crl: {e}"),
                };
                let (rest, parsed) = CertificateRevocationList::from_der(&crl.der).unwrap();
                assert!(rest.is_empty());
                let tbs = &parsed.tbs_cert_list;
                assert_eq!(tbs.version, Some(X509Version::V2));
                assert_eq!(
                    tbs.signature.algorithm.to_id_string(),
                    crl_model.signature.oid()
                );
                assert_eq!(tbs.issuer.as_raw(), issuer.tbs_certificate.subject.as_raw());
                let number = parsed
                    .crl_number()
                    .unwrap()
                    .to_u64_digits()
                    .first()
                    .copied()
                    .unwrap_or(0);
                assert_eq!(number, last_number + 1, "cRLNumber goes up by exactly one");
                assert_eq!(number, crl.number);
                last_number = number;
                assert_eq!(tbs.this_update.timestamp(), now.unix());
                let next = tbs.next_update.unwrap().timestamp();
                assert_eq!(
                    next - now.unix(),
                    i64::from(crl_model.next_update.days) * 86_400,
                    "nextUpdate = thisUpdate + 4d"
                );
                // Extensions: cRLNumber (+ AKI), all non-critical.
                let want_exts = crl_model.extensions.len();
                assert_eq!(tbs.extensions().len(), want_exts);
                assert!(tbs.extensions().iter().all(|e| !e.critical));
                assert_eq!(
                    tbs.extensions()
                        .iter()
                        .any(|e| e.oid.to_id_string() == "2.5.29.35"),
                    crl_model
                        .extensions
                        .contains(&CrlExtension::AuthorityKeyIdentifier)
                );
                // Entries: exactly the revoked, unexpired serials.
                let want: Vec<&String> = revoked
                    .keys()
                    .filter(|s| issued.iter().any(|(i, na)| i == *s && *na >= now))
                    .collect();
                let got: Vec<String> = parsed
                    .iter_revoked_certificates()
                    .map(|r| hex_of(r.raw_serial()))
                    .collect();
                assert_eq!(
                    got.iter().collect::<Vec<_>>(),
                    want,
                    "revoked unexpired serials"
                );
                if want.is_empty() {
                    assert!(tbs.revoked_certificates.is_empty());
                }
                for entry in parsed.iter_revoked_certificates() {
                    let (when, code) = revoked[&hex_of(entry.raw_serial())];
                    assert_eq!(entry.revocation_date.timestamp(), when.unix());
                    let want_code = (code != ReasonCode::Unspecified
                        || crl_model.unspecified_reason == UnspecifiedReason::Include)
                        .then_some(code.value());
                    assert_eq!(
                        entry.reason_code().map(|(_, c)| c.0),
                        want_code,
                        "reasonCode of {}",
                        hex_of(entry.raw_serial())
                    );
                }
                assert!(
                    parsed.verify_signature(issuer.public_key()).is_ok(),
                    "CRL signature verifies"
                );
                let utc = |t: Timestamp| chrono::Utc.timestamp_opt(t.unix(), 0).unwrap();
                let against_cps = cps_expect::check_crl(&cps_expect::Crl {
                    policy: id,
                    der: &crl.der,
                    issuer_der: &issuer_der,
                    this_update: utc(now),
                    number,
                    revoked: want
                        .iter()
                        .map(|s| {
                            let (when, _) = revoked[*s];
                            (
                                (*s).clone(),
                                utc(when),
                                cps_expect::reason_code(revoked_as[*s]),
                            )
                        })
                        .collect(),
                });
                assert!(against_cps.is_empty(), "against the CPS: {against_cps:#?}");
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, ..ProptestConfig::default() })]

    /// Proves: R-7.2-CRL, R-4.9-REASONS.
    #[test]
    fn r_7_2_crl_every_crl_matches_the_policy_faithful(ops in prop::collection::vec(op(), 1..40)) {
        run("jpcert-ssl-client", 1024, &ops);
    }

    /// Proves: R-4.9-REASONS.
    #[test]
    fn every_crl_matches_the_2026_policy(ops in prop::collection::vec(op(), 1..40)) {
        run("jpcert-ssl-client-2026", 2048, &ops);
    }
}

/// Proves: R-4.9-REASONS.
#[test]
fn r_4_9_reasons_map_to_rfc_5280_codes() {
    let m = model("jpcert-ssl-client");
    let codes: Vec<(&str, u8)> = m
        .revocation
        .as_ref()
        .unwrap()
        .reasons
        .iter()
        .map(|r| (r.name.as_str(), r.code.value()))
        .collect();
    assert_eq!(
        codes,
        [
            ("key-compromise", 1),
            ("key-loss", 0),
            ("cessation-of-use", 5),
            ("developer-removed", 3),
            ("other", 0)
        ]
    );
    run(
        "jpcert-ssl-client",
        1024,
        &[
            Op::Issue,
            Op::Issue,
            Op::Revoke(0, 1),
            Op::Revoke(1, 0),
            Op::Crl,
        ],
    );
}

/// certificateHold (RFC 5280 reason 6) is no reason of the policy (R-4.9-NO-HOLD): a
/// revocation asking for it is refused, by any spelling, and the certificate stays
/// unrevoked.
/// Proves: R-4.9-NO-HOLD.
#[test]
fn r_4_9_no_hold_a_hold_is_refused_and_the_certificate_stays_valid() {
    let now = at("2026-04-01T00:00:00Z");
    let (_tmp, mut ca) = fixture_ca("jpcert-ssl-client", now);
    let issued = ca
        .issue(&request(&fixture("sub1-1024.csr.pem"), 1, 1), now)
        .unwrap();
    assert!(
        ca.policy().definition().reasons.iter().all(|r| r.code != 6),
        "no reason of the policy maps to certificateHold"
    );
    for reason in ["certificate-hold", "certificateHold", "hold"] {
        assert!(
            matches!(
                ca.revoke(&issued.serial, reason, now, "test"),
                Err(inkan_runtime::Error::Policy(_))
            ),
            "{reason} was accepted"
        );
    }
    let record = ca.store().certificate(&issued.serial).unwrap().unwrap();
    assert!(record.revoked.is_none(), "the certificate stays valid");
}

/// A serial the CA never issued, or one that is not hexadecimal, is refused by name.
#[test]
fn unknown_and_malformed_serials_are_refused() {
    let (_tmp, mut ca) = fixture_ca("jpcert-ssl-client", at("2026-04-01T00:00:00Z"));
    assert!(matches!(
        ca.revoke("0123", "other", at("2026-05-01T00:00:00Z"), "test"),
        Err(inkan_runtime::Error::UnknownSerial(_))
    ));
    assert!(matches!(
        ca.revoke("zz", "other", at("2026-05-01T00:00:00Z"), "test"),
        Err(inkan_runtime::Error::UnknownSerial(_))
    ));
}

/// A CRL is signed only while its issuing CA is valid: at its notBefore and at its
/// notAfter (RFC 5280 4.1.2.5 includes both), never a second outside, and a refusal
/// records nothing.
#[test]
fn crls_are_signed_only_within_the_issuing_cas_validity() {
    let (_tmp, mut ca) = fixture_ca("jpcert-ssl-client", at("2026-04-01T00:00:00Z"));
    let issuer_der = ca.ca_certificates().unwrap().pop().unwrap();
    let (_, issuer) = X509Certificate::from_der(&issuer_der).unwrap();
    let valid = issuer.validity();
    let (first, last) = (valid.not_before.timestamp(), valid.not_after.timestamp());
    let t = |unix: i64| Timestamp::from_unix(unix).unwrap();
    let refused =
        |r: inkan_runtime::Result<_>| matches!(r, Err(inkan_runtime::Error::IssuerNotValid(_)));
    assert!(refused(ca.crl(None, t(first - 1), "test")));
    assert_eq!(ca.crl(None, t(first), "test").unwrap().number, 1);
    assert_eq!(ca.crl(None, t(last), "test").unwrap().number, 2);
    assert!(refused(ca.crl(None, t(last + 1), "test")));
    let newest = ca
        .store()
        .latest_crl("ssl-clients")
        .unwrap()
        .map(|(n, _)| n);
    assert_eq!(newest, Some(2));
}

/// A CA at `now` with one certificate revoked and listed on CRL 1, whose revocation
/// was then erased from the store behind the CA's back (damage, or an edit): the
/// directory, the CA and the certificate.
fn a_revocation_erased_after_crl_1(
    now: Timestamp,
) -> (
    tempfile::TempDir,
    inkan_runtime::ca::Ca,
    inkan_runtime::ca::Issued,
) {
    let (tmp, mut ca) = fixture_ca("jpcert-ssl-client", now);
    let csr = fixture("sub1-1024.csr.pem");
    let issued = ca
        .issue(
            &IssueRequest {
                actor: "test",
                csr: Csr::Encoded(&csr),
                profile: None,
                fields: vec![("developer".into(), 1), ("person".into(), 1)],
            },
            now,
        )
        .unwrap();
    ca.revoke(&issued.serial, "key-loss", now, "test").unwrap();
    assert_eq!(ca.crl(None, now, "test").unwrap().number, 1);
    let db = rusqlite::Connection::open(tmp.path().join("ca/ca.sqlite")).unwrap();
    let changed = db
        .execute(
            "UPDATE certificates SET revoked_at = NULL, reason_code = NULL WHERE serial = ?1",
            [&issued.serial],
        )
        .unwrap();
    assert_eq!(changed, 1);
    (tmp, ca, issued)
}

/// A revocation that vanished from the store (damage, or an edit behind the CA's back)
/// must not vanish from the CRL: the next CRL is refused, nothing is signed or
/// recorded, and the refusal is audited (R-7.2-CRL).
#[test]
fn a_crl_that_would_drop_a_revoked_unexpired_certificate_is_refused() {
    let (_tmp, mut ca, issued) = a_revocation_erased_after_crl_1(at("2026-04-01T00:00:00Z"));
    let later = at("2026-04-02T00:00:00Z");
    match ca.crl(None, later, "scheduler") {
        Err(inkan_runtime::Error::CrlWouldDropRevoked { previous, missing }) => {
            assert_eq!(previous, 1);
            assert_eq!(missing, issued.serial);
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert_eq!(
        ca.store()
            .latest_crl("ssl-clients")
            .unwrap()
            .map(|(n, _)| n),
        Some(1),
        "no CRL 2 was recorded"
    );
    let last = ca.store().audit_entries().unwrap().pop().unwrap();
    assert_eq!(
        (last.event.as_str(), last.actor.as_str()),
        ("crl-refused", "scheduler")
    );
    assert!(last.details.contains(&issued.serial), "{}", last.details);
}

/// A certificate is valid through its notAfter second (RFC 5280 4.1.2.5), so a
/// revocation that vanished from the store is still refused on a CRL made at that very
/// second; one second later the certificate has expired and may leave the CRL
/// (R-7.2-CRL continuity, at its edge).
#[test]
fn a_vanished_revocation_is_refused_until_the_certificate_expires() {
    let (_tmp, mut ca, issued) = a_revocation_erased_after_crl_1(at("2026-04-01T00:00:00Z"));
    let (_, cert) = X509Certificate::from_der(&issued.der).unwrap();
    let last = cert.validity().not_after.timestamp();
    let t = |unix: i64| Timestamp::from_unix(unix).unwrap();
    assert!(matches!(
        ca.crl(None, t(last), "test"),
        Err(inkan_runtime::Error::CrlWouldDropRevoked { .. })
    ));
    assert_eq!(ca.crl(None, t(last + 1), "test").unwrap().number, 2);
}

/// A CertificateList listing `serials` in the given order (signature not checked by
/// the continuity walk).
fn list_of(serials: &[Vec<u8>]) -> Vec<u8> {
    use der::Encode as _;
    use x509_cert::crl::{CertificateList, RevokedCert, TbsCertList};
    let time = inkan_runtime::x509::time(at("2026-04-01T00:00:00Z")).unwrap();
    let tbs = TbsCertList {
        version: x509_cert::certificate::Version::V2,
        signature: inkan_runtime::policy::SignatureAlgorithm::Sha256WithRsa.identifier(),
        issuer: x509_cert::name::Name::default(),
        this_update: time,
        next_update: Some(time),
        revoked_certificates: (!serials.is_empty()).then(|| {
            serials
                .iter()
                .map(|s| RevokedCert {
                    serial_number: x509_cert::serial_number::SerialNumber::new(s).unwrap(),
                    revocation_date: time,
                    crl_entry_extensions: None,
                })
                .collect()
        }),
        crl_extensions: None,
    };
    CertificateList::<x509_cert::certificate::Rfc5280> {
        tbs_cert_list: tbs,
        signature_algorithm: inkan_runtime::policy::SignatureAlgorithm::Sha256WithRsa.identifier(),
        signature: der::asn1::BitString::from_bytes(&[1, 2, 3]).unwrap(),
    }
    .to_der()
    .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// R-7.2-CRL continuity: whatever the previous CRL's order, the serials it lists and
    /// the new entries do not are exactly the set difference (the side-by-side walk for
    /// ordered lists, the fallback for unordered ones).
    #[test]
    fn dropped_serials_are_the_set_difference(
        old in proptest::collection::btree_set(1u32..400, 0..40),
        new in proptest::collection::btree_set(1u32..400, 0..40),
        shuffle in any::<bool>(),
    ) {
        let bytes = |n: u32| {
            let v = format!("{:02x}{:02x}", 0x10 + (n >> 8), n & 0xff);
            hex::decode(v).unwrap()
        };
        let mut previous: Vec<Vec<u8>> = old.iter().map(|&n| bytes(n)).collect();
        if shuffle {
            previous.reverse();
        }
        let profile = &inkan_tests::policy("jpcert-ssl-client").definition().crls[0];
        let entries = inkan_runtime::crl::Entries::collect(profile, |each| {
            for &n in &new {
                each(inkan_runtime::store::Revoked {
                    serial: hex::encode(bytes(n)),
                    revoked_at: at("2026-04-01T00:00:00Z"),
                    reason_code: 1,
                })?;
            }
            Ok(())
        })
        .unwrap();
        let mut gone = inkan_runtime::crl::dropped_serials(&list_of(&previous), &entries).unwrap();
        gone.sort();
        let want: Vec<String> = old.difference(&new).map(|&n| hex::encode(bytes(n))).collect();
        prop_assert_eq!(gone, want);
    }
}
