//! The benchmarks' smoke variant (issue 6): every benchmark of `cargo xtask bench` runs
//! at tiny sizes and yields finite, positive figures and a report. Speed is not checked
//! here; the full benchmark is not part of CI.

use inkan_tests::bench::{self, Sizes};

#[test]
fn every_benchmark_runs_at_smoke_sizes_and_writes_a_report() {
    let figures = bench::run(&Sizes::smoke(), &|_| {});
    for expected in [
        "issuance, jpcert-ssl-client (RSA-1024, software: rsa crate), one at a time",
        "issuance, jpcert-ssl-client-2026 (RSA-2048, software: ring), batches of 5",
        "issuance, jpcert-ssl-client-2026 (RSA-2048, SoftHSM2)",
        "12 requests, jpcert-ssl-client-2026 (RSA-2048): inkan (batches of 5) vs openssl ca",
        "CRL of 500 entries",
        "software signer, RSA-1024 (rsa crate, SHA-1), one core",
        "relying party: Verifier::verify (chain, validity, profile, 10-entry CRL)",
        "relying party: Verifier::verify, 500-entry CRL loaded",
        "audit verify, 1000 entries",
        "compile jpcert-ssl-client-2026",
    ] {
        assert!(
            figures.iter().any(|f| f.name.starts_with(expected)),
            "missing figure `{expected}`"
        );
    }
    for f in &figures {
        assert!(
            f.measured.is_finite() && f.measured >= 0.0 && f.baseline > 0.0 && f.ratio.is_finite(),
            "{f:?}"
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let md = bench::write_report(dir.path(), &figures, "smoke").unwrap();
    assert_eq!(
        md.lines().filter(|l| l.starts_with("| ")).count(),
        figures.len() + 1
    );
    let back: Vec<bench::Figure> =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("report.json")).unwrap())
            .unwrap();
    assert_eq!(back.len(), figures.len());
    assert!(
        std::fs::read_to_string(dir.path().join("ratios.svg"))
            .unwrap()
            .starts_with("<svg")
    );
}
