//! What a compiled policy gives the runtime: the [`Policy`] trait that every
//! generated crate implements, and the static description of its profiles.
//!
//! Everything here is `'static` data and plain function pointers, so a generated
//! crate is a list of `static` items that reads like the CPS tables, with no code
//! to run at start-up. The compiler has already rejected every contradiction; the
//! runtime trusts the shape but still checks each TBS against it before signing.

use crate::calendar::Timestamp;

/// A compiled policy. Implemented by each crate under `generated/`.
pub trait Policy: Sync + Send {
    /// The policy's description.
    fn definition(&self) -> &'static PolicyDefinition;

    /// The policy id (`jpcert-ssl-client`).
    fn id(&self) -> &'static str {
        self.definition().id
    }

    /// The certificate profile of that name.
    fn certificate(&self, name: &str) -> Option<&'static CertificateProfile> {
        self.definition()
            .certificates
            .iter()
            .find(|c| c.name == name)
    }

    /// The CRL profile of the CA of that name.
    fn crl(&self, issuer: &str) -> Option<&'static CrlProfile> {
        self.definition().crls.iter().find(|c| c.issuer == issuer)
    }

    /// Whether the policy gives `action` to `role` (R-5.2-RA-ROLES).
    fn may(&self, role: &str, action: crate::actions::RaAction) -> bool {
        self.definition()
            .ra_roles
            .iter()
            .any(|r| r.name == role && r.may.contains(&action))
    }

    /// The roles the policy gives `action` to.
    fn roles_that_may(&self, action: crate::actions::RaAction) -> Vec<&'static str> {
        self.definition()
            .ra_roles
            .iter()
            .filter(|r| r.may.contains(&action))
            .map(|r| r.name)
            .collect()
    }

    /// The revocation reason of that policy name.
    fn reason(&self, name: &str) -> Option<&'static RevocationReason> {
        self.definition().reasons.iter().find(|r| r.name == name)
    }
}

/// A policy's description, generated from its YAML.
#[derive(Debug)]
pub struct PolicyDefinition {
    /// Identifier, the YAML file's stem.
    pub id: &'static str,
    /// Title.
    pub title: &'static str,
    /// SHA-256 of the canonical policy text, lower-case hex.
    pub sha256: &'static str,
    /// The canonical policy text.
    pub source: &'static str,
    /// The CPS sections the policy determines, rendered as HTML.
    pub cps_html: &'static str,
    /// Certificate profiles, each issuer before what it issues.
    pub certificates: &'static [CertificateProfile],
    /// CRL profiles.
    pub crls: &'static [CrlProfile],
    /// Revocation reasons.
    pub reasons: &'static [RevocationReason],
    /// Where the CRL is published, if the policy says.
    pub crl_url: Option<&'static str>,
    /// Where the CPS is published.
    pub cps_url: Option<&'static str>,
    /// Where notices are published.
    pub notices_url: Option<&'static str>,
    /// The languages the service speaks, its default first; empty for English only.
    pub languages: &'static [crate::language::Language],
    /// Lints the policy waives, with reasons.
    pub waivers: &'static [Waiver],
    /// RA roles, one person each (R-5.2-RA-ROLES).
    pub ra_roles: &'static [RaRole],
    /// Roles that must both check every application, in order (R-5.2-DUAL-CHECK).
    pub dual_check: &'static [&'static str],
    /// Roles whose actions are reviewed afterwards by whoever may
    /// [`review-actions`](crate::actions::RaAction::ReviewActions) (R-5.2-DUAL-CHECK).
    pub reviewed_roles: &'static [&'static str],
    /// Who may apply (R-3.2-CLASSES, R-4.1-ELIGIBLE, R-3.2-EMAIL-MATCH); `None` for a
    /// policy without an RA.
    pub eligibility: Option<crate::eligibility::Eligibility>,
    /// The paper forms the RA receives and what each carries (R-3.2-FORM-A,
    /// R-3.2-FORM-B, R-3.4-REVOKE-FORM, R-3.2-ORG-CHECK).
    pub forms: &'static [crate::forms::Form],
    /// The RA's workflows: applications, revocations, removals (R-4.2-FLOW,
    /// R-5.2-DUAL-CHECK, R-3.4-REVOKE-CONFIRM, R-4.9-COMPROMISE, R-4.11-LEAVE).
    pub workflows: &'static [crate::workflow::Workflow],
    /// The one-time passwords that complete an application (R-4.2-PASSWORD); `None`
    /// for a policy without an RA.
    pub passwords: Option<PasswordRules>,
    /// Audit event types (R-5.4-CA-EVENTS, R-5.4-RA-EVENTS).
    pub audit_events: &'static [AuditEventType],
    /// Minimum retention per record category (R-5.4-RETENTION).
    pub retention: &'static [Retention],
    /// What is archived, for how long at least (R-5.5-ARCHIVE).
    pub archive: &'static [crate::archive::Archived],
    /// Scheduled jobs.
    pub schedules: &'static [Schedule],
    /// Revocation processing deadline in business days (R-4.9-DEADLINE).
    pub revocation_deadline_business_days: Option<u32>,
    /// The calendar business days are counted in (R-4.9-DEADLINE).
    pub calendar: Option<crate::business::BusinessCalendar>,
    /// How a certificate reaches its holder and what it may not become (R-4.2-PROMPT,
    /// R-4.4-RECEIPT, R-4.8-NO-MODIFY, R-4.12-NO-ESCROW, R-9.6-RP-CHECK); `None` for a
    /// revision written before the key existed.
    pub lifecycle: Option<crate::lifecycle::Lifecycle>,
    /// The yearly renewal notice (R-4.6-RENEWAL, R-3.3-RENEW-NOTICE).
    pub renewal: Option<crate::renewal::RenewalRules>,
    /// CA key custody (R-6.2-HSM, R-6.2-M-OF-N).
    pub ca_keys: Option<CaKeys>,
    /// The rules the audit section cites (R-5.4-PROTECT): what a check of the audit
    /// chain judges.
    pub audit_cps: &'static [&'static str],
    /// Every catalogue rule the policy cites, in catalogue order: what a compliance
    /// report must account for, judged or not.
    pub rules: &'static [CitedRule],
}

/// A rule of the CPS catalogue the policy cites.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CitedRule {
    /// Stable ID (`R-4.9-DEADLINE`).
    pub id: &'static str,
    /// enforce, emit, record, schedule, report or doc.
    pub kind: &'static str,
    /// CPS section (`4.9`).
    pub section: &'static str,
    /// The rule, in English.
    pub text: &'static str,
}

/// CA key custody.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CaKeys {
    /// True when the keys belong in a PKCS #11 HSM.
    pub hsm: bool,
    /// Activation shares handed to custodians.
    pub shares: u8,
    /// Shares needed to activate.
    pub threshold: u8,
    /// How the keys are backed up into a second token (R-6.2-BACKUP), if they are.
    pub backup: Option<KeyBackup>,
    /// CPS rules cited.
    pub cps: &'static [&'static str],
}

/// CA keys backed up into a second token of the same model (CPS 6.2.4): each leaves
/// its token only wrapped under a key-backup key the token trusts, which exists outside
/// a token only as `shares` custodians' shares, `threshold` of which bring the keys in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyBackup {
    /// Shares of the key-backup key handed to custodians.
    pub shares: u8,
    /// Shares needed to bring the keys into a second token.
    pub threshold: u8,
}

/// An RA role.
#[derive(Debug)]
pub struct RaRole {
    /// Role name (`supervisor`).
    pub name: &'static str,
    /// Its duties.
    pub duties: &'static str,
    /// The actions the policy gives it (R-5.2-RA-ROLES).
    pub may: &'static [crate::actions::RaAction],
}

/// One-time passwords (R-4.2-PASSWORD): one per named holder, single use, stored only
/// as a hash; these are what the policy decides of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PasswordRules {
    /// How each reaches its holder's manager (`registered-mail`).
    pub delivery: &'static str,
    /// Whole days a password stays valid after the decision that made it.
    pub lifetime_days: u32,
    /// Wrong attempts before a password locks.
    pub attempts: u32,
    /// Whether removing a developer from the list voids its unredeemed passwords.
    pub void_when_developer_removed: bool,
    /// CPS rules cited.
    pub cps: &'static [&'static str],
}

/// An audit event type.
#[derive(Debug)]
pub struct AuditEventType {
    /// Event name (`certificate-issued`).
    pub name: &'static str,
    /// `ca` or `ra`.
    pub source: &'static str,
    /// `security` or `lifecycle`.
    pub category: &'static str,
    /// It happens outside software (a room entered, a system accessed, a file
    /// handled): a person enters it, through the API or the CLI (R-5.4-CA-EVENTS).
    pub entered: bool,
    /// CPS rules cited.
    pub cps: &'static [&'static str],
}

/// A retention period.
#[derive(Debug)]
pub struct Retention {
    /// Record category (`ca-lifecycle`).
    pub category: &'static str,
    /// How long at least.
    pub keep: crate::calendar::Span,
    /// CPS rules cited.
    pub cps: &'static [&'static str],
}

/// When a scheduled job runs.
#[derive(Debug, Clone, Copy)]
pub enum Timing {
    /// At least this often.
    Every(crate::calendar::Span),
    /// `lead` before a yearly (month, day).
    Before {
        /// (month, day).
        date: (u32, u32),
        /// How long before.
        lead: crate::calendar::Span,
    },
    /// Within so many business days.
    WithinBusinessDays(u32),
}

/// A scheduled job.
#[derive(Debug)]
pub struct Schedule {
    /// Job name (`crl`).
    pub name: &'static str,
    /// When.
    pub timing: Timing,
    /// CPS rules cited.
    pub cps: &'static [&'static str],
}

/// A waived lint.
#[derive(Debug)]
pub struct Waiver {
    /// Lint name.
    pub lint: &'static str,
    /// Reason.
    pub reason: &'static str,
}

/// Place in the hierarchy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// Self-signed.
    Root,
    /// Subordinate CA.
    IssuingCa,
    /// End entity.
    Subscriber,
}

/// Signature algorithms (PKCS #1 v1.5 with RSA).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignatureAlgorithm {
    /// sha1WithRSAEncryption, 1.2.840.113549.1.1.5.
    Sha1WithRsa,
    /// sha256WithRSAEncryption, 1.2.840.113549.1.1.11.
    Sha256WithRsa,
    /// sha384WithRSAEncryption, 1.2.840.113549.1.1.12.
    Sha384WithRsa,
    /// sha512WithRSAEncryption, 1.2.840.113549.1.1.13.
    Sha512WithRsa,
}

impl SignatureAlgorithm {
    /// The algorithm OID.
    pub fn oid(self) -> const_oid::ObjectIdentifier {
        use const_oid::db::rfc5912;
        match self {
            SignatureAlgorithm::Sha1WithRsa => rfc5912::SHA_1_WITH_RSA_ENCRYPTION,
            SignatureAlgorithm::Sha256WithRsa => rfc5912::SHA_256_WITH_RSA_ENCRYPTION,
            SignatureAlgorithm::Sha384WithRsa => rfc5912::SHA_384_WITH_RSA_ENCRYPTION,
            SignatureAlgorithm::Sha512WithRsa => rfc5912::SHA_512_WITH_RSA_ENCRYPTION,
        }
    }

    /// The ASN.1 name.
    pub fn name(self) -> &'static str {
        match self {
            SignatureAlgorithm::Sha1WithRsa => "sha1WithRSAEncryption",
            SignatureAlgorithm::Sha256WithRsa => "sha256WithRSAEncryption",
            SignatureAlgorithm::Sha384WithRsa => "sha384WithRSAEncryption",
            SignatureAlgorithm::Sha512WithRsa => "sha512WithRSAEncryption",
        }
    }

    /// The AlgorithmIdentifier: RFC 4055 2.1 says the parameters MUST be NULL.
    pub fn identifier(self) -> spki::AlgorithmIdentifierOwned {
        spki::AlgorithmIdentifierOwned {
            oid: self.oid(),
            parameters: Some(der::asn1::Null.into()),
        }
    }

    /// The algorithm with that OID.
    pub fn from_oid(oid: &const_oid::ObjectIdentifier) -> Option<Self> {
        [
            Self::Sha1WithRsa,
            Self::Sha256WithRsa,
            Self::Sha384WithRsa,
            Self::Sha512WithRsa,
        ]
        .into_iter()
        .find(|a| a.oid() == *oid)
    }
}

/// How times are encoded. Whatever the policy says, the runtime writes UTCTime
/// through 2049 and GeneralizedTime from 2050 (RFC 5280 4.1.2.5); `UtcTime` records
/// that the CPS asked for UTCTime only, which the compiler flags.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeEncoding {
    /// The CPS says UTCTime.
    UtcTime,
    /// RFC 5280 4.1.2.5.
    Rfc5280,
}

/// ASN.1 string types for name attributes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StringType {
    /// PrintableString.
    Printable,
    /// UTF8String.
    Utf8,
    /// IA5String.
    Ia5,
}

/// An attribute value: fixed text, or a placeholder the runtime fills.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AttributeValue {
    /// Written as is.
    Literal(&'static str),
    /// Filled at issuance: `name` (the subscriber name), `hsm_token`.
    Placeholder(&'static str),
}

/// One attribute of a distinguished name (one RDN).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NameAttribute {
    /// Short name (`CN`).
    pub short: &'static str,
    /// Dotted OID (`2.5.4.3`).
    pub oid: &'static str,
    /// String type.
    pub string_type: StringType,
    /// Value.
    pub value: AttributeValue,
}

/// An extension and its criticality.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExtensionRule {
    /// The critical flag.
    pub critical: bool,
    /// The extension.
    pub extension: Extension,
}

/// Certificate extensions the runtime can write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Extension {
    /// basicConstraints (RFC 5280 4.2.1.9).
    BasicConstraints {
        /// cA.
        ca: bool,
        /// pathLenConstraint.
        path_len: Option<u8>,
    },
    /// keyUsage (RFC 5280 4.2.1.3): bit numbers.
    KeyUsage(&'static [u8]),
    /// extendedKeyUsage (RFC 5280 4.2.1.12): purpose OIDs.
    ExtendedKeyUsage(&'static [&'static str]),
    /// netscapeCertType: bit numbers.
    NetscapeCertType(&'static [u8]),
    /// subjectAltName with one directoryName.
    SubjectAltName(&'static [NameAttribute]),
    /// cRLDistributionPoints: one URI per point.
    CrlDistributionPoints(&'static [&'static str]),
    /// certificatePolicies.
    CertificatePolicies(&'static [PolicyInformation]),
    /// authorityKeyIdentifier with keyIdentifier.
    AuthorityKeyIdentifier,
    /// subjectKeyIdentifier, RFC 5280 method 1.
    SubjectKeyIdentifier,
}

impl Extension {
    /// The extension's OID.
    pub fn oid(&self) -> const_oid::ObjectIdentifier {
        use const_oid::db::rfc5280 as r;
        match self {
            Extension::BasicConstraints { .. } => r::ID_CE_BASIC_CONSTRAINTS,
            Extension::KeyUsage(_) => r::ID_CE_KEY_USAGE,
            Extension::ExtendedKeyUsage(_) => r::ID_CE_EXT_KEY_USAGE,
            Extension::NetscapeCertType(_) => NETSCAPE_CERT_TYPE,
            Extension::SubjectAltName(_) => r::ID_CE_SUBJECT_ALT_NAME,
            Extension::CrlDistributionPoints(_) => r::ID_CE_CRL_DISTRIBUTION_POINTS,
            Extension::CertificatePolicies(_) => r::ID_CE_CERTIFICATE_POLICIES,
            Extension::AuthorityKeyIdentifier => r::ID_CE_AUTHORITY_KEY_IDENTIFIER,
            Extension::SubjectKeyIdentifier => r::ID_CE_SUBJECT_KEY_IDENTIFIER,
        }
    }
}

/// netscape-cert-type (2.16.840.1.113730.1.1), outside RFC 5280's registry.
pub const NETSCAPE_CERT_TYPE: const_oid::ObjectIdentifier =
    const_oid::ObjectIdentifier::new_unwrap("2.16.840.1.113730.1.1");

/// One certificatePolicies entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PolicyInformation {
    /// policyIdentifier, dotted.
    pub oid: &'static str,
    /// id-qt-cps qualifier.
    pub cps_uri: Option<&'static str>,
}

/// A notBefore or notAfter rule, compiled to a function.
pub type ValidityFn = fn(Timestamp) -> Option<Timestamp>;

/// A certificate profile (RFC 3647 7.1).
#[derive(Debug)]
pub struct CertificateProfile {
    /// Profile name.
    pub name: &'static str,
    /// Place in the hierarchy.
    pub role: Role,
    /// Issuing profile; `None` for the root.
    pub issuer: Option<&'static str>,
    /// Subject, most significant attribute first.
    pub subject: &'static [NameAttribute],
    /// RSA key size, the only size accepted.
    pub key_bits: u32,
    /// Signature algorithm the issuer uses for this certificate.
    pub signature: SignatureAlgorithm,
    /// Time encoding.
    pub times: TimeEncoding,
    /// notBefore from the moment of issuance.
    pub not_before: ValidityFn,
    /// notAfter from notBefore.
    pub not_after: ValidityFn,
    /// The validity rules as the policy words them, for messages.
    pub validity_text: (&'static str, &'static str),
    /// Extensions, in encoding order; the complete set.
    pub extensions: &'static [ExtensionRule],
    /// How subscriber names are made (subscriber profiles).
    pub subscriber_name: Option<&'static NameCodec>,
    /// CPS rules cited.
    pub cps: &'static [&'static str],
}

/// A CRL profile (RFC 3647 7.2).
#[derive(Debug)]
pub struct CrlProfile {
    /// The CA profile that issues it.
    pub issuer: &'static str,
    /// Signature algorithm.
    pub signature: SignatureAlgorithm,
    /// nextUpdate from thisUpdate.
    pub next_update: ValidityFn,
    /// The nextUpdate rule as the policy words it.
    pub next_update_text: &'static str,
    /// Time encoding.
    pub times: TimeEncoding,
    /// Write authorityKeyIdentifier.
    pub authority_key_identifier: bool,
    /// Write reasonCode on entries.
    pub reason_code: bool,
    /// Write reasonCode even for unspecified(0).
    pub unspecified_reason_code: bool,
    /// CPS rules cited.
    pub cps: &'static [&'static str],
}

/// A CPS revocation reason.
#[derive(Debug)]
pub struct RevocationReason {
    /// Policy name (`key-compromise`).
    pub name: &'static str,
    /// RFC 5280 CRLReason value.
    pub code: u8,
    /// Handled at once.
    pub urgent: bool,
    /// CPS rules cited.
    pub cps: &'static [&'static str],
}

/// A request field of the subscriber name (`{developer:6}`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NameField {
    /// Field name.
    pub name: &'static str,
    /// Exact number of decimal digits.
    pub digits: u8,
}

/// The parts of a subscriber name, in a policy-independent shape.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NameParts {
    /// Request fields, in template order.
    pub fields: Vec<(&'static str, u64)>,
    /// Fiscal year of issuance.
    pub fiscal_year: i64,
    /// Sequence index: 0 = `a`.
    pub sequence: u8,
}

/// Why a subscriber name could not be made or read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NameError {
    /// A field is missing from the request.
    #[error("the request has no `{0}`")]
    Missing(&'static str),
    /// A field has more digits than the template allows.
    #[error("`{field}` must have exactly {digits} digits, got {value}")]
    OutOfRange {
        /// Field.
        field: &'static str,
        /// Template width.
        digits: u8,
        /// Value given.
        value: String,
    },
    /// The fiscal year does not fit its width.
    #[error("fiscal year {0} does not fit the name template")]
    FiscalYear(i64),
    /// All sequence letters of the year are used.
    #[error("sequence index {0} is past `z`: the person has used every letter this fiscal year")]
    SequenceExhausted(u8),
    /// A name does not match the template.
    #[error("`{name}` does not match the template `{template}`")]
    Mismatch {
        /// The name.
        name: String,
        /// The template.
        template: &'static str,
    },
}

/// How a profile makes and reads subscriber names; generated from the template.
#[derive(Debug)]
pub struct NameCodec {
    /// The template as written.
    pub template: &'static str,
    /// Request fields.
    pub fields: &'static [NameField],
    /// (month, day) the fiscal year starts.
    pub fiscal_year_starts: (u32, u32),
    /// Formats a name.
    pub format: fn(&NameParts) -> Result<String, NameError>,
    /// Reads a name back into its parts.
    pub parse: fn(&str) -> Result<NameParts, NameError>,
}
