//! The CA's own record judged against its policy, for the auditor (issue 18):
//! `inkan audit report`. For a period it first verifies the audit chain, then runs the
//! checks the policy's own entries call for — each `every` schedule as the longest gap
//! between the events its job records, the revocation deadline recomputed in the
//! policy's business-day calendar, every workflow step that must be someone else's,
//! every key activation against the M of M-of-N, every certificate issued re-checked
//! against its profile and its issuer's signature — and gives each rule the policy
//! cites a verdict: met, violated, not applicable in the period, or cannot be judged,
//! with the evidence (the entries involved by sequence number, the worst case).
//!
//! Which checks run, with which numbers and for which rules, comes from the generated
//! policy definition (its schedules, calendar, workflows, key custody and profiles, and
//! the rules each of them cites); no list of rules lives here. A rule the policy cites
//! that no check reads is reported as such, never as met.

mod checks;
mod issued;
mod kept;
pub mod monthly;
mod record;
pub mod render;
mod subscribers;

use std::collections::BTreeMap;

use inkan_runtime::ca::Ca;
use inkan_runtime::calendar::Timestamp;
use serde::Serialize;

use crate::ra::error::Result;
use crate::ra::records::Ra;

/// The interval a report covers: from `from` (included) to `to` (excluded).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Period {
    /// Start, included.
    #[serde(serialize_with = "rfc3339")]
    pub from: Timestamp,
    /// End, excluded.
    #[serde(serialize_with = "rfc3339")]
    pub to: Timestamp,
}

/// A time as RFC 3339 text, in JSON.
fn rfc3339<S: serde::Serializer>(t: &Timestamp, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.collect_str(t)
}

impl Period {
    /// True when `t` falls in the period.
    pub fn contains(&self, t: Timestamp) -> bool {
        self.from <= t && t < self.to
    }
}

/// What a check, or a rule, came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// Nothing in the period the rule speaks of.
    NotApplicable,
    /// Held throughout the period.
    Met,
    /// The record cannot say; the finding says why.
    CannotJudge,
    /// Broken at least once; the evidence says where.
    Violated,
}

impl Verdict {
    /// How the verdict reads.
    pub fn text(self) -> &'static str {
        match self {
            Verdict::NotApplicable => "not applicable",
            Verdict::Met => "met",
            Verdict::CannotJudge => "cannot be judged",
            Verdict::Violated => "VIOLATED",
        }
    }
}

/// One check's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// What was checked, naming the policy entry (`schedule crl: every 24 h`).
    pub check: String,
    /// The rules the policy entry cites.
    pub rules: Vec<String>,
    /// The result.
    pub verdict: Verdict,
    /// One line: counts, or why it cannot be judged.
    pub summary: String,
    /// The worst case, where a check measures one.
    pub worst: Option<String>,
    /// One line per problem (or per notable item).
    pub evidence: Vec<String>,
    /// The audit entries involved, by sequence number.
    pub entries: Vec<u64>,
}

impl Finding {
    fn new(check: impl Into<String>, rules: &[&str]) -> Self {
        Finding {
            check: check.into(),
            rules: rules.iter().map(|r| r.to_string()).collect(),
            verdict: Verdict::Met,
            summary: String::new(),
            worst: None,
            evidence: Vec::new(),
            entries: Vec::new(),
        }
    }

    /// Records one problem: the check is violated.
    fn violation(&mut self, what: String, entries: &[u64]) {
        self.verdict = Verdict::Violated;
        self.evidence.push(what);
        self.entries.extend_from_slice(entries);
    }
}

/// A rule of the policy and what the checks that read it came to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleVerdict {
    /// The rule's ID.
    pub id: String,
    /// Its CPS section.
    pub section: String,
    /// enforce, emit, record or schedule.
    pub kind: String,
    /// The rule, in English.
    pub text: String,
    /// The worst verdict of its checks.
    pub verdict: Verdict,
    /// The checks that read it (indexes into [`Report::findings`]).
    pub findings: Vec<usize>,
    /// Why it cannot be judged, when no check reads it.
    pub why: Option<String>,
}

/// The audit log's head when the report was made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Head {
    /// Sequence number of the last entry.
    pub seq: u64,
    /// Its hash, hex.
    pub hash: String,
}

/// A compliance report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    /// The policy's id.
    pub policy: String,
    /// The policy's SHA-256: with the head, what makes the report reproducible.
    pub policy_sha256: String,
    /// The period.
    pub period: Period,
    /// When it was made (the end of the period is judged up to here, if sooner).
    #[serde(serialize_with = "rfc3339")]
    pub made_at: Timestamp,
    /// The audit log's head it was computed on.
    pub head: Head,
    /// Each rule of the policy with an operational meaning, in catalogue order.
    pub rules: Vec<RuleVerdict>,
    /// Each check, the audit chain first.
    pub findings: Vec<Finding>,
    /// What the report itself cannot see.
    pub notes: Vec<String>,
}

impl Report {
    /// The report's verdict: violated if any check found a breach; else "cannot be
    /// judged" if a check could not run (a rule no check reads does not count: the
    /// rules table says which those are); else met, or not applicable.
    pub fn overall(&self) -> Verdict {
        self.findings
            .iter()
            .map(|f| f.verdict)
            .max()
            .unwrap_or(Verdict::NotApplicable)
    }

    /// What was violated: each rule by ID, and each violated check that cites none.
    pub fn violated(&self) -> Vec<&str> {
        self.rules
            .iter()
            .filter(|r| r.verdict == Verdict::Violated)
            .map(|r| r.id.as_str())
            .chain(
                self.findings
                    .iter()
                    .filter(|f| f.verdict == Verdict::Violated && f.rules.is_empty())
                    .map(|f| f.check.as_str()),
            )
            .collect()
    }
}

/// Rule kinds with an operational meaning: what the record can show held or not.
const OPERATIONAL: &[&str] = &["enforce", "emit", "record", "schedule"];

/// Judges the record of `ca` and `ra` for `period` against the CA's policy, at `now`.
pub fn report(ca: &Ca, ra: &Ra, period: Period, now: Timestamp) -> Result<Report> {
    let def = ca.policy().definition();
    let rec = record::Record::read(ca, ra)?;
    let findings = checks::run(ca, &rec, period, now)?;
    let mut by_rule: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, f) in findings.iter().enumerate() {
        for r in &f.rules {
            by_rule.entry(r.as_str()).or_default().push(i);
        }
    }
    let rules = def
        .rules
        .iter()
        .filter(|r| OPERATIONAL.contains(&r.kind))
        .map(|r| {
            let read = by_rule.get(r.id).cloned().unwrap_or_default();
            let verdict = read
                .iter()
                .map(|i| findings[*i].verdict)
                .max()
                .unwrap_or(Verdict::CannotJudge);
            RuleVerdict {
                id: r.id.to_string(),
                section: r.section.to_string(),
                kind: r.kind.to_string(),
                text: r.text.to_string(),
                verdict,
                why: read.is_empty().then(|| {
                    "no check of the record reads this rule yet: judge it from the evidence the auditor guide names".to_string()
                }),
                findings: read,
            }
        })
        .collect();
    Ok(Report {
        policy: def.id.to_string(),
        policy_sha256: def.sha256.to_string(),
        period,
        made_at: now,
        head: Head {
            seq: rec.head.0,
            hash: hex::encode(rec.head.1),
        },
        rules,
        findings,
        notes: vec![
            "a rule is met as far as the checks beside it go: each check's title says what it judges, and a rule its policy entry cites may hold more than that (a paper form, a telephone call, a timing no record keeps)".to_string(),
            format!(
                "every certificate is checked against the policy this CA runs now (SHA-256 {}); the store does not record the revision in force at each issuance",
                def.sha256
            ),
        ],
    })
}
