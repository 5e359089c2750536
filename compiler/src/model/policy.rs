//! A whole policy: its identity, OIDs, repository, usage, profiles, operations and
//! waivers.

use super::operations::*;
use super::profiles::*;
use crate::diag::Span;
use crate::lang::oid::Oid;

/// A named OID (RFC 3647 1.2).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct NamedOid {
    /// Name used elsewhere in the policy.
    pub name: String,
    /// The OID.
    pub oid: Oid,
    /// CPS rules cited.
    pub cites: Vec<String>,
}

/// Repository locations (RFC 3647 2).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Repository {
    /// Where the CPS is published.
    pub cps_url: String,
    /// Where the CRL is published.
    pub crl_url: String,
    /// Notices page.
    pub notices_url: Option<String>,
    /// Readable without authentication (R-2.4-ACCESS).
    pub public_read: bool,
    /// The languages the service speaks, its default first.
    pub languages: Vec<inkan_policy_types::language::Language>,
    /// CPS rules cited.
    pub cites: Vec<String>,
}

/// Certificate usage (RFC 3647 1.4).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Usage {
    /// `tls-client-auth`.
    pub purpose: String,
    /// Who relies on the certificates.
    pub relying_party: Option<String>,
    /// CPS rules cited.
    pub cites: Vec<String>,
}

/// An explicit, reasoned waiver of a lint.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Waiver {
    /// Lint name.
    pub lint: String,
    /// Why, for the auditor.
    pub reason: String,
    /// CPS rules cited.
    pub cites: Vec<String>,
    /// Where it is written.
    pub span: Span,
}

/// A checked policy.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Policy {
    /// Identifier, equal to the file stem (`jpcert-ssl-client`).
    pub id: String,
    /// Human title.
    pub title: String,
    /// Rule catalogue name (`jpcert-cps`).
    pub rules: String,
    /// CPS rules cited by the header.
    pub cites: Vec<String>,
    /// Every rule ID cited anywhere in the policy, sorted.
    pub cited: Vec<String>,
    /// Named OIDs.
    pub oids: Vec<NamedOid>,
    /// Usage.
    pub usage: Option<Usage>,
    /// Repository.
    pub repository: Option<Repository>,
    /// Certificate profiles, each issuer before what it issues.
    pub certificates: Vec<CertificateProfile>,
    /// CRL profiles.
    pub crls: Vec<CrlProfile>,
    /// CA key custody.
    pub ca_keys: Option<CaKeys>,
    /// Revocation.
    pub revocation: Option<Revocation>,
    /// Schedules.
    pub schedules: Vec<Schedule>,
    /// RA.
    pub ra: Option<Ra>,
    /// Audit.
    pub audit: Option<Audit>,
    /// The calendar of business days.
    pub calendar: Option<Calendar>,
    /// The yearly renewal notice.
    pub renewal: Option<Renewal>,
    /// The certificate life cycle; `None` only in an earlier revision read for a diff.
    pub lifecycle: Option<Lifecycle>,
    /// Waivers.
    pub waivers: Vec<Waiver>,
}

impl Policy {
    /// The certificate profile of that name.
    pub fn certificate(&self, name: &str) -> Option<&CertificateProfile> {
        self.certificates.iter().find(|c| c.name == name)
    }

    /// The CRL profile of the CA of that name.
    pub fn crl_for(&self, issuer: &str) -> Option<&CrlProfile> {
        self.crls.iter().find(|c| c.issuer == issuer)
    }
}
