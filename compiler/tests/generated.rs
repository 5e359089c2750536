//! The compiler's output for the shipped policies is the reviewed, checked-in code in
//! `generated/`, byte for byte. Everything the runtime enforces goes through that code,
//! so a change to the lowering that alters what a policy means fails here, in the
//! compiler's own tests (which is what lets `cargo xtask mutants --only compiler` run
//! this crate's tests alone). `cargo xtask check` holds the same equality as a gate.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::path::Path;

#[test]
fn generated_code_is_fresh() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let files = inkan_compiler::codegen::generate(&root).unwrap();
    let stale: Vec<&str> = files
        .iter()
        .filter(|f| {
            std::fs::read_to_string(root.join(&f.path)).ok().as_deref() != Some(f.contents.as_str())
        })
        .map(|f| f.path.as_str())
        .collect();
    assert!(
        stale.is_empty(),
        "generated/ is stale ({}); run `cargo xtask codegen` and commit the result",
        stale.join(", ")
    );
}
