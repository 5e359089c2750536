//! Code generation: a compiled policy becomes a crate under `generated/`.
//!
//! The model is first flattened into a view (plain strings and lists, built here in
//! Rust where each Rust expression is decided), then rendered by the handlebars
//! templates in `compiler/templates/` with HTML escaping off, then formatted by
//! rustfmt. Output is deterministic: no timestamps, no absolute paths, lists in
//! policy order, policies in file-name order. [`generate`] returns every file, so
//! the same function serves `cargo xtask codegen` (write) and `cargo xtask check`
//! (compare byte for byte).
//!
//! The files: this one drives generation and formatting; `view.rs` flattens a policy
//! into the templates' view; `exprs.rs` writes each Rust expression the view holds
//! (validity functions, name codecs, extensions).

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use handlebars::Handlebars;
use serde::Serialize;

mod exprs;
mod view;

use crate::{Compiled, render};
use view::{IndexView, PolicyEntry, PolicyView};

pub use view::crate_name;

/// What went wrong while generating code.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CodegenError {
    /// A policy did not compile; the text is the rendered diagnostics.
    #[error("{0}")]
    Policy(String),
    /// Reading a policy file failed.
    #[error("cannot read {path}: {source}")]
    Read {
        /// File.
        path: PathBuf,
        /// Cause.
        source: std::io::Error,
    },
    /// A template failed to render.
    #[error("the template `{template}` failed to render")]
    Template {
        /// Which template.
        template: &'static str,
        /// What handlebars said.
        #[source]
        source: handlebars::RenderError,
    },
    /// A CPS page failed to render.
    #[error(transparent)]
    Cps(#[from] crate::cps::RenderError),
    /// The JSON Schema could not be written.
    #[error("the policy JSON Schema could not be written")]
    Schema(#[source] serde_json::Error),
    /// rustfmt could not be run or rejected the output.
    #[error("rustfmt failed: {0}")]
    Rustfmt(String),
}

/// One generated file: path relative to the repository root, and contents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedFile {
    /// Relative path, `/`-separated.
    pub path: String,
    /// Contents.
    pub contents: String,
}

const POLICY_TEMPLATE: (&str, &str) = (
    "policy.rs.hbs",
    include_str!("../../templates/policy.rs.hbs"),
);
const CARGO_TEMPLATE: (&str, &str) = (
    "Cargo.toml.hbs",
    include_str!("../../templates/Cargo.toml.hbs"),
);
const POLICIES_TEMPLATE: (&str, &str) = (
    "policies.rs.hbs",
    include_str!("../../templates/policies.rs.hbs"),
);
const POLICIES_CARGO_TEMPLATE: (&str, &str) = (
    "policies.Cargo.toml.hbs",
    include_str!("../../templates/policies.Cargo.toml.hbs"),
);

/// Compiles every `*.yaml` in `root/policy/` (the shipped policies, with their
/// rendered CPS in `docs/cps/`) and in `root/tests/policies/` (policies that exist only
/// for tests, indexed apart so no binary ships them), and returns the files of
/// `generated/` and `docs/`.
pub fn generate(root: &Path) -> Result<Vec<GeneratedFile>, CodegenError> {
    let mut files = policy_set(
        root,
        "policy",
        &Index {
            name: "inkan-policies",
            dir: "policies",
            description: "Every compiled inkan policy of this repository, by name.",
        },
        true,
    )?;
    if root.join("tests/policies").is_dir() {
        files.extend(policy_set(
            root,
            "tests/policies",
            &Index {
                name: "inkan-test-policies",
                dir: "test-policies",
                description: "Policies compiled for tests only (variants of the shipped ones), by name.",
            },
            false,
        )?);
    }
    let schema =
        serde_json::to_string_pretty(&crate::schema::document()).map_err(CodegenError::Schema)?;
    files.push(GeneratedFile {
        path: "docs/policy.schema.json".into(),
        contents: schema + "\n",
    });
    Ok(files)
}

/// An index crate over a set of policy crates.
struct Index {
    name: &'static str,
    dir: &'static str,
    description: &'static str,
}

/// The crates of every policy in `root/<from>/` and their index crate.
fn policy_set(
    root: &Path,
    from: &str,
    index_crate: &Index,
    docs: bool,
) -> Result<Vec<GeneratedFile>, CodegenError> {
    let dir = root.join(from);
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map_err(|source| CodegenError::Read {
            path: dir.clone(),
            source,
        })?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    paths.sort();
    let mut files = Vec::new();
    let mut index = Vec::new();
    for path in paths {
        let source = std::fs::read_to_string(&path).map_err(|source| CodegenError::Read {
            path: path.clone(),
            source,
        })?;
        let name = format!(
            "{from}/{}",
            path.file_name()
                .and_then(|f| f.to_str())
                .unwrap_or_default()
        );
        let compiled = crate::compile(&name, &source)
            .map_err(|e| CodegenError::Policy(render(&e.file, &source, &e.diagnostics)))?;
        let id = compiled.policy.id.clone();
        files.extend(policy_crate(&compiled, &name)?);
        if docs {
            let doc = crate::cps::document(&compiled.policy, &compiled.sha256);
            files.push(GeneratedFile {
                path: format!("docs/cps/{id}.md"),
                contents: crate::cps::markdown(&doc)?,
            });
            files.push(GeneratedFile {
                path: format!("docs/cps/{id}.html"),
                contents: crate::cps::html(&doc)?,
            });
        }
        index.push(PolicyEntry {
            crate_name: crate_name(&id),
            crate_ident: crate_name(&id).replace('-', "_"),
            id,
        });
    }
    let view = IndexView {
        name: index_crate.name.to_string(),
        description: index_crate.description.to_string(),
        source: from.to_string(),
        policy_count: index.len(),
        policies: index,
    };
    files.push(GeneratedFile {
        path: format!("generated/{}/Cargo.toml", index_crate.dir),
        contents: render_template(POLICIES_CARGO_TEMPLATE, &view)?,
    });
    files.push(GeneratedFile {
        path: format!("generated/{}/src/lib.rs", index_crate.dir),
        contents: rustfmt(&render_template(POLICIES_TEMPLATE, &view)?)?,
    });
    Ok(files)
}

/// The files of one policy's crate.
pub fn policy_crate(
    compiled: &Compiled,
    source_path: &str,
) -> Result<Vec<GeneratedFile>, CodegenError> {
    let view = PolicyView::new(compiled, source_path);
    let dir = format!("generated/{}", compiled.policy.id);
    Ok(vec![
        GeneratedFile {
            path: format!("{dir}/Cargo.toml"),
            contents: render_template(CARGO_TEMPLATE, &view)?,
        },
        GeneratedFile {
            path: format!("{dir}/src/lib.rs"),
            contents: rustfmt(&render_template(POLICY_TEMPLATE, &view)?)?,
        },
    ])
}

fn render_template<T: Serialize>(
    (name, template): (&'static str, &str),
    data: &T,
) -> Result<String, CodegenError> {
    let mut hb = Handlebars::new();
    hb.register_escape_fn(handlebars::no_escape);
    hb.set_strict_mode(true);
    hb.render_template(template, data)
        .map_err(|source| CodegenError::Template {
            template: name,
            source,
        })
}

/// Formats Rust source with the toolchain's rustfmt (edition 2024, default style).
pub fn rustfmt(source: &str) -> Result<String, CodegenError> {
    let mut child = Command::new("rustfmt")
        .args(["--edition", "2024", "--emit", "stdout", "--quiet"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| CodegenError::Rustfmt(format!("cannot run rustfmt: {e}")))?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(source.as_bytes())
            .map_err(|e| CodegenError::Rustfmt(e.to_string()))?;
    }
    let out = child
        .wait_with_output()
        .map_err(|e| CodegenError::Rustfmt(e.to_string()))?;
    if !out.status.success() {
        return Err(CodegenError::Rustfmt(
            String::from_utf8_lossy(&out.stderr).into_owned(),
        ));
    }
    String::from_utf8(out.stdout).map_err(|e| CodegenError::Rustfmt(e.to_string()))
}
