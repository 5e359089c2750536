//! The RA's workflows (R-4.2-FLOW, R-5.2-DUAL-CHECK, R-5.2-SEPARATION,
//! R-3.4-REVOKE-CONFIRM, R-4.9-WHO, R-4.11-LEAVE) lowered and checked as state
//! machines: every state reachable and, unless it ends the case, with a way out; every
//! step's action someone's; each effect on the kind of case it acts on; every
//! revocation reason and requester handled by exactly one workflow; the dual check's
//! roles each holding a step of every form's workflow; and no case that revokes or
//! removes decided by one person alone. Which workflow handles which request is
//! `coverage.rs`.

use super::{Cx, span_of};
use crate::diag::Diagnostic;
use crate::model::*;
use crate::syntax::*;

/// What the workflow checks need from the rest of the policy.
pub(super) struct Context<'a> {
    pub roles: &'a [RaRole],
    pub dual_check: &'a [String],
    pub revocation: Option<&'a Revocation>,
}

impl Cx<'_> {
    pub(super) fn workflows(&mut self, raw: &[RawWorkflow], cx: &Context<'_>) -> Vec<Workflow> {
        let mut out: Vec<Workflow> = Vec::new();
        let mut all_read = true;
        for w in raw {
            if out.iter().any(|x| x.name == w.name.value) {
                self.err(
                    Diagnostic::error(
                        "duplicate-workflow",
                        Some(span_of(&w.name)),
                        format!("the workflow `{}` is declared twice", w.name.value),
                    )
                    .rules(["R-4.2-FLOW"]),
                );
            }
            match self.workflow(w, cx) {
                Some((lowered, read)) => {
                    all_read &= read;
                    out.push(lowered);
                }
                None => all_read = false,
            }
        }
        // Which workflow handles what is judged on workflows that read in full: one
        // that did not has its errors already, and coverage would report their echo.
        if let Some(first) = raw.first().filter(|_| all_read) {
            let revocations = raw
                .iter()
                .find(|w| w.subject.value == Subject::Revocation.name())
                .unwrap_or(first);
            self.coverage(&out, raw, revocations, cx);
        }
        out
    }

    /// The workflow, and whether every part of it read without error.
    fn workflow(&mut self, w: &RawWorkflow, cx: &Context<'_>) -> Option<(Workflow, bool)> {
        let cites = self.cites(&w.cps);
        let errors_before = self.error_count();
        let subject = self.kw::<Subject>(&w.subject, "workflow subject");
        let opens = self.kw::<RaAction>(&w.opens, "RA action");
        let requested_by = w
            .requested_by
            .as_ref()
            .and_then(|r| self.kw::<Requester>(r, "requester"));
        let mut steps = Vec::new();
        for s in &w.steps {
            if let Some(step) = self.step(w, s) {
                steps.push((s, step));
            }
        }
        let (subject, opens) = (subject?, opens?);
        // A part that failed to read (a step, its action, `then` or `not_by`) has been
        // reported; the checks of the whole graph would go on to report what its
        // absence leaves behind.
        let complete = self.error_count() == errors_before;
        self.reasons_of(w, subject, requested_by, cx);
        let read = self.error_count() == errors_before;
        if complete {
            self.graph(w, &steps);
        }
        for (raw, step) in &steps {
            self.step_fits(w, raw, step, subject, opens, &steps, cx);
        }
        let emergency = w.emergency.as_ref().is_some_and(|e| e.value);
        let steps: Vec<Step> = steps.into_iter().map(|(_, s)| s).collect();
        self.actors_read(w, subject, &steps, cx);
        if complete {
            self.whole_workflow_holds(w, subject, requested_by, emergency, &steps, cx);
        }
        Some((
            Workflow {
                name: w.name.value.clone(),
                subject,
                requested_by,
                reasons: w.reasons.iter().map(|r| r.value.clone()).collect(),
                emergency,
                opens,
                start: w.start.value.clone(),
                ends: w.ends.iter().map(|e| e.value.clone()).collect(),
                steps,
                cites,
            },
            read,
        ))
    }

    /// The checks that need every step: someone else checks a case that revokes, a
    /// revocation workflow revokes, and the dual check holds unless it is an emergency.
    fn whole_workflow_holds(
        &mut self,
        w: &RawWorkflow,
        subject: Subject,
        requested_by: Option<Requester>,
        emergency: bool,
        steps: &[Step],
        cx: &Context<'_>,
    ) {
        self.checked_by_two(w, subject, steps);
        if subject == Subject::Revocation && !steps.iter().any(|s| s.then == Some(Effect::Revoke)) {
            self.err(
                Diagnostic::error(
                    "workflow-never-revokes",
                    Some(span_of(&w.name)),
                    format!("no step of `{}` revokes the certificate", w.name.value),
                )
                .label("add `then: revoke` to the step that decides it")
                .rules(["R-4.9-WHO"]),
            );
        }
        if !emergency {
            self.dual_check_held(w, subject, requested_by, steps, cx);
        }
    }

    fn step(&mut self, w: &RawWorkflow, s: &RawStep) -> Option<Step> {
        let by = match (&s.action, &s.party) {
            (Some(a), None) => By::Staff(self.kw::<RaAction>(a, "RA action")?),
            (None, Some(p)) if p.value == "applicant-manager" => By::ManagerLink,
            (None, Some(p)) => {
                self.keyword(p, "party", |_| None::<()>, &["applicant-manager"]);
                return None;
            }
            _ => {
                self.err(
                    Diagnostic::error(
                        "step-performer",
                        Some(span_of(&s.from)),
                        format!(
                            "a step of `{}` must name one `action` or one `party`",
                            w.name.value
                        ),
                    )
                    .label("who takes this step?")
                    .rules(["R-4.2-FLOW"]),
                );
                return None;
            }
        };
        let not_by = s
            .not_by
            .iter()
            .filter_map(|a| self.kw::<RaAction>(a, "RA action"))
            .collect();
        let then = s.then.as_ref().and_then(|e| self.kw::<Effect>(e, "effect"));
        let expires_days = s.expires.as_ref().and_then(|e| {
            self.whole_days(
                e,
                "bad-link-expiry",
                "a link expiry",
                "R-3.4-REVOKE-CONFIRM",
            )
        });
        Some(Step {
            by,
            from: s.from.value.clone(),
            to: s.to.value.clone(),
            refused: s.refused.as_ref().map(|r| r.value.clone()),
            not_by,
            then,
            expires_days,
        })
    }

    /// Every state reachable from the start; every state but the ends has a way out;
    /// no end has one; one step per state and performer.
    fn graph(&mut self, w: &RawWorkflow, steps: &[(&RawStep, Step)]) {
        let mut reached = vec![w.start.value.as_str()];
        let mut grew = true;
        while grew {
            grew = false;
            for (_, s) in steps {
                if reached.contains(&s.from.as_str()) {
                    for t in std::iter::once(&s.to).chain(s.refused.as_ref()) {
                        if !reached.contains(&t.as_str()) {
                            reached.push(t);
                            grew = true;
                        }
                    }
                }
            }
        }
        for (i, (raw, s)) in steps.iter().enumerate() {
            if !reached.contains(&s.from.as_str()) {
                self.err(
                    Diagnostic::error(
                        "unreachable-state",
                        Some(span_of(&raw.from)),
                        format!("no case of `{}` ever reaches `{}`", w.name.value, s.from),
                    )
                    .label(format!("not reached from `{}`", w.start.value))
                    .rules(["R-4.2-FLOW"]),
                );
            }
            if steps[..i]
                .iter()
                .any(|(_, t)| t.from == s.from && t.by == s.by)
            {
                self.err(
                    Diagnostic::error(
                        "ambiguous-step",
                        Some(span_of(&raw.from)),
                        format!(
                            "`{}` has two steps from `{}` by `{}`",
                            w.name.value,
                            s.from,
                            s.by.name()
                        ),
                    )
                    .label("which one is taken?")
                    .rules(["R-4.2-FLOW"]),
                );
            }
            if w.ends.iter().any(|e| e.value == s.from) {
                self.err(
                    Diagnostic::error(
                        "end-with-exit",
                        Some(span_of(&raw.from)),
                        format!("`{}` ends the case, yet a step leaves it", s.from),
                    )
                    .label("an end state has no step out")
                    .rules(["R-4.2-FLOW"]),
                );
            }
        }
        for state in &reached {
            let ends = w.ends.iter().any(|e| e.value == *state);
            if !ends && !steps.iter().any(|(_, s)| s.from == *state) {
                let at = steps
                    .iter()
                    .find_map(|(raw, s)| {
                        (s.to == *state)
                            .then_some(&raw.to)
                            .or(raw.refused.as_ref().filter(|r| r.value == *state))
                    })
                    .unwrap_or(&w.start);
                self.err(
                    Diagnostic::error(
                        "state-without-exit",
                        Some(span_of(at)),
                        format!(
                            "a case of `{}` in `{state}` can never move on, and `{state}` is not one of its ends",
                            w.name.value
                        ),
                    )
                    .label("no step leaves this state")
                    .help(format!("add a step from `{state}`, or list it under `ends`"))
                    .rules(["R-4.2-FLOW"]),
                );
            }
        }
        for e in &w.ends {
            if !reached.contains(&e.value.as_str()) {
                self.err(
                    Diagnostic::error(
                        "unreachable-state",
                        Some(span_of(e)),
                        format!("no case of `{}` ever ends in `{}`", w.name.value, e.value),
                    )
                    .label(format!("not reached from `{}`", w.start.value))
                    .rules(["R-4.2-FLOW"]),
                );
            }
        }
    }

    /// A step's action is someone's, its effect acts on this kind of case, and its
    /// `not_by` names actions taken on the case before it.
    #[allow(clippy::too_many_arguments)] // One step, its workflow, and what it is checked against.
    fn step_fits(
        &mut self,
        w: &RawWorkflow,
        raw: &RawStep,
        step: &Step,
        subject: Subject,
        opens: RaAction,
        steps: &[(&RawStep, Step)],
        cx: &Context<'_>,
    ) {
        if let (By::Staff(a), Some(at)) = (step.by, raw.action.as_ref())
            && !cx.roles.is_empty()
            && !cx.roles.iter().any(|r| r.may.contains(&a))
        {
            self.err(
                Diagnostic::error(
                    "action-without-role",
                    Some(span_of(at)),
                    format!("no RA role may {}", a.name()),
                )
                .label("so no case could take this step")
                .rules(["R-5.2-RA-ROLES"]),
            );
        }
        if let (Some(e), Some(at)) = (step.then, raw.then.as_ref())
            && e.subject() != subject
        {
            self.err(
                Diagnostic::error(
                    "effect-subject-mismatch",
                    Some(span_of(at)),
                    format!(
                        "`{}` acts on a {}, and `{}` runs on a {}",
                        e.name(),
                        e.subject().name(),
                        w.name.value,
                        subject.name()
                    ),
                )
                .rules(["R-4.2-FLOW"]),
            );
        }
        for (a, at) in step.not_by.iter().zip(&raw.not_by) {
            let taken = *a == opens || steps.iter().any(|(_, s)| s.by == By::Staff(*a));
            if !taken {
                self.err(
                    Diagnostic::error(
                        "not-by-unknown",
                        Some(span_of(at)),
                        format!("no one performs `{}` in `{}`", a.name(), w.name.value),
                    )
                    .label("so this check by a different person binds no one")
                    .rules(["R-5.2-DUAL-CHECK"]),
                );
            }
        }
        if step.by == By::ManagerLink
            && !steps
                .iter()
                .any(|(_, s)| s.then == Some(Effect::MailConfirmationLink))
        {
            self.err(
                Diagnostic::error(
                    "link-without-mail",
                    Some(span_of(&raw.from)),
                    format!(
                        "the applicant manager confirms through a link no step of `{}` mails",
                        w.name.value
                    ),
                )
                .label("add `then: mail-confirmation-link` to an earlier step")
                .rules(["R-3.4-REVOKE-CONFIRM"]),
            );
        }
        self.expiry_fits(w, raw, step, cx);
    }

    /// Only a link expires, and never after the revocation's deadline could have
    /// passed: a business day lasts at least a calendar day, so a link valid longer
    /// than the deadline's count of business days can be confirmed, and revoke, after
    /// the deadline (R-4.9-DEADLINE).
    fn expiry_fits(&mut self, w: &RawWorkflow, raw: &RawStep, step: &Step, cx: &Context<'_>) {
        let (Some(days), Some(at)) = (step.expires_days, raw.expires.as_ref()) else {
            return;
        };
        if step.by != By::ManagerLink {
            self.err(
                Diagnostic::error(
                    "expiry-not-on-link",
                    Some(span_of(at)),
                    format!("a staff step of `{}` cannot expire", w.name.value),
                )
                .label("only the applicant manager's link has a lifetime")
                .rules(["R-3.4-REVOKE-CONFIRM"]),
            );
            return;
        }
        let deadline = cx.revocation.and_then(|r| r.deadline.as_ref());
        if let Some(deadline) = deadline.filter(|d| days > d.0) {
            self.err(
                Diagnostic::error(
                    "link-outlives-deadline",
                    Some(span_of(at)),
                    format!(
                        "the confirmation link of `{}` stays valid {days} days, longer than the revocation deadline of {deadline}",
                        w.name.value
                    ),
                )
                .label(format!("at most {}d: a manager could confirm, and the CA revoke, after the deadline", deadline.0))
                .rules(["R-4.9-DEADLINE", "R-3.4-REVOKE-CONFIRM"]),
            );
        }
    }

    /// R-5.2-SEPARATION: a case that revokes or removes is checked by more than one
    /// person, so some step of its workflow names whose action it may not follow.
    fn checked_by_two(&mut self, w: &RawWorkflow, subject: Subject, steps: &[Step]) {
        if subject == Subject::Application || steps.iter().any(|s| !s.not_by.is_empty()) {
            return;
        }
        self.err(
            Diagnostic::error(
                "one-person-workflow",
                Some(span_of(&w.name)),
                format!("one person alone can take `{}` from start to end", w.name.value),
            )
            .label("no step says `not_by`")
            .note("CPS 5.2.4: even when roles are combined, each action is checked by more than one person")
            .rules(["R-5.2-SEPARATION"]),
        );
    }

    /// R-5.2-RA-ROLES: a role that takes a step of a case may read such cases, so the
    /// service never asks someone to decide on what it may not show them.
    fn actors_read(&mut self, w: &RawWorkflow, subject: Subject, steps: &[Step], cx: &Context<'_>) {
        let read = subject.read_action();
        for s in steps {
            let By::Staff(a) = s.by else { continue };
            for r in cx
                .roles
                .iter()
                .filter(|r| r.may.contains(&a) && !r.may.contains(&read))
            {
                self.err(
                    Diagnostic::error(
                        "step-without-read",
                        Some(span_of(&w.name)),
                        format!(
                            "the {} takes `{}` in `{}` but may not `{}`",
                            r.name,
                            a.name(),
                            w.name.value,
                            read.name()
                        ),
                    )
                    .label("a role that acts on a case must be able to read it")
                    .help(format!("add `{}` to the {}'s `may`", read.name(), r.name))
                    .rules(["R-5.2-RA-ROLES"]),
                );
            }
        }
    }

    /// R-5.2-DUAL-CHECK: each role of the dual check takes a step of every workflow
    /// that runs on a form (an application, a manager's revocation form), unless the
    /// workflow is the emergency of CPS 5.2.4.
    fn dual_check_held(
        &mut self,
        w: &RawWorkflow,
        subject: Subject,
        requested_by: Option<Requester>,
        steps: &[Step],
        cx: &Context<'_>,
    ) {
        let on_a_form = subject == Subject::Application
            || (subject == Subject::Revocation
                && requested_by == Some(Requester::ApplicantManager));
        if !on_a_form {
            return;
        }
        for role in cx.dual_check {
            let Some(r) = cx.roles.iter().find(|r| &r.name == role) else {
                continue;
            };
            let holds = steps
                .iter()
                .any(|s| matches!(s.by, By::Staff(a) if r.may.contains(&a)));
            if !holds {
                self.err(
                    Diagnostic::error(
                        "dual-check-skipped",
                        Some(span_of(&w.name)),
                        format!("no step of `{}` is the {role}'s", w.name.value),
                    )
                    .label("every form is checked by each role of `dual_check`")
                    .help("give the role a step, or mark an urgent revocation `emergency: true` (CPS 5.2.4)")
                    .rules(["R-5.2-DUAL-CHECK"]),
                );
            }
        }
    }
}
