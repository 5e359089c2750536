//! The runtime's error type: one `#[non_exhaustive]` enum whose variants say what
//! was refused and why, with the CPS rule where one applies, and keep their cause as
//! a typed source. [`Error::kind`] says what each means for the caller ([`ErrorKind`]).

pub mod kind;

use std::path::PathBuf;

pub use kind::{ErrorKind, report};

use inkan_policy_types::policy::NameError;

/// Everything the runtime can refuse or fail at.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The certificate request could not be read.
    #[error("the certificate request is not a PKCS#10 request (R-6.1-PKCS10): {0}")]
    BadRequest(String),
    /// The request's self-signature does not verify: no proof of possession.
    #[error(
        "the certificate request's signature does not verify, so it does not prove possession of the private key (R-3.2-POP)"
    )]
    ProofOfPossession,
    /// The request's key is not what the profile requires.
    #[error("the request's key is refused (R-6.1-KEY-SIZE): {0}")]
    KeyRefused(String),
    /// A subscriber name could not be made.
    #[error("subscriber name refused (R-3.1-SUB-DN): {0}")]
    Name(#[from] NameError),
    /// The subject CN is already used by another certificate.
    #[error("subject name `{0}` is already in use (R-3.1-UNIQUE)")]
    DuplicateName(String),
    /// A validity rule has no answer at this instant.
    #[error("profile `{profile}` gives no validity for {at}: {rule}")]
    Validity {
        /// Profile.
        profile: &'static str,
        /// Instant.
        at: String,
        /// The rule.
        rule: &'static str,
    },
    /// The certificate would outlive the CA that issues it.
    #[error(
        "a `{profile}` certificate issued now would end at {not_after}, after its issuer's notAfter {issuer_not_after}"
    )]
    OutlivesIssuer {
        /// Profile.
        profile: &'static str,
        /// Would-be notAfter.
        not_after: String,
        /// The issuer's notAfter.
        issuer_not_after: String,
    },
    /// The next CRL would leave out revoked, unexpired certificates the previous CRL
    /// listed: nothing was signed (R-7.2-CRL).
    #[error(
        "CRL refused, nothing was signed: CRL {previous} lists revoked certificates that have not expired but are no longer revoked in the store ({missing}); the store was damaged or edited (R-7.2-CRL)"
    )]
    CrlWouldDropRevoked {
        /// The previous CRL's number.
        previous: u64,
        /// The serials that would disappear.
        missing: String,
    },
    /// Another process published a CRL between this one's reads and its number: the
    /// attempt was dropped unsigned ([`crate::ca::Ca::crl`] makes it again).
    #[error("another server published a CRL meanwhile; this one was not signed")]
    CrlRace,
    /// The clock is behind the newest CRL: a new one would go back in time.
    #[error(
        "CRL refused, nothing was signed: the clock ({now}) is behind the newest CRL's thisUpdate ({previous}); the clock went backwards (R-7.2-CRL)"
    )]
    ClockBehind {
        /// The newest CRL's thisUpdate.
        previous: String,
        /// Now, by the clock.
        now: String,
    },
    /// The issuer is not valid at this instant.
    #[error("the issuing CA is not valid at {0}")]
    IssuerNotValid(String),
    /// The to-be-signed value does not conform to the policy: nothing was signed.
    #[error("pre-signing check failed, nothing was signed: {0}")]
    NonConformant(String),
    /// The policy has no such profile or reason.
    #[error("{0}")]
    Policy(String),
    /// Signing failed: nothing was issued.
    #[error("signing failed, nothing was issued: {0}")]
    Signer(String),
    /// Encoding failed.
    #[error("encoding failed: {0}")]
    Encoding(String),
    /// DER encoding or decoding failed.
    #[error("DER encoding or decoding failed")]
    Der(#[from] der::Error),
    /// The store failed: nothing is returned that was not recorded. Its source says
    /// whether the database is unavailable, refused the change, or holds bad data.
    #[error("the CA's database failed")]
    Store(#[from] crate::sql::error::SqlError),
    /// A batch could not be recorded, before signing or after: nothing of it was
    /// returned (signatures made are dropped, their records left pending and audited),
    /// and what was spent for it (one-time passwords) is given back. Its source, shared
    /// by every request the one failure cost, says what failed.
    #[error("nothing was issued: the CA's database failed while recording {stage}")]
    Unrecorded {
        /// What was being recorded.
        stage: &'static str,
        /// Why it failed.
        #[source]
        source: std::sync::Arc<Error>,
    },
    /// Stored data is not what the CA wrote (a serial that is not hexadecimal, a time
    /// out of range, an audit key that does not decode): damaged or edited.
    #[error("the CA's records are damaged: {0}")]
    Corrupt(String),
    /// The CA directory is missing, incomplete or already in use.
    #[error("{0}")]
    Directory(String),
    /// A file of the CA directory could not be read or written.
    #[error("{}", .path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What the system said.
        #[source]
        source: std::io::Error,
    },
    /// An invariant of this code did not hold: a bug, reported rather than a panic.
    #[error("internal error: {0}")]
    Internal(&'static str),
    /// No certificate with that serial.
    #[error("no certificate with serial {0}")]
    UnknownSerial(String),
    /// Already revoked.
    #[error("certificate {0} is already revoked")]
    AlreadyRevoked(String),
    /// Activation data (M-of-N shares) was refused.
    #[error("{0} (R-6.2-M-OF-N)")]
    Activation(String),
    /// The CA keys are locked until enough custodians enter their shares.
    #[error(
        "the CA keys are locked: {have} of the {need} custodian shares needed have been entered (R-6.2-M-OF-N)"
    )]
    Locked {
        /// Shares entered so far.
        have: usize,
        /// Threshold.
        need: usize,
    },
    /// The PKCS #11 token failed.
    #[error("the HSM failed: {0}")]
    Hsm(String),
    /// `--now` was given but the directory does not allow it.
    #[error(
        "this CA directory was not initialised with --allow-clock-override, so --now is refused"
    )]
    ClockOverrideRefused,
}

impl Error {
    /// What the error means for the caller: the server maps it to an HTTP status, once.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::BadRequest(_)
            | Error::ProofOfPossession
            | Error::KeyRefused(_)
            | Error::Name(_)
            | Error::Validity { .. }
            | Error::OutlivesIssuer { .. }
            | Error::IssuerNotValid(_)
            | Error::Policy(_)
            | Error::Activation(_)
            | Error::ClockOverrideRefused => ErrorKind::Invalid,
            Error::UnknownSerial(_) => ErrorKind::NotFound,
            Error::DuplicateName(_) | Error::AlreadyRevoked(_) => ErrorKind::Conflict,
            Error::Locked { .. } | Error::CrlRace => ErrorKind::Unavailable,
            Error::Store(e) => e.kind(),
            // Nothing was issued and nothing spent: the caller may try again, unless
            // the records are damaged or this code failed.
            Error::Unrecorded { source, .. } => match source.kind() {
                ErrorKind::Corrupt => ErrorKind::Corrupt,
                ErrorKind::Internal => ErrorKind::Internal,
                _ => ErrorKind::Unavailable,
            },
            Error::Corrupt(_) | Error::CrlWouldDropRevoked { .. } => ErrorKind::Corrupt,
            Error::NonConformant(_)
            | Error::ClockBehind { .. }
            | Error::Signer(_)
            | Error::Encoding(_)
            | Error::Der(_)
            | Error::Directory(_)
            | Error::Io { .. }
            | Error::Hsm(_)
            | Error::Internal(_) => ErrorKind::Internal,
        }
    }

    /// A file error, naming the file.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}

/// The runtime's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
