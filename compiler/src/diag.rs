//! Diagnostics in the shape rustc prints them: a code, a message, the file, line and
//! column, the offending source line with a caret under the offending text, what was
//! expected, and the CPS rule involved.
//!
//! Every error and lint the compiler reports is a [`Diagnostic`]; [`Diagnostic::render`]
//! turns it into text against the policy source it points into.

use std::fmt::Write as _;

/// A position in a policy file: 1-based line and column (in characters), and the
/// number of characters the caret underlines (at least one is drawn).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Span {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, counted in characters.
    pub column: usize,
    /// Characters to underline.
    pub len: usize,
}

impl Span {
    /// The span `offset` characters into this one, `len` long: used to point inside a
    /// scalar at the exact character a mini-language parser stopped on.
    pub fn narrow(self, offset: usize, len: usize) -> Span {
        Span {
            line: self.line,
            column: self.column + offset,
            len: len.max(1),
        }
    }
}

/// How bad a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    /// Compilation fails.
    Error,
    /// Reported, compilation goes on (a waived lint).
    Warning,
}

/// One message about a policy file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// Stable kebab-case code: an error kind (`unknown-key`) or a lint name.
    pub code: &'static str,
    /// One-line summary.
    pub message: String,
    /// Where in the file; `None` for whole-file problems.
    pub span: Option<Span>,
    /// Printed under the caret: usually what was expected.
    pub label: String,
    /// `= help:` / `= note:` lines, in order.
    pub notes: Vec<String>,
    /// CPS rule IDs involved (`R-7.1-SUB`), printed as `= cps:`.
    pub rules: Vec<String>,
}

impl Diagnostic {
    /// An error at `span`.
    pub fn error(code: &'static str, span: Option<Span>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            code,
            message: message.into(),
            span,
            label: String::new(),
            notes: Vec::new(),
            rules: Vec::new(),
        }
    }

    /// The same finding as a warning.
    pub fn warning(mut self) -> Self {
        self.severity = Severity::Warning;
        self
    }

    /// Sets the text under the caret.
    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = label.into();
        self
    }

    /// Adds a `= help:` line.
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.notes.push(format!("help: {}", help.into()));
        self
    }

    /// Adds a `= note:` line.
    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(format!("note: {}", note.into()));
        self
    }

    /// Names the CPS rules involved.
    pub fn rules<I, S>(mut self, rules: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.rules.extend(rules.into_iter().map(Into::into));
        self
    }

    /// Renders the diagnostic against the file it points into, rustc style.
    pub fn render(&self, file: &str, source: &str) -> String {
        let mut out = String::new();
        let kind = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let _ = writeln!(out, "{kind}[{}]: {}", self.code, self.message);
        match self.span {
            Some(span) => {
                let line_text = source
                    .lines()
                    .nth(span.line.saturating_sub(1))
                    .unwrap_or("");
                let gutter = span.line.to_string().len();
                let pad = " ".repeat(gutter);
                let _ = writeln!(out, "{pad}--> {file}:{}:{}", span.line, span.column);
                let _ = writeln!(out, "{pad} |");
                let _ = writeln!(out, "{} | {}", span.line, line_text.trim_end());
                // Carets sit under characters, so count characters, not bytes.
                let before: String = line_text
                    .chars()
                    .take(span.column.saturating_sub(1))
                    .map(|c| if c == '\t' { '\t' } else { ' ' })
                    .collect();
                let available = line_text.chars().count().saturating_sub(span.column - 1);
                let carets = "^".repeat(span.len.min(available.max(1)).max(1));
                let label = if self.label.is_empty() {
                    String::new()
                } else {
                    format!(" {}", self.label)
                };
                let _ = writeln!(out, "{pad} | {before}{carets}{label}");
                if !self.notes.is_empty() || !self.rules.is_empty() {
                    let _ = writeln!(out, "{pad} |");
                }
                for note in &self.notes {
                    let _ = writeln!(out, "{pad} = {note}");
                }
                if !self.rules.is_empty() {
                    let _ = writeln!(out, "{pad} = cps: {}", self.rules.join(", "));
                }
            }
            None => {
                let _ = writeln!(out, " --> {file}");
                for note in &self.notes {
                    let _ = writeln!(out, "  = {note}");
                }
                if !self.rules.is_empty() {
                    let _ = writeln!(out, "  = cps: {}", self.rules.join(", "));
                }
            }
        }
        out
    }
}

/// The closest of `candidates` to `word`, if it is close enough to be a likely typo
/// (Levenshtein distance at most a third of the word, and at least 1).
pub fn did_you_mean<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let limit = (word.chars().count() / 3).max(1);
    candidates
        .iter()
        .map(|c| (levenshtein(word, c), *c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, c)| (*d, *c))
        .map(|(_, c)| c)
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_key() {
        assert_eq!(
            did_you_mean("extentions", &["extensions", "issuer"]),
            Some("extensions")
        );
        assert_eq!(did_you_mean("zzz", &["extensions", "issuer"]), None);
    }

    #[test]
    fn renders_caret_under_offending_text() {
        let d = Diagnostic::error(
            "bad-oid",
            Some(Span {
                line: 2,
                column: 10,
                len: 3,
            }),
            "bad",
        )
        .label("expected a number")
        .rules(["R-1.2-OID-ORG"]);
        let text = d.render("p.yaml", "a: 1\n    oid: 1.x.3\n");
        assert_eq!(
            text,
            "error[bad-oid]: bad\n --> p.yaml:2:10\n  |\n2 |     oid: 1.x.3\n  |          ^^^ expected a number\n  |\n  = cps: R-1.2-OID-ORG\n"
        );
    }
}
