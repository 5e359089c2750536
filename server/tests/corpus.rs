//! The HTTP fuzz corpus, replayed on stable (issue 7): every body in
//! `fuzz/corpus/http/` (first byte: the endpoint) goes to the service through the fuzz
//! target's own harness, which holds that nothing panics, nothing answers 5xx and every
//! API error is a problem document.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

#[path = "../../fuzz/src/http.rs"]
mod http_harness;

#[test]
fn every_http_corpus_body_is_answered_without_a_server_error() {
    let service = http_harness::Service::start();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus/http");
    let mut count = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        if let Some((selector, body)) = bytes.split_first() {
            service.exercise(*selector, body);
            count += 1;
        }
    }
    assert!(
        count >= http_harness::ENDPOINTS.len(),
        "every endpoint has a seed"
    );
}
