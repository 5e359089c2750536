//! `cargo xtask trace`: from each CPS rule to what holds it.
//!
//! For every rule of the catalogue (`policy/rules/jpcert-cps.tsv`) it lists the policy
//! entries that cite it, the generated items that carry it, and the tests that name
//! it: a test function named after it (`r_7_1_sub_validity_...` for
//! R-7.1-SUB-VALIDITY), or a test file or doc-test that cites its ID. It prints the
//! coverage figure and fails when a rule of kind enforce, emit, record or schedule has
//! no test and is not listed, with its reason, in `policy/rules/gaps.tsv`, or when a
//! listed gap has a test after all.

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

/// `R-7.1-SUB-VALIDITY` -> `r_7_1_sub_validity`.
pub fn slug(id: &str) -> String {
    let mut out = String::from("r_");
    let mut last_sep = true;
    for c in id.trim_start_matches("R-").chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
            last_sep = false;
        } else if !last_sep {
            out.push('_');
            last_sep = true;
        }
    }
    out.trim_end_matches('_').to_string()
}

/// The test code of the workspace: test files, `#[cfg(test)]` modules, doc-tests.
fn test_sources(root: &Path) -> Vec<(String, String)> {
    let mut files = Vec::new();
    for dir in ["compiler", "runtime", "server", "cli", "tests"] {
        rust_files(&root.join(dir), &mut files);
    }
    files.sort();
    let mut out = Vec::new();
    for f in files {
        let Ok(text) = std::fs::read_to_string(&f) else {
            continue;
        };
        let rel = f.strip_prefix(root).unwrap_or(&f).display().to_string();
        if rel.contains("/tests/") || rel.starts_with("tests/") {
            out.push((rel, text));
        } else {
            let mut test_text = String::new();
            if let Some(i) = text.find("#[cfg(test)]") {
                test_text.push_str(&text[i..]);
            }
            // Doc-tests: the doc comment lines of fenced examples.
            let docs: Vec<&str> = text
                .lines()
                .filter(|l| l.trim_start().starts_with("///"))
                .collect();
            if docs.iter().any(|l| l.contains("```")) {
                test_text.push_str(&docs.join("\n"));
            }
            if !test_text.is_empty() {
                out.push((rel, test_text));
            }
        }
    }
    out
}

/// Traces every rule.
pub fn trace(root: &Path) -> anyhow::Result<Vec<Trace>> {
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
    let tests = test_sources(root);
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
        let s = slug(id);
        let mut named = Vec::new();
        for (file, text) in &tests {
            for l in text.lines() {
                if let Some(rest) = l
                    .trim_start()
                    .strip_prefix("fn ")
                    .or_else(|| l.trim_start().strip_prefix("async fn "))
                {
                    let name: String = rest
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                        .collect();
                    if name == s || name.starts_with(&format!("{s}_")) {
                        named.push(format!("{file}: {name}"));
                    }
                }
            }
            if cited(text) && !named.iter().any(|n| n.starts_with(&format!("{file}:"))) {
                named.push(format!("{file} (cites it)"));
            }
        }
        out.push(Trace {
            id: id.into(),
            kind: kind.into(),
            policy,
            generated: generated_items,
            tests: named,
        });
    }
    Ok(out)
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

#[cfg(test)]
mod tests {
    #[test]
    fn slugs_follow_test_names() {
        assert_eq!(super::slug("R-7.1-SUB-VALIDITY"), "r_7_1_sub_validity");
        assert_eq!(super::slug("R-4.9-CRL-24H"), "r_4_9_crl_24h");
    }
}
