//! The policy's workflows, run (R-4.2-FLOW, R-5.2-DUAL-CHECK, R-5.2-SEPARATION): a
//! case is in one state of the workflow its policy named when it opened; a step is
//! allowed only where the compiled table has one from that state for that action, to a
//! role the policy gives the action, by a person who took none of the actions the step
//! lists under `not_by`. No state, role or workflow name is written here: they are all
//! the policy's ([`inkan_runtime::workflow`]).

use inkan_runtime::actions::RaAction;
use inkan_runtime::audit::Audited;
use inkan_runtime::calendar::Timestamp;
use inkan_runtime::policy::Policy;
use inkan_runtime::sql::Tx;
use inkan_runtime::workflow::{self, By, Step, Subject, Workflow};

use super::error::{RaError, Result};
use super::model::Staff;
use super::permissions;
use super::records::Ra;
use super::records::steps::Move;

/// A case and where it stands.
#[derive(Debug, Clone)]
pub struct Case {
    /// The kind of case.
    pub subject: Subject,
    /// Its id.
    pub id: i64,
    /// The workflow it runs in.
    pub workflow: &'static Workflow,
    /// Its state.
    pub state: String,
}

impl Case {
    /// Reads a case's workflow and state.
    pub fn load(policy: &dyn Policy, ra: &Ra, subject: Subject, id: i64) -> Result<Case> {
        let (name, state) = ra.case_state(subject, id)?;
        let workflow = workflow::named(policy.definition().workflows, &name).ok_or_else(|| {
            RaError::internal(format!(
                "{} {id} runs in the workflow `{name}`, which this policy does not have",
                subject.name()
            ))
        })?;
        Ok(Case {
            subject,
            id,
            workflow,
            state,
        })
    }

    /// True once the case is over.
    pub fn is_over(&self) -> bool {
        self.workflow.is_end(&self.state)
    }
}

/// A step that was checked and may be recorded.
#[derive(Debug, Clone, Copy)]
pub struct Granted {
    /// The policy's step.
    pub step: &'static Step,
    /// False when the performer refuses.
    pub accept: bool,
    /// The state the case reaches.
    pub to: &'static str,
}

/// Checks that `by` (and, for a staff action, `staff`) may take a step of `case` now,
/// accepting or refusing.
pub fn check(
    policy: &dyn Policy,
    ra: &Ra,
    case: &Case,
    by: By,
    staff: Option<&Staff>,
    accept: bool,
) -> Result<Granted> {
    let what = format!("{} {}", case.subject.name(), case.id);
    let step = case.workflow.step(&case.state, by).ok_or_else(|| {
        let next: Vec<&str> = case
            .workflow
            .next(&case.state)
            .map(|s| s.by.name())
            .collect();
        let then = if next.is_empty() {
            "it is over".to_string()
        } else {
            format!("what comes next is {}", next.join(" or "))
        };
        RaError::conflict(format!(
            "{what} is `{}` in the workflow `{}`: `{}` does not apply, {then} (R-4.2-FLOW)",
            case.state,
            case.workflow.name,
            by.name()
        ))
    })?;
    if let By::Staff(action) = by {
        let staff = staff.ok_or_else(|| RaError::internal("a staff step without staff"))?;
        permissions::check(policy, staff, action)?;
        if !step.not_by.is_empty() {
            let me = ra
                .person_of(&staff.login)?
                .unwrap_or_else(|| staff.login.clone());
            if ra
                .performers(case.subject, case.id, step.not_by)?
                .contains(&me)
            {
                let earlier: Vec<&str> = step.not_by.iter().map(|a| a.name()).collect();
                return Err(RaError::forbidden(format!(
                    "`{}` on {what} must be taken by someone other than whoever took `{}` on it (R-5.2-DUAL-CHECK, R-5.2-SEPARATION)",
                    action.name(),
                    earlier.join("` or `")
                )));
            }
        }
    }
    let to = if accept {
        step.to
    } else {
        step.refused.ok_or_else(|| {
            RaError::malformed(format!(
                "`{}` cannot be refused in the workflow `{}`",
                by.name(),
                case.workflow.name
            ))
        })?
    };
    Ok(Granted { step, accept, to })
}

/// Records a granted step taken by `login` (a staff login, or the manager's), with an
/// `ra-operation` audit entry, and runs `also` in the same transaction.
pub fn record(
    ra: &mut Ra,
    case: &Case,
    granted: &Granted,
    login: &str,
    now: Timestamp,
    also: impl FnOnce(&mut Tx<'_>) -> Result<()>,
) -> Result<()> {
    let id = case.id.to_string();
    let audit: Vec<Audited> = vec![ra.audited(
        now,
        login,
        "ra-operation",
        &[
            ("operation", granted.step.by.name()),
            (case.subject.name(), &id),
            ("workflow", case.workflow.name),
            ("from", &case.state),
            ("to", granted.to),
        ],
    )];
    ra.take_step(
        &Move {
            subject: case.subject,
            case: case.id,
            action: granted.step.by.name(),
            from: &case.state,
            to: granted.to,
            login,
            now,
        },
        audit,
        also,
    )
}

/// The actions that open a case of `subject` under the policy, each once.
pub fn opening_actions(policy: &dyn Policy, subject: Subject) -> Vec<RaAction> {
    let mut v: Vec<RaAction> = policy
        .definition()
        .workflows
        .iter()
        .filter(|w| w.subject == subject)
        .map(|w| w.opens)
        .collect();
    v.sort();
    v.dedup();
    v
}

/// The staff actions that take steps of the workflows of `subject`, each once.
pub fn step_actions(policy: &dyn Policy, subject: Subject) -> Vec<RaAction> {
    let mut v: Vec<RaAction> = policy
        .definition()
        .workflows
        .iter()
        .filter(|w| w.subject == subject)
        .flat_map(|w| w.steps.iter())
        .filter_map(|s| match s.by {
            By::Staff(a) => Some(a),
            By::ManagerLink => None,
        })
        .collect();
    v.sort();
    v.dedup();
    v
}

/// A step a case can take next, for answers and pages.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Next {
    /// The action, or `applicant-manager`.
    pub by: &'static str,
    /// The roles the policy gives the action to (none for the manager's link).
    pub roles: Vec<&'static str>,
    /// Whether it can be refused.
    pub refusable: bool,
    /// The actions whose performers may not take it.
    pub not_by: Vec<&'static str>,
}

/// The steps a case can take next.
pub fn next(policy: &dyn Policy, case: &Case) -> Vec<Next> {
    case.workflow
        .next(&case.state)
        .map(|s| Next {
            by: s.by.name(),
            roles: match s.by {
                By::Staff(a) => policy.roles_that_may(a),
                By::ManagerLink => Vec::new(),
            },
            refusable: s.refused.is_some(),
            not_by: s.not_by.iter().map(|a| a.name()).collect(),
        })
        .collect()
}
