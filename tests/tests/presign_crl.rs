//! The CRL pre-signing checks (`conformance::check_crl`, `check_crl_entry`), which
//! every CRL passes before a CA key signs it, asked about CRLs that depart from their
//! profile one field at a time: a CRL the CA signed passes, the same with one field
//! changed (the checks read the TBS) is refused with a finding on that field.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use der::Decode;
use inkan_runtime::conformance::IssuerFacts;
use inkan_runtime::policy::CertificateProfile;
use inkan_tests::tbs_edit::{attrs, fields_of, found, name, profile, value};
use inkan_tests::{at, fixture, fixture_ca, request};

/// A CRL the CA signed (one revocation, `reason`), its TBS, its profile and the issuing
/// CA's profile.
fn crl_of(
    id: &str,
    bits: u32,
) -> (
    x509_cert::crl::TbsCertList,
    &'static inkan_runtime::policy::CrlProfile,
    &'static CertificateProfile,
) {
    let t0 = at("2026-04-01T09:00:00Z");
    let (_tmp, mut ca) = fixture_ca(id, t0);
    let issued = ca
        .issue(
            &request(&fixture(&format!("sub1-{bits}.csr.pem")), 7, 1),
            t0,
        )
        .unwrap();
    ca.revoke(&issued.serial, "key-compromise", t0, "test")
        .unwrap();
    let crl = ca.crl(None, t0, "test").unwrap();
    let list = x509_cert::crl::CertificateList::from_der(&crl.der).unwrap();
    let policy = inkan_tests::policy(id);
    let crl_profile = &policy.definition().crls[0];
    let issuer = profile(policy, |p| p.name == crl_profile.issuer);
    (list.tbs_cert_list, crl_profile, issuer)
}

/// Proves: R-7.2-CRL.
///
/// The CRL check, which every CRL passes before the key signs it: a CRL the CA
/// issued passes; its version, issuer (known, or by the issuing profile's subject),
/// thisUpdate encoding, nextUpdate (a second off, or absent), an empty
/// revokedCertificates, an entry's revocationDate encoding, its serial length, an
/// entry extension the policy does not list, a reasonCode the profile does not list,
/// and the CRL extensions (one missing, one critical, an authorityKeyIdentifier that is
/// not the issuer's key) are each found, with both shipped policies' profiles.
#[test]
fn r_7_2_crl_the_pre_signing_check_finds_each_departure_of_a_crl() {
    use const_oid::db::rfc5280 as r;
    use inkan_runtime::conformance::{check_crl, check_crl_entry};
    use x509_cert::crl::TbsCertList;
    use x509_cert::ext::pkix::AuthorityKeyIdentifier;
    use x509_cert::time::Time;
    for (id, bits) in [
        ("jpcert-ssl-client", 1024),
        ("jpcert-ssl-client-2026", 2048),
    ] {
        let (tbs, crl_profile, issuer_profile) = crl_of(id, bits);
        let by_name = IssuerFacts {
            name: Some(&tbs.issuer),
            key_id: None,
        };
        let by_profile = IssuerFacts {
            name: None,
            key_id: None,
        };
        let check = |t: &TbsCertList, facts: &IssuerFacts<'_>| {
            check_crl(crl_profile, Some(issuer_profile), t, facts)
        };
        assert_eq!(check(&tbs, &by_name), [], "{id}");
        assert_eq!(check(&tbs, &by_profile), [], "{id}");
        let edit = |change: &dyn Fn(&mut TbsCertList)| {
            let mut t = tbs.clone();
            change(&mut t);
            t
        };
        let generalized = |t: &Time| {
            Time::GeneralTime(der::asn1::GeneralizedTime::from_date_time(t.to_date_time()))
        };
        let later = |t: &Time| {
            Time::try_from(t.to_system_time() + std::time::Duration::from_secs(1)).unwrap()
        };
        let mut other_issuer = attrs(&tbs.issuer);
        let last = other_issuer.len() - 1;
        other_issuer[last][0].2 = b"Another CA".to_vec();
        let cases: Vec<(&str, TbsCertList, &str)> = vec![
            (
                "version 1",
                edit(&|t| t.version = x509_cert::certificate::Version::V1),
                "version",
            ),
            (
                "another issuer",
                edit(&|t| t.issuer = name(&other_issuer)),
                "issuer",
            ),
            (
                "thisUpdate as GeneralizedTime",
                edit(&|t| t.this_update = generalized(&t.this_update)),
                "thisUpdate",
            ),
            (
                "nextUpdate a second late",
                edit(&|t| t.next_update = t.next_update.as_ref().map(later)),
                "nextUpdate",
            ),
            (
                "no nextUpdate",
                edit(&|t| t.next_update = None),
                "nextUpdate",
            ),
            (
                "an empty revokedCertificates",
                edit(&|t| t.revoked_certificates = Some(Vec::new())),
                "revokedCertificates",
            ),
            (
                "a revocationDate as GeneralizedTime",
                edit(&|t| {
                    let e = &mut t.revoked_certificates.as_mut().unwrap()[0];
                    e.revocation_date = generalized(&e.revocation_date);
                }),
                "revokedCertificates[0].revocationDate",
            ),
            (
                "a 21-octet serial",
                edit(&|t| {
                    t.revoked_certificates.as_mut().unwrap()[0].serial_number = {
                        // 21 octets: a leading zero before a 20-octet value with its
                        // top bit set, which decoders accept and RFC 5280 does not.
                        let mut der = vec![0x02, 21, 0x00];
                        der.extend([0x81; 20]);
                        x509_cert::serial_number::SerialNumber::from_der(&der).unwrap()
                    };
                }),
                "revokedCertificates[0].userCertificate",
            ),
            (
                "an invalidityDate entry extension",
                edit(&|t| {
                    let e = &mut t.revoked_certificates.as_mut().unwrap()[0];
                    let mut extra = e.crl_entry_extensions.as_ref().unwrap()[0].clone();
                    extra.extn_id = r::ID_CE_INVALIDITY_DATE;
                    e.crl_entry_extensions.as_mut().unwrap().push(extra);
                }),
                "revokedCertificates[0]",
            ),
            (
                "no cRLNumber",
                edit(&|t| drop(t.crl_extensions.as_mut().unwrap().remove(0))),
                "crlExtensions",
            ),
            (
                "a critical cRLNumber",
                edit(&|t| t.crl_extensions.as_mut().unwrap()[0].critical = true),
                "crlExtensions",
            ),
        ];
        for (case, bad, field) in &cases {
            found(&check(bad, &by_name), field, &format!("{id}: {case}"));
        }
        let findings = check(&cases[1].1, &by_profile);
        assert!(
            findings.iter().any(|f| f.field.starts_with("issuer")),
            "{id}: another issuer, by profile: {:?}",
            fields_of(&findings)
        );
        // A serial of exactly 20 octets is what RFC 5280 allows at most: no finding.
        let twenty = edit(&|t| {
            t.revoked_certificates.as_mut().unwrap()[0].serial_number =
                x509_cert::serial_number::SerialNumber::new(&[0x71; 20]).unwrap();
        });
        assert_eq!(check(&twenty, &by_name), [], "{id}: a 20-octet serial");
        // An entry alone, as a CRL of a million entries is checked while it is built.
        let entry = &cases[6].1.revoked_certificates.as_ref().unwrap()[0];
        found(
            &check_crl_entry(crl_profile, 5, entry),
            "revokedCertificates[5].revocationDate",
            "an entry alone",
        );
        // A reasonCode where the profile lists none.
        let no_reasons = inkan_runtime::policy::CrlProfile {
            reason_code: false,
            ..*crl_profile
        };
        let findings = check_crl(&no_reasons, Some(issuer_profile), &tbs, &by_name);
        found(
            &findings,
            "revokedCertificates[0]",
            "a reasonCode the profile does not list",
        );
        if crl_profile.authority_key_identifier {
            let exts = tbs.crl_extensions.as_ref().unwrap();
            let k = exts
                .iter()
                .position(|e| e.extn_id == r::ID_CE_AUTHORITY_KEY_IDENTIFIER)
                .unwrap();
            let aki = AuthorityKeyIdentifier::from_der(exts[k].extn_value.as_bytes()).unwrap();
            let mut key = aki.key_identifier.clone().unwrap().as_bytes().to_vec();
            let right = key.clone();
            let known = IssuerFacts {
                name: Some(&tbs.issuer),
                key_id: Some(&right),
            };
            assert_eq!(check(&tbs, &known), [], "{id}: the issuer's key");
            key[0] ^= 1;
            let bad = edit(&|t| {
                let a = AuthorityKeyIdentifier {
                    key_identifier: Some(der::asn1::OctetString::new(key.clone()).unwrap()),
                    ..aki.clone()
                };
                t.crl_extensions.as_mut().unwrap()[k].extn_value = value(&a);
            });
            found(
                &check(&bad, &known),
                "crlExtensions",
                "another key identifier",
            );
        }
    }
}
