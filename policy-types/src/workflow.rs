//! The RA's workflows as the policy declares them (R-4.2-FLOW, R-5.2-DUAL-CHECK,
//! R-3.4-REVOKE-CONFIRM, R-4.9-COMPROMISE, R-5.2-SEPARATION, R-4.11-LEAVE): each is a
//! state machine over one kind of case (an application, a revocation request, a
//! developer's removal). A case opens in its workflow's start state when a staff member
//! performs the opening action; each step names the action that takes it (or the
//! applicant manager's confirmation link), the state it leaves, the state it reaches
//! (and the one it reaches when refused), the actions whose performers may not take it
//! (a check by a different person), and what the service then does.
//!
//! The server asks these tables for every transition; the set of things it can do at a
//! transition ([`Effect`]) is closed and lives here, so a policy composes them but
//! cannot invent one the server does not implement.

use crate::actions::RaAction;

/// What kind of case a workflow runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Subject {
    /// A certificate application form (CPS 4.1, 4.2).
    Application,
    /// A request to revoke one certificate (CPS 4.9).
    Revocation,
    /// Removing a developer from the list, revoking its certificates (CPS 4.11).
    DeveloperRemoval,
}

/// What the service does when a step is taken.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Effect {
    /// Issue one one-time password per holder of the application (R-4.2-PASSWORD).
    IssuePasswords,
    /// E-mail the applicant manager a link that confirms the revocation
    /// (R-3.4-REVOKE-CONFIRM).
    MailConfirmationLink,
    /// Revoke the certificate and republish the CRL (R-4.9-CRL-24H).
    Revoke,
    /// Remove the developer from the list and revoke all its subscribers'
    /// certificates in one transaction (R-4.11-LEAVE).
    RemoveDeveloper,
}

/// Who asked for a revocation (R-4.9-WHO).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Requester {
    /// The applicant manager of the subscriber's organisation, by form.
    ApplicantManager,
    /// The CA itself.
    Ca,
}

names!(Subject { Application = "application", Revocation = "revocation", DeveloperRemoval = "developer-removal" });
names!(Effect { IssuePasswords = "issue-passwords", MailConfirmationLink = "mail-confirmation-link", Revoke = "revoke", RemoveDeveloper = "remove-developer" });
names!(Requester { ApplicantManager = "applicant-manager", Ca = "ca" });

impl Subject {
    /// The action that reads cases of this kind: whoever takes a step of one must hold
    /// it (the compiler refuses a policy where a role acts on what it may not read).
    pub fn read_action(self) -> RaAction {
        match self {
            Subject::Application => RaAction::ReadApplication,
            Subject::Revocation => RaAction::ReadRevocation,
            Subject::DeveloperRemoval => RaAction::ReadDeveloper,
        }
    }
}

impl Effect {
    /// The kind of case this effect can act on.
    pub fn subject(self) -> Subject {
        match self {
            Effect::IssuePasswords => Subject::Application,
            Effect::MailConfirmationLink | Effect::Revoke => Subject::Revocation,
            Effect::RemoveDeveloper => Subject::DeveloperRemoval,
        }
    }
}

/// Who takes a step.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum By {
    /// A staff member whose role the policy gives this action (R-5.2-RA-ROLES).
    Staff(RaAction),
    /// The applicant manager, through the link the service e-mailed
    /// ([`Effect::MailConfirmationLink`]).
    ManagerLink,
}

impl By {
    /// How the policy writes it: the action's name, or `applicant-manager`.
    pub fn name(self) -> &'static str {
        match self {
            By::Staff(a) => a.name(),
            By::ManagerLink => "applicant-manager",
        }
    }
}

/// One transition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step {
    /// Who takes it.
    pub by: By,
    /// The state it leaves.
    pub from: &'static str,
    /// The state it reaches.
    pub to: &'static str,
    /// The state it reaches when the performer refuses; `None` when it cannot be
    /// refused.
    pub refused: Option<&'static str>,
    /// Whoever performed one of these actions on the same case may not take this
    /// step: the check is by a different person (R-5.2-DUAL-CHECK, R-5.2-SEPARATION).
    pub not_by: &'static [RaAction],
    /// What the service does when the step is taken (not when refused).
    pub then: Option<Effect>,
    /// For the applicant manager's link: the days it stays valid after the step that
    /// mailed it; `None`, until the case ends (R-3.4-REVOKE-CONFIRM).
    pub expires_days: Option<u32>,
}

/// A state machine over one kind of case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Workflow {
    /// Its name (`revocation-by-form`).
    pub name: &'static str,
    /// The kind of case.
    pub subject: Subject,
    /// For revocations: who asked.
    pub requested_by: Option<Requester>,
    /// For revocations: the reasons (by the policy's names) it handles.
    pub reasons: &'static [&'static str],
    /// The action that opens a case.
    pub opens: RaAction,
    /// The state a case opens in.
    pub start: &'static str,
    /// The states a case ends in.
    pub ends: &'static [&'static str],
    /// The transitions.
    pub steps: &'static [Step],
    /// CPS rules cited.
    pub cps: &'static [&'static str],
}

impl Workflow {
    /// The step `by` takes from `state`, if the workflow has one.
    pub fn step(&self, state: &str, by: By) -> Option<&'static Step> {
        self.steps.iter().find(|s| s.from == state && s.by == by)
    }

    /// The steps that leave `state`.
    pub fn next<'a>(&'a self, state: &'a str) -> impl Iterator<Item = &'static Step> + 'a {
        self.steps.iter().filter(move |s| s.from == state)
    }

    /// True once a case in `state` is over.
    pub fn is_end(&self, state: &str) -> bool {
        self.ends.contains(&state)
    }
}

/// The workflow of `subject` (applications and removals have one each).
pub fn of(workflows: &'static [Workflow], subject: Subject) -> Option<&'static Workflow> {
    workflows.iter().find(|w| w.subject == subject)
}

/// The revocation workflow for a request by `requester` for `reason`.
pub fn for_revocation(
    workflows: &'static [Workflow],
    requester: Requester,
    reason: &str,
) -> Option<&'static Workflow> {
    workflows.iter().find(|w| {
        w.subject == Subject::Revocation
            && w.requested_by == Some(requester)
            && (w.reasons.is_empty() || w.reasons.contains(&reason))
    })
}

/// The workflow called `name`.
pub fn named(workflows: &'static [Workflow], name: &str) -> Option<&'static Workflow> {
    workflows.iter().find(|w| w.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    static FORM: &[Step] = &[
        Step {
            by: By::Staff(RaAction::ExamineRevocationForm),
            from: "received",
            to: "examined",
            refused: Some("rejected"),
            not_by: &[],
            then: None,
            expires_days: None,
        },
        Step {
            by: By::ManagerLink,
            from: "examined",
            to: "revoked",
            refused: None,
            not_by: &[],
            then: Some(Effect::Revoke),
            expires_days: Some(7),
        },
    ];
    static FLOWS: &[Workflow] = &[
        Workflow {
            name: "by-ca",
            subject: Subject::Revocation,
            requested_by: Some(Requester::Ca),
            reasons: &[],
            opens: RaAction::RevokeAsCa,
            start: "proposed",
            ends: &["revoked"],
            steps: &[],
            cps: &[],
        },
        Workflow {
            name: "by-form",
            subject: Subject::Revocation,
            requested_by: Some(Requester::ApplicantManager),
            reasons: &["key-loss"],
            opens: RaAction::RecordRevocationForm,
            start: "received",
            ends: &["revoked", "rejected"],
            steps: FORM,
            cps: &["R-4.9-WHO"],
        },
    ];

    #[test]
    fn a_revocation_finds_its_workflow_by_requester_and_reason() {
        let w = for_revocation(FLOWS, Requester::ApplicantManager, "key-loss");
        assert_eq!(w.map(|w| w.name), Some("by-form"));
        assert!(for_revocation(FLOWS, Requester::ApplicantManager, "other").is_none());
        // No reasons listed: every reason.
        let w = for_revocation(FLOWS, Requester::Ca, "other");
        assert_eq!(w.map(|w| w.name), Some("by-ca"));
        assert_eq!(named(FLOWS, "by-ca").map(|w| w.start), Some("proposed"));
        assert!(of(FLOWS, Subject::Application).is_none());
    }

    #[test]
    fn a_step_is_found_by_its_state_and_its_performer() {
        let w = &FLOWS[1];
        let s = w.step("received", By::Staff(RaAction::ExamineRevocationForm));
        assert_eq!(s.map(|s| s.to), Some("examined"));
        assert!(w.step("received", By::ManagerLink).is_none());
        assert!(
            w.step("examined", By::Staff(RaAction::ExamineRevocationForm))
                .is_none()
        );
        assert_eq!(
            w.step("examined", By::ManagerLink).map(|s| s.to),
            Some("revoked")
        );
        assert_eq!(w.next("received").count(), 1);
        assert!(w.is_end("rejected") && !w.is_end("examined"));
        assert_eq!(Effect::Revoke.subject(), Subject::Revocation);
        assert_eq!(By::ManagerLink.name(), "applicant-manager");
        assert_eq!(
            Subject::from_name("developer-removal"),
            Some(Subject::DeveloperRemoval)
        );
    }
}
