//! `cargo xtask trace`: from each CPS rule to what holds it.
//!
//! For every rule of the catalogue (`policy/rules/jpcert-cps.tsv`) it lists the policy
//! entries that cite it, the generated items that carry it, and the tests that prove
//! it. A test proves a rule only by the marker `/// Proves: R-...` on its own doc
//! comment ([`markers`]), and only if the test harness runs it: the tests are those
//! every test executable of the workspace lists, minus the ignored ones
//! ([`harness`]). IDs match exactly. It prints the coverage figure and fails when a
//! rule of kind enforce, emit, record or schedule has no proving test and is not
//! listed, with its reason, in `policy/rules/gaps.tsv`; when a listed gap has a
//! proving test; when a marker names a rule the catalogue lacks; and when a marker
//! sits on a function the harness does not run.

pub mod harness;
pub mod markers;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// One rule's trace.
pub struct Trace {
    pub id: String,
    pub kind: String,
    pub policy: Vec<String>,
    pub generated: usize,
    pub tests: Vec<String>,
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            if p.file_name().is_some_and(|n| n != "target" && n != ".git") {
                rust_files(&p, out);
            }
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// Traces every rule.
pub fn trace(root: &Path) -> anyhow::Result<(Vec<Trace>, Vec<String>)> {
    let catalogue = std::fs::read_to_string(root.join("policy/rules/jpcert-cps.tsv"))?;
    let mut policies: BTreeMap<String, String> = BTreeMap::new();
    for e in std::fs::read_dir(root.join("policy"))?.flatten() {
        let p = e.path();
        if p.extension().is_some_and(|x| x == "yaml") {
            policies.insert(
                p.file_name()
                    .unwrap_or_default()
                    .to_string_lossy()
                    .into_owned(),
                std::fs::read_to_string(&p)?,
            );
        }
    }
    let mut generated = Vec::new();
    rust_files(&root.join("generated"), &mut generated);
    let generated: Vec<String> = generated
        .iter()
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .collect();
    let proofs = proofs(root)?;
    let mut out = Vec::new();
    for line in catalogue
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let mut f = line.split('\t');
        let (Some(id), Some(kind)) = (f.next(), f.next()) else {
            continue;
        };
        let cited = |text: &str| {
            text.match_indices(id).any(|(i, _)| {
                !text[i + id.len()..].starts_with(|c: char| c.is_ascii_alphanumeric() || c == '-')
            })
        };
        let policy = policies
            .iter()
            .flat_map(|(file, text)| {
                text.lines()
                    .enumerate()
                    .filter(|(_, l)| cited(l) && !l.trim_start().starts_with('#'))
                    .map(move |(n, _)| format!("{file}:{}", n + 1))
            })
            .collect();
        let generated_items = generated
            .iter()
            .map(|g| g.lines().filter(|l| cited(l)).count())
            .sum();
        let named: Vec<String> = proofs
            .marked
            .iter()
            .filter(|(rule, _)| rule == id)
            .map(|(_, test)| test.clone())
            .collect();
        out.push(Trace {
            id: id.into(),
            kind: kind.into(),
            policy,
            generated: generated_items,
            tests: named,
        });
    }
    let mut problems = proofs.problems;
    for (rule, test) in &proofs.marked {
        if !out.iter().any(|t| &t.id == rule) {
            problems.push(format!(
                "{test} is marked as proving {rule}, which is not a rule of the catalogue"
            ));
        }
    }
    Ok((out, problems))
}

/// Every (rule, test) a marker on a harness-run test claims, and what is wrong with
/// the markers.
struct Proofs {
    marked: Vec<(String, String)>,
    problems: Vec<String>,
}

/// Reads the markers of every test the harness runs, and finds markers on functions
/// it does not run.
fn proofs(root: &Path) -> anyhow::Result<Proofs> {
    let mut marked = Vec::new();
    let mut problems = Vec::new();
    let mut seen: std::collections::BTreeSet<(PathBuf, String)> = Default::default();
    for binary in harness::binaries(root)? {
        for test in &binary.tests {
            let Some((file, name)) = markers::locate(root, &binary.root, test) else {
                problems.push(format!(
                    "cannot find the source of {test} (in {})",
                    binary.root.display()
                ));
                continue;
            };
            let Ok(text) = std::fs::read_to_string(&file) else {
                problems.push(format!("cannot read {}", file.display()));
                continue;
            };
            let rel = file.strip_prefix(root).unwrap_or(&file).to_path_buf();
            let Some(doc) = markers::doc_of(&text, &name) else {
                problems.push(format!("{test}: no `fn {name}` in {}", rel.display()));
                continue;
            };
            seen.insert((rel.clone(), name.clone()));
            for rule in markers::rules_in(&doc) {
                marked.push((rule, format!("{}::{name}", rel.display())));
            }
        }
    }
    // A marker the harness never runs proves nothing: an ignored test, a helper.
    let mut files = Vec::new();
    for dir in [
        "compiler",
        "policy-types",
        "runtime",
        "server",
        "cli",
        "tests",
        "xtask",
    ] {
        rust_files(&root.join(dir), &mut files);
    }
    for file in files {
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue;
        };
        let rel = file.strip_prefix(root).unwrap_or(&file).to_path_buf();
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            let is_marker = line
                .trim()
                .strip_prefix("///")
                .is_some_and(|t| t.trim().starts_with(markers::PREFIX));
            if !is_marker || rel.ends_with("xtask/src/trace/markers.rs") {
                continue;
            }
            let name = lines[i..].iter().find_map(|l| {
                let l = l.trim_start();
                let l = l.strip_prefix("pub ").unwrap_or(l);
                let l = l.strip_prefix("async ").unwrap_or(l);
                l.strip_prefix("fn ").map(|r| {
                    r.chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                        .collect::<String>()
                })
            });
            match name {
                Some(n) if seen.contains(&(rel.clone(), n.clone())) => {}
                Some(n) => problems.push(format!(
                    "{}::{n} carries a `Proves:` marker but the test harness does not run it (ignored, or not a test)",
                    rel.display()
                )),
                None => problems.push(format!(
                    "{}:{}: a `Proves:` marker on no function",
                    rel.display(),
                    i + 1
                )),
            }
        }
    }
    marked.sort();
    marked.dedup();
    Ok(Proofs { marked, problems })
}

/// Needs a test: these kinds execute.
pub fn needs_test(kind: &str) -> bool {
    matches!(kind, "enforce" | "emit" | "record" | "schedule")
}

/// The listed gaps: id -> reason.
pub fn gaps(root: &Path) -> anyhow::Result<BTreeMap<String, String>> {
    let text = std::fs::read_to_string(root.join("policy/rules/gaps.tsv"))?;
    Ok(text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| {
            l.split_once('\t')
                .map(|(id, why)| (id.to_string(), why.to_string()))
        })
        .collect())
}
