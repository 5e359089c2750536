//! What the record says of what it keeps (issue 18): the audit log's retention
//! (R-5.4-RETENTION), the RA's archive (R-5.5-ARCHIVE) and the CA events people enter
//! (R-5.4-CA-EVENTS). Each cites the rules of its policy entries. A period without a
//! purge kept everything (the chain check says nothing was deleted); a purge's removed
//! entries are gone from the record, so whether each was past its period cannot be
//! judged from it, and is said so with the purge's own entry; and that every room entry
//! was entered, only the room's own book can say.

use inkan_runtime::policy::PolicyDefinition;

use super::record::{Logged, Record};
use super::{Finding, Period, Verdict};

/// Every rule the entries cite, once each, in their order.
fn rules<'a>(cites: impl Iterator<Item = &'a [&'static str]>) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    for r in cites.flatten() {
        if !out.contains(r) {
            out.push(r);
        }
    }
    out
}

/// A purge event's findings: met when none came in the period, else cannot be judged
/// with each purge's entry.
fn purges(
    check: &str,
    rules: &[&str],
    event: &str,
    removed: impl Fn(&Logged) -> String,
    rec: &Record,
    period: Period,
) -> Finding {
    let mut f = Finding::new(check, rules);
    let found: Vec<_> = rec
        .events(event)
        .filter(|l| period.contains(l.entry.at))
        .collect();
    if found.is_empty() {
        f.summary = "nothing was purged in the period, and the chain shows nothing deleted".into();
        return f;
    }
    f.verdict = Verdict::CannotJudge;
    f.summary = format!(
        "{} purge(s) in the period: the records removed are gone from the record, so their age at the purge cannot be re-checked here",
        found.len()
    );
    for l in found {
        f.evidence.push(format!(
            "purge at {} (entry {}): {}",
            l.entry.at,
            l.entry.seq,
            removed(l)
        ));
        f.entries.push(l.entry.seq);
    }
    f
}

/// The retention, archive and entered-event findings the policy's entries call for.
pub(super) fn run(def: &PolicyDefinition, rec: &Record, period: Period) -> Vec<Finding> {
    let mut out = Vec::new();
    let retention = rules(def.retention.iter().map(|r| r.cps));
    if !def.retention.is_empty() {
        out.push(purges(
            "audit log retention: no entry purged before its category's period",
            &retention,
            "audit-purged",
            |l| format!("entries {} to {}", l.detail("from"), l.detail("through")),
            rec,
            period,
        ));
    }
    if !def.archive.is_empty() {
        out.push(purges(
            "RA archive: no record removed before its period",
            &rules(def.archive.iter().map(|a| a.cps)),
            "archive-purged",
            |l| l.detail("removed").to_string(),
            rec,
            period,
        ));
    }
    let entered: Vec<_> = def.audit_events.iter().filter(|e| e.entered).collect();
    if !entered.is_empty() {
        let mut f = Finding::new(
            "CA events entered by people (room entry and exit, system access, security file operations)",
            &rules(entered.iter().map(|e| e.cps)),
        );
        f.verdict = Verdict::CannotJudge;
        f.summary =
            "whether every such event was entered, only the books kept where it happened can say"
                .into();
        for e in entered {
            let n = rec
                .events(e.name)
                .filter(|l| period.contains(l.entry.at))
                .count();
            f.evidence
                .push(format!("`{}`: {n} entered in the period", e.name));
        }
        out.push(f);
    }
    out
}
