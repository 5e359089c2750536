//! The semantic policy diff (`inkan policy diff`): the two JPCERT revisions are its
//! first real test; formatting, comments and the order of named entries never show.

#![allow(clippy::unwrap_used, missing_docs)]

use inkan_compiler::{compile, diff};

fn model(name: &str, text: &str) -> inkan_compiler::model::Policy {
    compile(name, text)
        .unwrap_or_else(|e| panic!("{}", inkan_compiler::render(&e.file, text, &e.diagnostics)))
        .policy
}

fn source(id: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/../policy/{id}.yaml",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

#[test]
fn faithful_to_2026_lists_every_difference_by_section_with_rules() {
    let (a, b) = (
        model(
            "policy/jpcert-ssl-client.yaml",
            &source("jpcert-ssl-client"),
        ),
        model(
            "policy/jpcert-ssl-client-2026.yaml",
            &source("jpcert-ssl-client-2026"),
        ),
    );
    let changes = diff::diff(&a, &b);
    let text = diff::to_text(&changes);
    for line in [
        "  ssl-client: key size 1024 -> 2048 [R-6.1-KEY-SIZE]",
        "  root: signature sha1WithRSAEncryption -> sha256WithRSAEncryption [R-7.1-ROOT]",
        "  ssl-client: extendedKeyUsage added: clientAuth (non-critical) [R-7.1-SUB]",
        "  ssl-clients: netscapeCertType removed (was sslCA (non-critical)) [R-7.1-ICA]",
        "  CRL of ssl-clients: extensions crl_number -> crl_number, authority_key_identifier [R-7.2-CRL]",
        "  weak-rsa-key: waiver removed (was in force) [R-6.1-KEY-SIZE]  (no effect on issued artefacts)",
    ] {
        assert!(
            text.lines().any(|l| l == line),
            "missing {line:?} in\n{text}"
        );
    }
    let sections: Vec<&str> = text.lines().filter(|l| !l.starts_with(' ')).collect();
    assert_eq!(
        sections,
        [
            "6.1 Key pair generation and installation",
            "7.1 Certificate profiles",
            "7.2 CRL profile",
            "waivers Waived departures from RFC 5280 and practice"
        ]
    );
    assert!(diff::affects_artefacts(&changes));
    assert_eq!(
        diff::to_json(&changes)["changes"].as_array().unwrap().len(),
        changes.len()
    );
    assert!(
        diff::to_markdown(&changes)
            .contains("| ssl-client | key size | 1024 | 2048 | R-6.1-KEY-SIZE | yes |")
    );
}

#[test]
fn formatting_comments_and_order_of_named_entries_are_not_differences() {
    let original = source("jpcert-ssl-client");
    // Drop every comment line, and swap the first two OID entries.
    let mut text: String = original
        .lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .map(|l| format!("{l}\n"))
        .collect();
    let first = "  - name: jpcert-cc\n    oid: 1.2.392.200212\n    cps: [R-1.2-OID-ORG]\n";
    let second = "  - name: issuing-service\n    oid: 1.2.392.200212.1\n    cps: [R-1.2-OID-ORG]\n";
    assert!(text.contains(&format!("{first}{second}")));
    text = text.replacen(&format!("{first}{second}"), &format!("{second}{first}"), 1);
    let changes = diff::diff(
        &model("policy/jpcert-ssl-client.yaml", &original),
        &model("policy/jpcert-ssl-client.yaml", &text),
    );
    assert!(changes.is_empty(), "{}", diff::to_text(&changes));
}

#[test]
fn a_change_outside_the_artefacts_is_reported_as_such() {
    let original = source("jpcert-ssl-client");
    let changed = original.replacen("deadline: 10 business days", "deadline: 5 business days", 1);
    let changes = diff::diff(
        &model("policy/jpcert-ssl-client.yaml", &original),
        &model("policy/jpcert-ssl-client.yaml", &changed),
    );
    assert_eq!(changes.len(), 1, "{changes:?}");
    assert_eq!(
        (
            changes[0].section,
            changes[0].old.as_str(),
            changes[0].new.as_str()
        ),
        ("4.9", "10 business days", "5 business days")
    );
    assert!(!diff::affects_artefacts(&changes));
}

/// A revision of the holiday calendar reads as the dates it moves, year by year.
#[test]
fn calendar_changes_are_the_dates_that_move() {
    let old = source("jpcert-ssl-client");
    let new = old
        .replace("03-21, 03-22, 04-29", "03-22, 04-29")
        .replace("              07-19, 08-11, 09-20, 09-23, 10-11, 11-03, 11-23]\n", "              07-19, 08-11, 09-20, 09-23, 10-11, 11-03, 11-23]\n    - year: 2028\n      dates: [01-01]\n")
        .replace("zone: \"+09:00\"", "zone: \"+08:00\"");
    let (a, b) = (
        model("policy/jpcert-ssl-client.yaml", &old),
        model("policy/jpcert-ssl-client.yaml", &new),
    );
    let text = diff::to_text(&diff::diff(&a, &b));
    for line in [
        "4.9 Revocation",
        "  business days: zone UTC+09:00 -> UTC+08:00 [R-4.9-DEADLINE]  (no effect on issued artefacts)",
        "  business days: holidays of 2027 removed (was 03-21) [R-4.9-DEADLINE]  (no effect on issued artefacts)",
        "  business days: holidays of 2028 added: 01-01 [R-4.9-DEADLINE]  (no effect on issued artefacts)",
    ] {
        assert!(
            text.lines().any(|l| l == line),
            "missing {line:?} in\n{text}"
        );
    }
    assert_eq!(text.lines().count(), 4, "{text}");
}

#[test]
fn a_form_field_dropped_or_changed_is_a_difference_under_its_section() {
    let old = source("jpcert-ssl-client");
    let new = old
        .replacen("        - { name: title, kind: text }\n", "", 1)
        .replacen(
            "        - { name: subscriber-name, kind: text }",
            "        - { name: subscriber-name, kind: names }",
            1,
        );
    assert_ne!(old, new);
    let path = "policy/jpcert-ssl-client.yaml";
    let text = diff::to_text(&diff::diff(&model(path, &old), &model(path, &new)));
    for line in [
        "  application (class A) form: title removed (was text) [R-3.2-FORM-A, R-3.2-ONLY-MANAGER]  (no effect on issued artefacts)",
        "  revocation form: subscriber-name text -> names [R-3.4-REVOKE-FORM]  (no effect on issued artefacts)",
    ] {
        assert!(
            text.lines().any(|l| l == line),
            "missing {line:?} in\n{text}"
        );
    }
    let sections: Vec<&str> = text.lines().filter(|l| !l.starts_with(' ')).collect();
    assert_eq!(
        sections,
        [
            "3.2 Initial identity validation",
            "3.4 Identification and authentication for revocation request"
        ]
    );
}

/// An earlier revision still reads where the policy language has since moved on: the
/// renewal notice was once a schedule `before` a date with a `lead`, which a current
/// policy may no longer write, and the diff names it in its old words.
#[test]
fn an_earlier_revisions_dated_schedule_reads_and_diffs() {
    let new = source("jpcert-ssl-client");
    let anchor = "  - name: revocation-deadline\n";
    assert_eq!(new.matches(anchor).count(), 1);
    let old = new.replacen(
        anchor,
        &format!("  - name: renewal-notice\n    before: April 30\n    lead: 60d\n    cps: [R-4.6-RENEWAL]\n{anchor}"),
        1,
    );
    let path = "policy/jpcert-ssl-client.yaml";
    assert!(
        compile(path, &old).is_err(),
        "a current policy may not date a schedule"
    );
    let revision = inkan_compiler::compile_revision(path, &old)
        .unwrap_or_else(|e| panic!("{}", inkan_compiler::render(&e.file, &old, &e.diagnostics)));
    let text = diff::to_text(&diff::diff(&revision.policy, &model(path, &new)));
    assert_eq!(
        text.lines().collect::<Vec<_>>(),
        [
            "4.9 Revocation",
            "  schedule renewal-notice: timing removed (was 60d before April 30) [R-4.6-RENEWAL]  (no effect on issued artefacts)"
        ],
        "{text}"
    );
}
