//! The inkan policy compiler.
//!
//! A policy author turns a CPS into YAML (`policy/*.yaml`); this crate reads it,
//! checks it, and lowers it into a typed [`model::Policy`], reporting every problem
//! as a rustc-style [`diag::Diagnostic`] with file:line:column, the offending text,
//! what was expected and the CPS rule involved. [`codegen`] then writes the Rust
//! crate that enforces the policy at run time.
//!
//! ```text
//! YAML --serde-saphyr--> syntax::RawPolicy --lower (nom mini-languages, checks)--> model::Policy
//!      --lints + waivers--> Compiled --codegen (handlebars, rustfmt)--> generated/<id>/
//! ```
//!
//! The YAML reader is serde-saphyr: it is panic-free on hostile input and gives the
//! line and column of every value (`Spanned<T>`), which semantic diagnostics need.

pub mod catalogue;
pub mod codegen;
pub mod cps;
pub mod diag;
pub mod diff;
pub mod lang;
pub mod lints;
pub mod lower;
pub mod model;
pub mod schema;
pub mod syntax;

use diag::{Diagnostic, Severity, Span, did_you_mean};
use sha2::{Digest, Sha256};

/// A policy that compiled, with the warnings (waived lints) it produced.
#[derive(Debug)]
pub struct Compiled {
    /// The checked policy.
    pub policy: model::Policy,
    /// Waived lints, to print.
    pub warnings: Vec<Diagnostic>,
    /// Read as an earlier revision ([`compile_revision`]): what the policy language
    /// came to require after it was written, and it does not state.
    pub predates: Vec<Diagnostic>,
    /// The canonical text: the source with LF line ends and one final newline.
    pub canonical: String,
    /// Lower-case hex SHA-256 of the canonical text.
    pub sha256: String,
}

/// A policy that did not compile.
#[derive(Debug, thiserror::Error)]
#[error("{} error(s) in {file}", .diagnostics.iter().filter(|d| d.severity == Severity::Error).count())]
pub struct CompileError {
    /// The file as named by the caller.
    pub file: String,
    /// Every diagnostic, errors and warnings, in file order.
    pub diagnostics: Vec<Diagnostic>,
}

/// The canonical form of a policy text: LF line ends, one trailing newline.
pub fn canonical(source: &str) -> String {
    let mut s = source.replace("\r\n", "\n");
    while s.ends_with("\n\n") {
        s.pop();
    }
    if !s.ends_with('\n') {
        s.push('\n');
    }
    s
}

/// Largest policy file accepted; far above any real CPS.
pub const MAX_POLICY_BYTES: usize = 1 << 20;

/// Compiles one policy. `file` is the path as the user gave it (used in messages and,
/// through its stem, as the expected policy id).
pub fn compile(file: &str, source: &str) -> Result<Compiled, CompileError> {
    compile_as(file, source, lower::Mode::Current)
}

/// Compiles an earlier revision of a policy only to compare it (`inkan policy diff`):
/// requirements the policy language gained after the revision was written are
/// warnings, and the model reads as the revision not stating them.
pub fn compile_revision(file: &str, source: &str) -> Result<Compiled, CompileError> {
    compile_as(file, source, lower::Mode::Revision)
}

fn compile_as(file: &str, source: &str, mode: lower::Mode) -> Result<Compiled, CompileError> {
    let fail = |diagnostics| CompileError {
        file: file.to_string(),
        diagnostics,
    };
    if source.len() > MAX_POLICY_BYTES {
        return Err(fail(vec![Diagnostic::error(
            "too-large",
            None,
            format!(
                "policy file is {} bytes; the limit is {MAX_POLICY_BYTES}",
                source.len()
            ),
        )]));
    }
    let canonical = canonical(source);
    let stem = std::path::Path::new(file)
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or(file)
        .to_string();
    let raw: syntax::RawPolicy =
        serde_saphyr::from_str(&canonical).map_err(|e| fail(vec![yaml_diagnostic(&e)]))?;
    let (policy, predates) = lower::lower(raw, &stem, &canonical, mode).map_err(fail)?;
    let findings = lints::run(&policy);
    let mut diagnostics = lints::apply_waivers(&policy, &findings);
    diagnostics.sort_by_key(|d| d.span.map(|s| (s.line, s.column)));
    if diagnostics.iter().any(|d| d.severity == Severity::Error) {
        return Err(fail(diagnostics));
    }
    let sha256 = hex::encode(Sha256::digest(canonical.as_bytes()));
    Ok(Compiled {
        policy,
        predates,
        warnings: diagnostics,
        canonical,
        sha256,
    })
}

/// Renders diagnostics as the CLI prints them, with a closing summary line.
pub fn render(file: &str, source: &str, diagnostics: &[Diagnostic]) -> String {
    let source = canonical(source);
    let mut out: String = diagnostics
        .iter()
        .map(|d| d.render(file, &source) + "\n")
        .collect();
    let errors = diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    let warnings = diagnostics.len() - errors;
    if errors > 0 {
        out.push_str(&format!(
            "error: could not compile `{file}`: {errors} error(s), {warnings} warning(s)\n"
        ));
    }
    out
}

/// Turns a YAML or shape error into a diagnostic, adding "did you mean" to unknown keys.
fn yaml_diagnostic(e: &serde_saphyr::Error) -> Diagnostic {
    use serde_saphyr::MessageFormatter as _;
    let span = e.location().map(|l| Span {
        line: usize::try_from(l.line()).unwrap_or(0),
        column: usize::try_from(l.column()).unwrap_or(0),
        len: 1,
    });
    let message = serde_saphyr::UserMessageFormatter
        .format_message(e)
        .into_owned();
    // serde's unknown-field message: "unknown field `x`, expected one of a, b" (or "expected `a`").
    if let Some(rest) = message.strip_prefix("unknown field `")
        && let Some((field, tail)) = rest.split_once('`')
    {
        let expected: Vec<&str> = tail
            .trim_start_matches(", expected ")
            .trim_start_matches("one of ")
            .split(", ")
            .map(|k| k.trim_matches('`'))
            .filter(|k| !k.is_empty())
            .collect();
        let mut d = Diagnostic::error(
            "unknown-key",
            span.map(|s| Span {
                len: field.chars().count().max(1),
                ..s
            }),
            format!("unknown key `{field}`"),
        )
        .label(format!("expected one of {}", lower::quote_list(&expected)));
        if let Some(m) = did_you_mean(field, &expected) {
            d = d.help(format!("did you mean `{m}`?"));
        }
        return d;
    }
    if let Some(field) = message
        .strip_prefix("missing field `")
        .and_then(|r| r.split_once('`'))
        .map(|(f, _)| f)
    {
        return Diagnostic::error("missing-key", span, format!("missing key `{field}`"))
            .label(format!("the mapping that ends here needs `{field}`"));
    }
    let code = if message.starts_with("invalid") {
        "wrong-type"
    } else {
        "yaml"
    };
    Diagnostic::error(code, span, message.clone()).label(message)
}
