//! The policy document as YAML gives it: serde structs that mirror the file key for
//! key, every scalar wrapped in [`Spanned`] so later passes can point at it.
//!
//! Nothing here is checked beyond shape (`deny_unknown_fields` everywhere); the
//! lowering pass ([`crate::lower`]) turns this into the typed model.

#![allow(missing_docs)] // Field names are the policy keys, documented in docs/policy-reference.md.

use serde::Deserialize;
use serde_saphyr::Spanned;

pub type S<T> = Spanned<T>;
pub type Cites = Vec<S<String>>;

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawPolicy {
    pub policy: RawHeader,
    #[serde(default)]
    pub oids: Vec<RawOid>,
    pub usage: Option<RawUsage>,
    pub repository: Option<RawRepository>,
    #[schemars(with = "Vec<RawCertificate>")]
    pub certificates: Vec<S<RawCertificate>>,
    #[serde(default)]
    #[schemars(with = "Vec<RawCrl>")]
    pub crls: Vec<S<RawCrl>>,
    pub ca_keys: Option<RawCaKeys>,
    pub revocation: Option<RawRevocation>,
    #[serde(default)]
    pub schedules: Vec<RawSchedule>,
    pub ra: Option<RawRa>,
    pub audit: Option<RawAudit>,
    /// The calendar business-day deadlines are counted in (R-4.9-DEADLINE).
    pub calendar: Option<RawCalendar>,
    /// The yearly renewal notice (R-4.6-RENEWAL, R-3.3-RENEW-NOTICE).
    pub renewal: Option<RawRenewal>,
    #[serde(default)]
    #[schemars(with = "Vec<RawWaiver>")]
    pub waivers: Vec<S<RawWaiver>>,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawHeader {
    #[schemars(with = "String")]
    pub id: S<String>,
    #[schemars(with = "String")]
    pub title: S<String>,
    #[schemars(with = "crate::schema::CatalogueName")]
    pub rules: S<String>,
    #[serde(default)]
    #[schemars(with = "Vec<crate::schema::RuleId>")]
    pub cps: Cites,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawOid {
    #[schemars(with = "String")]
    pub name: S<String>,
    /// Dotted decimal, e.g. `1.2.392.200212.1.1.1`.
    #[schemars(with = "String")]
    pub oid: S<String>,
    #[serde(default)]
    #[schemars(with = "Vec<crate::schema::RuleId>")]
    pub cps: Cites,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawUsage {
    #[schemars(with = "String")]
    pub purpose: S<String>,
    #[schemars(with = "Option<String>")]
    pub relying_party: Option<S<String>>,
    #[serde(default)]
    #[schemars(with = "Vec<crate::schema::RuleId>")]
    pub cps: Cites,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawRepository {
    #[schemars(with = "String")]
    pub cps_url: S<String>,
    #[schemars(with = "String")]
    pub crl_url: S<String>,
    #[schemars(with = "Option<String>")]
    pub notices_url: Option<S<String>>,
    #[schemars(with = "bool")]
    pub public_read: S<bool>,
    #[serde(default)]
    #[schemars(with = "Vec<crate::schema::RuleId>")]
    pub cps: Cites,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawKey {
    #[schemars(with = "crate::schema::Kw<crate::model::KeyAlgorithm>")]
    pub algorithm: S<String>,
    /// RSA modulus size; requests must have exactly this many bits.
    #[schemars(with = "u32")]
    pub bits: S<u32>,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawValidity {
    /// `issue date at HH:MM:SS` or `issue instant`.
    #[schemars(with = "String")]
    pub not_before: S<String>,
    /// `issue date + 10y at 23:59:59`, `notBefore + 4d`, or `last April 30 at 23:59:59 not later than notBefore + 1y1m`.
    #[schemars(with = "String")]
    pub not_after: S<String>,
    #[serde(default)]
    #[schemars(with = "Vec<crate::schema::RuleId>")]
    pub cps: Cites,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawSubscriberName {
    /// e.g. `SSL-{developer:6}-{person:6}-{fiscal_year:4}{sequence}`.
    #[schemars(with = "String")]
    pub template: S<String>,
    /// Month and day, e.g. `April 1`.
    #[schemars(with = "String")]
    pub fiscal_year_starts: S<String>,
    #[serde(default)]
    #[schemars(with = "Vec<crate::schema::RuleId>")]
    pub cps: Cites,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawCertificate {
    #[schemars(with = "String")]
    pub name: S<String>,
    #[schemars(with = "crate::schema::Kw<crate::model::Role>")]
    pub role: S<String>,
    /// The issuing CA profile, defined above this one.
    #[schemars(with = "Option<String>")]
    pub issuer: Option<S<String>>,
    /// Distinguished name, most significant first: `C=jp, O=..., CN=...`; `CN={name}` for subscribers; `CN[utf8]=...` names a string type.
    #[schemars(with = "String")]
    pub subject: S<String>,
    #[schemars(with = "crate::schema::Kw<crate::model::StringType>")]
    pub string_type: S<String>,
    pub subscriber_name: Option<RawSubscriberName>,
    pub key: RawKey,
    #[schemars(with = "crate::schema::Kw<crate::model::SignatureAlgorithm>")]
    pub signature: S<String>,
    pub validity: RawValidity,
    #[schemars(with = "crate::schema::Kw<crate::model::TimeEncoding>")]
    pub times: S<String>,
    #[serde(default)]
    #[schemars(with = "Vec<RawExtension>")]
    pub extensions: Vec<S<RawExtension>>,
    #[serde(default)]
    #[schemars(with = "Vec<crate::schema::RuleId>")]
    pub cps: Cites,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawBasicConstraints {
    #[schemars(with = "bool")]
    pub ca: S<bool>,
    #[schemars(with = "Option<u8>")]
    pub path_len: Option<S<u8>>,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawSubjectAltName {
    #[schemars(with = "String")]
    pub directory_name: S<String>,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawPolicyInformation {
    #[schemars(with = "String")]
    pub policy: S<String>,
    #[schemars(with = "Option<String>")]
    pub cps_uri: Option<S<String>>,
}

/// One extension entry: exactly one of the extension keys, plus `critical` and `cps`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawExtension {
    #[schemars(with = "Option<RawBasicConstraints>")]
    pub basic_constraints: Option<S<RawBasicConstraints>>,
    #[schemars(with = "Option<Vec<crate::schema::Kw<crate::model::KeyUsageBit>>>")]
    pub key_usage: Option<S<Vec<S<String>>>>,
    #[schemars(with = "Option<Vec<crate::schema::Kw<crate::model::Purpose>>>")]
    pub extended_key_usage: Option<S<Vec<S<String>>>>,
    #[schemars(with = "Option<Vec<crate::schema::Kw<crate::model::NetscapeType>>>")]
    pub netscape_cert_type: Option<S<Vec<S<String>>>>,
    #[schemars(with = "Option<RawSubjectAltName>")]
    pub subject_alt_name: Option<S<RawSubjectAltName>>,
    #[schemars(with = "Option<Vec<String>>")]
    pub crl_distribution_points: Option<S<Vec<S<String>>>>,
    #[schemars(with = "Option<Vec<RawPolicyInformation>>")]
    pub certificate_policies: Option<S<Vec<RawPolicyInformation>>>,
    #[schemars(with = "Option<crate::schema::Kw<crate::model::AuthorityKeyIdForm>>")]
    pub authority_key_identifier: Option<S<String>>,
    #[schemars(with = "Option<crate::schema::Kw<crate::model::KeyIdMethod>>")]
    pub subject_key_identifier: Option<S<String>>,
    /// The critical flag; required, as the CPS tables give it.
    #[schemars(with = "Option<bool>")]
    pub critical: Option<S<bool>>,
    #[serde(default)]
    #[schemars(with = "Vec<crate::schema::RuleId>")]
    pub cps: Cites,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawCrl {
    #[schemars(with = "String")]
    pub issuer: S<String>,
    #[schemars(with = "crate::schema::Kw<crate::model::SignatureAlgorithm>")]
    pub signature: S<String>,
    /// Duration after thisUpdate: `4d`, `24h`, `1m`.
    #[schemars(with = "String")]
    pub next_update: S<String>,
    #[schemars(with = "crate::schema::Kw<crate::model::TimeEncoding>")]
    pub times: S<String>,
    #[serde(default)]
    #[schemars(with = "Vec<crate::schema::Kw<crate::model::CrlExtension>>")]
    pub extensions: Vec<S<String>>,
    #[serde(default)]
    #[schemars(with = "Vec<crate::schema::Kw<crate::model::EntryExtension>>")]
    pub entry_extensions: Vec<S<String>>,
    #[schemars(with = "Option<crate::schema::Kw<crate::model::UnspecifiedReason>>")]
    pub unspecified_reason: Option<S<String>>,
    #[serde(default)]
    #[schemars(with = "Vec<crate::schema::RuleId>")]
    pub cps: Cites,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawReason {
    #[schemars(with = "String")]
    pub name: S<String>,
    #[schemars(with = "crate::schema::Kw<crate::model::ReasonCode>")]
    pub code: S<String>,
    #[schemars(with = "Option<bool>")]
    pub urgent: Option<S<bool>>,
    /// Why the CPS reason gets this RFC 5280 code, for the auditor.
    #[schemars(with = "Option<String>")]
    pub why: Option<S<String>>,
    #[serde(default)]
    #[schemars(with = "Vec<crate::schema::RuleId>")]
    pub cps: Cites,
}

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
pub struct RawRevocation {
    pub reasons: Vec<RawReason>,
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub requesters: Vec<S<String>>,
    #[schemars(with = "Option<String>")]
    pub confirm_by: Option<S<String>>,
    #[schemars(with = "Option<String>")]
    pub deadline: Option<S<String>>,
    #[schemars(with = "bool")]
    pub hold: S<bool>,
    #[schemars(with = "bool")]
    pub ocsp: S<bool>,
    #[serde(default)]
    #[schemars(with = "Vec<crate::schema::RuleId>")]
    pub cps: Cites,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawSchedule {
    #[schemars(with = "String")]
    pub name: S<String>,
    /// Duration: `24h`.
    #[schemars(with = "Option<String>")]
    pub every: Option<S<String>>,
    #[schemars(with = "Option<String>")]
    pub before: Option<S<String>>,
    /// Duration before the date: `60d`.
    #[schemars(with = "Option<String>")]
    pub lead: Option<S<String>>,
    /// `10 business days`.
    #[schemars(with = "Option<String>")]
    pub within: Option<S<String>>,
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
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawEvent {
    #[schemars(with = "String")]
    pub name: S<String>,
    #[schemars(with = "String")]
    pub source: S<String>,
    #[schemars(with = "String")]
    pub category: S<String>,
    /// It happens outside software; a person enters it (R-5.4-CA-EVENTS).
    #[schemars(with = "Option<bool>")]
    pub entered: Option<S<bool>>,
    #[serde(default)]
    #[schemars(with = "Vec<crate::schema::RuleId>")]
    pub cps: Cites,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawRetention {
    #[schemars(with = "String")]
    pub category: S<String>,
    /// Duration: `2m`, `5y`.
    #[schemars(with = "String")]
    pub keep: S<String>,
    #[serde(default)]
    #[schemars(with = "Vec<crate::schema::RuleId>")]
    pub cps: Cites,
}

/// One kind of archived record and its minimum retention.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawArchived {
    #[schemars(with = "crate::schema::Kw<inkan_policy_types::archive::Records>")]
    pub records: S<String>,
    /// Duration: `1y`, `5y`.
    #[schemars(with = "String")]
    pub keep: S<String>,
    #[serde(default)]
    #[schemars(with = "Vec<crate::schema::RuleId>")]
    pub cps: Cites,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawAudit {
    pub events: Vec<RawEvent>,
    /// What is archived, for how long at least (R-5.5-ARCHIVE); required of a current
    /// policy.
    pub archive: Option<Vec<RawArchived>>,
    pub retention: Vec<RawRetention>,
    #[serde(default)]
    #[schemars(with = "Vec<crate::schema::RuleId>")]
    pub cps: Cites,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawWaiver {
    #[schemars(with = "crate::schema::LintName")]
    pub lint: S<String>,
    /// Why the departure is reproduced, for the auditor.
    #[schemars(with = "String")]
    pub reason: S<String>,
    #[serde(default)]
    #[schemars(with = "Vec<crate::schema::RuleId>")]
    pub cps: Cites,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawActivation {
    #[schemars(with = "u8")]
    pub shares: S<u8>,
    #[schemars(with = "u8")]
    pub threshold: S<u8>,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawCaKeys {
    #[schemars(with = "crate::schema::Kw<crate::model::KeyStorage>")]
    pub storage: S<String>,
    pub activation: RawActivation,
    #[serde(default)]
    #[schemars(with = "Vec<crate::schema::RuleId>")]
    pub cps: Cites,
}

/// Business days: the CA's time zone, its weekend and the public holidays of each
/// year it covers (R-4.9-DEADLINE).
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawCalendar {
    /// Offset from UTC, quoted: `"+09:00"`.
    #[schemars(with = "String")]
    pub zone: S<String>,
    /// Days never worked: `[saturday, sunday]`.
    #[schemars(with = "Vec<crate::schema::Kw<inkan_policy_types::business::Weekday>>")]
    pub weekend: Vec<S<String>>,
    /// Every public holiday of each listed year.
    pub holidays: Vec<RawHolidayYear>,
    #[serde(default)]
    #[schemars(with = "Vec<crate::schema::RuleId>")]
    pub cps: Cites,
}

/// The public holidays of one year, as `MM-DD`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawHolidayYear {
    #[schemars(with = "i64")]
    pub year: S<i64>,
    /// `MM-DD`, e.g. `01-01`.
    #[schemars(with = "Vec<String>")]
    pub dates: Vec<S<String>>,
}

/// The yearly renewal notice (R-4.6-RENEWAL, R-3.3-RENEW-NOTICE).
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawRenewal {
    /// The date every subscriber certificate expires on: `April 30`.
    #[schemars(with = "String")]
    pub expiry: S<String>,
    pub notice: RawRenewalNotice,
    /// Who receives it: `previous-year-holders`.
    #[schemars(with = "crate::schema::Kw<inkan_policy_types::renewal::Recipients>")]
    pub to: S<String>,
    #[serde(default)]
    #[schemars(with = "Vec<crate::schema::RuleId>")]
    pub cps: Cites,
}

/// When and how the renewal notice goes out.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawRenewalNotice {
    /// `registered-mail` or `email`.
    #[schemars(with = "crate::schema::Kw<inkan_policy_types::renewal::NoticeDelivery>")]
    pub delivery: S<String>,
    /// Sent at least this long before the expiry date: `60d`.
    #[schemars(with = "String")]
    pub no_later_than: S<String>,
    /// The RA's list of notices to send opens this long before it: `90d`.
    #[schemars(with = "String")]
    pub opens: S<String>,
}
