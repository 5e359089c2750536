//! The `ra:` section as YAML gives it: roles, one-time passwords, who may apply, the
//! forms the RA receives and the workflows its cases move through. Apart from
//! [`super`] only to keep each file readable; the same rules hold (spans on every
//! scalar, `deny_unknown_fields` everywhere).

#![allow(missing_docs)] // Field names are the policy keys, documented in docs/policy-reference.md.

use serde::Deserialize;

use super::span::{Cites, S};

/// One-time passwords (R-4.2-PASSWORD, R-4.2-FLOW).
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawPasswords {
    /// How a password reaches its holder's manager: `registered-mail`.
    #[schemars(with = "crate::schema::Kw<crate::model::Delivery>")]
    pub delivery: S<String>,
    /// How long a password stays valid after the decision: `14d`.
    #[schemars(with = "String")]
    pub lifetime: S<String>,
    /// Wrong attempts before a password locks.
    #[schemars(with = "u32")]
    pub attempts: S<u32>,
    /// What makes an unredeemed password void: `developer-removed`.
    #[serde(default)]
    #[schemars(with = "Vec<crate::schema::Kw<crate::model::VoidWhen>>")]
    pub void_when: Vec<S<String>>,
    #[serde(default)]
    #[schemars(with = "Vec<crate::schema::RuleId>")]
    pub cps: Cites,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawRole {
    #[schemars(with = "String")]
    pub name: S<String>,
    #[schemars(with = "String")]
    pub duties: S<String>,
    /// The actions the role may perform (R-5.2-RA-ROLES).
    #[serde(default)]
    #[schemars(with = "Vec<crate::schema::Kw<inkan_policy_types::actions::RaAction>>")]
    pub may: Vec<S<String>>,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawRa {
    pub roles: Vec<RawRole>,
    #[schemars(with = "String")]
    pub separation: S<String>,
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub dual_check: Vec<S<String>>,
    /// Roles whose actions are reviewed afterwards (R-5.2-DUAL-CHECK).
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub reviewed: Vec<S<String>>,
    /// The one-time passwords that complete an application (R-4.2-PASSWORD);
    /// required of a current policy, absent from revisions before the key existed.
    pub passwords: Option<RawPasswords>,
    /// The RA's workflows (R-4.2-FLOW, R-5.2-DUAL-CHECK, R-3.4-REVOKE-CONFIRM,
    /// R-4.11-LEAVE); required of a current policy.
    pub workflows: Option<Vec<RawWorkflow>>,
    /// Who may apply (R-3.2-CLASSES, R-4.1-ELIGIBLE, R-3.2-EMAIL-MATCH); required of a
    /// current policy.
    pub applicants: Option<RawApplicants>,
    /// The paper forms the RA receives and what each carries (R-3.2-FORM-A,
    /// R-3.2-FORM-B, R-3.4-REVOKE-FORM, R-3.2-ORG-CHECK); required of a current policy.
    pub forms: Option<Vec<RawForm>>,
    #[serde(default)]
    #[schemars(with = "Vec<crate::schema::RuleId>")]
    pub cps: Cites,
}

/// Who may apply.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawApplicants {
    pub classes: Vec<RawClass>,
    pub registrations: Vec<RawRegistration>,
    /// What the form's e-mail is checked against.
    #[schemars(with = "crate::schema::Kw<inkan_policy_types::eligibility::FormEmail>")]
    pub form_email: S<String>,
    #[serde(default)]
    #[schemars(with = "Vec<crate::schema::RuleId>")]
    pub cps: Cites,
}

/// A paper form and its fields.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawForm {
    /// What it is for.
    #[schemars(with = "crate::schema::Kw<inkan_policy_types::forms::FormFor>")]
    pub form: S<String>,
    /// The developer class it belongs to; absent: every class.
    #[schemars(with = "Option<String>")]
    pub class: Option<S<String>>,
    pub fields: Vec<RawField>,
    #[serde(default)]
    #[schemars(with = "Vec<crate::schema::RuleId>")]
    pub cps: Cites,
}

/// One field of a form.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawField {
    #[schemars(with = "String")]
    pub name: S<String>,
    #[schemars(with = "crate::schema::Kw<inkan_policy_types::forms::FieldKind>")]
    pub kind: S<String>,
}

/// A class of product developer.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawClass {
    #[schemars(with = "String")]
    pub name: S<String>,
    /// Who belongs to it.
    #[schemars(with = "String")]
    pub who: S<String>,
}

/// A kind of registration and whether its developers may apply.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawRegistration {
    #[schemars(with = "String")]
    pub name: S<String>,
    #[schemars(with = "crate::schema::Kw<inkan_policy_types::eligibility::MayApply>")]
    pub may_apply: S<String>,
}

/// A workflow: a state machine over one kind of case.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawWorkflow {
    #[schemars(with = "String")]
    pub name: S<String>,
    /// The kind of case.
    #[schemars(with = "crate::schema::Kw<inkan_policy_types::workflow::Subject>")]
    pub subject: S<String>,
    /// For revocations: who asks (R-4.9-WHO).
    #[schemars(with = "Option<crate::schema::Kw<inkan_policy_types::workflow::Requester>>")]
    pub requested_by: Option<S<String>>,
    /// For revocations: the reasons handled; none listed means every reason.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub reasons: Vec<S<String>>,
    /// Roles may be combined, as CPS 5.2.4 allows for an urgent revocation; every
    /// step is still checked by more than one person.
    #[schemars(with = "Option<bool>")]
    pub emergency: Option<S<bool>>,
    /// The action that opens a case.
    #[schemars(with = "crate::schema::Kw<inkan_policy_types::actions::RaAction>")]
    pub opens: S<String>,
    /// The state a case opens in.
    #[schemars(with = "String")]
    pub start: S<String>,
    /// The states a case ends in.
    #[schemars(with = "Vec<String>")]
    pub ends: Vec<S<String>>,
    pub steps: Vec<RawStep>,
    #[serde(default)]
    #[schemars(with = "Vec<crate::schema::RuleId>")]
    pub cps: Cites,
}

/// One transition of a workflow: a staff `action` or the applicant manager's `party`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawStep {
    #[schemars(with = "Option<crate::schema::Kw<inkan_policy_types::actions::RaAction>>")]
    pub action: Option<S<String>>,
    /// `applicant-manager`: through the e-mailed confirmation link.
    #[schemars(with = "Option<String>")]
    pub party: Option<S<String>>,
    #[schemars(with = "String")]
    pub from: S<String>,
    #[schemars(with = "String")]
    pub to: S<String>,
    /// Where a refusal leads; absent when the step cannot be refused.
    #[schemars(with = "Option<String>")]
    pub refused: Option<S<String>>,
    /// Whoever performed one of these actions on the case may not take this step.
    #[serde(default)]
    #[schemars(with = "Vec<crate::schema::Kw<inkan_policy_types::actions::RaAction>>")]
    pub not_by: Vec<S<String>>,
    /// What the service does when the step is taken.
    #[schemars(with = "Option<crate::schema::Kw<inkan_policy_types::workflow::Effect>>")]
    pub then: Option<S<String>>,
    /// For the applicant manager's link: how long it stays valid after it is mailed,
    /// in whole days or weeks (`7d`); absent, until the case ends.
    #[schemars(with = "Option<String>")]
    pub expires: Option<S<String>>,
}
