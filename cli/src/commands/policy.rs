//! `inkan policy`: compile policy files and print their diagnostics; compare two
//! revisions by meaning (`diff`, also as a git external diff driver).

use std::process::ExitCode;

use anyhow::{Context, Result, bail};

use crate::args::{DiffFormat, PolicyArgs, PolicyCommand};

/// `inkan policy ...`.
pub fn run(args: PolicyArgs) -> Result<ExitCode> {
    match args.command {
        PolicyCommand::Diff { args, git, format } => Ok(policy_diff(&args, git, format)),
        PolicyCommand::DiffDriver { args } => {
            let (path, old, new) = (&args[0], &args[1], &args[4]);
            let read = |f: &str| {
                if f == "/dev/null" {
                    Ok(String::new())
                } else {
                    std::fs::read_to_string(f).with_context(|| format!("reading {f}"))
                }
            };
            match diff_sources(path, &read(old)?, path, &read(new)?) {
                Ok(changes) => print!(
                    "inkan policy diff {path}\n{}",
                    inkan_compiler::diff::to_text(&changes)
                ),
                Err(message) => print!("{message}"),
            }
            // git treats any other status as a failed driver.
            Ok(ExitCode::SUCCESS)
        }
        PolicyCommand::Check { files } => {
            let mut failed = false;
            for file in files {
                let name = file.display().to_string();
                let source =
                    std::fs::read_to_string(&file).with_context(|| format!("reading {name}"))?;
                match inkan_compiler::compile(&name, &source) {
                    Ok(c) => {
                        eprint!("{}", inkan_compiler::render(&name, &source, &c.warnings));
                        eprintln!(
                            "{name}: ok (policy `{}`, {} waived lint(s), sha256 {})",
                            c.policy.id,
                            c.warnings.len(),
                            c.sha256
                        );
                    }
                    Err(e) => {
                        failed = true;
                        eprint!("{}", inkan_compiler::render(&name, &source, &e.diagnostics));
                    }
                }
            }
            Ok(if failed {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            })
        }
    }
}

/// Compiles both revisions and compares them; an error is the rendered diagnostics.
fn diff_sources(
    old_name: &str,
    old: &str,
    new_name: &str,
    new: &str,
) -> std::result::Result<Vec<inkan_compiler::diff::Change>, String> {
    // Read as revisions: a requirement the language gained since one was written
    // is a warning, not a refusal, so an auditor can compare across it.
    let compile =
        |name: &str, src: &str| -> std::result::Result<inkan_compiler::Compiled, String> {
            let c = inkan_compiler::compile_revision(name, src)
                .map_err(|e| inkan_compiler::render(&e.file, src, &e.diagnostics))?;
            if !c.predates.is_empty() {
                eprint!("{}", inkan_compiler::render(name, src, &c.predates));
            }
            Ok(c)
        };
    let (a, b) = (compile(old_name, old)?, compile(new_name, new)?);
    Ok(inkan_compiler::diff::diff(&a.policy, &b.policy))
}

fn policy_diff(args: &[String], git: bool, format: DiffFormat) -> ExitCode {
    let sources = if git {
        let [rev1, rev2, file] = args else {
            eprintln!("error: --git takes REV1 REV2 FILE");
            return ExitCode::from(2);
        };
        let show = |rev: &str| -> Result<String> {
            let out = std::process::Command::new("git")
                .args(["show", &format!("{rev}:{file}")])
                .output()
                .context("running git")?;
            if !out.status.success() {
                bail!(
                    "git show {rev}:{file}: {}",
                    String::from_utf8_lossy(&out.stderr).trim()
                );
            }
            String::from_utf8(out.stdout).context("the policy is not UTF-8")
        };
        show(rev1).and_then(|a| {
            Ok((
                format!("{file}@{rev1}"),
                file.clone(),
                a,
                format!("{file}@{rev2}"),
                file.clone(),
                show(rev2)?,
            ))
        })
    } else {
        let [old, new] = args else {
            eprintln!("error: give OLD NEW, or --git REV1 REV2 FILE");
            return ExitCode::from(2);
        };
        let read = |f: &str| std::fs::read_to_string(f).with_context(|| format!("reading {f}"));
        read(old).and_then(|a| {
            Ok((
                old.clone(),
                old.clone(),
                a,
                new.clone(),
                new.clone(),
                read(new)?,
            ))
        })
    };
    let (old_label, old_name, old_src, new_label, new_name, new_src) = match sources {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e:#}");
            return ExitCode::from(2);
        }
    };
    let changes = match diff_sources(&old_name, &old_src, &new_name, &new_src) {
        Ok(c) => c,
        Err(diagnostics) => {
            eprint!("{diagnostics}");
            return ExitCode::from(2);
        }
    };
    use inkan_compiler::diff;
    match format {
        DiffFormat::Text => print!(
            "--- {old_label}\n+++ {new_label}\n{}",
            diff::to_text(&changes)
        ),
        DiffFormat::Markdown => print!(
            "# Policy changes: {old_label} -> {new_label}\n\n{}",
            diff::to_markdown(&changes)
        ),
        DiffFormat::Json => println!("{}", diff::to_json(&changes)),
    }
    if diff::affects_artefacts(&changes) {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
