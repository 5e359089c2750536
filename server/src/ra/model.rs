//! The RA's records as callers see them: staff, product developers, application
//! forms and revocation requests. Request bodies and JSON answers use these shapes.

use inkan_runtime::calendar::Timestamp;

/// A logged-in staff member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Staff {
    /// Login name.
    pub login: String,
    /// The one role this person holds (R-5.2-SEPARATION).
    pub role: String,
}

/// A product developer, confidential fields included (R-9.3-CONFIDENTIAL).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Developer {
    /// Six-digit developer number.
    pub number: String,
    /// Organisation or individual name.
    pub name: String,
    /// `A` or `B` (R-3.2-CLASSES).
    pub class: String,
    /// `full` or `provisional`.
    pub registration: String,
    /// Whether a provisional registrant may apply (R-4.1-ELIGIBLE).
    #[serde(default)]
    pub permitted: bool,
    /// Applicant manager.
    pub manager_name: String,
    /// Manager's address.
    pub manager_address: String,
    /// Manager's e-mail on file (R-3.2-EMAIL-MATCH).
    pub manager_email: String,
    /// Manager's telephone, for key-compromise confirmation (R-4.9-COMPROMISE).
    pub manager_phone: String,
    /// The evidence of the RA's check of the organisation, as the policy's
    /// registration form for its class asks (R-3.2-ORG-CHECK).
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    pub registration_form: crate::ra::forms::Entered,
    /// `listed` or `removed`; set by the RA, not by the request.
    #[serde(default, skip_deserializing)]
    pub status: String,
}

/// A change of a developer's class, registration or permission to apply.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegistrationChange {
    /// The class (R-3.2-CLASSES).
    pub class: String,
    /// The registration (R-4.1-ELIGIBLE).
    pub registration: String,
    /// Whether a provisional registrant may apply.
    #[serde(default)]
    pub permitted: bool,
    /// The policy's registration form for the class, as entered (R-3.2-ORG-CHECK).
    #[serde(default)]
    pub registration_form: crate::ra::forms::Entered,
}

/// An application form's state.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Application {
    /// Id.
    pub id: i64,
    /// Developer number.
    pub developer: String,
    /// The policy's workflow it runs in.
    pub workflow: String,
    /// Its state in that workflow.
    pub status: String,
    /// Who received it.
    pub received_by: String,
    /// The form as entered (R-3.2-FORM-A, R-3.2-FORM-B); `None` before forms were
    /// recorded.
    pub form: Option<crate::ra::forms::Entered>,
    /// Named holders (person numbers).
    pub holders: Vec<String>,
    /// The steps taken on it, the opening first.
    pub steps: Vec<crate::ra::records::steps::StepRecord>,
}

/// A revocation request.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RevocationRequest {
    /// Id.
    pub id: i64,
    /// Certificate serial.
    pub serial: String,
    /// Developer number.
    pub developer: String,
    /// The policy's reason name.
    pub reason: String,
    /// Who asked (`applicant-manager`, `ca`).
    pub requested_by: String,
    /// The policy's workflow it runs in.
    pub workflow: String,
    /// Its state in that workflow.
    pub status: String,
    /// When accepted.
    pub accepted_at: String,
    /// Revocation deadline (R-4.9-DEADLINE).
    pub deadline_at: String,
    /// The applicant manager's form as entered (R-3.4-REVOKE-FORM); `None` for a
    /// revocation the CA initiated.
    pub form: Option<crate::ra::forms::Entered>,
    /// The steps taken on it, the opening first.
    pub steps: Vec<crate::ra::records::steps::StepRecord>,
}

/// A developer's removal from the list (R-4.11-LEAVE).
#[derive(Debug, Clone, serde::Serialize)]
pub struct DeveloperRemoval {
    /// Id.
    pub id: i64,
    /// The developer.
    pub developer: String,
    /// The policy's workflow it runs in.
    pub workflow: String,
    /// Its state in that workflow.
    pub status: String,
    /// The steps taken on it, the opening first.
    pub steps: Vec<crate::ra::records::steps::StepRecord>,
}

/// A renewal notice and where it goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenewalNotice {
    /// Id.
    pub id: i64,
    /// The expiry date it is for (`2027-04-30`).
    pub expiry: String,
    /// The developer.
    pub developer: String,
    /// The applicant manager it is addressed to (R-9.3-CONFIDENTIAL).
    pub manager_name: String,
    /// Their registered postal address.
    pub manager_address: String,
    /// Their e-mail address.
    pub manager_email: String,
    /// When it was opened.
    pub opened_at: Timestamp,
    /// The end of the last day it may be sent on.
    pub due_by: Timestamp,
    /// When it was recorded sent.
    pub sent_at: Option<Timestamp>,
    /// Sent or opened after `due_by`.
    pub late: bool,
}
