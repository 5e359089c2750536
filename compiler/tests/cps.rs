//! The CPS rendered from the faithful policy reproduces the CPS's own Tables 6, 7 and
//! 8 field by field (R-7.1-ROOT, R-7.1-ICA, R-7.1-SUB) and Table 9 (R-7.2-CRL). The
//! expected rows are transcribed from the CPS (shared/cps), not from the renderer.

#![allow(clippy::unwrap_used, missing_docs)]

use inkan_compiler::cps::{Document, Table, document};

fn faithful() -> Document {
    let text = std::fs::read_to_string(format!(
        "{}/../policy/jpcert-ssl-client.yaml",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let c = inkan_compiler::compile("policy/jpcert-ssl-client.yaml", &text).unwrap();
    document(&c.policy, &c.sha256)
}

fn table<'a>(doc: &'a Document, caption: &str) -> &'a Table {
    doc.sections
        .iter()
        .flat_map(|s| &s.tables)
        .find(|t| t.caption == caption)
        .unwrap_or_else(|| panic!("no table {caption}"))
}

/// Each expected row: the field, and text its value must start with.
fn check(t: &Table, expected: &[(&str, &str)]) {
    let got: Vec<(&str, &str)> = t
        .rows
        .iter()
        .map(|r| (r[0].as_str(), r[1].as_str()))
        .collect();
    assert_eq!(got.len(), expected.len(), "{}: {got:#?}", t.caption);
    for ((field, value), (want_field, want_value)) in got.iter().zip(expected) {
        assert_eq!(field, want_field, "{}", t.caption);
        assert!(
            value.starts_with(want_value),
            "{} {field}: {value:?} should start with {want_value:?}",
            t.caption
        );
    }
}

fn check_extensions(t: &Table, expected: &[(&str, &str, &str)]) {
    let got: Vec<(&str, &str, &str)> = t
        .rows
        .iter()
        .map(|r| (r[0].as_str(), r[1].as_str(), r[2].as_str()))
        .collect();
    assert_eq!(got, expected, "{}", t.caption);
}

const O: &str = "o=Japan Computer Emergency Response Team Coordination Center";

/// Proves: R-7.1-ROOT, R-3.1-ROOT-DN.
#[test]
fn r_7_1_root_table_6() {
    let doc = faithful();
    let root = format!("c=jp<br>{O}<br>cn=JPCERT/CC Root CA");
    check(
        table(&doc, "Certificate profile `root` (root)"),
        &[
            ("version", "2"),
            ("serialNumber", "…"),
            ("signature", "1.2.840.113549.1.1.5"),
            ("issuer", &root),
            ("validity notBefore", "YYMMDD000000Z"),
            ("validity notAfter", "YYMMDD235959Z"),
            ("subject", &root),
            ("subjectPublicKeyInfo algorithm", "1.2.840.113549.1.1.1"),
            ("subjectPublicKey", "…"),
        ],
    );
    check_extensions(
        table(
            &doc,
            "Extensions of `root` (the complete set, in encoding order)",
        ),
        &[
            ("keyUsage", "FALSE", "keyCertSign<br>cRLSign"),
            (
                "basicConstraints",
                "FALSE",
                "cA TRUE<br>pathLenConstraint 1",
            ),
        ],
    );
}

/// Proves: R-7.1-ICA, R-3.1-ICA-DN.
#[test]
fn r_7_1_ica_table_7() {
    let doc = faithful();
    check(
        table(&doc, "Certificate profile `ssl-clients` (issuing-ca)"),
        &[
            ("version", "2"),
            ("serialNumber", "…"),
            ("signature", "1.2.840.113549.1.1.5"),
            ("issuer", &format!("c=jp<br>{O}<br>cn=JPCERT/CC Root CA")),
            ("validity notBefore", "YYMMDD000000Z"),
            ("validity notAfter", "YYMMDD235959Z"),
            (
                "subject",
                &format!("c=jp<br>{O}<br>cn=JPCERT/CC CA for SSL Clients"),
            ),
            ("subjectPublicKeyInfo algorithm", "1.2.840.113549.1.1.1"),
            ("subjectPublicKey", "…"),
        ],
    );
    check_extensions(
        table(
            &doc,
            "Extensions of `ssl-clients` (the complete set, in encoding order)",
        ),
        &[
            ("keyUsage", "FALSE", "keyCertSign<br>cRLSign"),
            (
                "basicConstraints",
                "FALSE",
                "cA TRUE<br>pathLenConstraint 0",
            ),
            (
                "netscapeCertType (2.16.840.1.113730.1.1)",
                "FALSE",
                "SSL CA",
            ),
            ("subjectAltName", "FALSE", "directoryName<br>cn=(hsm_token)"),
        ],
    );
}

/// Proves: R-7.1-SUB, R-1.2-OID-CPS, R-4.5-KEY-USE, R-6.1-KEY-SIZE, R-7.1-SUB-VALIDITY.
#[test]
fn r_7_1_sub_table_8() {
    let doc = faithful();
    let t = table(&doc, "Certificate profile `ssl-client` (subscriber)");
    check(
        t,
        &[
            ("version", "2"),
            ("serialNumber", "…"),
            ("signature", "1.2.840.113549.1.1.5"),
            (
                "issuer",
                &format!("c=jp<br>{O}<br>cn=JPCERT/CC CA for SSL Clients"),
            ),
            ("validity notBefore", "YYMMDD000000Z"),
            ("validity notAfter", "YYMMDD235959Z"),
            (
                "subject",
                &format!("{O}<br>ou=JPCERT/CC CA for SSL Clients<br>cn=(subscriber name)"),
            ),
            ("subjectPublicKeyInfo algorithm", "1.2.840.113549.1.1.1"),
            ("subjectPublicKey", "…"),
        ],
    );
    // Table 8's notes: at most 1 year 1 month after issue, always April 30 23:59:59 UTC.
    assert!(t.rows[5][2].contains("1y1m") && t.rows[5][2].contains("April 30 at 23:59:59 UTC"));
    assert!(t.rows[8][2].contains("1024 bit"));
    check_extensions(
        table(
            &doc,
            "Extensions of `ssl-client` (the complete set, in encoding order)",
        ),
        &[
            (
                "basicConstraints",
                "FALSE",
                "cA FALSE<br>pathLenConstraint NULL",
            ),
            ("keyUsage", "FALSE", "digitalSignature<br>keyEncipherment"),
            (
                "cRLDistributionPoints",
                "FALSE",
                "http://www.jpcert.or.jp/ca-info/crl-list.crl",
            ),
            (
                "netscapeCertType (2.16.840.1.113730.1.1)",
                "FALSE",
                "SSL client",
            ),
            (
                "certificatePolicies",
                "FALSE",
                "PolicyIdentifier: OID=1.2.392.200212.1.1.1<br>PolicyQualifier: ID=CPS URI=http://www.jpcert.or.jp/ca-info/jpcert-cps.pdf",
            ),
        ],
    );
}

/// Proves: R-7.2-CRL.
#[test]
fn r_7_2_crl_table_9() {
    let doc = faithful();
    let t = table(&doc, "CRL of `ssl-clients` (Table 9)");
    check(
        t,
        &[
            ("version", "1"),
            ("signature", "1.2.840.113549.1.1.5"),
            (
                "issuer",
                &format!("c=jp<br>{O}<br>cn=JPCERT/CC CA for SSL Clients"),
            ),
            ("thisUpdate", "YYMMDDhhmmssZ"),
            ("nextUpdate", "YYMMDDhhmmssZ"),
            ("revokedCertificates userCertificate", "…"),
            ("revokedCertificates revocationDate", "YYMMDDhhmmssZ"),
            ("revokedCertificates reasonCode", "…"),
        ],
    );
    assert_eq!(t.rows[4][2], "thisUpdate + 4d");
    check_extensions(
        table(&doc, "CRL extensions of `ssl-clients`"),
        &[("cRLNumber", "FALSE", "one more than the previous CRL's")],
    );
}

/// CPS 1.2 assigns 1.2.392.200212 to JPCERT/CC, .1 to its certificate issuing
/// service and .1.1 to the SSL client CA; .1.1.1 identifies this CPS. Transcribed from
/// the CPS, compared with what the faithful policy says (and so issues).
/// Proves: R-1.2-OID-ORG, R-1.2-OID-CPS.
#[test]
fn r_1_2_oid_org_the_oid_arcs_are_the_cps_ones() {
    let doc = faithful();
    let rows: Vec<(&str, &str)> = table(&doc, "OIDs")
        .rows
        .iter()
        .map(|r| (r[0].as_str(), r[1].as_str()))
        .collect();
    assert_eq!(
        rows,
        [
            ("jpcert-cc", "1.2.392.200212"),
            ("issuing-service", "1.2.392.200212.1"),
            ("ssl-client-ca", "1.2.392.200212.1.1"),
            ("cps", "1.2.392.200212.1.1.1"),
        ]
    );
}
