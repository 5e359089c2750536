//! Lowering: the raw document ([`crate::syntax`]) becomes the typed model
//! ([`crate::model`]), or a list of diagnostics.
//!
//! Every mini-language is parsed here, every name resolved, every citation checked
//! against the rule catalogue, and every contradiction the compiler knows of is
//! rejected: `cA=false` with keyCertSign, a child that can outlive its issuer, a
//! pathLenConstraint the hierarchy breaks, a CRL whose nextUpdate comes before the
//! next scheduled CRL, duplicate or malformed OIDs, unknown rule IDs. Errors are
//! collected, not thrown, so one run reports everything wrong with a file.

mod calendar;
mod certificates;
mod coverage;
mod crls;
mod extensions;
mod forms;
mod names;
mod operations;
mod policy;
mod renewal;
mod workflows;

use std::collections::HashSet;

use crate::diag::{Diagnostic, Severity, Span, did_you_mean};
use crate::lang::LangError;
use crate::model::*;
use crate::syntax::*;

/// How strictly a document is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// A policy to run or generate code from: every requirement holds.
    Current,
    /// An earlier revision read only to compare it (`inkan policy diff`): what the
    /// policy language came to require after that revision was written (a key added
    /// later, every action given to a role) is a warning, and the revision reads as
    /// not stating it.
    Revision,
}

/// Lowers a parsed document. `stem` is the file name without `.yaml`, which the
/// policy's `id` must equal (the CLI finds policies by it). On success, any warnings
/// come with the model.
pub fn lower(
    raw: RawPolicy,
    stem: &str,
    source: &str,
    mode: Mode,
) -> Result<(Policy, Vec<Diagnostic>), Vec<Diagnostic>> {
    let mut cx = Cx {
        source,
        mode,
        diags: Vec::new(),
        rules: HashSet::new(),
        rule_ids: Vec::new(),
        cited: std::collections::BTreeSet::new(),
        unread_oids: Vec::new(),
    };
    let policy = cx.policy(raw, stem);
    if cx.diags.iter().any(|d| d.severity == Severity::Error) {
        Err(cx.diags)
    } else {
        Ok((policy, cx.diags))
    }
}

/// The lowering context: what has been found wrong so far, and the rule catalogue
/// citations are checked against.
struct Cx<'s> {
    source: &'s str,
    mode: Mode,
    diags: Vec<Diagnostic>,
    rules: HashSet<&'static str>,
    rule_ids: Vec<&'static str>,
    /// Every rule ID cited so far.
    cited: std::collections::BTreeSet<String>,
    /// Names in `oids` whose OID failed to read: a use of one is not a second error.
    unread_oids: Vec<String>,
}

/// Span of a spanned value.
pub(crate) fn span_of<T>(s: &S<T>) -> Span {
    let loc = s.referenced;
    Span {
        line: usize::try_from(loc.line()).unwrap_or(0),
        column: usize::try_from(loc.column()).unwrap_or(0),
        len: usize::try_from(loc.span().len()).unwrap_or(1).max(1),
    }
}

impl Cx<'_> {
    pub(super) fn err(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }

    /// How many errors have been reported so far.
    pub(super) fn error_count(&self) -> usize {
        self.diags
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count()
    }

    /// Reports a requirement the policy language gained after its first revisions:
    /// an error for a current policy, a warning when reading an earlier revision.
    pub(super) fn grown(&mut self, d: Diagnostic) {
        let d = match self.mode {
            Mode::Current => d,
            Mode::Revision => d.warning().note(
                "accepted in an earlier revision: the policy language came to require this later",
            ),
        };
        self.diags.push(d);
    }

    /// The span of a position inside a scalar, allowing for an opening quote.
    pub(super) fn inner(&self, s: &S<String>, e: &LangError) -> Span {
        let base = span_of(s);
        let quoted = self
            .source
            .lines()
            .nth(base.line.saturating_sub(1))
            .and_then(|l| l.chars().nth(base.column.saturating_sub(1)))
            .is_some_and(|c| c == '"' || c == '\'');
        base.narrow(e.offset + usize::from(quoted), e.len)
    }

    /// Runs a mini-language parser on a scalar; reports its error at the exact character.
    pub(super) fn parse<T>(
        &mut self,
        s: &S<String>,
        what: &str,
        code: &'static str,
        f: impl Fn(&str) -> Result<T, LangError>,
    ) -> Option<T> {
        match f(&s.value) {
            Ok(v) => Some(v),
            Err(e) => {
                let span = self.inner(s, &e);
                self.err(
                    Diagnostic::error(code, Some(span), format!("invalid {what} `{}`", s.value))
                        .label(format!("expected {}", e.expected)),
                );
                None
            }
        }
    }

    /// Reads a duration of whole days or weeks, more than none (`14d`, `2w`).
    pub(super) fn whole_days(
        &mut self,
        s: &S<String>,
        code: &'static str,
        what: &str,
        rule: &'static str,
    ) -> Option<u32> {
        let d = self.parse(s, "duration", "bad-duration", crate::lang::duration::parse)?;
        let days = d.weeks * 7 + d.days;
        if d.years == 0 && d.months == 0 && d.hours == 0 && days > 0 {
            return Some(days);
        }
        self.err(
            Diagnostic::error(code, Some(span_of(s)), format!("{what} of `{}`", s.value))
                .label("expected whole days or weeks, more than none: `14d`, `2w`")
                .rules([rule]),
        );
        None
    }

    /// Reads a keyword, with "expected one of" and "did you mean".
    pub(super) fn keyword<T>(
        &mut self,
        s: &S<String>,
        what: &str,
        from: impl Fn(&str) -> Option<T>,
        all: &[&'static str],
    ) -> Option<T> {
        if let Some(v) = from(&s.value) {
            return Some(v);
        }
        let mut d = Diagnostic::error(
            "unknown-value",
            Some(span_of(s)),
            format!("unknown {what} `{}`", s.value),
        )
        .label(format!("expected one of {}", quote_list(all)));
        if let Some(m) = did_you_mean(&s.value, all) {
            d = d.help(format!("did you mean `{m}`?"));
        }
        self.err(d);
        None
    }

    /// Reads a keyword of type `T`.
    pub(super) fn kw<T: Keyword>(&mut self, s: &S<String>, what: &str) -> Option<T> {
        self.keyword(s, what, T::parse_keyword, &T::all_keywords())
    }

    /// Checks cited rule IDs against the catalogue.
    pub(super) fn cites(&mut self, cites: &Cites) -> Vec<String> {
        let mut out = Vec::new();
        for c in cites {
            if !self.rules.is_empty() && !self.rules.contains(c.value.as_str()) {
                let ids = self.rule_ids.clone();
                let mut d = Diagnostic::error(
                    "unknown-rule",
                    Some(span_of(c)),
                    format!("unknown CPS rule `{}`", c.value),
                )
                .label("not in the policy's rule catalogue");
                if let Some(m) = did_you_mean(&c.value, &ids) {
                    d = d.help(format!("did you mean `{m}`?"));
                }
                self.err(d);
            }
            self.cited.insert(c.value.clone());
            out.push(c.value.clone());
        }
        out
    }
}

/// `a`, `b` and `c` for messages.
pub(crate) fn quote_list(items: &[&str]) -> String {
    items
        .iter()
        .map(|i| format!("`{i}`"))
        .collect::<Vec<_>>()
        .join(", ")
}
