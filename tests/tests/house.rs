//! House rules checked on every `cargo test`: every Rust file opens with a `//!` module
//! doc, and a generated policy crate depends on the policy types and nothing heavier.
//! That `generated/` is what the policies generate is the compiler's own test
//! (`compiler/tests/generated.rs`).

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::path::Path;

use inkan_tests::root;

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir()
            && p.file_name()
                .is_some_and(|n| n != "target" && n != "fixtures")
        {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn every_module_opens_with_a_doc_comment() {
    let root = root();
    let mut files = Vec::new();
    for dir in [
        "compiler",
        "policy-types",
        "runtime",
        "server",
        "cli",
        "xtask",
        "tests",
        "generated",
        "fuzz",
    ] {
        rust_files(&root.join(dir), &mut files);
    }
    let missing: Vec<String> = files
        .iter()
        .filter(|f| {
            let text = std::fs::read_to_string(f).unwrap();
            let first = text
                .lines()
                .find(|l| !l.starts_with("// @generated"))
                .unwrap_or("");
            !first.starts_with("//!")
        })
        .map(|f| f.strip_prefix(&root).unwrap().display().to_string())
        .collect();
    assert!(
        missing.is_empty(),
        "files without a `//!` module doc: {missing:?}"
    );
}

/// What a generated policy crate must never pull in: it is static data over the
/// policy types, and a policy author's crate should build without a database, an HSM,
/// a network stack or an async runtime.
const NOT_IN_A_POLICY_CRATE: &[&str] = &[
    "inkan-runtime",
    "rusqlite",
    "libsqlite3-sys",
    "postgres",
    "tokio-postgres",
    "cryptoki",
    "tokio",
    "ring",
    "rsa",
    "hyper",
    "reqwest",
    "axum",
];

#[test]
fn generated_policy_crates_depend_on_the_policy_types_alone() {
    let root = root();
    let mut checked = 0;
    for entry in std::fs::read_dir(root.join("generated")).unwrap().flatten() {
        let manifest = entry.path().join("Cargo.toml");
        let text = std::fs::read_to_string(&manifest).unwrap_or_default();
        let Some(name) = text
            .lines()
            .find_map(|l| l.strip_prefix("name = \""))
            .map(|n| n.trim_end_matches('"'))
        else {
            continue;
        };
        if name == "inkan-policies" || name == "inkan-test-policies" {
            continue;
        }
        let tree = cargo_tree(&["-e", "normal", "-p", name]);
        let crates: Vec<&str> = tree
            .lines()
            .filter_map(|l| l.split_whitespace().next())
            .collect();
        assert!(crates.contains(&"inkan-policy-types"), "{name}: {tree}");
        let found: Vec<&&str> = NOT_IN_A_POLICY_CRATE
            .iter()
            .filter(|c| crates.contains(c))
            .collect();
        assert!(found.is_empty(), "{name} depends on {found:?}:\n{tree}");
        checked += 1;
    }
    assert!(checked >= 2, "no generated policy crate was found");
}

/// `cargo tree --offline --prefix none` with `args`, from the repository root.
fn cargo_tree(args: &[&str]) -> String {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = std::process::Command::new(cargo)
        .args(["tree", "--offline", "--prefix", "none"])
        .args(args)
        .current_dir(root())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "cargo tree {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The features cargo resolves for the packages of the workspace, per edge kind.
fn resolved_features(edges: &str) -> String {
    cargo_tree(&["--workspace", "-e", edges, "-f", "{p} [{f}]"])
}

/// Crash points and the CRL pause are compiled only with the runtime's `test-hooks`
/// feature. Only dev-dependencies turn it on, so no release build of any workspace
/// package (the `inkan` binary, the server) contains them; with dev-dependencies
/// resolved the feature is seen, which shows the check can see it.
#[test]
fn release_builds_have_no_test_hooks() {
    let release = resolved_features("normal,build");
    let hooked: Vec<&str> = release
        .lines()
        .filter(|l| l.contains("test-hooks"))
        .collect();
    assert!(
        hooked.is_empty(),
        "a normal dependency turns on test hooks: {hooked:?}"
    );
    assert!(
        release.lines().any(|l| l.starts_with("inkan-runtime ")),
        "{release}"
    );
    let tests = resolved_features("normal,build,dev");
    assert!(
        tests
            .lines()
            .any(|l| l.starts_with("inkan-runtime ") && l.contains("test-hooks")),
        "test builds no longer turn the hooks on; the crash tests would not crash:\n{tests}"
    );
}

/// Who may do what is the policy's (R-5.2-RA-ROLES): no role of a shipped policy is
/// named in the code of the server or the CLI, in a string or in SQL, and neither is
/// any workflow's name or any state of one (issue 12), so a permission or a
/// transition cannot be decided by a hand-written comparison with a name.
#[test]
fn no_role_or_workflow_state_is_named_in_the_server_or_the_cli() {
    let root = root();
    let policies = inkan_policies::ALL
        .iter()
        .chain(inkan_test_policies::ALL.iter());
    let mut roles: Vec<&str> = Vec::new();
    for p in policies {
        let def = p.definition();
        roles.extend(def.ra_roles.iter().map(|r| r.name));
        roles.extend(
            def.eligibility
                .iter()
                .flat_map(|e| e.registrations.iter().map(|r| r.name)),
        );
        for w in def.workflows {
            roles.push(w.name);
            roles.push(w.start);
            roles.extend(w.ends.iter().copied());
            for s in w.steps {
                roles.extend([s.from, s.to]);
                roles.extend(s.refused);
            }
        }
    }
    roles.sort_unstable();
    roles.dedup();
    assert!(
        roles.contains(&"operator") && roles.contains(&"awaiting-confirmation"),
        "{roles:?}"
    );
    let mut files = Vec::new();
    for dir in ["server/src", "cli/src"] {
        rust_files(&root.join(dir), &mut files);
    }
    let mut found = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or_default();
            for role in &roles {
                if code.contains(&format!("\"{role}\"")) || code.contains(&format!("'{role}'")) {
                    found.push(format!(
                        "{}:{}: {role}",
                        file.strip_prefix(&root).unwrap().display(),
                        n + 1
                    ));
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "role or workflow names in code (ask the policy instead: Policy::may, ra::permissions, ra::workflow):\n  {}",
        found.join("\n  ")
    );
}
