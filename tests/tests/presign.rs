//! The pre-signing check of certificates (`conformance::check_certificate`), which
//! every TBSCertificate passes before a CA key signs it, asked about certificates that
//! depart from their profile one field at a time (CRLs: `presign_crl.rs`; the editing:
//! `inkan_tests::tbs_edit`). A certificate the CA issued passes; the same with one field changed
//! (re-encoded, not re-signed: the checks read the TBS) is refused, with a finding on
//! that field. Each case is a way a check could stop looking at a field without any
//! issuance test noticing, since the CA only ever builds conforming TBSs (mutation
//! testing found them).

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use der::asn1::Any;
use der::{Decode, Tag};
use inkan_runtime::conformance::{Finding, IssuerFacts, check_certificate};
use inkan_runtime::policy::{CertificateProfile, Policy, Role};
use inkan_tests::tbs_edit::{
    Attrs, Validity, any, attrs, changed, fields_of, found, index_of, name, profile, value,
    with_extensions,
};
use inkan_tests::{at, fixture, fixture_ca, request};
use x509_cert::certificate::TbsCertificate;

/// An issued subscriber certificate's TBS and the CA's root certificate's, from the
/// faithful policy.
fn issued() -> (TbsCertificate, TbsCertificate) {
    let t0 = at("2026-04-01T09:00:00Z");
    let (_tmp, mut ca) = fixture_ca("jpcert-ssl-client", t0);
    let der = ca
        .issue(&request(&fixture("sub1-1024.csr.pem"), 7, 1), t0)
        .unwrap()
        .der;
    let cert = x509_cert::Certificate::from_der(&der).unwrap();
    let issuer = profile(ca.policy(), |p| p.role == Role::Subscriber)
        .issuer
        .unwrap();
    let root_der = ca.chain(issuer).unwrap().pop().unwrap();
    let root = x509_cert::Certificate::from_der(&root_der).unwrap();
    (
        cert.tbs_certificate().clone(),
        root.tbs_certificate().clone(),
    )
}

/// The faithful policy, its subscriber profile, and a certificate it issued.
fn faithful_subscriber() -> (
    &'static dyn Policy,
    &'static CertificateProfile,
    TbsCertificate,
) {
    let policy = inkan_tests::policy("jpcert-ssl-client");
    let sub = profile(policy, |p| p.role == Role::Subscriber);
    (policy, sub, issued().0)
}

/// The issuer as known by name (its key identifier not).
fn known_issuer(tbs: &TbsCertificate) -> IssuerFacts<'_> {
    IssuerFacts {
        name: Some(tbs.issuer()),
        key_id: None,
    }
}

/// Proves: R-7.1-SUB, R-3.1-SUB-DN.
///
/// The subscriber profile's subject and issuer names: a changed literal, a changed
/// string type, a missing RDN, a multi-valued RDN, another attribute, a common name
/// the policy's name format does not parse, and an issuer that is not the issuing CA
/// (known by name, or only by the issuing profile's subject) are each found.
#[test]
fn r_7_1_sub_the_pre_signing_check_finds_each_departure_of_a_name() {
    let (policy, sub, tbs) = faithful_subscriber();
    let by_name = known_issuer(&tbs);
    let by_profile = IssuerFacts {
        name: None,
        key_id: None,
    };
    assert_eq!(check_certificate(policy, sub, &tbs, &by_name), []);
    assert_eq!(check_certificate(policy, sub, &tbs, &by_profile), []);
    let subject = attrs(tbs.subject());
    let cn = subject.len() - 1;
    let with_subject = |change: &dyn Fn(&mut Attrs)| {
        let mut a = subject.clone();
        change(&mut a);
        changed(&tbs, |f| f.subject = any(&name(&a)))
    };
    let cases: Vec<(&str, TbsCertificate, &str)> = vec![
        (
            "another organisation",
            with_subject(&|a| a[0][0].2 = b"Another Org".to_vec()),
            "subject.O",
        ),
        (
            "the organisational unit as a UTF8String",
            with_subject(&|a| a[1][0].1 = Tag::Utf8String),
            "subject.OU",
        ),
        (
            "an RDN missing",
            with_subject(&|a| drop(a.remove(1))),
            "subject",
        ),
        (
            "two attributes in one RDN",
            with_subject(&|a| {
                let extra = a[0][0].clone();
                a[1].push(extra);
            }),
            "subject[1]",
        ),
        (
            "a locality in the organisational unit's place",
            with_subject(&|a| a[1][0].0 = der::asn1::ObjectIdentifier::new_unwrap("2.5.4.7")),
            "subject[1]",
        ),
        (
            "a common name the name format does not parse",
            with_subject(&|a| a[cn][0].2 = b"SSL-not-a-name".to_vec()),
            "subject.CN",
        ),
    ];
    for (case, bad, field) in &cases {
        found(&check_certificate(policy, sub, bad, &by_name), field, case);
    }
    // The issuer: another name than the issuing CA's, known or from its profile.
    let mut other = attrs(tbs.issuer());
    let last = other.len() - 1;
    other[last][0].2 = b"Another CA".to_vec();
    let bad = changed(&tbs, |f| f.issuer = any(&name(&other)));
    found(
        &check_certificate(policy, sub, &bad, &by_name),
        "issuer",
        "another issuer, known",
    );
    let findings = check_certificate(policy, sub, &bad, &by_profile);
    assert!(
        findings.iter().any(|f| f.field.starts_with("issuer")),
        "another issuer, from its profile: {:?}",
        fields_of(&findings)
    );
}

/// Proves: R-7.1-ROOT.
///
/// A root must be self-issued: the root certificate passes its profile, and the same
/// TBS naming another issuer is refused.
#[test]
fn r_7_1_root_the_pre_signing_check_refuses_a_root_that_is_not_self_issued() {
    let policy = inkan_tests::policy("jpcert-ssl-client");
    let root_profile = profile(policy, |p| p.issuer.is_none());
    let (_, root) = issued();
    let unknown = IssuerFacts {
        name: None,
        key_id: None,
    };
    assert_eq!(check_certificate(policy, root_profile, &root, &unknown), []);
    let mut other = attrs(root.subject());
    let last = other.len() - 1;
    other[last][0].2 = b"Another Root".to_vec();
    let bad = changed(&root, |f| f.issuer = any(&name(&other)));
    let findings = check_certificate(policy, root_profile, &bad, &unknown);
    assert!(
        findings
            .iter()
            .any(|f| f.field == "issuer" && f.message.contains("self-issued")),
        "{findings:?}"
    );
}

/// The serial number as RFC 5280 4.1.2.2 bounds it (no CPS rule: the CPS says nothing
/// of serials): 21 octets or negative is found, a positive 20-octet serial passes.
#[test]
fn the_pre_signing_check_refuses_a_serial_rfc_5280_forbids() {
    let (policy, sub, tbs) = faithful_subscriber();
    let facts = known_issuer(&tbs);
    let serial =
        |bytes: Vec<u8>| changed(&tbs, |f| f.serial = Any::new(Tag::Integer, bytes).unwrap());
    let mut twenty = vec![0x7f_u8];
    twenty.extend([0x11; 19]);
    assert_eq!(
        check_certificate(policy, sub, &serial(twenty.clone()), &facts),
        [],
        "a positive serial of 20 octets"
    );
    twenty.push(0x11);
    found(
        &check_certificate(policy, sub, &serial(twenty), &facts),
        "serialNumber",
        "21 octets",
    );
    found(
        &check_certificate(policy, sub, &serial(vec![0x80, 1, 2, 3]), &facts),
        "serialNumber",
        "a negative serial",
    );
}

/// Proves: R-7.1-SUB-VALIDITY.
///
/// The validity the policy gives (from the issue date's midnight to the last April 30
/// within a year and a month): a notAfter a second off, a notBefore the policy would
/// not give, and (RFC 5280 4.1.2.5) a date before 2050 as GeneralizedTime are each
/// found.
#[test]
fn r_7_1_sub_validity_the_pre_signing_check_finds_a_validity_off_the_policy() {
    use x509_cert::time::Time;
    let (policy, sub, tbs) = faithful_subscriber();
    let facts = known_issuer(&tbs);
    let v = tbs.validity();
    let shift = |t: &Time, seconds: u64| {
        let moved = t.to_system_time() + std::time::Duration::from_secs(seconds);
        Time::try_from(moved).unwrap()
    };
    let with = |nb: Time, na: Time| {
        changed(&tbs, |f| {
            f.validity = any(&Validity {
                not_before: nb,
                not_after: na,
            })
        })
    };
    found(
        &check_certificate(
            policy,
            sub,
            &with(v.not_before, shift(&v.not_after, 1)),
            &facts,
        ),
        "validity.notAfter",
        "notAfter a second late",
    );
    found(
        &check_certificate(
            policy,
            sub,
            &with(shift(&v.not_before, 1), v.not_after),
            &facts,
        ),
        "validity.notBefore",
        "notBefore a second late",
    );
    let generalized = Time::GeneralTime(der::asn1::GeneralizedTime::from_date_time(
        v.not_before.to_date_time(),
    ));
    found(
        &check_certificate(policy, sub, &with(generalized, v.not_after), &facts),
        "validity.notBefore",
        "a 2026 date as GeneralizedTime",
    );
}

/// A finding reads as its field, its message and the rules behind it in brackets;
/// without rules, no brackets.
#[test]
fn a_finding_names_its_field_and_its_rules() {
    let mut finding = Finding {
        field: "validity.notAfter".into(),
        message: "is wrong".into(),
        rules: vec!["R-7.1-SUB-VALIDITY", "R-7.1-SUB"],
    };
    assert_eq!(
        finding.to_string(),
        "validity.notAfter: is wrong [R-7.1-SUB-VALIDITY, R-7.1-SUB]"
    );
    finding.rules.clear();
    assert_eq!(finding.to_string(), "validity.notAfter: is wrong");
}

/// Proves: R-7.1-SUB.
///
/// The extensions, exactly the profile's in its order (the 2026 policy's subscriber
/// profile, which has the most): one missing, two swapped, a critical flag flipped, a
/// basicConstraints with cA TRUE or with its default written out, a subject key
/// identifier that is not the key's, a keyUsage, an extended key usage or an
/// authorityKeyIdentifier other than the policy's (a key identifier that is not the issuer's, one with the issuer's name
/// and serial beside it, one without a key identifier) are each found.
#[test]
fn r_7_1_sub_the_pre_signing_check_finds_each_departure_of_an_extension() {
    use const_oid::db::rfc5280 as r;
    use x509_cert::ext::pkix::{AuthorityKeyIdentifier, ExtendedKeyUsage, KeyUsage, KeyUsages};
    let t0 = at("2026-04-01T09:00:00Z");
    let (_tmp, mut ca) = fixture_ca("jpcert-ssl-client-2026", t0);
    let der = ca
        .issue(&request(&fixture("sub1-2048.csr.pem"), 7, 1), t0)
        .unwrap()
        .der;
    let cert = x509_cert::Certificate::from_der(&der).unwrap();
    let tbs = cert.tbs_certificate().clone();
    let policy = inkan_tests::policy("jpcert-ssl-client-2026");
    let sub = profile(policy, |p| p.role == Role::Subscriber);
    let (_, aki) = tbs
        .get_extension::<AuthorityKeyIdentifier>()
        .unwrap()
        .unwrap();
    let key_id = aki.key_identifier.clone().unwrap();
    let facts = IssuerFacts {
        name: Some(tbs.issuer()),
        key_id: Some(key_id.as_bytes()),
    };
    let unknown_key = IssuerFacts {
        name: Some(tbs.issuer()),
        key_id: None,
    };
    assert_eq!(check_certificate(policy, sub, &tbs, &facts), []);
    assert_eq!(check_certificate(policy, sub, &tbs, &unknown_key), []);
    let (bc, ku, eku, ak, sk) = (
        index_of(&tbs, r::ID_CE_BASIC_CONSTRAINTS),
        index_of(&tbs, r::ID_CE_KEY_USAGE),
        index_of(&tbs, r::ID_CE_EXT_KEY_USAGE),
        index_of(&tbs, r::ID_CE_AUTHORITY_KEY_IDENTIFIER),
        index_of(&tbs, r::ID_CE_SUBJECT_KEY_IDENTIFIER),
    );
    let raw = |i: usize, der: Vec<u8>| {
        with_extensions(&tbs, |e| {
            e[i].extn_value = der::asn1::OctetString::new(der).unwrap();
        })
    };
    let mut flipped_ski = tbs.extensions().unwrap()[sk].extn_value.as_bytes().to_vec();
    let last = flipped_ski.len() - 1;
    flipped_ski[last] ^= 1;
    let field = |i: usize| format!("extensions[{i}]");
    let set_aki =
        |a: AuthorityKeyIdentifier| with_extensions(&tbs, |e| e[ak].extn_value = value(&a));
    let mut other_key = key_id.as_bytes().to_vec();
    other_key[0] ^= 1;
    let with_issuer = AuthorityKeyIdentifier {
        authority_cert_issuer: Some(vec![
            x509_cert::ext::pkix::name::GeneralName::DirectoryName(tbs.issuer().clone()),
        ]),
        authority_cert_serial_number: Some(tbs.serial_number().clone()),
        ..aki.clone()
    };
    let cases: Vec<(&str, TbsCertificate, &IssuerFacts<'_>, String)> = vec![
        (
            "an extension missing",
            with_extensions(&tbs, |e| drop(e.remove(ku))),
            &facts,
            "extensions".into(),
        ),
        (
            "two swapped",
            with_extensions(&tbs, |e| e.swap(0, 1)),
            &facts,
            field(0),
        ),
        (
            "a critical flag flipped",
            with_extensions(&tbs, |e| e[eku].critical = !e[eku].critical),
            &facts,
            field(eku),
        ),
        (
            "basicConstraints cA TRUE",
            with_extensions(&tbs, |e| {
                e[bc].extn_value = value(&x509_cert::ext::pkix::BasicConstraints {
                    ca: true,
                    path_len_constraint: None,
                })
            }),
            &facts,
            field(bc),
        ),
        (
            // DER forbids encoding a DEFAULT value (X.690 11.5); decoders take it.
            "basicConstraints with cA FALSE written out",
            raw(bc, vec![0x30, 0x03, 0x01, 0x01, 0x00]),
            &facts,
            field(bc),
        ),
        (
            "a subjectKeyIdentifier that is not the key's",
            raw(sk, flipped_ski),
            &facts,
            field(sk),
        ),
        (
            "clientAuth and serverAuth",
            with_extensions(&tbs, |e| {
                e[eku].extn_value = value(&ExtendedKeyUsage(vec![
                    r::ID_KP_CLIENT_AUTH,
                    r::ID_KP_SERVER_AUTH,
                ]))
            }),
            &facts,
            field(eku),
        ),
        (
            "keyUsage without keyEncipherment",
            with_extensions(&tbs, |e| {
                e[ku].extn_value = value(&KeyUsage(KeyUsages::DigitalSignature.into()))
            }),
            &facts,
            field(ku),
        ),
        (
            "serverAuth for clientAuth",
            with_extensions(&tbs, |e| {
                e[eku].extn_value = value(&ExtendedKeyUsage(vec![r::ID_KP_SERVER_AUTH]))
            }),
            &facts,
            field(eku),
        ),
        (
            "another key identifier",
            set_aki(AuthorityKeyIdentifier {
                key_identifier: Some(der::asn1::OctetString::new(other_key).unwrap()),
                ..aki.clone()
            }),
            &facts,
            field(ak),
        ),
        (
            "the issuer's name and serial beside the key identifier",
            set_aki(with_issuer.clone()),
            &facts,
            field(ak),
        ),
        (
            "the issuer's name and serial, issuer key not known",
            set_aki(with_issuer),
            &unknown_key,
            field(ak),
        ),
        (
            "no key identifier",
            set_aki(AuthorityKeyIdentifier {
                key_identifier: None,
                ..aki.clone()
            }),
            &unknown_key,
            field(ak),
        ),
    ];
    for (case, bad, facts, field) in &cases {
        found(&check_certificate(policy, sub, bad, facts), field, case);
    }
}

/// Proves: R-7.1-ICA.
///
/// The intermediate CA's subjectAltName (a directoryName naming its HSM token, in the
/// faithful policy): one of another kind, or a directoryName of another shape, is
/// found.
#[test]
fn r_7_1_ica_the_pre_signing_check_finds_a_subject_alt_name_of_another_shape() {
    use x509_cert::ext::pkix::SubjectAltName;
    use x509_cert::ext::pkix::name::GeneralName;
    let t0 = at("2026-04-01T09:00:00Z");
    let (_tmp, ca) = fixture_ca("jpcert-ssl-client", t0);
    let policy = ca.policy();
    let sub = profile(policy, |p| p.role == Role::Subscriber);
    let ica_name = sub.issuer.unwrap();
    let ica_profile = profile(policy, |p| p.name == ica_name);
    let chain = ca.chain(ica_name).unwrap();
    let ica = x509_cert::Certificate::from_der(&chain[0]).unwrap();
    let root = x509_cert::Certificate::from_der(&chain[1]).unwrap();
    let tbs = ica.tbs_certificate().clone();
    let facts = IssuerFacts {
        name: Some(root.tbs_certificate().subject()),
        key_id: None,
    };
    assert_eq!(check_certificate(policy, ica_profile, &tbs, &facts), []);
    let (san, current) = (
        index_of(&tbs, const_oid::db::rfc5280::ID_CE_SUBJECT_ALT_NAME),
        tbs.get_extension::<SubjectAltName>().unwrap().unwrap().1,
    );
    let [GeneralName::DirectoryName(dir)] = current.0.as_slice() else {
        panic!("the ICA's subjectAltName is one directoryName: {current:?}")
    };
    let mut two = attrs(dir);
    two.push(two[0].clone());
    let cases = [
        (
            "a DNS name",
            SubjectAltName(vec![GeneralName::DnsName(
                der::asn1::Ia5String::new("ca.example").unwrap(),
            )]),
            format!("extensions[{san}]"),
        ),
        (
            "a directoryName of two RDNs",
            SubjectAltName(vec![GeneralName::DirectoryName(name(&two))]),
            format!("extensions[{san}].directoryName"),
        ),
    ];
    for (case, bad, field) in cases {
        let bad = with_extensions(&tbs, |e| e[san].extn_value = value(&bad));
        found(
            &check_certificate(policy, ica_profile, &bad, &facts),
            &field,
            case,
        );
    }
}
