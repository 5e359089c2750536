//! The relying party's check (R-9.6-RP-CHECK), end to end: a CA built from fixture
//! keys issues, revokes and publishes CRLs, and [`Verifier`] is given only what a
//! relying party has (the published CA certificates and CRLs). Each test flips one
//! fact and expects the matching refusal.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use inkan_runtime::ca::{Ca, Csr, IssueRequest, Issued};
use inkan_runtime::calendar::Timestamp;
use inkan_runtime::verify::{CLOCK_SKEW_SECONDS, Refusal, Verifier};
use inkan_tests::{at, fixture, fixture_ca, policy, request};

const ID: &str = "jpcert-ssl-client";

fn issue(ca: &mut Ca, developer: u64, now: Timestamp) -> Issued {
    let csr = fixture("sub1-1024.csr.pem");
    let req = IssueRequest {
        actor: "test",
        csr: Csr::Encoded(&csr),
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
///
/// The verifier holds a CRL's entries as their DER with an index sorted by serial:
/// among forty certificates, each of the thirteen revoked (with three reasons, at
/// different times) is found with its own date and reason, and each other one passes.
#[test]
fn r_9_6_rp_check_finds_every_revoked_serial_among_many() {
    let t0 = at("2026-04-01T09:00:00Z");
    let (_tmp, mut ca) = fixture_ca(ID, t0);
    let certs: Vec<Issued> = (1..=40).map(|d| issue(&mut ca, 100 + d, t0)).collect();
    let reasons = [
        ("key-compromise", 1),
        ("developer-removed", 3),
        ("cessation-of-use", 5),
    ];
    let mut expected = std::collections::HashMap::new();
    for (k, cert) in certs.iter().enumerate().filter(|(k, _)| k % 3 == 1) {
        let (reason, code) = reasons[k % reasons.len()];
        let when = Timestamp::from_unix(t0.unix() + 60 * k as i64).unwrap();
        ca.revoke(&cert.serial, reason, when, "test").unwrap();
        expected.insert(cert.serial.clone(), (when, code));
    }
    let t1 = days(t0, 1);
    let rp = verifier(&ca);
    rp.load_crl(&ca.crl(None, t1, "test").unwrap().der, t1)
        .unwrap();
    assert_eq!(expected.len(), 13);
    for cert in &certs {
        match (rp.verify(&cert.der, t1), expected.get(&cert.serial)) {
            (Ok(v), None) => assert_eq!(v.serial, cert.serial),
            (Err(Refusal::Revoked { serial, at, reason }), Some((when, code))) => {
                assert_eq!(serial, cert.serial);
                assert_eq!(at, when.to_string());
                assert_eq!(reason, Some(*code), "{serial}");
            }
            (other, want) => panic!("{}: got {other:?}, expected revoked {want:?}", cert.serial),
        }
    }
    // A CRL with a byte after it is not a CRL.
    let mut trailing = ca.crl(None, days(t0, 2), "test").unwrap().der;
    trailing.push(0);
    assert!(matches!(
        rp.load_crl(&trailing, days(t0, 2)),
        Err(Refusal::BadCrl(_))
    ));
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

/// The issuing CA's certificate with bytes of its TBS replaced (`at` the first place
/// `find` occurs, `offset` bytes in, set to `value`), signed again with the root's
/// fixture key, so it still chains to the root but says something else.
fn resigned_ica(ica: &[u8], find: &[u8], offset: usize, value: &[u8]) -> Vec<u8> {
    resigned(ica, find, offset, value, "ca-root-1024.key.pem")
}

/// As [`resigned_ica`], for any certificate, signed again with the fixture `key`.
fn resigned(cert: &[u8], find: &[u8], offset: usize, value: &[u8], key: &str) -> Vec<u8> {
    use rsa::Pkcs1v15Sign;
    use rsa::pkcs8::DecodePrivateKey as _;
    let mut der = cert.to_vec();
    let at = der
        .windows(find.len())
        .position(|w| w == find)
        .expect("the pattern is in the certificate")
        + offset;
    der[at..at + value.len()].copy_from_slice(value);
    // The TBS is the first element of the outer SEQUENCE; lengths are unchanged.
    let header_len = |at: usize| match der[at + 1] {
        short if short < 0x80 => (2, usize::from(short)),
        long => {
            let n = usize::from(long & 0x7f);
            let len = der[at + 2..at + 2 + n]
                .iter()
                .fold(0usize, |acc, b| acc * 256 + usize::from(*b));
            (2 + n, len)
        }
    };
    let (outer, _) = header_len(0);
    let (inner, len) = header_len(outer);
    let tbs = der[outer..outer + inner + len].to_vec();
    let key = rsa::PrivateKey::from_pkcs8_pem(&String::from_utf8(fixture(key)).unwrap()).unwrap();
    let digest = <sha1::Sha1 as sha1::Digest>::digest(&tbs);
    let signature = key
        .sign(Pkcs1v15Sign::new::<sha1::Sha1>(), &digest)
        .unwrap();
    let n = der.len();
    der[n - signature.len()..].copy_from_slice(&signature);
    der
}

/// A configured issuing CA certificate that says it is not a CA, or that its key may
/// not sign certificates, is refused as a chain even though every signature holds.
/// Proves: R-9.6-RP-CHECK.
#[test]
fn r_9_6_rp_check_a_chain_whose_issuer_is_not_a_ca_is_refused() {
    let t0 = at("2026-04-01T09:00:00Z");
    let (_tmp, mut ca) = fixture_ca(ID, t0);
    let cert = issue(&mut ca, 7, t0);
    let crl = ca.crl(None, t0, "test").unwrap().der;
    let cas = ca.ca_certificates().unwrap();
    // Untouched, re-signed: accepted, so the tampering below is what is refused.
    let same = resigned_ica(&cas[1], &[0x55, 0x1d, 0x13], 0, &[0x55]);
    let rp = Verifier::from_der(policy(ID), &[cas[0].clone(), same]).unwrap();
    rp.load_crl(&crl, t0).unwrap();
    rp.verify(&cert.der, t0).unwrap();
    for (what, find, offset, value) in [
        // basicConstraints' cA TRUE, pathLen 0 (01 01 ff 02 01 00) made FALSE.
        (
            "not a CA",
            &[0x01u8, 0x01, 0xff, 0x02, 0x01, 0x00][..],
            2,
            &[0x00u8][..],
        ),
        // keyUsage keyCertSign|cRLSign (03 02 01 06) made digitalSignature (03 02 07 80).
        (
            "no keyCertSign",
            &[0x03, 0x02, 0x01, 0x06][..],
            2,
            &[0x07, 0x80][..],
        ),
    ] {
        let ica = resigned_ica(&cas[1], find, offset, value);
        let rp = Verifier::from_der(policy(ID), &[cas[0].clone(), ica]).unwrap();
        rp.load_crl(&crl, t0).unwrap();
        match rp.verify(&cert.der, t0) {
            Err(Refusal::NotChained(m)) => {
                assert!(m.contains("is not a CA certificate"), "{what}: {m}")
            }
            other => panic!("{what}: {other:?}"),
        }
    }
    // An issuing CA certificate that expired (its notAfter moved back to 2025) while
    // the subscriber's has not: the chain is not valid now.
    let (_, parsed) = x509_parser::parse_x509_certificate(&cas[1]).unwrap();
    let utc = inkan_tests::utc_time(&parsed.validity().not_after);
    let mut find = vec![0x17, 0x0d];
    find.extend_from_slice(utc.as_bytes());
    let chain_with = |ica: Vec<u8>, at: Timestamp| {
        let rp = Verifier::from_der(policy(ID), &[cas[0].clone(), ica]).unwrap();
        rp.load_crl(&crl, t0).unwrap();
        rp.verify(&cert.der, at)
    };
    match chain_with(resigned_ica(&cas[1], &find, 2, b"25"), t0) {
        Err(Refusal::NotChained(m)) => assert!(m.contains("is not valid now"), "{m}"),
        other => panic!("an expired issuing CA: {other:?}"),
    }
    // One whose notAfter is this very second is still valid now.
    assert!(chain_with(resigned_ica(&cas[1], &find, 2, b"260401090000Z"), t0).is_ok());
    // One not valid until next year is not valid now.
    let (_, parsed) = x509_parser::parse_x509_certificate(&cas[1]).unwrap();
    let mut first_time = vec![0x17, 0x0d];
    first_time.extend_from_slice(inkan_tests::utc_time(&parsed.validity().not_before).as_bytes());
    match chain_with(resigned_ica(&cas[1], &first_time, 2, b"27"), t0) {
        Err(Refusal::NotChained(m)) => assert!(m.contains("is not valid now"), "{m}"),
        other => panic!("an issuing CA not yet valid: {other:?}"),
    }
}

/// A certificate the issuing CA signed that is not the policy's subscriber
/// certificate (here its keyUsage lost keyEncipherment, re-signed with the issuing
/// CA's fixture key) is refused as the wrong usage, and the refusal says which field
/// of the subscriber profile it breaks.
/// Proves: R-9.6-RP-CHECK.
#[test]
fn r_9_6_rp_check_a_certificate_not_of_the_subscriber_profile_is_refused() {
    let t0 = at("2026-04-01T09:00:00Z");
    let (_tmp, mut ca) = fixture_ca(ID, t0);
    let cert = issue(&mut ca, 7, t0);
    let rp = verifier(&ca);
    rp.load_crl(&ca.crl(None, t0, "test").unwrap().der, t0)
        .unwrap();
    // keyUsage digitalSignature|keyEncipherment (03 02 05 a0) made digitalSignature.
    let odd = resigned(
        &cert.der,
        &[0x03, 0x02, 0x05, 0xa0],
        2,
        &[0x07, 0x80],
        "ca-ssl-clients-1024.key.pem",
    );
    match rp.verify(&odd, t0) {
        // 2.5.29.15: keyUsage.
        Err(Refusal::WrongUsage(m)) => assert!(m.contains("2.5.29.15 value differs"), "{m}"),
        other => panic!("{other:?}"),
    }
}

/// The 2026 policy's certificates carry extendedKeyUsage clientAuth: accepted by a
/// relying party under that policy, checked the same way.
/// Proves: R-9.6-RP-CHECK.
#[test]
fn r_9_6_rp_check_a_2026_certificate_with_client_auth_is_accepted() {
    const MODERN: &str = "jpcert-ssl-client-2026";
    let t0 = at("2026-04-01T09:00:00Z");
    let (_tmp, mut ca) = fixture_ca(MODERN, t0);
    let csr = fixture("sub1-2048.csr.pem");
    let cert = ca.issue(&request(&csr, 7, 1), t0).unwrap();
    let rp = Verifier::from_der(policy(MODERN), &ca.ca_certificates().unwrap()).unwrap();
    rp.load_crl(&ca.crl(None, t0, "test").unwrap().der, t0)
        .unwrap();
    assert!(rp.verify(&cert.der, t0).is_ok());
}

/// The edges are the CPS's: a certificate is valid from its notBefore through its
/// notAfter inclusive (RFC 5280 4.1.2.5), a CRL is current through its nextUpdate, a
/// CRL stamped up to five minutes ahead of the relying party's clock is taken, and
/// the same CRL loaded twice is not "older".
/// Proves: R-9.6-RP-CHECK.
#[test]
fn r_9_6_rp_check_validity_and_crl_freshness_hold_to_the_second() {
    let t0 = at("2026-04-01T09:00:00Z");
    let (_tmp, mut ca) = fixture_ca(ID, t0);
    let cert = issue(&mut ca, 7, t0);
    let (_, parsed) = x509_parser::parse_x509_certificate(&cert.der).unwrap();
    let not_before = Timestamp::from_unix(parsed.validity().not_before.timestamp()).unwrap();
    let not_after = Timestamp::from_unix(parsed.validity().not_after.timestamp()).unwrap();
    let second = |t: Timestamp, d: i64| Timestamp::from_unix(t.unix() + d).unwrap();
    let first = ca_crl(&mut ca, not_before);
    let rp = verifier(&ca);
    assert!(!rp.has_fresh_crl(not_before), "nothing loaded yet");
    // Five minutes of clock skew, not a second more.
    assert!(
        rp.load_crl(&first, second(not_before, -CLOCK_SKEW_SECONDS))
            .is_ok()
    );
    assert!(matches!(
        verifier(&ca).load_crl(&first, second(not_before, -CLOCK_SKEW_SECONDS - 1)),
        Err(Refusal::BadCrl(_))
    ));
    // The same CRL again is fine; its number did not go back.
    assert!(rp.load_crl(&first, not_before).is_ok());
    let (_, next) = rp.crl_state().unwrap();
    assert!(rp.has_fresh_crl(not_before) && rp.has_fresh_crl(next));
    assert!(!rp.has_fresh_crl(second(next, 1)));
    assert!(
        rp.verify(&cert.der, next).is_ok(),
        "checked against a CRL current through its nextUpdate"
    );
    assert!(matches!(
        rp.verify(&cert.der, second(next, 1)),
        Err(Refusal::StaleCrl { .. })
    ));
    assert!(
        rp.load_crl(&first, next).is_ok(),
        "current through its nextUpdate"
    );
    assert!(matches!(
        rp.load_crl(&first, second(next, 1)),
        Err(Refusal::StaleCrl { .. })
    ));
    assert!(
        rp.verify(&cert.der, not_before).is_ok(),
        "valid from notBefore"
    );
    // At notAfter, with a CRL current then.
    let late = ca_crl(&mut ca, second(not_after, -60));
    let rp = verifier(&ca);
    rp.load_crl(&late, not_after).unwrap();
    assert!(
        rp.verify(&cert.der, not_after).is_ok(),
        "valid through notAfter"
    );
    assert!(matches!(
        rp.verify(&cert.der, second(not_after, 1)),
        Err(Refusal::Expired { .. })
    ));
    let rp = verifier(&ca);
    rp.load_crl(&first, not_before).unwrap();
    assert!(matches!(
        rp.verify(&cert.der, second(not_before, -1)),
        Err(Refusal::NotYetValid { .. })
    ));
}

fn ca_crl(ca: &mut Ca, t: Timestamp) -> Vec<u8> {
    ca.crl(None, t, "test").unwrap().der
}

/// The CRL a relying party fetches is the one the certificate names: its
/// cRLDistributionPoints URI, the policy's CRL URL (R-2.2-PUBLISH).
#[test]
fn a_certificate_names_the_policys_crl_url() {
    let t0 = at("2026-04-01T09:00:00Z");
    let (_tmp, mut ca) = fixture_ca(ID, t0);
    let cert = issue(&mut ca, 7, t0);
    let url = policy(ID).definition().crl_url.unwrap();
    assert_eq!(
        Verifier::distribution_points(&cert.der).unwrap(),
        [url.to_string()]
    );
    assert!(Verifier::distribution_points(b"not DER").is_err());
}

/// What a refusal says names what failed, for the person reading `inkan verify`.
#[test]
fn refusals_say_what_failed() {
    let t0 = at("2026-04-01T09:00:00Z");
    let (_tmp, mut ca) = fixture_ca(ID, t0);
    let cert = issue(&mut ca, 7, t0);
    let rp = verifier(&ca);
    assert_eq!(
        rp.verify(&cert.der, t0).unwrap_err().to_string(),
        "no CRL: revocation cannot be checked (R-9.6-RP-CHECK)"
    );
    rp.load_crl(&ca.crl(None, t0, "test").unwrap().der, t0)
        .unwrap();
    let expired = rp
        .verify(&cert.der, at("2027-05-01T00:00:00Z"))
        .unwrap_err();
    assert!(
        expired
            .to_string()
            .starts_with("expired: notAfter was 2027-04-30"),
        "{expired}"
    );
}
