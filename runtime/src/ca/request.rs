//! The values that pass through issuance: a request as the caller has it, when its
//! certificate reaches the disk, what comes back, and a certificate built and checked
//! but not yet recorded. `issue.rs` makes them and `batch.rs` records and signs them;
//! they live here, below both, so neither file imports the other's.

use crate::calendar::Timestamp;
use crate::csr;
use crate::issue::Draft;
use crate::policy::CertificateProfile;
use crate::store::Pending;

/// What an issuance request carries.
pub struct IssueRequest<'a> {
    /// Who asks, for the audit log (a password id, `cli`).
    pub actor: &'a str,
    /// The PKCS #10 request.
    pub csr: Csr<'a>,
    /// Subscriber profile; `None` picks the policy's only one.
    pub profile: Option<&'a str>,
    /// Name template fields (`developer`, `person`).
    pub fields: Vec<(String, u64)>,
}

/// A request as the caller has it.
#[derive(Clone, Copy)]
pub enum Csr<'a> {
    /// PKCS #10, PEM or DER: checked in the batch.
    Encoded(&'a [u8]),
    /// Already checked by [`csr::check`] against the profile the request names (the
    /// server checks each subscriber's request as it arrives, before the batch); one
    /// checked against another profile is refused.
    Checked(&'a csr::CheckedRequest),
}

/// When a batch's certificates reach the disk. Their TBSs always do before anything
/// is signed (store before sign); this is about the signed certificates' commit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Completion {
    /// In a durable commit of their own, before [`Ca::issue_many_with`] returns.
    Durable,
    /// With the caller's next durable commit on the same store, which it makes before
    /// it hands any certificate out (the server's download links): one disk sync fewer
    /// per batch. A power cut before that commit leaves the batch's records pending,
    /// as a stop between signing and recording does (`inkan pending`); no certificate
    /// handed out is lost.
    WithCallersCommit,
}

/// An issued certificate.
#[derive(Debug, Clone)]
pub struct Issued {
    /// Lower-case hex serial.
    pub serial: String,
    /// Subject, as text.
    pub subject: String,
    /// DER.
    pub der: Vec<u8>,
}

/// A subscriber certificate built and checked: recorded next, then signed.
pub(super) struct Prepared {
    pub(super) draft: Draft,
    pub(super) profile: &'static CertificateProfile,
    pub(super) issuer: &'static str,
    pub(super) cn: String,
    pub(super) serial: String,
    pub(super) subject: String,
    pub(super) not_before: Timestamp,
    pub(super) not_after: Timestamp,
}

impl Prepared {
    pub(super) fn pending(&self, now: Timestamp) -> Pending<'_> {
        Pending {
            serial: &self.serial,
            profile: self.profile.name,
            issuer: Some(self.issuer),
            subject_cn: Some(&self.cn),
            subject: &self.subject,
            not_before: self.not_before,
            not_after: self.not_after,
            tbs: self.draft.tbs_der(),
            created_at: now,
        }
    }
}
