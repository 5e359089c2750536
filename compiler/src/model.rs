//! The typed policy: what a checked policy file means, with every mini-language
//! already parsed and every cross-reference resolved.
//!
//! Values of these types are only made by [`crate::lower`], which rejects every
//! contradiction it knows of first; the structs are `#[non_exhaustive]`, so code
//! outside this crate can read a policy but cannot assemble an unchecked one.
//! Nodes keep the [`Span`] of their source so lints can point back at the file.

use crate::diag::Span;
pub use crate::lang::dn::{Attribute, Dn, Rdn, StringType, Value as RdnValue};
pub use crate::lang::duration::{BusinessDays, Duration};
pub use crate::lang::oid::Oid;
pub use crate::lang::template::{Piece, Template};
pub use crate::lang::validity::{NotAfter, NotBefore, TimeOfDay};

/// A closed set of policy keywords (`rsa`, `keyCertSign`, ...).
pub trait Keyword: Sized + Copy + 'static {
    /// Reads the policy spelling.
    fn parse_keyword(s: &str) -> Option<Self>;
    /// Every spelling, for "expected one of" messages.
    fn all_keywords() -> Vec<&'static str>;
}

impl Keyword for StringType {
    fn parse_keyword(s: &str) -> Option<Self> {
        Self::from_keyword(s)
    }
    fn all_keywords() -> Vec<&'static str> {
        vec!["printable", "utf8", "ia5"]
    }
}

/// Declares a closed set of policy keywords with their spelling.
macro_rules! keywords {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $variant:ident = $kw:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($(#[$vm])* $variant),+ }
        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            /// The policy spelling.
            pub fn keyword(self) -> &'static str { match self { $($name::$variant => $kw),+ } }
            /// Reads the policy spelling.
            pub fn from_keyword(s: &str) -> Option<Self> { Self::ALL.iter().copied().find(|v| v.keyword() == s) }
            /// Every spelling, for "expected one of" messages.
            pub fn keywords() -> Vec<&'static str> { Self::ALL.iter().map(|v| v.keyword()).collect() }
        }
        impl Keyword for $name {
            fn parse_keyword(s: &str) -> Option<Self> { Self::from_keyword(s) }
            fn all_keywords() -> Vec<&'static str> { Self::keywords() }
        }
    };
}

keywords! {
    /// Where a certificate profile sits in the hierarchy (R-1.3-HIERARCHY).
    Role { /** Self-signed trust anchor. */ Root = "root", /** CA certified by another CA. */ IssuingCa = "issuing-ca", /** End entity. */ Subscriber = "subscriber" }
}

keywords! {
    /// Public key algorithms.
    KeyAlgorithm { /** rsaEncryption (1.2.840.113549.1.1.1). */ Rsa = "rsa" }
}

keywords! {
    /// Signature algorithms, by their ASN.1 names.
    SignatureAlgorithm {
        /// 1.2.840.113549.1.1.5
        Sha1WithRsa = "sha1WithRSAEncryption",
        /// 1.2.840.113549.1.1.11
        Sha256WithRsa = "sha256WithRSAEncryption",
        /// 1.2.840.113549.1.1.12
        Sha384WithRsa = "sha384WithRSAEncryption",
        /// 1.2.840.113549.1.1.13
        Sha512WithRsa = "sha512WithRSAEncryption",
    }
}

impl SignatureAlgorithm {
    /// The algorithm's OID.
    pub fn oid(self) -> &'static str {
        match self {
            SignatureAlgorithm::Sha1WithRsa => "1.2.840.113549.1.1.5",
            SignatureAlgorithm::Sha256WithRsa => "1.2.840.113549.1.1.11",
            SignatureAlgorithm::Sha384WithRsa => "1.2.840.113549.1.1.12",
            SignatureAlgorithm::Sha512WithRsa => "1.2.840.113549.1.1.13",
        }
    }
}

keywords! {
    /// How times are encoded.
    TimeEncoding {
        /// The CPS's "all times UTCTime". UTCTime cannot hold 2050 or later, so the
        /// runtime still writes GeneralizedTime from 2050 (RFC 5280 4.1.2.5); the
        /// `utc-time-after-2049` lint says so.
        UtcTime = "utc-time",
        /// RFC 5280 4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050.
        Rfc5280 = "rfc5280",
    }
}

keywords! {
    /// keyUsage bits (RFC 5280 4.2.1.3), by their ASN.1 names.
    KeyUsageBit {
        /// bit 0
        DigitalSignature = "digitalSignature",
        /// bit 1
        NonRepudiation = "nonRepudiation",
        /// bit 2
        KeyEncipherment = "keyEncipherment",
        /// bit 3
        DataEncipherment = "dataEncipherment",
        /// bit 4
        KeyAgreement = "keyAgreement",
        /// bit 5
        KeyCertSign = "keyCertSign",
        /// bit 6
        CrlSign = "cRLSign",
        /// bit 7
        EncipherOnly = "encipherOnly",
        /// bit 8
        DecipherOnly = "decipherOnly",
    }
}

impl KeyUsageBit {
    /// The bit number in the BIT STRING.
    pub fn bit(self) -> u8 {
        self as u8
    }
}

keywords! {
    /// extendedKeyUsage purposes (RFC 5280 4.2.1.12).
    Purpose {
        /// id-kp-serverAuth 1.3.6.1.5.5.7.3.1
        ServerAuth = "serverAuth",
        /// id-kp-clientAuth 1.3.6.1.5.5.7.3.2
        ClientAuth = "clientAuth",
        /// id-kp-emailProtection 1.3.6.1.5.5.7.3.4
        EmailProtection = "emailProtection",
    }
}

impl Purpose {
    /// The purpose's OID.
    pub fn oid(self) -> &'static str {
        match self {
            Purpose::ServerAuth => "1.3.6.1.5.5.7.3.1",
            Purpose::ClientAuth => "1.3.6.1.5.5.7.3.2",
            Purpose::EmailProtection => "1.3.6.1.5.5.7.3.4",
        }
    }
}

keywords! {
    /// netscapeCertType bits (2.16.840.1.113730.1.1).
    NetscapeType {
        /// bit 0
        SslClient = "sslClient",
        /// bit 1
        SslServer = "sslServer",
        /// bit 2
        Smime = "smime",
        /// bit 3
        ObjectSigning = "objectSigning",
        /// bit 5
        SslCa = "sslCA",
        /// bit 6
        SmimeCa = "smimeCA",
        /// bit 7
        ObjectSigningCa = "objectSigningCA",
    }
}

impl NetscapeType {
    /// The bit number.
    pub fn bit(self) -> u8 {
        match self {
            NetscapeType::SslClient => 0,
            NetscapeType::SslServer => 1,
            NetscapeType::Smime => 2,
            NetscapeType::ObjectSigning => 3,
            NetscapeType::SslCa => 5,
            NetscapeType::SmimeCa => 6,
            NetscapeType::ObjectSigningCa => 7,
        }
    }
}

keywords! {
    /// How a subjectKeyIdentifier is computed.
    KeyIdMethod {
        /// RFC 5280 4.2.1.2 method (1): SHA-1 of the subjectPublicKey BIT STRING.
        Rfc5280Method1 = "rfc5280-method-1",
    }
}

keywords! {
    /// What an authorityKeyIdentifier carries.
    AuthorityKeyIdForm {
        /// keyIdentifier = the issuer's subjectKeyIdentifier.
        KeyId = "key-id",
    }
}

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
