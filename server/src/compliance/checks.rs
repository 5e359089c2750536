//! The checks a report runs, each made from one entry of the policy and citing that
//! entry's rules: the audit chain (the audit section), each `every` schedule, the
//! revocation deadline, each workflow with a check by a different person, key
//! activation; [`super::issued`] re-checks what was signed.

use inkan_runtime::ca::Ca;
use inkan_runtime::calendar::{Span, Timestamp};
use inkan_runtime::policy::{PolicyDefinition, Timing};
use inkan_runtime::workflow::{self, By};

use super::record::Record;
use super::{Finding, Period, Verdict};
use crate::ra::error::Result;

/// Every check the policy calls for, the audit chain first.
pub(super) fn run(ca: &Ca, rec: &Record, period: Period, now: Timestamp) -> Result<Vec<Finding>> {
    let def = ca.policy().definition();
    // The period is judged up to the report's making, if it ends later.
    let end = period.to.min(now);
    let mut out = vec![chain(def, rec)];
    for s in def.schedules {
        match s.timing {
            Timing::Every(span) => out.extend(every(def, rec, s.name, span, s.cps, period, end)),
            Timing::WithinBusinessDays(days) => {
                out.push(deadline(ca, rec, days, s.name, s.cps, period, end));
            }
            Timing::Before { .. } => {}
        }
    }
    for w in def.workflows {
        if w.steps.iter().any(|s| !s.not_by.is_empty()) {
            out.push(separation(w, rec, period));
        }
    }
    if let Some(rules) = &def.passwords {
        out.push(super::subscribers::passwords(def, rules, rec, period));
    }
    if let Some(rules) = &def.renewal {
        let offset = def.calendar.as_ref().map_or(0, |c| c.utc_offset_minutes);
        out.push(super::subscribers::renewal(rules, offset, rec, period, end));
    }
    if let Some(keys) = &def.ca_keys {
        out.push(custody(keys, rec, period));
    }
    out.extend(super::kept::run(def, rec, period));
    out.extend(super::issued::certificates(ca, rec, period));
    out.extend(super::issued::crls(ca, rec, period));
    Ok(out)
}

/// The audit chain and its signed checkpoints (R-5.4-PROTECT): a broken chain is the
/// first finding, for every other check reads the log.
fn chain(def: &PolicyDefinition, rec: &Record) -> Finding {
    let mut f = Finding::new(
        "audit log: hash chain and signed checkpoints",
        def.audit_cps,
    );
    let range = rec
        .chain
        .range
        .map_or("no entries".into(), |(a, b)| format!("entries {a}..{b}"));
    f.summary = format!(
        "{} entries ({range}), {} signed checkpoint(s) verified",
        rec.chain.entries, rec.chain.checkpoints
    );
    for p in &rec.chain.problems {
        let seqs: Vec<u64> = p
            .split(|c: char| !c.is_ascii_digit())
            .filter_map(|n| n.parse().ok())
            .take(1)
            .collect();
        f.violation(p.clone(), &seqs);
    }
    f
}

/// The audit event a scheduled job records each time it runs.
fn job_event(job: &str) -> Option<&'static str> {
    match job {
        "crl" => Some("crl-created"),
        "backup" => Some("ca-backup"),
        super::monthly::JOB => Some(super::monthly::EVENT),
        _ => None,
    }
}

/// The longest a span can be: months of 31 days, years of 366 ("at least every
/// month" is broken only by a gap no calendar month is as long as).
fn seconds(s: Span) -> i64 {
    i64::from(s.years) * 366 * 86_400
        + i64::from(s.months) * 31 * 86_400
        + i64::from(s.days) * 86_400
        + i64::from(s.hours) * 3600
}

/// `25 h 03 min`.
fn hours(secs: i64) -> String {
    format!("{} h {:02} min", secs / 3600, (secs % 3600) / 60)
}

/// An `every` schedule (R-4.9-CRL-24H for `crl`): the longest time in the period
/// without the job's event, counted from the last one before the period (or the CA's
/// creation) to the period's end, per CRL issuer for CRLs.
fn every(
    def: &PolicyDefinition,
    rec: &Record,
    job: &str,
    span: Span,
    rules: &[&str],
    period: Period,
    end: Timestamp,
) -> Vec<Finding> {
    let limit = seconds(span);
    let check = format!("schedule `{job}`: at least every {}", hours(limit));
    let Some(event) = job_event(job) else {
        let mut f = Finding::new(check, rules);
        f.verdict = Verdict::CannotJudge;
        f.summary = format!("no audit event records the job `{job}`");
        return vec![f];
    };
    // CRLs are judged per issuer; another job has one stream.
    let streams: Vec<Option<&str>> = if event == "crl-created" {
        def.crls.iter().map(|c| Some(c.issuer)).collect()
    } else {
        vec![None]
    };
    // The CA's creation, if the log still holds it (a purge may have taken it).
    let created = rec.events("ca-initialised").next().map(|l| {
        (
            l.entry.at,
            l.entry.seq,
            format!("the CA's creation (entry {})", l.entry.seq),
        )
    });
    let born = created.as_ref().map_or(period.from, |c| c.0);
    streams
        .into_iter()
        .map(|issuer| {
            let mut f = Finding::new(
                match issuer {
                    Some(i) => format!("{check} (issuer `{i}`)"),
                    None => check.clone(),
                },
                rules,
            );
            let runs: Vec<(Timestamp, u64, String)> = rec
                .events(event)
                .filter(|l| issuer.is_none_or(|i| l.detail("issuer") == i))
                .map(|l| (l.entry.at, l.entry.seq, l.detail("number").to_string()))
                .collect();
            let start = period.from.max(born);
            if start >= end {
                f.verdict = Verdict::NotApplicable;
                f.summary = "the CA did not exist in the period".into();
                return f;
            }
            let before = runs.iter().rev().find(|r| r.0 <= start).cloned();
            let inside: Vec<_> = runs
                .iter()
                .filter(|r| r.0 > start && r.0 < end)
                .cloned()
                .collect();
            let name = |r: &(Timestamp, u64, String)| match (r.1, r.2.as_str()) {
                (_, l) if l.starts_with("the ") => l.to_string(),
                (seq, "") => format!("entry {seq}"),
                (seq, n) => format!("number {n} (entry {seq})"),
            };
            // A gap that began before the period and ends in it is judged here, from
            // the last run before the period, else from the CA's creation; with
            // neither in the log (purged), from the period's start, and said so.
            let mut prev = match (before.clone(), created.clone()) {
                (Some(run), _) => run,
                (None, Some(c)) => c,
                (None, None) => {
                    f.evidence.push(
                        "the log holds neither a run before the period nor the CA's creation (purged): the gap at the period's start is counted from it".into(),
                    );
                    (start, 0, "the period's start".to_string())
                }
            };
            let mut worst: Option<(i64, String, Vec<u64>)> = None;
            let mut gaps = Vec::new();
            for next in inside.iter().map(|r| Some(r.clone())).chain([None]) {
                let (at, label, seqs) = match &next {
                    Some(r) => (r.0, name(r), vec![prev.1, r.1]),
                    None if end < period.to => {
                        (end, "the report's making".to_string(), vec![prev.1])
                    }
                    None => (end, "the period's end".to_string(), vec![prev.1]),
                };
                let gap = at.unix() - prev.0.unix();
                let what = format!("{} from {} to {label}", hours(gap), name(&prev));
                if gap > limit {
                    gaps.push((what.clone(), seqs.clone()));
                }
                if worst.as_ref().is_none_or(|w| gap > w.0) {
                    worst = Some((gap, what, seqs));
                }
                if let Some(r) = next {
                    prev = r;
                }
            }
            f.summary = format!("{} run(s) in the period", inside.len());
            f.worst = worst.map(|w| format!("longest gap: {}", w.1));
            for (what, seqs) in gaps {
                let seqs: Vec<u64> = seqs.into_iter().filter(|s| *s > 0).collect();
                f.violation(format!("no `{event}` for {what}"), &seqs);
            }
            f
        })
        .collect()
}

/// The revocation deadline (R-4.9-DEADLINE): for every request open in the period, the
/// deadline recomputed in the policy's calendar from the form's recording, against
/// when the certificate was revoked, or the period's end for one still open.
#[allow(clippy::too_many_arguments)]
fn deadline(
    ca: &Ca,
    rec: &Record,
    days: u32,
    job: &str,
    rules: &[&str],
    period: Period,
    end: Timestamp,
) -> Finding {
    let policy = ca.policy();
    let mut f = Finding::new(
        format!("schedule `{job}`: within {days} business days"),
        rules,
    );
    let mut judged = 0;
    // When each certificate was revoked, whichever way (the store's time, not the
    // request's: a step retried, or a removal that revoked it, records it otherwise).
    let revoked: std::collections::HashMap<&str, Timestamp> = rec
        .certificates
        .iter()
        .flat_map(|(_, list)| list.iter())
        .filter_map(|c| c.revoked.as_ref().map(|r| (c.serial.as_str(), r.0)))
        .collect();
    for r in &rec.revocations {
        let due = crate::ra::revocation::deadline(policy, r.accepted_at).at;
        let revoked_at = revoked.get(r.serial.as_str()).copied().or(r.revoked_at);
        let closed_without = workflow::named(policy.definition().workflows, &r.workflow)
            .is_some_and(|w| w.is_end(&r.state))
            && revoked_at.is_none();
        let until = revoked_at.unwrap_or(end);
        // In the period: recorded in it, or still running into it.
        if r.accepted_at >= period.to || until < period.from || closed_without {
            continue;
        }
        judged += 1;
        let mut seqs = rec.case_entries(inkan_runtime::workflow::Subject::Revocation.name(), r.id);
        seqs.extend(
            rec.events("certificate-revoked")
                .filter(|l| l.detail("serial") == r.serial)
                .map(|l| l.entry.seq),
        );
        // The deadline is the midnight after its last business day: at it, late (as
        // the service's overdue list has it).
        match revoked_at {
            Some(at) if at >= due => f.violation(
                format!(
                    "revocation {} of certificate {}: recorded {}, due by {due}, revoked {at}",
                    r.id, r.serial, r.accepted_at
                ),
                &seqs,
            ),
            None if due <= end => f.violation(
                format!(
                    "revocation {} of certificate {}: recorded {}, due by {due}, still `{}` at {end}",
                    r.id, r.serial, r.accepted_at, r.state
                ),
                &seqs,
            ),
            _ => {}
        }
    }
    if judged == 0 {
        f.verdict = Verdict::NotApplicable;
    }
    f.summary = format!("{judged} revocation request(s) in the period");
    f
}

/// A workflow's checks by a different person (R-5.2-DUAL-CHECK, R-5.2-SEPARATION):
/// every step taken in the period that the workflow gives a `not_by`, against who
/// took those actions on the same case; and every step the workflow does not have.
fn separation(w: &workflow::Workflow, rec: &Record, period: Period) -> Finding {
    let subject = w.subject.name();
    let mut f = Finding::new(
        format!(
            "workflow `{}`: steps taken by the persons it allows",
            w.name
        ),
        w.cps,
    );
    let mut checked = 0;
    let in_flow = |s: &&crate::ra::records::evidence::TakenStep| {
        s.subject == subject
            && rec
                .workflows
                .get(&(s.subject.clone(), s.case))
                .map(String::as_str)
                == Some(w.name)
    };
    for (i, s) in rec.steps.iter().enumerate().filter(|(_, s)| in_flow(s)) {
        if !period.contains(s.at) || s.from.is_empty() {
            continue;
        }
        let by = if s.action == By::ManagerLink.name() {
            Some(By::ManagerLink)
        } else {
            inkan_runtime::actions::RaAction::from_name(&s.action).map(By::Staff)
        };
        let step = by.and_then(|b| w.step(&s.from, b));
        let seqs = rec.case_entries(subject, s.case);
        let Some(step) = step.filter(|st| st.to == s.to || st.refused == Some(s.to.as_str()))
        else {
            f.violation(
                format!(
                    "{subject} {}: `{}` by {} from `{}` to `{}` is not a step of the workflow",
                    s.case, s.action, s.login, s.from, s.to
                ),
                &seqs,
            );
            continue;
        };
        if step.not_by.is_empty() {
            continue;
        }
        checked += 1;
        let earlier = rec.steps[..i].iter().filter(|e| {
            e.subject == s.subject
                && e.case == s.case
                && step.not_by.iter().any(|a| a.name() == e.action)
        });
        for e in earlier.filter(|e| e.person == s.person) {
            f.violation(
                format!(
                    "{subject} {}: `{}` by {} ({}), who also took `{}` on it at {}",
                    s.case, s.action, s.person, s.at, e.action, e.at
                ),
                &seqs,
            );
        }
    }
    if checked == 0 && f.verdict != Verdict::Violated {
        f.verdict = Verdict::NotApplicable;
    }
    f.summary = format!("{checked} step(s) that must be another person's");
    f
}

/// Key custody (R-6.2-HSM, R-6.2-M-OF-N): under a policy whose keys belong in an HSM,
/// a CA that runs on software keys under its recorded testing waiver is a departure
/// for the whole period; and every activation in the period entered at least the
/// policy's threshold of shares.
fn custody(keys: &inkan_runtime::policy::CaKeys, rec: &Record, period: Period) -> Finding {
    let threshold = keys.threshold;
    let mut f = Finding::new(
        format!(
            "CA keys: {}activated by at least {threshold} of {} shares",
            if keys.hsm { "in an HSM, " } else { "" },
            keys.shares
        ),
        keys.cps,
    );
    let mut judged = false;
    if keys.hsm
        && let Some(w) = rec
            .events("custody-waived")
            .find(|l| l.entry.at < period.to)
    {
        judged = true;
        f.violation(
            format!(
                "the CA runs on software keys under the waiver recorded at {}: \"{}\"",
                w.entry.at,
                w.detail("reason")
            ),
            &[w.entry.seq],
        );
    }
    let mut n = 0;
    for l in rec
        .events("key-activated")
        .filter(|l| period.contains(l.entry.at))
    {
        n += 1;
        let shares: Option<u32> = l.detail("shares").parse().ok();
        if shares.is_none_or(|s| s < u32::from(threshold)) {
            f.violation(
                format!(
                    "activation at {} with {} share(s)",
                    l.entry.at,
                    l.detail("shares")
                ),
                &[l.entry.seq],
            );
        }
    }
    if n == 0 && !judged {
        f.verdict = Verdict::NotApplicable;
    }
    f.summary = format!("{n} activation(s) in the period");
    f
}
