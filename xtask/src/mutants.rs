//! `cargo xtask mutants`: mutation testing of the code that enforces the CPS, with
//! cargo-mutants (installed with `cargo install --locked cargo-mutants`). Each group
//! below names the files that hold a set of rules and the test packages whose tests
//! prove them; cargo-mutants changes the code one mutant at a time (a condition
//! inverted, a value replaced, a function's body emptied) and runs those tests. A
//! mutant the tests do not notice is a place where a rule could quietly stop being
//! enforced. The report (`target/mutants/report.md`) lists, per group, the caught,
//! missed, unviable and timed-out mutants, and every missed one with the rules of its
//! group. Mutants that change nothing observable are excluded in
//! `.cargo/mutants.toml`, each with its reason.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result, bail};

/// Files that enforce rules, the packages whose tests prove them, and the rules.
pub struct Group {
    /// A short name (`conformance`).
    pub name: &'static str,
    /// Source files (globs cargo-mutants accepts).
    pub files: &'static [&'static str],
    /// Packages whose tests run against each mutant.
    pub tests: &'static [&'static str],
    /// Which of those packages' test targets run (`cargo test` arguments such as
    /// `--lib`, `--test crl`); empty for every target. A mutant rebuilds and runs only
    /// these, so a group whose rules live in a few integration tests fits a session.
    pub targets: &'static [&'static str],
    /// The rules the files hold.
    pub rules: &'static [&'static str],
    /// How long a mutant's tests may run before it is called a hang, in seconds: the
    /// floor under cargo-mutants' timeout (a multiple of the baseline run's), or, for
    /// a group with `targets` (whose baseline xtask runs itself), the timeout. Mutants
    /// that make a loop endless each cost this much, so a group whose tests take under
    /// a second on an idle machine sets it low.
    pub hang_after: u32,
}

/// The server's test targets that drive the RA's rules, take a case through its steps,
/// give a password back when its issuance fails and carry cases across a schema
/// upgrade (14 of the package's 27, about 45 s in all): left out are the browser
/// pages, several servers, load, slow clients, backups, the compliance report, metrics
/// and the surface list, which reach the RA through the same calls and would triple a
/// mutant's time. A mutant only they would catch shows as missed.
const RA_TARGETS: &[&str] = &[
    "--lib",
    "--test=service",
    "--test=service_faults",
    "--test=revocation",
    "--test=workflows",
    "--test=variant",
    "--test=jobs",
    "--test=archive",
    "--test=forms",
    "--test=events",
    "--test=console",
    "--test=rate",
    "--test=errors",
    "--test=migrations",
];

/// The enforcement modules (issue 13).
pub const GROUPS: &[Group] = &[
    Group {
        name: "names",
        files: &["policy-types/src/name.rs", "policy-types/src/calendar.rs"],
        // The crate's own tests, the calendar checked against chrono among them: a
        // mutant of this crate would otherwise rebuild everything above it.
        tests: &["inkan-policy-types"],
        targets: &[],
        rules: &["R-3.1-SUB-DN", "R-3.1-UNIQUE", "R-7.1-SUB-VALIDITY"],
        hang_after: 20,
    },
    Group {
        name: "conformance",
        files: &["runtime/src/conformance.rs", "runtime/src/issue.rs"],
        tests: &["inkan-runtime", "inkan-tests"],
        targets: &[
            "--lib",
            "--test=issuance",
            "--test=presign",
            "--test=presign_crl",
            "--test=interop",
            "--test=relying_party",
        ],
        rules: &["R-7.1-ROOT", "R-7.1-ICA", "R-7.1-SUB", "R-6.1-KEY-SIZE"],
        hang_after: 300,
    },
    Group {
        name: "crl",
        files: &["runtime/src/crl.rs", "runtime/src/ca/crl.rs"],
        tests: &["inkan-runtime", "inkan-tests"],
        targets: &[
            "--lib",
            "--test=crl",
            "--test=relying_party",
            "--test=interop",
        ],
        rules: &["R-7.2-CRL", "R-4.9-REASONS"],
        hang_after: 300,
    },
    Group {
        name: "verify",
        files: &["runtime/src/verify.rs", "runtime/src/crl_parts.rs"],
        tests: &["inkan-runtime", "inkan-tests"],
        targets: &["--lib", "--test=relying_party"],
        rules: &["R-9.6-RP-CHECK"],
        hang_after: 300,
    },
    Group {
        name: "issuance",
        files: &[
            "runtime/src/ca/issue.rs",
            "runtime/src/ca/batch.rs",
            "runtime/src/ca/request.rs",
            "runtime/src/ca/cores.rs",
            "runtime/src/store/issuance.rs",
            "runtime/src/store/chain.rs",
            "runtime/src/sql/rows.rs",
            "runtime/src/csr.rs",
            "runtime/src/signer.rs",
        ],
        tests: &["inkan-runtime", "inkan-tests"],
        targets: &[
            "--lib",
            "--test=issuance",
            "--test=batches",
            "--test=faults",
            "--test=stores",
            "--test=audit",
        ],
        rules: &[
            "R-3.2-POP",
            "R-6.1-PKCS10",
            "R-3.1-UNIQUE",
            "R-5.5-ARCHIVE",
            "R-5.4-PROTECT",
        ],
        hang_after: 300,
    },
    Group {
        name: "ra",
        files: &[
            "server/src/ra/permissions.rs",
            "server/src/ra/revocation.rs",
            "server/src/ra/records/applications.rs",
            "server/src/ra/records/passwords.rs",
            "server/src/ra/renewal.rs",
            "server/src/ra/records/renewals.rs",
            "server/src/ra/records/archive.rs",
        ],
        tests: &["inkan-server"],
        targets: RA_TARGETS,
        rules: &[
            "R-5.2-RA-ROLES",
            "R-5.2-DUAL-CHECK",
            "R-4.9-WHO",
            "R-4.2-PASSWORD",
            "R-3.2-EMAIL-MATCH",
            "R-4.1-ELIGIBLE",
            "R-4.6-RENEWAL",
            "R-5.5-ARCHIVE",
        ],
        hang_after: 300,
    },
    Group {
        name: "workflows",
        files: &[
            "server/src/ra/workflow.rs",
            "server/src/ra/cases.rs",
            "server/src/ra/records/steps.rs",
            "policy-types/src/workflow.rs",
        ],
        tests: &["inkan-server", "inkan-policy-types"],
        // With the policy-types library's own tests (`--lib` names both).
        targets: RA_TARGETS,
        rules: &[
            "R-5.2-DUAL-CHECK",
            "R-5.2-SEPARATION",
            "R-4.11-LEAVE",
            "R-3.4-REVOKE-CONFIRM",
        ],
        hang_after: 300,
    },
    Group {
        name: "calendar",
        files: &[
            "policy-types/src/business.rs",
            "policy-types/src/renewal.rs",
        ],
        tests: &["inkan-policy-types"],
        targets: &[],
        rules: &["R-4.9-DEADLINE", "R-4.6-RENEWAL", "R-3.3-RENEW-NOTICE"],
        hang_after: 20,
    },
    Group {
        name: "compiler",
        files: &["compiler/src/lower/*.rs", "compiler/src/lints.rs"],
        // The compiler's own tests: its diagnostics' snapshots, and its output for the
        // shipped policies equal to the reviewed `generated/` (`tests/generated.rs`),
        // through which the runtime and the oracle's comparisons see every lowering.
        tests: &["inkan-compiler"],
        targets: &[],
        rules: &["R-1.3-HIERARCHY", "R-4.9-NO-HOLD", "R-3.1-DN-FORMAT"],
        hang_after: 120,
    },
];

/// What one `cargo xtask mutants` run covers.
pub struct Options<'a> {
    /// Only the groups whose name contains this (all without it).
    pub only: Option<&'a str>,
    /// Only the mutants in code that `git diff <in_diff>` touches.
    pub in_diff: Option<&'a str>,
    /// Parallel cargo-mutants jobs.
    pub jobs: u32,
    /// Only the mutants the group's previous run (of the same shard) did not catch.
    pub iterate: bool,
    /// One part `k/n` of each group's mutants.
    pub shard: Option<&'a str>,
}

/// Runs the groups `options` selects and writes the report; whether every mutant was
/// caught (or unviable).
pub fn run(root: &Path, options: &Options<'_>) -> Result<bool> {
    let Options {
        only,
        in_diff,
        jobs,
        iterate,
        shard,
    } = *options;
    let shard = match shard {
        Some(s) => {
            let parsed = s
                .split_once('/')
                .and_then(|(k, n)| Some((k.parse::<u32>().ok()?, n.parse::<u32>().ok()?)));
            match parsed {
                Some((k, n)) if n > 0 && k < n => Some((k, n)),
                _ => bail!("--shard {s}: expected k/n with 0 <= k < n"),
            }
        }
        None => None,
    };
    check_exclusions(root)?;
    let out_root = root.join("target/mutants");
    std::fs::create_dir_all(&out_root)?;
    let diff = match in_diff {
        Some(rev) => {
            let out = Command::new("git")
                .args(["diff", rev, "--", "*.rs"])
                .current_dir(root)
                .output()
                .context("running git diff")?;
            if !out.status.success() {
                bail!("git diff {rev}: {}", String::from_utf8_lossy(&out.stderr));
            }
            let path = out_root.join("in.diff");
            std::fs::write(&path, &out.stdout)?;
            Some(path)
        }
        None => None,
    };
    let mut report = String::from("# Mutation testing of the enforcement modules\n\n");
    report.push_str("| group | files | caught | missed | unviable | timeout | score |\n|---|---|---|---|---|---|---|\n");
    let mut details = String::new();
    let mut all_good = true;
    for group in GROUPS
        .iter()
        .filter(|g| only.is_none_or(|o| g.name.contains(o)))
    {
        if let Some(d) = &diff {
            // Only the groups whose files the diff touches: another would build and
            // run its tests for no mutant at all.
            let text = std::fs::read_to_string(d)?;
            let touched = text
                .lines()
                .filter_map(|l| l.strip_prefix("+++ b/"))
                .any(|path| {
                    group.files.iter().any(|g| {
                        // As cargo-mutants reads `--file`: `*` stops at a `/`.
                        glob::Pattern::new(g).is_ok_and(|p| {
                            p.matches_path_with(
                                Path::new(path),
                                glob::MatchOptions {
                                    require_literal_separator: true,
                                    ..glob::MatchOptions::new()
                                },
                            )
                        })
                    })
                });
            if !touched {
                eprintln!("== mutants: {} (no change in its files) ==", group.name);
                continue;
            }
        }
        eprintln!("== mutants: {} ==", group.name);
        // Each shard keeps its own outcomes, so the parts of a group can be run (and
        // iterated) one after another.
        let out_dir = match shard {
            Some((k, n)) => out_root.join(format!("{}-shard-{k}-of-{n}", group.name)),
            None => out_root.join(group.name),
        };
        // An earlier run's outcomes must not stand for this one's (a run over a diff
        // with no mutant in it writes none), unless this run continues it.
        if !iterate {
            let _ = std::fs::remove_dir_all(&out_dir);
        }
        let mut command = Command::new("cargo");
        command
            .arg("mutants")
            .args(["--jobs", &jobs.to_string()])
            // A mutant's tests share two cores with its build and whatever else runs;
            // the auto-set timeout (a multiple of a one-second baseline) would call a
            // slow run a hang: each group sets its own floor.
            .args(["--minimum-test-timeout", &group.hang_after.to_string()])
            .arg("--output")
            .arg(&out_dir)
            .current_dir(root);
        for f in group.files {
            command.args(["--file", f]);
        }
        for p in group.tests {
            command.args(["--test-package", p]);
        }
        for t in group.targets {
            command.arg(format!("--cargo-test-arg={t}"));
        }
        if !group.targets.is_empty() {
            // cargo-mutants 27 runs its baseline on the mutated packages alone, where
            // another package's test target does not exist: the unmutated tree's run
            // of exactly these targets is made here instead, and must pass.
            let mut baseline = Command::new("cargo");
            baseline.arg("test").current_dir(root);
            for p in group.tests {
                baseline.args(["-p", p]);
            }
            baseline.args(group.targets);
            if !baseline
                .status()
                .context("running the group's tests")?
                .success()
            {
                bail!(
                    "the `{}` group's tests fail on the unmutated tree",
                    group.name
                );
            }
            command.args(["--baseline", "skip", "--build-timeout", "900"]);
            command.args(["--timeout", &group.hang_after.to_string()]);
        }
        if let Some(d) = &diff {
            command.arg("--in-diff").arg(d);
        }
        if iterate {
            command.arg("--iterate");
        }
        match shard {
            // cargo-mutants shards what its iteration leaves, so the same shard of an
            // iterating run would hold other mutants: the shard's misses and timeouts
            // are named instead, each by its exact name.
            Some(_) if iterate => {
                let mut named = 0;
                for file in ["missed.txt", "timeout.txt"] {
                    let text = std::fs::read_to_string(out_dir.join("mutants.out").join(file))
                        .unwrap_or_default();
                    for line in text.lines().filter(|l| !l.trim().is_empty()) {
                        command
                            .arg("--re")
                            .arg(format!("^{}$", regex_syntax::escape(line)));
                        named += 1;
                    }
                }
                if named == 0 {
                    eprintln!("== mutants: {} (nothing left to iterate) ==", group.name);
                    continue;
                }
            }
            Some((k, n)) => {
                command.arg(format!("--shard={k}/{n}"));
            }
            None => {}
        }
        // cargo-mutants exits non-zero when a mutant is missed; the outcomes say why.
        let status = command
            .status()
            .context("running cargo mutants (is it installed?)")?;
        let outcomes = out_dir.join("mutants.out/outcomes.json");
        let Ok(text) = std::fs::read_to_string(&outcomes) else {
            if diff.is_some() && status.success() {
                // The changed lines hold nothing cargo-mutants mutates.
                continue;
            }
            bail!("cargo mutants wrote no outcomes ({status}); see its output above");
        };
        let tally = Tally::read(&text)?;
        // An iterating run tests only what earlier runs did not catch (cargo-mutants
        // lists the skipped as caught or unviable together, and a mutant whose line
        // moved is tested again): its row is for the tested mutants alone, and only
        // a full run gives the group's score.
        let skipped = if iterate {
            std::fs::read_to_string(out_dir.join("mutants.out/previously_caught.txt"))
                .map(|t| t.lines().filter(|l| !l.trim().is_empty()).count())
                .unwrap_or(0)
        } else {
            0
        };
        all_good &= tally.missed.is_empty() && tally.timeout == 0;
        let viable = tally.caught + tally.missed.len();
        let score = if viable == 0 {
            "-".to_string()
        } else {
            format!("{:.1}%", tally.caught as f64 * 100.0 / viable as f64)
        };
        let mut name = group.name.to_string();
        if let Some((k, n)) = shard {
            name.push_str(&format!(" (shard {k}/{n})"));
        }
        if iterate {
            name.push_str(&format!(
                " (iterating: {skipped} skipped as caught or unviable before)"
            ));
        }
        report.push_str(&format!(
            "| {name} | {} | {} | {} | {} | {} | {score} |\n",
            group.files.join(", "),
            tally.caught,
            tally.missed.len(),
            tally.unviable,
            tally.timeout
        ));
        for m in &tally.missed {
            details.push_str(&format!(
                "- `{m}` ({}): missed; rules {}\n",
                group.name,
                group.rules.join(", ")
            ));
        }
    }
    if !details.is_empty() {
        report.push_str("\n## Missed mutants\n\n");
        report.push_str(&details);
    }
    let path = out_root.join("report.md");
    std::fs::write(&path, &report)?;
    println!("{report}\nwritten: {}", path.display());
    Ok(all_good)
}

/// Fails when an exclusion in `.cargo/mutants.toml` names no mutant of the
/// enforcement modules. Most are anchored to a line, so that they exclude one mutant
/// and not its neighbours; when the code above moves, such an entry silently stops
/// matching, its mutant is reported again, and the argument written beside it is left
/// describing nothing. Each pattern is given to cargo-mutants' own `--list` (with no
/// configuration, so nothing is excluded), which matches it exactly as a run does.
fn check_exclusions(root: &Path) -> Result<()> {
    #[derive(serde::Deserialize)]
    struct Config {
        #[serde(default)]
        exclude_re: Vec<String>,
    }
    let path = root.join(".cargo/mutants.toml");
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let config: Config =
        toml::from_str(&text).with_context(|| format!("reading {}", path.display()))?;
    let list = |pattern: &str| -> Result<Vec<String>> {
        let mut command = Command::new("cargo");
        command
            .args(["mutants", "--list", "--no-config"])
            .arg(format!("--re={pattern}"))
            .current_dir(root);
        for f in GROUPS.iter().flat_map(|g| g.files) {
            command.args(["--file", f]);
        }
        let out = command
            .output()
            .context("running cargo mutants --list (is it installed?)")?;
        if !out.status.success() {
            bail!(
                "cargo mutants --list --re {pattern:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        Ok(String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(str::to_string)
            .collect())
    };
    // cargo-mutants 27 lists its struct-field deletions whatever `--re` says (its
    // issue 632): what a pattern that matches nothing still lists is not a match.
    let unfiltered = list(r"\A\z")?;
    let mut stale = Vec::new();
    for pattern in &config.exclude_re {
        if list(pattern)?.iter().all(|m| unfiltered.contains(m)) {
            stale.push(pattern.as_str());
        }
    }
    if !stale.is_empty() {
        bail!(
            "{} exclusion(s) in .cargo/mutants.toml match no mutant (has the line \
             moved? re-anchor it, after checking its argument still holds; or is its \
             file in no group?):\n  {}",
            stale.len(),
            stale.join("\n  ")
        );
    }
    Ok(())
}

/// What one cargo-mutants run found.
struct Tally {
    caught: usize,
    missed: Vec<String>,
    unviable: usize,
    timeout: usize,
}

impl Tally {
    /// Reads cargo-mutants' `outcomes.json`.
    fn read(text: &str) -> Result<Self> {
        let v: serde_json::Value = serde_json::from_str(text).context("outcomes.json")?;
        let mut t = Tally {
            caught: 0,
            missed: Vec::new(),
            unviable: 0,
            timeout: 0,
        };
        for o in v["outcomes"].as_array().into_iter().flatten() {
            let name = o["scenario"]["Mutant"]["name"]
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| o["scenario"].to_string());
            match o["summary"].as_str() {
                Some("CaughtMutant") => t.caught += 1,
                Some("MissedMutant") => t.missed.push(name),
                Some("Unviable") => t.unviable += 1,
                Some("Timeout") => t.timeout += 1,
                _ => {}
            }
        }
        Ok(t)
    }
}
