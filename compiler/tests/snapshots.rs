//! Snapshot tests of the compiler's diagnostics: each file in `tests/invalid/` is a
//! realistic mistake in a copy of a real policy; its `.stderr` holds the exact text
//! `inkan policy check` prints. Set `UPDATE_SNAPSHOTS=1` to rewrite them after a
//! deliberate change, then review the diff.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::path::Path;

fn check(name: &str) -> Option<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/invalid");
    let source = std::fs::read_to_string(dir.join(format!("{name}.yaml"))).unwrap();
    let file = format!("tests/invalid/{name}.yaml");
    let rendered = match inkan_compiler::compile(&file, &source) {
        Ok(_) => panic!("{file} compiled, but it is meant to be invalid"),
        Err(e) => inkan_compiler::render(&file, &source, &e.diagnostics),
    };
    let snapshot = dir.join(format!("{name}.stderr"));
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&snapshot, &rendered).unwrap();
        return None;
    }
    let expected = std::fs::read_to_string(&snapshot).unwrap_or_default();
    (rendered != expected).then(|| format!("--- {name}: expected\n{expected}\n--- got\n{rendered}"))
}

/// Proves: R-4.9-NO-HOLD, R-1.3-HIERARCHY, R-3.1-DN-FORMAT.
#[test]
fn invalid_policies_give_their_exact_diagnostics() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/invalid");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| {
            e.ok()?
                .file_name()
                .to_str()?
                .strip_suffix(".yaml")
                .map(String::from)
        })
        .collect();
    names.sort();
    assert!(
        names.len() >= 15,
        "at least 15 invalid policies, found {}",
        names.len()
    );
    let failures: Vec<String> = names.iter().filter_map(|n| check(n)).collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
