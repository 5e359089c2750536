//! Certificate and CRL profiles (RFC 3647 7.1, 7.2): extensions with their
//! criticality, subscriber names, validity rules, CRL extensions and reason codes.

use super::vocabulary::*;
use crate::diag::Span;
use crate::lang::dn::{Dn, StringType};
use crate::lang::duration::Duration;
use crate::lang::oid::Oid;
use crate::lang::template::Template;
use crate::lang::validity::{NotAfter, NotBefore};

/// A certificate extension with its value.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Extension {
    /// basicConstraints (2.5.29.19).
    BasicConstraints {
        /// cA.
        ca: bool,
        /// pathLenConstraint.
        path_len: Option<u8>,
    },
    /// keyUsage (2.5.29.15).
    KeyUsage(Vec<KeyUsageBit>),
    /// extendedKeyUsage (2.5.29.37).
    ExtendedKeyUsage(Vec<Purpose>),
    /// netscapeCertType (2.16.840.1.113730.1.1).
    NetscapeCertType(Vec<NetscapeType>),
    /// subjectAltName (2.5.29.17) holding one directoryName.
    SubjectAltName(Dn),
    /// cRLDistributionPoints (2.5.29.31), one fullName URI per point.
    CrlDistributionPoints(Vec<String>),
    /// certificatePolicies (2.5.29.32).
    CertificatePolicies(Vec<PolicyInformation>),
    /// authorityKeyIdentifier (2.5.29.35).
    AuthorityKeyIdentifier(AuthorityKeyIdForm),
    /// subjectKeyIdentifier (2.5.29.14).
    SubjectKeyIdentifier(KeyIdMethod),
}

impl Extension {
    /// The policy key (`key_usage`).
    pub fn key(&self) -> &'static str {
        match self {
            Extension::BasicConstraints { .. } => "basic_constraints",
            Extension::KeyUsage(_) => "key_usage",
            Extension::ExtendedKeyUsage(_) => "extended_key_usage",
            Extension::NetscapeCertType(_) => "netscape_cert_type",
            Extension::SubjectAltName(_) => "subject_alt_name",
            Extension::CrlDistributionPoints(_) => "crl_distribution_points",
            Extension::CertificatePolicies(_) => "certificate_policies",
            Extension::AuthorityKeyIdentifier(_) => "authority_key_identifier",
            Extension::SubjectKeyIdentifier(_) => "subject_key_identifier",
        }
    }

    /// The ASN.1 name (`keyUsage`).
    pub fn asn1_name(&self) -> &'static str {
        match self {
            Extension::BasicConstraints { .. } => "basicConstraints",
            Extension::KeyUsage(_) => "keyUsage",
            Extension::ExtendedKeyUsage(_) => "extendedKeyUsage",
            Extension::NetscapeCertType(_) => "netscapeCertType",
            Extension::SubjectAltName(_) => "subjectAltName",
            Extension::CrlDistributionPoints(_) => "cRLDistributionPoints",
            Extension::CertificatePolicies(_) => "certificatePolicies",
            Extension::AuthorityKeyIdentifier(_) => "authorityKeyIdentifier",
            Extension::SubjectKeyIdentifier(_) => "subjectKeyIdentifier",
        }
    }

    /// The extension's OID.
    pub fn oid(&self) -> &'static str {
        match self {
            Extension::BasicConstraints { .. } => "2.5.29.19",
            Extension::KeyUsage(_) => "2.5.29.15",
            Extension::ExtendedKeyUsage(_) => "2.5.29.37",
            Extension::NetscapeCertType(_) => "2.16.840.1.113730.1.1",
            Extension::SubjectAltName(_) => "2.5.29.17",
            Extension::CrlDistributionPoints(_) => "2.5.29.31",
            Extension::CertificatePolicies(_) => "2.5.29.32",
            Extension::AuthorityKeyIdentifier(_) => "2.5.29.35",
            Extension::SubjectKeyIdentifier(_) => "2.5.29.14",
        }
    }
}

/// One certificatePolicies entry.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct PolicyInformation {
    /// policyIdentifier.
    pub oid: Oid,
    /// The policy's name for the OID, if it was given by name.
    pub name: Option<String>,
    /// A CPS pointer qualifier (id-qt-cps).
    pub cps_uri: Option<String>,
}

/// An extension with its criticality and citations.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ExtensionRule {
    /// The extension and its value.
    pub extension: Extension,
    /// The critical flag.
    pub critical: bool,
    /// CPS rules cited on the entry.
    pub cites: Vec<String>,
    /// Where it is written.
    pub span: Span,
}

/// The subscriber name: template and fiscal year.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct SubscriberName {
    /// The template.
    pub template: Template,
    /// (month, day) the fiscal year starts on.
    pub fiscal_year_starts: (u8, u8),
    /// CPS rules cited.
    pub cites: Vec<String>,
}

/// Validity rules of a profile.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Validity {
    /// notBefore.
    pub not_before: NotBefore,
    /// notAfter.
    pub not_after: NotAfter,
    /// CPS rules cited.
    pub cites: Vec<String>,
}

/// A certificate profile (RFC 3647 7.1).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct CertificateProfile {
    /// Profile name, unique in the policy (`ssl-client`).
    pub name: String,
    /// Place in the hierarchy.
    pub role: Role,
    /// The issuing profile; `None` for the root.
    pub issuer: Option<String>,
    /// Subject name.
    pub subject: Dn,
    /// Default string type of the name's attributes.
    pub string_type: StringType,
    /// Subscriber name template (subscriber profiles only).
    pub subscriber_name: Option<SubscriberName>,
    /// Key algorithm.
    pub key_algorithm: KeyAlgorithm,
    /// Key size in bits; the only size accepted.
    pub key_bits: u32,
    /// The signature algorithm the issuer signs this certificate with.
    pub signature: SignatureAlgorithm,
    /// Validity rules.
    pub validity: Validity,
    /// Time encoding.
    pub times: TimeEncoding,
    /// Extensions, in the order they are encoded; the complete set.
    pub extensions: Vec<ExtensionRule>,
    /// CPS rules cited.
    pub cites: Vec<String>,
    /// Where the profile starts.
    pub span: Span,
}

impl CertificateProfile {
    /// True for root and issuing CAs.
    pub fn is_ca(&self) -> bool {
        self.role != Role::Subscriber
    }

    /// The profile's extension of the given policy key, if it has one.
    pub fn extension(&self, key: &str) -> Option<&ExtensionRule> {
        self.extensions.iter().find(|e| e.extension.key() == key)
    }
}

keywords! {
    /// CRL extensions (RFC 5280 5.2); all non-critical.
    CrlExtension {
        /// cRLNumber (2.5.29.20).
        CrlNumber = "crl_number",
        /// authorityKeyIdentifier (2.5.29.35).
        AuthorityKeyIdentifier = "authority_key_identifier",
    }
}

keywords! {
    /// CRL entry extensions (RFC 5280 5.3).
    EntryExtension {
        /// reasonCode (2.5.29.21).
        ReasonCode = "reason_code",
    }
}

keywords! {
    /// Whether an entry whose reason is `unspecified` carries a reasonCode.
    UnspecifiedReason {
        /// RFC 5280 5.3.1: the extension SHOULD be absent.
        Omit = "omit",
        /// Written anyway (the CPS gives every entry a reasonCode).
        Include = "include",
    }
}

/// A CRL profile (RFC 3647 7.2), one per issuing CA.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct CrlProfile {
    /// The CA profile that issues it.
    pub issuer: String,
    /// Signature algorithm.
    pub signature: SignatureAlgorithm,
    /// nextUpdate = thisUpdate + this.
    pub next_update: Duration,
    /// Time encoding.
    pub times: TimeEncoding,
    /// CRL extensions, in order.
    pub extensions: Vec<CrlExtension>,
    /// Entry extensions.
    pub entry_extensions: Vec<EntryExtension>,
    /// reasonCode for `unspecified`.
    pub unspecified_reason: UnspecifiedReason,
    /// CPS rules cited.
    pub cites: Vec<String>,
    /// Where it starts.
    pub span: Span,
}

keywords! {
    /// RFC 5280 5.3.1 CRLReason values.
    ReasonCode {
        /// 0
        Unspecified = "unspecified",
        /// 1
        KeyCompromise = "keyCompromise",
        /// 2
        CaCompromise = "cACompromise",
        /// 3
        AffiliationChanged = "affiliationChanged",
        /// 4
        Superseded = "superseded",
        /// 5
        CessationOfOperation = "cessationOfOperation",
        /// 6
        CertificateHold = "certificateHold",
        /// 8
        RemoveFromCrl = "removeFromCRL",
        /// 9
        PrivilegeWithdrawn = "privilegeWithdrawn",
        /// 10
        AaCompromise = "aACompromise",
    }
}
