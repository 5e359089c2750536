//! `cargo xtask`: developer tasks for the inkan workspace.
//!
//! - `cargo xtask codegen` compiles every policy in `policy/` and writes its crate
//!   under `generated/` (and the `generated/policies` index);
//! - `cargo xtask check` does the same in memory and fails, naming the fix, when
//!   anything under `generated/` differs byte for byte or is left over;
//! - `cargo xtask trace` follows each CPS rule to its tests;
//! - `cargo xtask bench` runs the benchmarks and writes `target/bench/report.md`;
//! - `cargo xtask test` runs the whole test suite: every crate on the embedded SQLite
//!   store, then the service suite and the store tests again on PostgreSQL.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

mod mutants;
mod trace;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use inkan_compiler::codegen::{GeneratedFile, generate};

#[derive(Parser)]
#[command(about = "Developer tasks for the inkan workspace")]
struct Cli {
    #[command(subcommand)]
    task: Task,
}

#[derive(Subcommand)]
enum Task {
    /// Regenerate generated/ and docs/cps/ from policy/*.yaml.
    Codegen,
    /// Regenerate only the rendered CPS sections in docs/cps/.
    Docs,
    /// Fail if generated/ is stale.
    Check,
    /// From each CPS rule to the policy entries, generated items and tests that hold it;
    /// fails when an executable rule has no test and is not a listed gap.
    Trace {
        /// Print every rule, not only the summary and the problems.
        #[arg(long)]
        verbose: bool,
    },
    /// Run the whole test suite: `cargo test --workspace` on the embedded SQLite store,
    /// then the service suite (inkan-server), the store tests and the CLI test of a
    /// PostgreSQL CA again on PostgreSQL.
    /// Without INKAN_TEST_POSTGRES, `.ci/postgres` installs (Debian, as root) and starts
    /// a local cluster, and stops it afterwards.
    Test {
        /// Skip the PostgreSQL leg.
        #[arg(long)]
        sqlite_only: bool,
    },
    /// Mutation testing of the modules that enforce the CPS (cargo-mutants), with a
    /// report in target/mutants/report.md. Takes hours for every group on 2 cores; use
    /// --only or --in-diff for a quick run.
    Mutants {
        /// Only the groups whose name contains this (names, conformance, crl, verify,
        /// issuance, ra, compiler).
        #[arg(long)]
        only: Option<String>,
        /// Only the mutants in code changed since this git revision (e.g. HEAD~1).
        #[arg(long)]
        in_diff: Option<String>,
        /// Parallel cargo-mutants jobs.
        #[arg(long, default_value_t = 1)]
        jobs: u32,
        /// Run again only the mutants the group's last run did not catch (after
        /// adding the tests its misses asked for); the row counts the tested ones
        /// alone, so only a full run gives a group's score.
        #[arg(long)]
        iterate: bool,
        /// One part of each group's mutants, `k/n` (cargo-mutants' `--shard`): a
        /// group too long for one sitting runs as n parts, whose rows add up to its
        /// score.
        #[arg(long)]
        shard: Option<String>,
    },
    /// Run the benchmarks (release build) and write target/bench/report.md, report.json
    /// and ratios.svg: every figure a ratio against a baseline measured in the same run.
    Bench {
        /// Seconds per rate figure.
        #[arg(long, default_value_t = 3.0)]
        seconds: f64,
        /// Enrollments in the HTTP benchmark.
        #[arg(long, default_value_t = 2000)]
        http_requests: usize,
        /// Only the groups whose name contains this (http, issuance, hsm, openssl-ca,
        /// signer, relying-party, crl, audit, compile).
        #[arg(long)]
        only: Option<String>,
        /// Also put the report into docs/performance.md (between its report markers).
        #[arg(long)]
        publish: bool,
        /// Skip the HTTP benchmark's PostgreSQL run (it starts a local cluster with
        /// `.ci/postgres` unless INKAN_TEST_POSTGRES names one).
        #[arg(long)]
        no_postgres: bool,
    },
}

/// Runs `cargo test` with `args` and `env`; whether it passed.
fn cargo_test(root: &Path, args: &[&str], env: &[(String, String)]) -> Result<bool> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut command = std::process::Command::new(cargo);
    command.arg("test").args(args).current_dir(root);
    if env.is_empty() {
        command.env_remove("INKAN_TEST_POSTGRES");
    }
    for (k, v) in env {
        command.env(k, v);
    }
    Ok(command
        .status()
        .with_context(|| format!("running cargo test {}", args.join(" ")))?
        .success())
}

/// The environment that points tests at PostgreSQL: the caller's `INKAN_TEST_POSTGRES`,
/// or a local cluster `.ci/postgres` installs and starts (then `true`: stop it after).
fn postgres_env(root: &Path) -> Result<(Vec<(String, String)>, bool)> {
    let mut env = Vec::new();
    if std::env::var("INKAN_TEST_POSTGRES").is_ok() {
        for k in ["INKAN_TEST_POSTGRES", "INKAN_STORE_PASSWORD"] {
            if let Ok(v) = std::env::var(k) {
                env.push((k.to_string(), v));
            }
        }
        return Ok((env, false));
    }
    eprintln!("== starting PostgreSQL (.ci/postgres) ==");
    let out = std::process::Command::new(root.join(".ci/postgres"))
        .output()
        .context("running .ci/postgres")?;
    if !out.status.success() {
        anyhow::bail!(
            ".ci/postgres failed; set INKAN_TEST_POSTGRES to a server, or skip PostgreSQL (test --sqlite-only, bench --no-postgres):\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        if let Some((k, v)) = line.strip_prefix("export ").and_then(|l| l.split_once('=')) {
            env.push((k.to_string(), v.to_string()));
        }
    }
    Ok((env, true))
}

/// Stops the cluster [`postgres_env`] started.
fn stop_postgres(root: &Path) {
    let _ = std::process::Command::new(root.join(".ci/postgres"))
        .arg("stop")
        .status();
}

/// The whole suite on SQLite, then the store-dependent part on PostgreSQL.
fn run_tests(root: &Path, sqlite_only: bool) -> Result<ExitCode> {
    eprintln!("== the whole suite on the embedded SQLite store ==");
    if !cargo_test(root, &["--workspace"], &[])? {
        return Ok(ExitCode::FAILURE);
    }
    if sqlite_only {
        eprintln!("== PostgreSQL leg skipped (--sqlite-only) ==");
        return Ok(ExitCode::SUCCESS);
    }
    let (env, started) = postgres_env(root)?;
    eprintln!("== the service suite and the store tests on PostgreSQL ==");
    // Selected by target name across the workspace, not by package: `-p` would unify
    // dependency features differently and rebuild half the tree a second time.
    let mut args = vec!["--workspace".to_string()];
    let dir = root.join("server/tests");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.strip_suffix(".rs").map(str::to_string)
        })
        .collect();
    // The store tests, backups and restores, and the CLI on a PostgreSQL store.
    names.extend([
        "stores".into(),
        "postgres".into(),
        "backup".into(),
        "backup_refusals".into(),
    ]);
    names.sort();
    for name in &names {
        args.push("--test".into());
        args.push(name.clone());
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let passed = cargo_test(root, &args, &env)?;
    if started {
        stop_postgres(root);
    }
    Ok(if passed {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

/// Every file under `generated/`, relative to the root, `/`-separated.
fn existing(root: &Path) -> Vec<String> {
    fn walk(dir: &Path, root: &Path, out: &mut Vec<String>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, root, out);
            } else if let Ok(rel) = p.strip_prefix(root) {
                out.push(rel.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    let mut out = Vec::new();
    walk(&root.join("generated"), root, &mut out);
    walk(&root.join("docs/cps"), root, &mut out);
    if root.join("docs/policy.schema.json").exists() {
        out.push("docs/policy.schema.json".into());
    }
    out.sort();
    out
}

/// Differences between what codegen would write and what is on disk.
pub fn stale(root: &Path, files: &[GeneratedFile]) -> Vec<String> {
    let mut problems = Vec::new();
    for f in files {
        match std::fs::read_to_string(root.join(&f.path)) {
            Ok(on_disk) if on_disk == f.contents => {}
            Ok(_) => problems.push(format!("{} differs from what the policy generates", f.path)),
            Err(_) => problems.push(format!("{} is missing", f.path)),
        }
    }
    for path in existing(root) {
        if !files.iter().any(|f| f.path == path) {
            problems.push(format!("{path} is not generated by any policy"));
        }
    }
    problems
}

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run_trace(root: &Path, verbose: bool) -> Result<ExitCode> {
    let (traces, mut problems) = trace::trace(root)?;
    let gaps = trace::gaps(root)?;
    let (mut executable, mut tested) = (0, 0);
    for t in &traces {
        let needs = trace::needs_test(&t.kind);
        if needs {
            executable += 1;
            if !t.tests.is_empty() {
                tested += 1;
            }
        }
        match (needs, t.tests.is_empty(), gaps.get(&t.id)) {
            (true, true, None) => problems.push(format!("{} ({}) has no test that proves it (`/// Proves: {}` on a test the harness runs); write one, or list it in policy/rules/gaps.tsv with the reason", t.id, t.kind, t.id)),
            (_, false, Some(_)) => problems.push(format!("{} is listed as a gap but is proven now: remove it from policy/rules/gaps.tsv", t.id)),
            _ => {}
        }
        if verbose {
            println!("{} [{}]", t.id, t.kind);
            println!(
                "  policy: {}",
                if t.policy.is_empty() {
                    "-".to_string()
                } else {
                    t.policy.join(", ")
                }
            );
            println!("  generated: {} line(s)", t.generated);
            match (t.tests.is_empty(), gaps.get(&t.id)) {
                (true, Some(why)) => println!("  tests: none (known gap: {why})"),
                (true, None) => println!("  tests: none"),
                _ => println!("  tests: {}", t.tests.join("; ")),
            }
        }
    }
    for g in gaps.keys() {
        if !traces.iter().any(|t| &t.id == g) {
            problems.push(format!(
                "{g} in policy/rules/gaps.tsv is not a rule of the catalogue"
            ));
        }
    }
    let pct = if executable == 0 {
        100.0
    } else {
        f64::from(tested) * 100.0 / f64::from(executable)
    };
    println!(
        "trace: {tested} of {executable} executable rules (enforce, emit, record, schedule) are proven by a marked test the harness runs: {pct:.1}%; {} declared gap(s); {} rules in all",
        gaps.len(),
        traces.len()
    );
    for p in &problems {
        eprintln!("trace: {p}");
    }
    Ok(if problems.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// Writes one generated file under `root`, creating its directory.
fn write_generated(root: &Path, f: &GeneratedFile) -> Result<()> {
    let path = root.join(&f.path);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    std::fs::write(&path, &f.contents).with_context(|| format!("writing {}", f.path))?;
    println!("wrote {}", f.path);
    Ok(())
}

/// Replaces the report in docs/performance.md with target/bench/report.md.
fn publish_report(root: &Path) -> Result<()> {
    const START: &str = "<!-- report:start -->";
    const END: &str = "<!-- report:end -->";
    let report = std::fs::read_to_string(root.join("target/bench/report.md"))
        .context("reading target/bench/report.md")?;
    // The report's own title gives way to the document's.
    let body = report
        .split_once('\n')
        .map_or(report.as_str(), |(_, rest)| rest)
        .trim();
    let path = root.join("docs/performance.md");
    let doc = std::fs::read_to_string(&path).context("reading docs/performance.md")?;
    let (Some(a), Some(b)) = (doc.find(START), doc.find(END)) else {
        anyhow::bail!("docs/performance.md has no {START} ... {END} markers");
    };
    let updated = format!("{}{START}\n{body}\n{}", &doc[..a], &doc[b..]);
    std::fs::write(&path, updated).context("writing docs/performance.md")?;
    eprintln!("published: {}", path.display());
    Ok(())
}

fn run() -> Result<ExitCode> {
    let cli = Cli::parse();
    let root = root();

    if let Task::Mutants {
        only,
        in_diff,
        jobs,
        iterate,
        shard,
    } = &cli.task
    {
        let ok = mutants::run(
            &root,
            &mutants::Options {
                only: only.as_deref(),
                in_diff: in_diff.as_deref(),
                jobs: *jobs,
                iterate: *iterate,
                shard: shard.as_deref(),
            },
        )?;
        return Ok(if ok {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        });
    }
    if let Task::Trace { verbose } = cli.task {
        return run_trace(&root, verbose);
    }
    if let Task::Test { sqlite_only } = cli.task {
        return run_tests(&root, sqlite_only);
    }
    if let Task::Bench {
        seconds,
        http_requests,
        only,
        publish,
        no_postgres,
    } = cli.task
    {
        // The HTTP figures first, on SQLite and then on PostgreSQL: the engine bench
        // merges them into the report.
        for file in ["http.json", "http-postgres.json"] {
            let _ = std::fs::remove_file(root.join("target/bench").join(file));
        }
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let http = only.as_deref().is_none_or(|o| "http".contains(o));
        let (postgres, started) = if http && !no_postgres {
            postgres_env(&root)?
        } else {
            (Vec::new(), false)
        };
        let mut runs = Vec::new();
        if http {
            runs.push(("inkan-server", "http", Vec::new()));
            if !postgres.is_empty() {
                runs.push(("inkan-server", "http", postgres));
            }
        }
        runs.push(("inkan-tests", "engine", Vec::new()));
        for (package, bench, env) in runs {
            let mut command = std::process::Command::new(&cargo);
            if let Some(o) = &only {
                command.env("INKAN_BENCH_ONLY", o);
            }
            if env.is_empty() {
                command.env_remove("INKAN_TEST_POSTGRES");
            }
            command.envs(env);
            let status = command
                .args(["bench", "-p", package, "--bench", bench])
                .env("INKAN_BENCH_SECONDS", seconds.to_string())
                .env("INKAN_BENCH_HTTP_REQUESTS", http_requests.to_string())
                .current_dir(&root)
                .status();
            if let Err(e) = &status {
                eprintln!("error: running cargo bench -p {package}: {e}");
            }
            if !status.as_ref().is_ok_and(std::process::ExitStatus::success) {
                if started {
                    stop_postgres(&root);
                }
                return Ok(ExitCode::FAILURE);
            }
        }
        if started {
            stop_postgres(&root);
        }
        if publish {
            publish_report(&root)?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    let files = generate(&root).context("generating policy crates")?;
    match cli.task {
        Task::Trace { .. } | Task::Bench { .. } | Task::Test { .. } | Task::Mutants { .. } => {
            Ok(ExitCode::SUCCESS)
        }
        Task::Docs => {
            for f in files.iter().filter(|f| f.path.starts_with("docs/")) {
                write_generated(&root, f)?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Task::Codegen => {
            for path in existing(&root) {
                if !files.iter().any(|f| f.path == path) {
                    std::fs::remove_file(root.join(&path))
                        .with_context(|| format!("removing stale {path}"))?;
                    println!("removed {path}");
                }
            }
            for f in &files {
                let unchanged = std::fs::read_to_string(root.join(&f.path)).ok().as_deref()
                    == Some(f.contents.as_str());
                if !unchanged {
                    write_generated(&root, f)?;
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Task::Check => {
            let problems = stale(&root, &files);
            if problems.is_empty() {
                println!(
                    "generated/ is up to date with policy/ ({} files)",
                    files.len()
                );
                Ok(ExitCode::SUCCESS)
            } else {
                for p in &problems {
                    eprintln!("stale: {p}");
                }
                eprintln!(
                    "error: generated/ is stale; run `cargo xtask codegen` and commit the result"
                );
                Ok(ExitCode::FAILURE)
            }
        }
    }
}
