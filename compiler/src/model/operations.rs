//! What the policy says of the CA's operations: key custody, revocation reasons and
//! deadlines, schedules, the RA's roles and dual check, audit events and retention.

use super::profiles::*;
pub use inkan_policy_types::actions::RaAction;

use crate::lang::duration::{BusinessDays, Duration};

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
    /// CPS rules cited.
    pub cites: Vec<String>,
}
