//! What the policy says of the CA's operations: key custody, revocation reasons and
//! deadlines, schedules, the RA's roles and dual check, audit events and retention.

use super::profiles::*;
pub use inkan_policy_types::actions::RaAction;

use crate::lang::duration::{BusinessDays, Duration};
pub use inkan_policy_types::archive::Records;
pub use inkan_policy_types::business::Weekday;
pub use inkan_policy_types::eligibility::{FormEmail, MayApply};
pub use inkan_policy_types::forms::{FieldKind, FormFor};
pub use inkan_policy_types::lifecycle::{Issued, Modification, Received, RpCheck, SubscriberKeys};
pub use inkan_policy_types::renewal::{NoticeDelivery, Recipients};
pub use inkan_policy_types::workflow::{By, Effect, Requester, Subject};

impl ReasonCode {
    /// The ENUMERATED value.
    pub fn value(self) -> u8 {
        match self {
            ReasonCode::Unspecified => 0,
            ReasonCode::KeyCompromise => 1,
            ReasonCode::CaCompromise => 2,
            ReasonCode::AffiliationChanged => 3,
            ReasonCode::Superseded => 4,
            ReasonCode::CessationOfOperation => 5,
            ReasonCode::CertificateHold => 6,
            ReasonCode::RemoveFromCrl => 8,
            ReasonCode::PrivilegeWithdrawn => 9,
            ReasonCode::AaCompromise => 10,
        }
    }
}

keywords! {
    /// Where CA private keys live.
    KeyStorage {
        /// A PKCS #11 hardware security module (R-6.2-HSM).
        Hsm = "hsm",
        /// Encrypted PKCS #8 files (development).
        Software = "software",
    }
}

/// CA key custody (RFC 3647 6.1, 6.2).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct CaKeys {
    /// Where the keys live.
    pub storage: KeyStorage,
    /// Activation shares handed to custodians.
    pub shares: u8,
    /// Shares needed to activate.
    pub threshold: u8,
    /// Key backup into a second token: (shares, threshold) of the key-backup key.
    pub backup: Option<(u8, u8)>,
    /// CPS rules cited.
    pub cites: Vec<String>,
}

/// A CPS revocation reason and its RFC 5280 code (R-4.9-REASONS).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Reason {
    /// The policy's name (`key-compromise`).
    pub name: String,
    /// RFC 5280 code.
    pub code: ReasonCode,
    /// Revoked at once, ahead of the normal deadline (R-4.9-COMPROMISE).
    pub urgent: bool,
    /// Why the CPS reason gets this code.
    pub why: Option<String>,
    /// CPS rules cited.
    pub cites: Vec<String>,
}

/// Revocation rules (RFC 3647 4.9).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Revocation {
    /// Reasons, in CPS order.
    pub reasons: Vec<Reason>,
    /// Who may request (`applicant-manager`, `ca`).
    pub requesters: Vec<String>,
    /// How intent is confirmed (`email`).
    pub confirm_by: Option<String>,
    /// Processing deadline.
    pub deadline: Option<BusinessDays>,
    /// certificateHold allowed.
    pub hold: bool,
    /// OCSP offered.
    pub ocsp: bool,
    /// CPS rules cited.
    pub cites: Vec<String>,
}

/// When a scheduled job runs.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Timing {
    /// At least this often.
    Every(Duration),
    /// `lead` before a yearly date.
    Before {
        /// (month, day).
        date: (u8, u8),
        /// How long before.
        lead: Duration,
    },
    /// Within a deadline.
    Within(BusinessDays),
}

/// A scheduled job (carried as data for the CA service).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Schedule {
    /// Job name (`crl`).
    pub name: String,
    /// When.
    pub timing: Timing,
    /// CPS rules cited.
    pub cites: Vec<String>,
}

/// An RA role (R-5.2-RA-ROLES).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RaRole {
    /// Role name.
    pub name: String,
    /// What the role does.
    pub duties: String,
    /// The actions the policy gives it, in the policy's order.
    pub may: Vec<RaAction>,
}

/// RA organisation (RFC 3647 5.2), carried as data.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Ra {
    /// Roles.
    pub roles: Vec<RaRole>,
    /// Separation rule (`one-person-one-role`).
    pub separation: String,
    /// Roles that must both check each application, in order.
    pub dual_check: Vec<String>,
    /// Roles whose actions are reviewed afterwards.
    pub reviewed: Vec<String>,
    /// The one-time passwords; `None` only in an earlier revision read for a diff.
    pub passwords: Option<Passwords>,
    /// The workflows; empty only in an earlier revision read for a diff.
    pub workflows: Vec<Workflow>,
    /// Who may apply; `None` only in an earlier revision read for a diff.
    pub applicants: Option<Applicants>,
    /// The forms the RA receives; empty only in an earlier revision read for a diff.
    pub forms: Vec<Form>,
    /// CPS rules cited.
    pub cites: Vec<String>,
}

/// A paper form the RA receives (R-3.2-FORM-A, R-3.2-FORM-B, R-3.4-REVOKE-FORM,
/// R-3.2-ORG-CHECK).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Form {
    /// What it is for.
    pub form: FormFor,
    /// The developer class it belongs to; `None` for every class.
    pub class: Option<String>,
    /// (name, kind), in the paper's order.
    pub fields: Vec<(String, FieldKind)>,
    /// CPS rules cited.
    pub cites: Vec<String>,
}

impl Form {
    /// `application (class A)`, `revocation`: how diagnostics and the CPS name it.
    pub fn title(&self) -> String {
        match &self.class {
            Some(c) => format!("{} (class {c})", self.form.name()),
            None => self.form.name().to_string(),
        }
    }
}

/// Who may apply (R-3.2-CLASSES, R-4.1-ELIGIBLE, R-3.2-EMAIL-MATCH).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Applicants {
    /// (name, who belongs), in order.
    pub classes: Vec<(String, String)>,
    /// (name, whether it may apply), in order.
    pub registrations: Vec<(String, MayApply)>,
    /// What the form's e-mail is checked against.
    pub form_email: FormEmail,
    /// CPS rules cited.
    pub cites: Vec<String>,
}

/// One transition of a workflow.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Step {
    /// Who takes it.
    pub by: By,
    /// The state it leaves.
    pub from: String,
    /// The state it reaches.
    pub to: String,
    /// The state a refusal reaches.
    pub refused: Option<String>,
    /// Whoever performed one of these on the case may not take this step.
    pub not_by: Vec<RaAction>,
    /// What the service does then.
    pub then: Option<Effect>,
    /// For the manager's link: the days it stays valid once mailed.
    pub expires_days: Option<u32>,
}

/// A workflow: a state machine over one kind of case (R-4.2-FLOW, R-5.2-DUAL-CHECK).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Workflow {
    /// Its name.
    pub name: String,
    /// The kind of case.
    pub subject: Subject,
    /// For revocations: who asks.
    pub requested_by: Option<Requester>,
    /// For revocations: the reasons handled (none: every reason).
    pub reasons: Vec<String>,
    /// Roles may be combined (CPS 5.2.4's urgent revocation).
    pub emergency: bool,
    /// The opening action.
    pub opens: RaAction,
    /// The opening state.
    pub start: String,
    /// The final states.
    pub ends: Vec<String>,
    /// The transitions.
    pub steps: Vec<Step>,
    /// CPS rules cited.
    pub cites: Vec<String>,
}

keywords! {
    /// How a one-time password reaches its holder's manager.
    Delivery {
        /// Registered mail (the CPS, 4.2).
        RegisteredMail = "registered-mail",
        /// Handed over in person.
        InPerson = "in-person",
    }
}

keywords! {
    /// What makes an unredeemed one-time password void.
    VoidWhen {
        /// Its developer is removed from the list (R-4.11-LEAVE, R-4.1-ELIGIBLE).
        DeveloperRemoved = "developer-removed",
    }
}

/// One-time passwords (R-4.2-PASSWORD): one per named holder, single use, stored only
/// as a hash.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Passwords {
    /// How each reaches its holder's manager.
    pub delivery: Delivery,
    /// Whole days a password stays valid after the decision.
    pub lifetime_days: u32,
    /// Wrong attempts before a password locks.
    pub attempts: u32,
    /// What voids an unredeemed password.
    pub void_when: Vec<VoidWhen>,
    /// CPS rules cited.
    pub cites: Vec<String>,
}

/// An audit event type (RFC 3647 5.4.1).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct AuditEvent {
    /// Event name.
    pub name: String,
    /// `ca` or `ra`.
    pub source: String,
    /// `security` or `lifecycle`.
    pub category: String,
    /// A person enters it (it happens outside software).
    pub entered: bool,
    /// CPS rules cited.
    pub cites: Vec<String>,
}

/// A retention period (RFC 3647 5.4.3).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Retention {
    /// Record category.
    pub category: String,
    /// Minimum retention.
    pub keep: Duration,
    /// CPS rules cited.
    pub cites: Vec<String>,
}

/// Audit rules, carried as data.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Audit {
    /// Event types.
    pub events: Vec<AuditEvent>,
    /// Retention periods.
    pub retention: Vec<Retention>,
    /// What is archived, for how long at least.
    pub archive: Vec<Archived>,
    /// CPS rules cited.
    pub cites: Vec<String>,
}

/// One kind of archived record (R-5.5-ARCHIVE).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Archived {
    /// The records.
    pub records: Records,
    /// Kept at least this long after they are closed.
    pub keep: Duration,
    /// CPS rules cited.
    pub cites: Vec<String>,
}

/// The calendar business days are counted in (R-4.9-DEADLINE).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Calendar {
    /// Offset from UTC in minutes.
    pub utc_offset_minutes: i32,
    /// Days never worked, Monday first.
    pub weekend: Vec<Weekday>,
    /// Public holidays, local (year, month, day), in order.
    pub holidays: Vec<(i64, u32, u32)>,
    /// First and last year whose holidays are all listed.
    pub covers: (i64, i64),
    /// CPS rules cited.
    pub cites: Vec<String>,
}

impl Calendar {
    /// The zone as the policy writes it: `+09:00`.
    pub fn zone(&self) -> String {
        let m = self.utc_offset_minutes;
        let sign = if m < 0 { '-' } else { '+' };
        format!("{sign}{:02}:{:02}", m.abs() / 60, m.abs() % 60)
    }
}

/// The yearly renewal notice (R-4.6-RENEWAL, R-3.3-RENEW-NOTICE).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Renewal {
    /// The (month, day) every subscriber certificate expires on.
    pub expiry: (u8, u8),
    /// How the notice is delivered.
    pub delivery: NoticeDelivery,
    /// Sent at least this many days before the expiry date.
    pub notice_by_days: u32,
    /// The RA's list opens this many days before it.
    pub opens_days: u32,
    /// Who receives it.
    pub to: Recipients,
    /// CPS rules cited.
    pub cites: Vec<String>,
}

/// How a certificate reaches its holder and what it may not become (R-4.2-PROMPT,
/// R-4.4-RECEIPT, R-4.8-NO-MODIFY, R-4.12-NO-ESCROW, R-9.6-RP-CHECK).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Lifecycle {
    /// When a certificate is issued.
    pub issued: Issued,
    /// When it counts as received.
    pub received: Received,
    /// What a change takes.
    pub modification: Modification,
    /// Who holds the subscriber's key.
    pub subscriber_keys: SubscriberKeys,
    /// What a relying party checks.
    pub relying_parties: Vec<RpCheck>,
    /// CPS rules cited.
    pub cites: Vec<String>,
}
