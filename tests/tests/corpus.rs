//! The fuzz corpora, replayed on stable by the test suite (issue 7): every input the
//! CSR and policy fuzz targets keep in `fuzz/corpus/` goes through the same calls, so a
//! crash the fuzzer once found stays fixed. The fuzzers themselves run in CI through
//! `cargo fuzz` (see fuzz/README.md).

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use inkan_tests::root;

fn inputs(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = root().join("fuzz/corpus").join(target);
    let mut all: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| {
            let path = e.unwrap().path();
            (path.display().to_string(), std::fs::read(&path).unwrap())
        })
        .collect();
    all.sort();
    assert!(!all.is_empty(), "{} has inputs", dir.display());
    all
}

/// Proves: R-3.2-POP.
#[test]
fn the_csr_corpus_is_refused_or_accepted_without_panic() {
    let mut accepted = 0;
    for (name, bytes) in inputs("csr") {
        for id in ["jpcert-ssl-client", "jpcert-ssl-client-2026"] {
            let profile = inkan_tests::policy(id).certificate("ssl-client").unwrap();
            if inkan_runtime::csr::check(&bytes, profile).is_ok() {
                accepted += 1;
                assert!(name.contains("sub1"), "{name} accepted for {id}");
            }
        }
    }
    assert!(accepted >= 2, "the fixture requests are accepted");
}

#[test]
fn the_policy_corpus_compiles_or_is_refused_with_diagnostics_without_panic() {
    for (name, bytes) in inputs("policy") {
        let text = String::from_utf8_lossy(&bytes);
        match inkan_compiler::compile("corpus.yaml", &text) {
            Ok(_) => assert!(!name.contains("invalid-"), "{name} compiled"),
            Err(e) => assert!(!e.to_string().is_empty(), "{name}: an empty diagnostic"),
        }
    }
}
