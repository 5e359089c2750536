//! The tests the harness actually runs: every test executable of the workspace, as
//! cargo builds it (`cargo test --no-run --message-format=json`), asked for its list
//! (`--list`), minus what it lists as ignored (`--list --ignored`).

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

/// One test executable: the file its tests are rooted at, and the tests it runs.
pub struct Binary {
    /// The target's root source file (`runtime/src/lib.rs`, `server/tests/service.rs`).
    pub root: PathBuf,
    /// Test paths relative to the root (`ca::issue::tests::name`), not ignored.
    pub tests: Vec<String>,
}

/// Every test executable of the workspace and the tests each runs.
pub fn binaries(root: &Path) -> Result<Vec<Binary>> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args(["test", "--workspace", "--no-run", "--message-format=json"])
        .current_dir(root)
        .output()
        .context("running cargo test --no-run")?;
    if !out.status.success() {
        bail!(
            "cargo test --no-run failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let mut binaries = Vec::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let Ok(message) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        if message["reason"] != "compiler-artifact" || message["profile"]["test"] != true {
            continue;
        }
        let (Some(exe), Some(src)) = (
            message["executable"].as_str(),
            message["target"]["src_path"].as_str(),
        ) else {
            continue;
        };
        let src = Path::new(src);
        let root_file = src.strip_prefix(root).unwrap_or(src).to_path_buf();
        let all = list(Path::new(exe), false)?;
        let ignored = list(Path::new(exe), true)?;
        binaries.push(Binary {
            root: root_file,
            tests: all.into_iter().filter(|t| !ignored.contains(t)).collect(),
        });
    }
    binaries.sort_by(|a, b| a.root.cmp(&b.root));
    Ok(binaries)
}

/// The test names an executable lists (`--list --format terse`), or only its ignored ones.
fn list(exe: &Path, ignored: bool) -> Result<Vec<String>> {
    let mut command = Command::new(exe);
    command.args(["--list", "--format", "terse"]);
    if ignored {
        command.arg("--ignored");
    }
    let out = command
        .output()
        .with_context(|| format!("listing the tests of {}", exe.display()))?;
    if !out.status.success() {
        bail!(
            "{} --list failed: {}",
            exe.display(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.strip_suffix(": test"))
        .map(str::to_string)
        .collect())
}
