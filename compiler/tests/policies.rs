//! The project's real policies compile: the faithful one with each departure waived,
//! the 2026 revision with no waivers at all.

use inkan_compiler::{compile, diag::Severity, render};

fn compile_file(name: &str) -> inkan_compiler::Compiled {
    let path = format!("{}/../policy/{name}.yaml", env!("CARGO_MANIFEST_DIR"));
    let source = std::fs::read_to_string(&path).unwrap_or_default();
    match compile(&format!("policy/{name}.yaml"), &source) {
        Ok(c) => c,
        Err(e) => panic!("{}", render(&e.file, &source, &e.diagnostics)),
    }
}

#[test]
fn faithful_policy_compiles_with_every_departure_waived() {
    let c = compile_file("jpcert-ssl-client");
    let mut lints: Vec<&str> = c.warnings.iter().map(|d| d.code).collect();
    lints.sort_unstable();
    lints.dedup();
    assert_eq!(
        lints,
        [
            "basic-constraints-not-critical",
            "key-usage-not-critical",
            "lower-case-country",
            "missing-authority-key-identifier",
            "missing-subject-key-identifier",
            "no-extended-key-usage",
            "unspecified-reason-code",
            "utc-time-after-2049",
            "weak-rsa-key",
            "weak-signature-algorithm",
        ]
    );
    assert!(c.warnings.iter().all(|d| d.severity == Severity::Warning));
}

#[test]
fn modern_policy_needs_no_waivers() {
    let c = compile_file("jpcert-ssl-client-2026");
    assert!(c.policy.waivers.is_empty());
    assert_eq!(c.warnings.len(), 0, "{:?}", c.warnings);
}

/// R-1.3-HIERARCHY: the CPS plans an S/MIME issuing CA beside the SSL one, under the same root.
/// Proves: R-1.3-HIERARCHY.
#[test]
fn r_1_3_hierarchy_a_sibling_issuing_ca_is_expressible() {
    let path = format!(
        "{}/../policy/jpcert-ssl-client-2026.yaml",
        env!("CARGO_MANIFEST_DIR")
    );
    let source = std::fs::read_to_string(&path).unwrap_or_default();
    let sibling = r#"
  - name: smime
    role: issuing-ca
    issuer: root
    subject: C=JP, O=Japan Computer Emergency Response Team Coordination Center, CN=JPCERT/CC CA for S/MIME
    string_type: printable
    key: { algorithm: rsa, bits: 2048 }
    signature: sha256WithRSAEncryption
    validity:
      not_before: issue date at 00:00:00
      not_after: issue date + 5y at 23:59:59
    times: rfc5280
    extensions:
      - key_usage: [keyCertSign, cRLSign]
        critical: true
      - basic_constraints: { ca: true, path_len: 0 }
        critical: true
      - subject_key_identifier: rfc5280-method-1
        critical: false
      - authority_key_identifier: key-id
        critical: false
    cps: [R-1.3-HIERARCHY]
"#;
    let crl = "  - issuer: smime\n    signature: sha256WithRSAEncryption\n    next_update: 4d\n    times: rfc5280\n    extensions: [crl_number, authority_key_identifier]\n    entry_extensions: [reason_code]\n    cps: [R-7.2-CRL]\n";
    let with_sibling = source
        .replacen(
            "\n  - name: ssl-client\n",
            &format!("{sibling}\n  - name: ssl-client\n"),
            1,
        )
        .replacen(
            "    cps: [R-7.2-CRL, R-4.9-NO-OCSP, R-7.3-NO-OCSP]\n",
            &format!("    cps: [R-7.2-CRL, R-4.9-NO-OCSP, R-7.3-NO-OCSP]\n{crl}"),
            1,
        );
    let compiled = compile("policy/jpcert-ssl-client-2026.yaml", &with_sibling)
        .unwrap_or_else(|e| panic!("{}", render(&e.file, &with_sibling, &e.diagnostics)));
    let under_root: Vec<&str> = compiled
        .policy
        .certificates
        .iter()
        .filter(|c| c.issuer.as_deref() == Some("root"))
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(under_root, ["ssl-clients", "smime"]);
    assert!(
        compiled.policy.crl_for("smime").is_some()
            && compiled.policy.crl_for("ssl-clients").is_some()
    );
}

/// Editor support: the schema offers the model's keywords and lints, so an editor can
/// complete them; docs/policy.schema.json is kept current by the staleness check.
#[test]
fn the_schema_offers_the_policy_keywords() {
    let schema = inkan_compiler::schema::document();
    let defs = &schema["$defs"];
    assert_eq!(
        defs["Role"]["enum"],
        serde_json::json!(["root", "issuing-ca", "subscriber"])
    );
    assert!(
        defs["LintName"]["enum"]
            .as_array()
            .is_some_and(|l| l.iter().any(|x| x == "weak-rsa-key"))
    );
    assert!(
        defs["RuleId"]["enum"]
            .as_array()
            .is_some_and(|l| l.iter().any(|x| x == "R-7.1-SUB-VALIDITY"))
    );
    assert_eq!(defs["RawExtension"]["additionalProperties"], false);
    assert!(
        defs["RawValidity"]["properties"]["not_after"]["description"]
            .as_str()
            .is_some_and(|d| d.contains("last April 30"))
    );
}
