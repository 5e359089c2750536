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

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPolicy {
    pub policy: RawHeader,
    #[serde(default)]
    pub oids: Vec<RawOid>,
    pub usage: Option<RawUsage>,
    pub repository: Option<RawRepository>,
    pub certificates: Vec<S<RawCertificate>>,
    #[serde(default)]
    pub crls: Vec<S<RawCrl>>,
    pub ca_keys: Option<RawCaKeys>,
    pub revocation: Option<RawRevocation>,
    #[serde(default)]
    pub schedules: Vec<RawSchedule>,
    pub ra: Option<RawRa>,
    pub audit: Option<RawAudit>,
    #[serde(default)]
    pub waivers: Vec<S<RawWaiver>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawHeader {
    pub id: S<String>,
    pub title: S<String>,
    pub rules: S<String>,
    #[serde(default)]
    pub cps: Cites,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawOid {
    pub name: S<String>,
    pub oid: S<String>,
    #[serde(default)]
    pub cps: Cites,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawUsage {
    pub purpose: S<String>,
    pub relying_party: Option<S<String>>,
    #[serde(default)]
    pub cps: Cites,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRepository {
    pub cps_url: S<String>,
    pub crl_url: S<String>,
    pub notices_url: Option<S<String>>,
    pub public_read: S<bool>,
    #[serde(default)]
    pub cps: Cites,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawKey {
    pub algorithm: S<String>,
    pub bits: S<u32>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawValidity {
    pub not_before: S<String>,
    pub not_after: S<String>,
    #[serde(default)]
    pub cps: Cites,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSubscriberName {
    pub template: S<String>,
    pub fiscal_year_starts: S<String>,
    #[serde(default)]
    pub cps: Cites,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCertificate {
    pub name: S<String>,
    pub role: S<String>,
    pub issuer: Option<S<String>>,
    pub subject: S<String>,
    pub string_type: S<String>,
    pub subscriber_name: Option<RawSubscriberName>,
    pub key: RawKey,
    pub signature: S<String>,
    pub validity: RawValidity,
    pub times: S<String>,
    #[serde(default)]
    pub extensions: Vec<S<RawExtension>>,
    #[serde(default)]
    pub cps: Cites,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawBasicConstraints {
    pub ca: S<bool>,
    pub path_len: Option<S<u8>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSubjectAltName {
    pub directory_name: S<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPolicyInformation {
    pub policy: S<String>,
    pub cps_uri: Option<S<String>>,
}

/// One extension entry: exactly one of the extension keys, plus `critical` and `cps`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawExtension {
    pub basic_constraints: Option<S<RawBasicConstraints>>,
    pub key_usage: Option<S<Vec<S<String>>>>,
    pub extended_key_usage: Option<S<Vec<S<String>>>>,
    pub netscape_cert_type: Option<S<Vec<S<String>>>>,
    pub subject_alt_name: Option<S<RawSubjectAltName>>,
    pub crl_distribution_points: Option<S<Vec<S<String>>>>,
    pub certificate_policies: Option<S<Vec<RawPolicyInformation>>>,
    pub authority_key_identifier: Option<S<String>>,
    pub subject_key_identifier: Option<S<String>>,
    pub critical: Option<S<bool>>,
    #[serde(default)]
    pub cps: Cites,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCrl {
    pub issuer: S<String>,
    pub signature: S<String>,
    pub next_update: S<String>,
    pub times: S<String>,
    #[serde(default)]
    pub extensions: Vec<S<String>>,
    #[serde(default)]
    pub entry_extensions: Vec<S<String>>,
    pub unspecified_reason: Option<S<String>>,
    #[serde(default)]
    pub cps: Cites,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawReason {
    pub name: S<String>,
    pub code: S<String>,
    pub urgent: Option<S<bool>>,
    #[serde(default)]
    pub cps: Cites,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRevocation {
    pub reasons: Vec<RawReason>,
    #[serde(default)]
    pub requesters: Vec<S<String>>,
    pub confirm_by: Option<S<String>>,
    pub deadline: Option<S<String>>,
    pub hold: S<bool>,
    pub ocsp: S<bool>,
    #[serde(default)]
    pub cps: Cites,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSchedule {
    pub name: S<String>,
    pub every: Option<S<String>>,
    pub before: Option<S<String>>,
    pub lead: Option<S<String>>,
    pub within: Option<S<String>>,
    #[serde(default)]
    pub cps: Cites,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRole {
    pub name: S<String>,
    pub duties: S<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRa {
    pub roles: Vec<RawRole>,
    pub separation: S<String>,
    #[serde(default)]
    pub dual_check: Vec<S<String>>,
    #[serde(default)]
    pub cps: Cites,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawEvent {
    pub name: S<String>,
    pub source: S<String>,
    pub category: S<String>,
    #[serde(default)]
    pub cps: Cites,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRetention {
    pub category: S<String>,
    pub keep: S<String>,
    #[serde(default)]
    pub cps: Cites,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAudit {
    pub events: Vec<RawEvent>,
    pub retention: Vec<RawRetention>,
    #[serde(default)]
    pub cps: Cites,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawWaiver {
    pub lint: S<String>,
    pub reason: S<String>,
    #[serde(default)]
    pub cps: Cites,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawActivation {
    pub shares: S<u8>,
    pub threshold: S<u8>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCaKeys {
    pub storage: S<String>,
    pub activation: RawActivation,
    #[serde(default)]
    pub cps: Cites,
}
