//! Which workflow handles what (R-4.2-FLOW, R-4.9-WHO, R-4.9-REASONS, R-4.11-LEAVE):
//! a revocation workflow says who asks and names reasons the policy has; the RA has one
//! application and one removal workflow, each with the step that does its work; every
//! reason each requester may ask for is handled by exactly one workflow.

use super::workflows::Context;
use super::{Cx, quote_list, span_of};
use crate::diag::Diagnostic;
use crate::model::*;
use crate::syntax::*;

impl Cx<'_> {
    /// A revocation workflow says who asks and names reasons the policy has.
    pub(super) fn reasons_of(
        &mut self,
        w: &RawWorkflow,
        subject: Subject,
        requested_by: Option<Requester>,
        cx: &Context<'_>,
    ) {
        if subject == Subject::Application {
            return;
        }
        if subject == Subject::DeveloperRemoval && w.reasons.len() != 1 {
            self.err(
                Diagnostic::error(
                    "removal-reason",
                    Some(span_of(&w.name)),
                    format!(
                        "`{}` must list the one reason its revocations carry",
                        w.name.value
                    ),
                )
                .label("add `reasons: [<the policy's reason for removal>]`")
                .rules(["R-4.11-LEAVE", "R-4.9-REASONS"]),
            );
        }
        if subject == Subject::Revocation && requested_by.is_none() && w.requested_by.is_none() {
            self.err(
                Diagnostic::error(
                    "revocation-requester",
                    Some(span_of(&w.subject)),
                    format!(
                        "`{}` does not say who asks for the revocation",
                        w.name.value
                    ),
                )
                .label("add `requested_by: applicant-manager` or `ca`")
                .rules(["R-4.9-WHO"]),
            );
        }
        let known: Vec<&str> = cx
            .revocation
            .map(|r| r.reasons.iter().map(|x| x.name.as_str()).collect())
            .unwrap_or_default();
        for r in &w.reasons {
            if !known.contains(&r.value.as_str()) {
                self.err(
                    Diagnostic::error(
                        "unknown-value",
                        Some(span_of(r)),
                        format!("unknown revocation reason `{}`", r.value),
                    )
                    .label(format!("expected one of {}", quote_list(&known)))
                    .rules(["R-4.9-REASONS"]),
                );
            }
        }
    }

    /// Applications and removals have one workflow each; every reason each requester
    /// may ask for has exactly one.
    pub(super) fn coverage(
        &mut self,
        flows: &[Workflow],
        raw: &[RawWorkflow],
        revocations: &RawWorkflow,
        cx: &Context<'_>,
    ) {
        for (subject, effect, rule) in [
            (Subject::Application, Effect::IssuePasswords, "R-4.2-FLOW"),
            (
                Subject::DeveloperRemoval,
                Effect::RemoveDeveloper,
                "R-4.11-LEAVE",
            ),
        ] {
            let of: Vec<&Workflow> = flows.iter().filter(|w| w.subject == subject).collect();
            match of[..] {
                [w] if w.steps.iter().any(|s| s.then == Some(effect)) => {}
                [w] => self.err(
                    Diagnostic::error(
                        "workflow-coverage",
                        raw.iter()
                            .find(|r| r.name.value == w.name)
                            .map(|r| span_of(&r.name)),
                        format!("no step of `{}` does `{}`", w.name, effect.name()),
                    )
                    .label(format!(
                        "add `then: {}` to the step that decides it",
                        effect.name()
                    ))
                    .rules([rule]),
                ),
                _ => self.err(
                    Diagnostic::error(
                        "workflow-coverage",
                        raw.first().map(|r| span_of(&r.name)),
                        format!(
                            "the RA needs exactly one `{}` workflow; it has {}",
                            subject.name(),
                            of.len()
                        ),
                    )
                    .rules([rule]),
                ),
            }
        }
        let Some(revocation) = cx.revocation else {
            return;
        };
        for requester in &revocation.requesters {
            let Some(requester) = Requester::from_name(requester) else {
                continue;
            };
            for reason in &revocation.reasons {
                let handling: Vec<&str> = flows
                    .iter()
                    .filter(|w| {
                        w.subject == Subject::Revocation
                            && w.requested_by == Some(requester)
                            && (w.reasons.is_empty() || w.reasons.contains(&reason.name))
                    })
                    .map(|w| w.name.as_str())
                    .collect();
                if handling.len() == 1 {
                    continue;
                }
                self.err(
                    Diagnostic::error(
                        "workflow-coverage",
                        Some(span_of(&revocations.name)),
                        format!(
                            "a revocation for `{}` requested by `{}` is handled by {} workflows{}",
                            reason.name,
                            requester.name(),
                            handling.len(),
                            if handling.is_empty() {
                                String::new()
                            } else {
                                format!(" ({})", handling.join(", "))
                            }
                        ),
                    )
                    .label("expected exactly one")
                    .rules(["R-4.9-WHO", "R-4.9-REASONS"]),
                );
            }
        }
    }
}
