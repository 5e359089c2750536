//! The policy document as YAML gives it: serde structs that mirror the file key for
//! key, every scalar wrapped in [`S`] (`serde_saphyr::Spanned`) so later passes can point at it.
//!
//! Nothing here is checked beyond shape (`deny_unknown_fields` everywhere); the
//! lowering pass ([`crate::lower`]) turns this into the typed model.

#![allow(missing_docs)] // Field names are the policy keys, documented in docs/policy-reference.md.

use serde::Deserialize;
mod span;
pub use span::{Cites, S};

mod ra;
pub use ra::*;

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
    /// The certificate life cycle (CPS 4.3, 4.4, 4.8, 4.12, 9.6); required of a
    /// current policy.
    pub lifecycle: Option<RawLifecycle>,
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
    /// The languages of the service's pages and mail, the default first.
    #[serde(default)]
    #[schemars(with = "Vec<crate::schema::Kw<inkan_policy_types::language::Language>>")]
    pub languages: Vec<S<String>>,
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
    /// Keys backed up into a second token under a wrapping key split into shares.
    #[serde(default)]
    pub backup: Option<RawActivation>,
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

/// How a certificate reaches its holder and what it may not become.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawLifecycle {
    #[schemars(with = "crate::schema::Kw<inkan_policy_types::lifecycle::Issued>")]
    pub issued: S<String>,
    #[schemars(with = "crate::schema::Kw<inkan_policy_types::lifecycle::Received>")]
    pub received: S<String>,
    #[schemars(with = "crate::schema::Kw<inkan_policy_types::lifecycle::Modification>")]
    pub modification: S<String>,
    #[schemars(with = "crate::schema::Kw<inkan_policy_types::lifecycle::SubscriberKeys>")]
    pub subscriber_keys: S<String>,
    #[schemars(with = "Vec<crate::schema::Kw<inkan_policy_types::lifecycle::RpCheck>>")]
    pub relying_parties: Vec<S<String>>,
    #[serde(default)]
    #[schemars(with = "Vec<crate::schema::RuleId>")]
    pub cps: Cites,
}
