//! The relying party's check (R-9.6-RP-CHECK), end to end: a CA built from fixture
//! keys issues, revokes and publishes CRLs, and [`Verifier`] is given only what a
//! relying party has (the published CA certificates and CRLs). Each test flips one
//! fact and expects the matching refusal.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use inkan_runtime::ca::{Ca, IssueRequest, Issued};
use inkan_runtime::calendar::Timestamp;
use inkan_runtime::verify::{Refusal, Verifier};
use inkan_tests::{at, fixture, fixture_ca, policy};

const ID: &str = "jpcert-ssl-client";

fn issue(ca: &mut Ca, developer: u64, now: Timestamp) -> Issued {
    let csr = fixture("sub1-1024.csr.pem");
    let req = IssueRequest {
        actor: "test",
        csr: &csr,
        profile: None,
        fields: vec![("developer".into(), developer), ("person".into(), 1)],
    };
    ca.issue(&req, now).unwrap()
}

fn verifier(ca: &Ca) -> Verifier {
    Verifier::from_der(policy(ID), &ca.ca_certificates().unwrap()).unwrap()
}

fn days(t: Timestamp, d: i64) -> Timestamp {
    Timestamp::from_unix(t.unix() + d * 86_400).unwrap()
}

/// Proves: R-9.6-RP-CHECK.
#[test]
fn r_9_6_rp_check_accepts_a_good_certificate_and_refuses_it_once_revoked() {
    let t0 = at("2026-04-01T09:00:00Z");
    let (_tmp, mut ca) = fixture_ca(ID, t0);
    let cert = issue(&mut ca, 7, t0);
    let rp = verifier(&ca);
    assert_eq!(
        rp.load_crl(&ca.crl(None, t0, "test").unwrap().der, t0),
        Ok(1)
    );
    let ok = rp.verify(&cert.der, days(t0, 1)).unwrap();
    assert_eq!(ok.serial, cert.serial);
    assert_eq!(ok.subject, cert.subject);

    let t1 = days(t0, 2);
    ca.revoke(&cert.serial, "key-compromise", t1, "test")
        .unwrap();
    // Until the next CRL, the relying party cannot know: the check is only as
    // fresh as the CRL (R-4.9-CRL-FREQ bounds the gap).
    assert!(rp.verify(&cert.der, t1).is_ok());
    assert_eq!(
        rp.load_crl(&ca.crl(None, t1, "test").unwrap().der, t1),
        Ok(2)
    );
    match rp.verify(&cert.der, t1) {
        Err(Refusal::Revoked { serial, reason, .. }) => {
            assert_eq!(serial, cert.serial);
            assert_eq!(reason, Some(1), "keyCompromise is reason code 1");
        }
        other => panic!("expected Revoked, got {other:?}"),
    }
}

/// Proves: R-9.6-RP-CHECK.
#[test]
fn r_9_6_rp_check_refuses_when_no_crl_was_loaded() {
    let t0 = at("2026-04-01T09:00:00Z");
    let (_tmp, mut ca) = fixture_ca(ID, t0);
    let cert = issue(&mut ca, 7, t0);
    assert_eq!(verifier(&ca).verify(&cert.der, t0), Err(Refusal::NoCrl));
}

/// Proves: R-9.6-RP-CHECK.
#[test]
fn r_9_6_rp_check_refuses_a_crl_past_its_next_update() {
    let t0 = at("2026-04-01T09:00:00Z");
    let (_tmp, mut ca) = fixture_ca(ID, t0);
    let cert = issue(&mut ca, 7, t0);
    let crl = ca.crl(None, t0, "test").unwrap().der;
    let rp = verifier(&ca);
    rp.load_crl(&crl, t0).unwrap();
    // nextUpdate is thisUpdate + 4 days (R-7.2-CRL); a day later it is stale.
    let late = days(t0, 5);
    assert!(matches!(
        rp.verify(&cert.der, late),
        Err(Refusal::StaleCrl { .. })
    ));
    assert!(matches!(
        verifier(&ca).load_crl(&crl, late),
        Err(Refusal::StaleCrl { .. })
    ));
}

/// Proves: R-9.6-RP-CHECK.
#[test]
fn r_9_6_rp_check_refuses_an_older_crl_after_a_newer_one() {
    let t0 = at("2026-04-01T09:00:00Z");
    let (_tmp, mut ca) = fixture_ca(ID, t0);
    let first = ca.crl(None, t0, "test").unwrap().der;
    let second = ca.crl(None, days(t0, 1), "test").unwrap().der;
    let rp = verifier(&ca);
    let now = days(t0, 1);
    assert_eq!(rp.load_crl(&second, now), Ok(2));
    assert_eq!(
        rp.load_crl(&first, now),
        Err(Refusal::CrlNumberWentBack {
            seen: 2,
            offered: 1
        })
    );
    assert_eq!(
        rp.crl_state().map(|(n, _)| n),
        Some(2),
        "the newer CRL stays"
    );
}

/// Proves: R-9.6-RP-CHECK.
#[test]
fn r_9_6_rp_check_refuses_a_tampered_crl() {
    let t0 = at("2026-04-01T09:00:00Z");
    let (_tmp, mut ca) = fixture_ca(ID, t0);
    let mut crl = ca.crl(None, t0, "test").unwrap().der;
    let last = crl.len() - 1;
    crl[last] ^= 1;
    assert!(matches!(
        verifier(&ca).load_crl(&crl, t0),
        Err(Refusal::BadCrl(_))
    ));
}

/// Proves: R-9.6-RP-CHECK.
#[test]
fn r_9_6_rp_check_refuses_an_expired_or_not_yet_valid_certificate() {
    let t0 = at("2026-04-01T09:00:00Z");
    let (_tmp, mut ca) = fixture_ca(ID, t0);
    let cert = issue(&mut ca, 7, t0);
    let rp = verifier(&ca);
    // Subscriber certificates end on 30 April of the next fiscal year (R-7.1-SUB-VALIDITY).
    let after = at("2027-05-01T00:00:00Z");
    rp.load_crl(&ca.crl(None, after, "test").unwrap().der, after)
        .unwrap();
    assert!(matches!(
        rp.verify(&cert.der, after),
        Err(Refusal::Expired { .. })
    ));
    let before = at("2026-03-31T00:00:00Z");
    assert!(matches!(
        rp.verify(&cert.der, before),
        Err(Refusal::NotYetValid { .. })
    ));
}

#[test]
fn refuses_what_the_issuing_ca_did_not_sign() {
    let t0 = at("2026-04-01T09:00:00Z");
    let (_tmp, mut ca) = fixture_ca(ID, t0);
    let cert = issue(&mut ca, 7, t0);
    let rp = verifier(&ca);
    rp.load_crl(&ca.crl(None, t0, "test").unwrap().der, t0)
        .unwrap();
    // A flipped bit in the signature.
    let mut forged = cert.der.clone();
    let last = forged.len() - 1;
    forged[last] ^= 1;
    assert!(matches!(
        rp.verify(&forged, t0),
        Err(Refusal::NotChained(_))
    ));
    // A CA certificate is not a subscriber's: the issuing CA's own certificate was
    // signed by the root, not by itself.
    let issuing = ca.ca_certificates().unwrap().pop().unwrap();
    assert!(matches!(
        rp.verify(&issuing, t0),
        Err(Refusal::NotChained(_))
    ));
    assert!(matches!(
        rp.verify(b"not DER", t0),
        Err(Refusal::Malformed(_))
    ));
}

#[test]
fn takes_a_crl_from_a_slightly_fast_ca_clock_but_not_from_the_future() {
    let t0 = at("2026-04-01T09:00:00Z");
    let (_tmp, mut ca) = fixture_ca(ID, t0);
    let crl = ca.crl(None, t0, "test").unwrap().der;
    let minute_behind = Timestamp::from_unix(t0.unix() - 60).unwrap();
    assert_eq!(verifier(&ca).load_crl(&crl, minute_behind), Ok(1));
    let day_behind = days(t0, -1);
    assert!(matches!(
        verifier(&ca).load_crl(&crl, day_behind),
        Err(Refusal::BadCrl(_))
    ));
}

/// Every refusal of the CPS 9.6 checks says which of the faithful policy's
/// relying-party checks it failed, and a refusal that is none of them (a forgery, a
/// certificate for another use) claims none; the policy lists exactly the two checks
/// the verifier makes.
/// Proves: R-9.6-RP-CHECK.
#[test]
fn r_9_6_rp_check_each_refusal_names_the_policys_check() {
    use inkan_runtime::lifecycle::RpCheck;
    let t0 = at("2026-04-01T09:00:00Z");
    let (_tmp, mut ca) = fixture_ca(ID, t0);
    let cert = issue(&mut ca, 7, t0);
    let rp = verifier(&ca);
    let no_crl = rp.verify(&cert.der, t0).unwrap_err();
    rp.load_crl(&ca.crl(None, t0, "test").unwrap().der, t0)
        .unwrap();
    let expired = rp
        .verify(&cert.der, at("2027-05-01T00:00:00Z"))
        .unwrap_err();
    let early = rp
        .verify(&cert.der, at("2026-03-31T00:00:00Z"))
        .unwrap_err();
    let stale = rp.verify(&cert.der, days(t0, 40)).unwrap_err();
    let forged = rp.verify(b"not DER", t0).unwrap_err();
    let issuing = ca.ca_certificates().unwrap().pop().unwrap();
    let not_ours = rp.verify(&issuing, t0).unwrap_err();
    for (r, check) in [
        (&no_crl, Some(RpCheck::LatestCrl)),
        (&expired, Some(RpCheck::ValidityPeriod)),
        (&early, Some(RpCheck::ValidityPeriod)),
        (&stale, Some(RpCheck::LatestCrl)),
        (&forged, None),
        (&not_ours, None),
    ] {
        assert_eq!(r.check(), check, "{r}");
    }
    let asked = policy(ID).definition().lifecycle.unwrap().relying_parties;
    assert_eq!(asked, [RpCheck::ValidityPeriod, RpCheck::LatestCrl]);
}
