//! Snapshot tests of the compiler's diagnostics: each `tests/invalid/<name>.edit` is a
//! realistic mistake written as edits of the faithful policy, so it follows that policy
//! as it grows (full copies, which drifted until they showed unrelated errors, are
//! gone); its `.stderr` holds the exact text `inkan policy check` prints. Set `UPDATE_SNAPSHOTS=1`
//! to rewrite them after a deliberate change, then review the diff.
//!
//! An `.edit` file is a comment saying what the mistake is, then blocks of
//! `--- replace`, the text to find (exactly once), `--- with`, its replacement.
//!
//! `tests/valid/<name>.edit` are the other side of a check's boundary: a policy that
//! sits exactly on it (nextUpdate equal to the CRL interval, a CA ending with its
//! issuer) must compile.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::path::Path;

/// The faithful policy with the edits of an `.edit` file applied.
fn edited(name: &str, edits: &str) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut source = std::fs::read_to_string(root.join("policy/jpcert-ssl-client.yaml")).unwrap();
    let blocks: Vec<&str> = edits.split("--- replace\n").skip(1).collect();
    assert!(
        !blocks.is_empty(),
        "{name}.edit: no `--- replace` block, so no edit"
    );
    for block in blocks {
        let (old, new) = block
            .split_once("--- with\n")
            .unwrap_or_else(|| panic!("{name}.edit: a `--- replace` without `--- with`"));
        assert_eq!(
            source.matches(old).count(),
            1,
            "{name}.edit: the text to replace must occur exactly once:\n{old}"
        );
        source = source.replacen(old, new, 1);
    }
    // The policy id is the file stem, as in the copies.
    source.replacen("id: jpcert-ssl-client\n", &format!("id: {name}\n"), 1)
}

fn stems(dir: &Path, exts: &[&str]) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| {
            e.ok()?
                .file_name()
                .to_str()?
                .split_once('.')
                .filter(|(_, ext)| exts.contains(ext))
                .map(|(stem, _)| stem.to_string())
        })
        .collect();
    names.sort();
    names
}

fn check(name: &str) -> Option<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/invalid");
    let source = edited(
        name,
        &std::fs::read_to_string(dir.join(format!("{name}.edit"))).unwrap(),
    );
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
    let names = stems(&dir, &["edit"]);
    let orphans: Vec<String> = stems(&dir, &["stderr"])
        .into_iter()
        .filter(|s| !names.contains(s))
        .collect();
    assert!(orphans.is_empty(), "snapshots with no .edit: {orphans:?}");
    assert!(
        names.len() >= 15,
        "at least 15 invalid policies, found {}",
        names.len()
    );
    let failures: Vec<String> = names.iter().filter_map(|n| check(n)).collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn policies_on_the_edge_of_a_check_compile() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/valid");
    let names = stems(&dir, &["edit"]);
    assert!(names.len() >= 3, "found {names:?}");
    let failures: Vec<String> = names
        .iter()
        .filter_map(|name| {
            let source = edited(
                name,
                &std::fs::read_to_string(dir.join(format!("{name}.edit"))).unwrap(),
            );
            let file = format!("tests/valid/{name}.yaml");
            inkan_compiler::compile(&file, &source)
                .err()
                .map(|e| inkan_compiler::render(&file, &source, &e.diagnostics))
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
