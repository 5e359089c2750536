//! Every certificate the runtime issues matches the policy field by field, checked
//! by the independent oracle (x509-parser + chrono + the compiler's model), for
//! arbitrary valid requests and instants, including 2049/2050, February 29,
//! March 31 / April 1 and midnight boundaries. Bad requests are refused cleanly.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use inkan_runtime::Error;
use inkan_runtime::ca::Ca;
use inkan_runtime::calendar::Timestamp;
use inkan_tests::{
    Expect, at, both_oracles, check_certificate, cps_findings, expected_name, expected_not_before,
    fiscal_year, fixture, fixture_ca, model, request,
};
use proptest::prelude::*;

const POLICIES: [(&str, u32); 2] = [
    ("jpcert-ssl-client", 1024),
    ("jpcert-ssl-client-2026", 2048),
];

/// Issues one certificate and checks it with the oracle; returns the CN.
#[allow(clippy::too_many_arguments)] // One test helper; the arguments are the case.
fn issue_and_check(
    ca: &mut Ca,
    id: &str,
    bits: u32,
    which: usize,
    developer: u64,
    person: u64,
    now: Timestamp,
    sequence: u8,
) -> String {
    let m = model(id);
    let profile = m.certificate("ssl-client").unwrap();
    let csr = fixture(&format!("sub{}-{bits}.csr.pem", which % 3 + 1));
    let issued = ca
        .issue(&request(&csr, developer, person), now)
        .unwrap_or_else(|e| panic!("issue at {now}: {e}"));
    let name = profile.subscriber_name.as_ref().unwrap();
    let nb = expected_not_before(&profile.validity.not_before, now);
    let cn = expected_name(
        &name.template,
        &[("developer", developer), ("person", person)],
        fiscal_year(nb, name.fiscal_year_starts),
        sequence,
    );
    let bad = both_oracles(ca, &m, &issued.der, now, &cn);
    assert!(bad.is_empty(), "{id} at {now}: {bad:#?}");
    cn
}

/// Instants worth a case of their own.
const EDGES: [&str; 10] = [
    "2048-02-29T12:00:00Z",
    "2049-03-31T23:59:59Z",
    "2049-04-01T00:00:00Z",
    "2049-04-30T23:59:59Z",
    "2049-05-01T00:00:00Z",
    "2049-12-31T23:59:59Z",
    "2050-01-01T00:00:00Z",
    "2050-03-31T00:00:00Z",
    "2048-04-01T00:00:00Z",
    "2048-03-31T23:59:59Z",
];

/// Proves: R-7.1-SUB-VALIDITY, R-7.1-SUB, R-3.1-SUB-DN, R-3.1-DN-FORMAT.
#[test]
fn r_7_1_sub_validity_edge_instants_match_the_policy() {
    for (id, bits) in POLICIES {
        let (_tmp, mut ca) = fixture_ca(id, at("2047-06-01T00:00:00Z"));
        for (i, edge) in EDGES.iter().enumerate() {
            issue_and_check(&mut ca, id, bits, i, 100 + i as u64, 200, at(edge), 0);
        }
    }
}

/// Proves: R-7.1-SUB-VALIDITY.
#[test]
fn r_7_1_sub_validity_ends_on_april_30() {
    let (_tmp, mut ca) = fixture_ca("jpcert-ssl-client", at("2026-04-01T00:00:00Z"));
    let csr = fixture("sub1-1024.csr.pem");
    for (now, not_after) in [
        ("2026-11-26T09:00:00Z", "2027-04-30T23:59:59Z"),
        ("2027-03-31T23:59:59Z", "2027-04-30T23:59:59Z"),
        ("2027-04-01T00:00:00Z", "2028-04-30T23:59:59Z"),
    ] {
        let issued = ca
            .issue(&request(&csr, 1, now.len() as u64), at(now))
            .unwrap();
        let (_, cert) = x509_parser::parse_x509_certificate(&issued.der).unwrap();
        assert_eq!(
            cert.validity().not_after.timestamp(),
            at(not_after).unix(),
            "issued {now}"
        );
    }
}

/// Proves: R-3.1-SUB-DN, R-3.1-UNIQUE.
#[test]
fn r_3_1_sub_dn_sequence_letter_counts_per_person_and_fiscal_year() {
    let (_tmp, mut ca) = fixture_ca("jpcert-ssl-client", at("2026-04-01T00:00:00Z"));
    let mut cns = Vec::new();
    for (i, now) in [
        "2026-05-01T00:00:00Z",
        "2026-06-01T00:00:00Z",
        "2027-03-31T10:00:00Z",
        "2027-04-01T10:00:00Z",
    ]
    .iter()
    .enumerate()
    {
        cns.push(issue_and_check(
            &mut ca,
            "jpcert-ssl-client",
            1024,
            i,
            999_999,
            12,
            at(now),
            [0, 1, 2, 0][i],
        ));
    }
    assert_eq!(
        cns,
        [
            "SSL-999999-000012-2026a",
            "SSL-999999-000012-2026b",
            "SSL-999999-000012-2026c",
            "SSL-999999-000012-2027a"
        ]
    );
}

/// Proves: R-3.1-UNIQUE, R-3.1-SUB-DN.
#[test]
fn r_3_1_unique_letters_run_out_after_z() {
    let (_tmp, mut ca) = fixture_ca("jpcert-ssl-client", at("2026-04-01T00:00:00Z"));
    let csr = fixture("sub2-1024.csr.pem");
    for _ in 0..26 {
        ca.issue(&request(&csr, 5, 5), at("2026-05-01T00:00:00Z"))
            .unwrap();
    }
    let err = ca
        .issue(&request(&csr, 5, 5), at("2026-05-01T00:00:00Z"))
        .unwrap_err();
    assert!(matches!(err, Error::Name(_)), "{err}");
    assert_eq!(ca.store().certificates("ssl-client").unwrap().len(), 26);
}

/// Proves: R-7.1-SUB.
///
/// The pre-signing check itself (`conformance::check_certificate`, which every TBS
/// passes before a key signs it): a certificate the faithful policy issued passes its
/// own subscriber profile and fails the 2026 policy's, naming the signature algorithm
/// and the key size among the departures.
#[test]
fn r_7_1_sub_the_pre_signing_check_names_each_departure_from_the_profile() {
    use inkan_runtime::conformance::{IssuerFacts, check_certificate as presign};
    use inkan_runtime::policy::Role;
    use x509_cert::der::Decode as _;
    let t0 = at("2026-04-01T09:00:00Z");
    let (_tmp, mut ca) = fixture_ca("jpcert-ssl-client", t0);
    let csr = fixture("sub1-1024.csr.pem");
    let issued = ca.issue(&request(&csr, 7, 1), t0).unwrap();
    let cert = x509_cert::Certificate::from_der(&issued.der).unwrap();
    let tbs = cert.tbs_certificate();
    let facts = IssuerFacts {
        name: Some(tbs.issuer()),
        key_id: None,
    };
    let subscriber = |id: &str| {
        let p = inkan_tests::policy(id);
        let profile = p
            .definition()
            .certificates
            .iter()
            .find(|c| c.role == Role::Subscriber)
            .unwrap();
        (p, profile)
    };
    let (faithful, own) = subscriber("jpcert-ssl-client");
    assert_eq!(presign(faithful, own, tbs, &facts), []);
    let (modern, stricter) = subscriber("jpcert-ssl-client-2026");
    let findings = presign(modern, stricter, tbs, &facts);
    let fields: Vec<&str> = findings.iter().map(|f| f.field.as_str()).collect();
    for expected in ["signature", "subjectPublicKeyInfo"] {
        assert!(
            fields.contains(&expected),
            "{expected} not among {findings:?}"
        );
    }
    assert!(
        findings.iter().all(|f| !f.rules.is_empty()),
        "each finding cites its rules: {findings:?}"
    );
}

/// Proves: R-3.1-PSEUDONYM.
#[test]
fn r_3_1_pseudonym_request_subject_never_reaches_the_certificate() {
    let (_tmp, mut ca) = fixture_ca("jpcert-ssl-client-2026", at("2026-04-01T00:00:00Z"));
    let issued = ca
        .issue(
            &request(&fixture("sub1-2048.csr.pem"), 1, 2),
            at("2026-05-01T00:00:00Z"),
        )
        .unwrap();
    let text = String::from_utf8_lossy(&issued.der);
    assert!(!text.contains("Taro") && !text.contains("example.jp"));
}

/// Proves: R-7.1-ROOT, R-7.1-ICA, R-3.1-ROOT-DN, R-3.1-ICA-DN, R-3.1-DN-FORMAT, R-1.3-HIERARCHY.
#[test]
fn r_7_1_root_and_r_7_1_ica_ca_certificates_match_the_policy() {
    for (id, _) in POLICIES {
        // 2040: a 10-year root crosses into 2050 and must switch to GeneralizedTime.
        for now in [
            "2026-11-26T10:00:00Z",
            "2040-02-29T23:59:59Z",
            "2049-12-31T00:00:00Z",
        ] {
            let (_tmp, ca) = fixture_ca(id, at(now));
            let m = model(id);
            let certs = ca.ca_certificates().unwrap();
            let root_bad = check_certificate(
                &m,
                "root",
                &certs[0],
                &Expect {
                    issuer_der: &certs[0],
                    issued: at(now),
                    cn: None,
                },
            );
            let mut root_bad = root_bad;
            root_bad.extend(cps_findings(
                id,
                "root",
                &certs[0],
                &certs[0],
                at(now),
                None,
            ));
            assert!(root_bad.is_empty(), "{id} root at {now}: {root_bad:#?}");
            let ica_bad = check_certificate(
                &m,
                "ssl-clients",
                &certs[1],
                &Expect {
                    issuer_der: &certs[0],
                    issued: at(now),
                    cn: None,
                },
            );
            let mut ica_bad = ica_bad;
            ica_bad.extend(cps_findings(
                id,
                "ssl-clients",
                &certs[1],
                &certs[0],
                at(now),
                None,
            ));
            assert!(ica_bad.is_empty(), "{id} issuing CA at {now}: {ica_bad:#?}");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Proves: R-7.1-SUB, R-7.1-SUB-VALIDITY, R-3.1-SUB-DN, R-1.2-OID-CPS, R-4.5-KEY-USE, R-1.4-USAGE, R-4.9-NO-OCSP, R-7.3-NO-OCSP.
    #[test]
    fn r_7_1_sub_every_issued_certificate_matches_the_policy(
        policy in 0usize..2,
        epoch in prop::sample::select(vec!["2026-04-01T00:00:00Z", "2047-06-01T00:00:00Z"]),
        offset_days in 0i64..(3 * 365),
        seconds in prop::sample::select(vec![0i64, 1, 43_200, 86_399]),
        developer in 0u64..=999_999,
        person in 0u64..=999_999,
        which in 0usize..3,
    ) {
        let (id, bits) = POLICIES[policy];
        let start = at(epoch);
        let (_tmp, mut ca) = fixture_ca(id, start);
        let now = Timestamp::from_unix(start.unix() + offset_days * 86_400 + seconds).unwrap();
        issue_and_check(&mut ca, id, bits, which, developer, person, now, 0);
    }
}

fn refused(id: &str, csr: &[u8], developer: u64, person: u64) -> Error {
    let (_tmp, mut ca) = fixture_ca(id, at("2026-04-01T00:00:00Z"));
    let err = ca
        .issue(&request(csr, developer, person), at("2026-05-01T00:00:00Z"))
        .unwrap_err();
    assert!(
        ca.store().certificates("ssl-client").unwrap().is_empty(),
        "nothing is issued after: {err}"
    );
    err
}

/// Proves: R-6.1-KEY-SIZE.
#[test]
fn r_6_1_key_size_wrong_sizes_and_algorithms_are_refused() {
    assert!(matches!(
        refused("jpcert-ssl-client", &fixture("sub1-2048.csr.pem"), 1, 1),
        Error::KeyRefused(_)
    ));
    assert!(matches!(
        refused(
            "jpcert-ssl-client-2026",
            &fixture("sub1-1024.csr.pem"),
            1,
            1
        ),
        Error::KeyRefused(_)
    ));
    assert!(matches!(
        refused("jpcert-ssl-client-2026", &fixture("sub-3072.csr.pem"), 1, 1),
        Error::KeyRefused(_)
    ));
    assert!(matches!(
        refused("jpcert-ssl-client", &fixture("sub-ec.csr.pem"), 1, 1),
        Error::KeyRefused(_)
    ));
}

/// Proves: R-3.2-POP.
#[test]
fn r_3_2_pop_a_request_whose_signature_fails_is_refused() {
    assert!(matches!(
        refused("jpcert-ssl-client", &fixture("bad-signature.csr.der"), 1, 1),
        Error::ProofOfPossession
    ));
}

/// Proves: R-3.1-SUB-DN.
#[test]
fn r_3_1_sub_dn_out_of_range_numbers_are_refused() {
    assert!(matches!(
        refused(
            "jpcert-ssl-client",
            &fixture("sub1-1024.csr.pem"),
            1_000_000,
            1
        ),
        Error::Name(_)
    ));
    assert!(matches!(
        refused(
            "jpcert-ssl-client",
            &fixture("sub1-1024.csr.pem"),
            1,
            10_000_000
        ),
        Error::Name(_)
    ));
}

/// A request gives exactly the fields of the profile's name template: one the
/// template does not have is refused by name, one missing is refused, and nothing is
/// issued for either.
#[test]
fn a_request_gives_exactly_the_name_templates_fields() {
    let csr = fixture("sub1-1024.csr.pem");
    let (_tmp, mut ca) = fixture_ca("jpcert-ssl-client", at("2026-04-01T00:00:00Z"));
    let later = at("2026-05-01T00:00:00Z");
    let mut extra = request(&csr, 1, 1);
    extra.fields.push(("room".into(), 3));
    match ca.issue(&extra, later) {
        Err(Error::Policy(m)) => assert!(m.contains("`room`"), "{m}"),
        other => panic!("an extra field: {other:?}"),
    }
    let mut missing = request(&csr, 1, 1);
    missing.fields.pop();
    assert!(matches!(ca.issue(&missing, later), Err(Error::Name(_))));
    assert!(ca.store().certificates("ssl-client").unwrap().is_empty());
    ca.issue(&request(&csr, 1, 1), later).unwrap();
}

/// Proves: R-6.1-PKCS10.
#[test]
fn r_6_1_pkcs10_garbage_is_refused_without_panic() {
    for input in [
        &b""[..],
        b"garbage",
        b"-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n",
        &[0x30, 0x82, 0xff, 0xff][..],
        &vec![0x30; 70_000][..],
    ] {
        assert!(matches!(
            refused("jpcert-ssl-client", input, 1, 1),
            Error::BadRequest(_)
        ));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]
    #[test]
    fn arbitrary_request_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
        let profile = inkan_tests::policy("jpcert-ssl-client").certificate("ssl-client").unwrap();
        let _ = inkan_runtime::csr::check(&bytes, profile);
    }
}

#[test]
fn pem_with_76_column_lines_and_crlf_is_accepted() {
    let pem = String::from_utf8(fixture("sub1-1024.csr.pem")).unwrap();
    let b64: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let wrapped: Vec<String> = b64
        .as_bytes()
        .chunks(76)
        .map(|c| String::from_utf8(c.to_vec()).unwrap())
        .collect();
    let odd = format!(
        "-----BEGIN CERTIFICATE REQUEST-----\r\n{}\r\n-----END CERTIFICATE REQUEST-----\r\n",
        wrapped.join("\r\n")
    );
    let (_tmp, mut ca) = fixture_ca("jpcert-ssl-client", at("2026-04-01T00:00:00Z"));
    ca.issue(&request(odd.as_bytes(), 1, 1), at("2026-05-01T00:00:00Z"))
        .unwrap();
}

#[test]
fn clock_override_is_refused_unless_the_directory_allows_it() {
    let tmp = tempfile::tempdir().unwrap();
    let key_source = |p: &'static inkan_runtime::policy::CertificateProfile| {
        inkan_runtime::signer::SoftwareSigner::from_pkcs8_pem(
            &String::from_utf8(fixture(&format!("ca-{}-{}.key.pem", p.name, p.key_bits))).unwrap(),
        )
    };
    let options = inkan_runtime::ca::InitOptions {
        allow_clock_override: false,
        custody_waiver: Some("tests on fixture keys"),
        key_source: &key_source,
        progress: &|_| {},
        store: None,
    };
    let (ca, _shares) = Ca::init(
        &tmp.path().join("ca"),
        inkan_tests::policy("jpcert-ssl-client"),
        Timestamp::now(),
        &options,
    )
    .unwrap();
    assert!(matches!(
        ca.now(Some(at("2030-01-01T00:00:00Z"))),
        Err(Error::ClockOverrideRefused)
    ));
    assert!(ca.now(None).is_ok());
}

#[test]
fn issued_certificates_are_recorded_before_they_are_returned() {
    let (_tmp, mut ca) = fixture_ca("jpcert-ssl-client", at("2026-04-01T00:00:00Z"));
    let issued = ca
        .issue(
            &request(&fixture("sub1-1024.csr.pem"), 7, 7),
            at("2026-05-01T00:00:00Z"),
        )
        .unwrap();
    let record = ca.store().certificate(&issued.serial).unwrap().unwrap();
    assert_eq!(
        (record.status.as_str(), record.der.as_deref()),
        ("issued", Some(&issued.der[..]))
    );
}

/// R-3.3-REISSUE and R-4.8-NO-MODIFY: after a revocation a new certificate is a new
/// issuance (new serial, next letter); the revoked one stays as it was.
/// Proves: R-3.1-UNIQUE.
#[test]
fn a_certificate_after_a_revocation_gets_the_next_letter() {
    let (_tmp, mut ca) = fixture_ca("jpcert-ssl-client", at("2026-04-01T00:00:00Z"));
    let first = ca
        .issue(
            &request(&fixture("sub1-1024.csr.pem"), 10, 20),
            at("2026-05-01T00:00:00Z"),
        )
        .unwrap();
    ca.revoke(
        &first.serial,
        "key-loss",
        at("2026-05-02T00:00:00Z"),
        "test",
    )
    .unwrap();
    let second = ca
        .issue(
            &request(&fixture("sub2-1024.csr.pem"), 10, 20),
            at("2026-05-03T00:00:00Z"),
        )
        .unwrap();
    assert_ne!(first.serial, second.serial);
    assert!(
        first.subject.contains("SSL-000010-000020-2026a")
            && second.subject.contains("SSL-000010-000020-2026b")
    );
    let old = ca.store().certificate(&first.serial).unwrap().unwrap();
    assert_eq!(
        (old.der.as_deref(), old.revoked.map(|r| r.1)),
        (Some(&first.der[..]), Some("key-loss".to_string()))
    );
}

/// R-5.5-ARCHIVE: every issued certificate is kept, revoked or not, with its DER.
/// Proves: R-5.5-ARCHIVE.
#[test]
fn r_5_5_archive_every_issued_certificate_is_kept() {
    let (_tmp, mut ca) = fixture_ca("jpcert-ssl-client", at("2026-04-01T00:00:00Z"));
    let mut serials = Vec::new();
    for person in 1..=3 {
        serials.push(
            ca.issue(
                &request(&fixture(&format!("sub{person}-1024.csr.pem")), 1, person),
                at("2026-05-01T00:00:00Z"),
            )
            .unwrap(),
        );
    }
    ca.revoke(
        &serials[1].serial,
        "other",
        at("2026-05-02T00:00:00Z"),
        "test",
    )
    .unwrap();
    let kept = ca.store().certificates("ssl-client").unwrap();
    assert_eq!(kept.len(), 3);
    for issued in &serials {
        assert!(
            kept.iter()
                .any(|r| r.serial == issued.serial && r.der.as_deref() == Some(&issued.der[..]))
        );
    }
}

/// A certificate, once issued, is never rewritten (R-4.8-NO-MODIFY: a change is a new
/// issuance): the store records a signed certificate only over a pending record, so a
/// second completion of an issued serial, with other bytes, is refused and the bytes
/// stay as issued.
/// Proves: R-4.8-NO-MODIFY.
#[test]
fn r_4_8_no_modify_an_issued_certificate_is_never_rewritten() {
    let now = at("2026-04-01T09:00:00Z");
    let (tmp, mut ca) = fixture_ca("jpcert-ssl-client", now);
    let issued = ca
        .issue(&request(&fixture("sub1-1024.csr.pem"), 7, 7), now)
        .unwrap();
    let location = inkan_runtime::ca::store_location(&tmp.path().join("ca")).unwrap();
    use inkan_runtime::store::Store as _;
    let mut store = inkan_runtime::store::SqlStore::open(&location).unwrap();
    let other = ca
        .issue(&request(&fixture("sub2-1024.csr.pem"), 7, 8), now)
        .unwrap();
    assert!(
        store.complete(&issued.serial, &other.der, &[]).is_err(),
        "an issued certificate was rewritten"
    );
    let record = store.certificate(&issued.serial).unwrap().unwrap();
    assert_eq!(record.der.as_deref(), Some(issued.der.as_slice()));
}

/// Proves: R-5.5-ARCHIVE.
///
/// Every issued certificate is archived as issued, and with the exact bytes that were
/// signed: its record holds the certificate's DER (as `r_4_8_no_modify...` also finds),
/// and the `tbs` the record was made with before the key was used is the certificate's
/// TBSCertificate. The second half is store before sign, the evidence an operator has
/// for a record left pending, more than archiving.
#[test]
fn r_5_5_archive_an_issued_certificate_is_kept_with_the_tbs_that_was_signed() {
    use der::Encode as _;
    use x509_cert::der::Decode as _;
    for (id, bits) in [
        ("jpcert-ssl-client", 1024),
        ("jpcert-ssl-client-2026", 2048),
    ] {
        let now = at("2026-04-01T09:00:00Z");
        let (tmp, mut ca) = fixture_ca(id, now);
        let csr = fixture(&format!("sub1-{bits}.csr.pem"));
        let issued = ca.issue(&request(&csr, 7, 1), now).unwrap();
        let cert = x509_cert::Certificate::from_der(&issued.der).unwrap();
        let location = inkan_runtime::ca::store_location(&tmp.path().join("ca")).unwrap();
        let db = inkan_runtime::sql::Db::open(&location).unwrap();
        let recorded: Vec<u8> = db
            .query("SELECT serial, tbs FROM certificates", &[])
            .unwrap()
            .into_iter()
            .find(|r| r.get::<String>(0).unwrap() == issued.serial)
            .unwrap()
            .get(1)
            .unwrap();
        assert_eq!(recorded, cert.tbs_certificate().to_der().unwrap(), "{id}");
        let record = ca.store().certificate(&issued.serial).unwrap().unwrap();
        assert_eq!(record.der.as_deref(), Some(issued.der.as_slice()), "{id}");
    }
}
