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
