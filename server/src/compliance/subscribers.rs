//! What the record shows of the subscribers' side (issue 18): every one-time password
//! used in the period against the policy's lifetime and lockout (R-4.2-PASSWORD), and
//! every renewal notice due in the period against its latest day (R-4.6-RENEWAL,
//! R-3.3-RENEW-NOTICE), both recomputed from the policy, not read from the dates the
//! service stored.

use inkan_runtime::calendar::Timestamp;
use inkan_runtime::policy::{PasswordRules, PolicyDefinition};
use inkan_runtime::renewal::RenewalRules;
use inkan_runtime::workflow::{self, Effect, Subject};

use super::record::Record;
use super::{Finding, Period, Verdict};

/// When the passwords of `application` were made: the step that reached the state
/// its workflow's `issue-passwords` step leads to, the last before `before`.
fn passwords_made(
    def: &PolicyDefinition,
    rec: &Record,
    application: i64,
    before: Timestamp,
) -> Option<Timestamp> {
    let subject = Subject::Application.name();
    let flow = rec.workflows.get(&(subject.to_string(), application))?;
    let w = workflow::named(def.workflows, flow)?;
    let to = w
        .steps
        .iter()
        .find(|s| s.then == Some(Effect::IssuePasswords))?
        .to;
    rec.steps
        .iter()
        .filter(|s| s.subject == subject && s.case == application && s.to == to && s.at <= before)
        .map(|s| s.at)
        .next_back()
}

/// When `developer` was removed from the list, if it was: the step of a removal case
/// that reached the state its workflow's `remove-developer` step leads to.
fn removed(def: &PolicyDefinition, rec: &Record, developer: &str) -> Option<Timestamp> {
    let subject = Subject::DeveloperRemoval.name();
    rec.removals
        .iter()
        .filter(|(_, d)| d == developer)
        .filter_map(|(id, _)| {
            let flow = rec.workflows.get(&(subject.to_string(), *id))?;
            let w = workflow::named(def.workflows, flow)?;
            let to = w
                .steps
                .iter()
                .find(|s| s.then == Some(Effect::RemoveDeveloper))?
                .to;
            rec.steps
                .iter()
                .find(|s| s.subject == subject && s.case == *id && s.to == to)
                .map(|s| s.at)
        })
        .min()
}

/// Each password used in the period: within its lifetime from the decision that made
/// it, before the attempts that lock it, and, where the policy voids them, not after
/// its developer left the list (R-4.11-LEAVE).
pub(super) fn passwords(
    def: &PolicyDefinition,
    rules: &PasswordRules,
    rec: &Record,
    period: Period,
) -> Finding {
    let mut f = Finding::new(
        format!(
            "one-time passwords: used within {} days, fewer than {} wrong attempts before{}",
            rules.lifetime_days,
            rules.attempts,
            if rules.void_when_developer_removed {
                ", never after the developer's removal"
            } else {
                ""
            }
        ),
        rules.cps,
    );
    let mut n = 0;
    for p in rec.passwords.iter().filter(|p| period.contains(p.used_at)) {
        n += 1;
        let actor = format!("password:{}", p.holder);
        let seqs: Vec<u64> = rec
            .events("certificate-application")
            .filter(|l| l.entry.actor == actor)
            .map(|l| l.entry.seq)
            .collect();
        match passwords_made(def, rec, p.application, p.used_at) {
            Some(made) if p.used_at.unix() >= made.unix() + i64::from(rules.lifetime_days) * 86_400 => f.violation(
                format!(
                    "password {} of application {} (developer {}): made {made}, used {}, past its {} days",
                    p.holder, p.application, p.developer, p.used_at, rules.lifetime_days
                ),
                &seqs,
            ),
            Some(_) => {}
            None => f.violation(
                format!(
                    "password {} of application {}: used {}, but no decision of the application made it",
                    p.holder, p.application, p.used_at
                ),
                &seqs,
            ),
        }
        if rules.void_when_developer_removed
            && let Some(gone) = removed(def, rec, &p.developer).filter(|t| *t <= p.used_at)
        {
            f.violation(
                format!(
                    "password {} of application {}: used {}, after developer {} was removed at {gone}",
                    p.holder, p.application, p.used_at, p.developer
                ),
                &seqs,
            );
        }
        if p.failures >= i64::from(rules.attempts) {
            f.violation(
                format!(
                    "password {} of application {}: used {} after {} wrong attempts (it locks at {})",
                    p.holder, p.application, p.used_at, p.failures, rules.attempts
                ),
                &seqs,
            );
        }
    }
    if n == 0 {
        f.verdict = Verdict::NotApplicable;
    }
    f.summary = format!("{n} password(s) used in the period");
    f
}

/// Each renewal notice whose latest day falls in the period: sent by then.
pub(super) fn renewal(
    rules: &RenewalRules,
    offset_minutes: i32,
    rec: &Record,
    period: Period,
    end: Timestamp,
) -> Finding {
    let mut f = Finding::new(
        format!(
            "renewal notices: sent {} days or more before the expiry",
            rules.notice_by_days
        ),
        rules.cps,
    );
    let mut n = 0;
    for notice in &rec.notices {
        let Some(cycle) = rules.cycle_at(notice.opened_at, offset_minutes) else {
            if !period.contains(notice.opened_at) {
                continue;
            }
            n += 1;
            f.violation(
                format!(
                    "notice {}: opened {}, outside any notice window",
                    notice.id, notice.opened_at
                ),
                &[],
            );
            continue;
        };
        let due = cycle.due_by;
        let judged_at = notice.sent_at.unwrap_or(end);
        if !(period.contains(due) || notice.sent_at.is_some_and(|t| period.contains(t))) {
            continue;
        }
        n += 1;
        let (y, m, d) = cycle.expiry;
        if judged_at >= due && (notice.sent_at.is_some() || due < end) {
            f.violation(
                format!(
                    "notice {} to developer {} for the expiry of {y}-{m:02}-{d:02}: due before {due}, {}",
                    notice.id,
                    notice.developer,
                    match notice.sent_at {
                        Some(t) => format!("sent {t}"),
                        None => format!("not sent by {end}"),
                    }
                ),
                &[],
            );
        }
    }
    if n == 0 {
        f.verdict = Verdict::NotApplicable;
    }
    f.summary = format!("{n} notice(s) due or sent in the period");
    f
}
