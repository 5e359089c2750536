//! What the CA and the RA archive, and for how long at least (R-5.5-ARCHIVE): one entry
//! per kind of record the software keeps, so none is kept without a stated period.
//! The period counts from the day the record is closed: a case from the step that
//! ended it, a removed developer from its removal, a renewal notice from its sending
//! (or the day it was due). Nothing is purged before its period has run; certificates
//! are never purged at all (their period is a minimum the CA store exceeds).

use crate::calendar::Span;

/// A kind of record the software keeps.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Records {
    /// Every certificate the CA issued, with its DER.
    Certificates,
    /// Application forms, their holders and the steps taken on them.
    Applications,
    /// Revocation requests and the steps taken on them.
    RevocationRequests,
    /// Developers' removals and the steps taken on them.
    DeveloperRemovals,
    /// The organisation records of developers no longer listed.
    Developers,
    /// Renewal notices.
    RenewalNotices,
}

names!(Records {
    Certificates = "certificates",
    Applications = "applications",
    RevocationRequests = "revocation-requests",
    DeveloperRemovals = "developer-removals",
    Developers = "developers",
    RenewalNotices = "renewal-notices",
});

/// One kind of record and its minimum retention.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Archived {
    /// The records.
    pub records: Records,
    /// Kept at least this long after they are closed.
    pub keep: Span,
    /// CPS rules cited.
    pub cps: &'static [&'static str],
}

/// The period of `records` in `archive`, if the policy states one.
pub fn keep(archive: &[Archived], records: Records) -> Option<Span> {
    archive
        .iter()
        .find(|a| a.records == records)
        .map(|a| a.keep)
}
