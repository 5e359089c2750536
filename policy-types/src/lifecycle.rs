//! How a certificate reaches its holder and what it may not become (CPS 4.3, 4.4, 4.8,
//! 4.12, 6.1.1, 9.6): issued when the holder enters the one-time password, received
//! when downloaded, never modified (a change is a new issuance), its key pair the
//! holder's alone, and what a relying party checks before trusting it. Each keyword
//! names what inkan does; the compiler refuses anything else, so a policy cannot
//! promise a practice the software does not have.

/// When a certificate is issued (R-4.2-PROMPT).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Issued {
    /// Promptly, when the holder enters the one-time password with a request.
    OnPassword,
}

/// When a certificate counts as received (R-4.4-RECEIPT).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Received {
    /// When the holder downloads it; the download is audited as `certificate-received`.
    OnDownload,
}

/// What a change to a certificate's contents takes (R-4.8-NO-MODIFY).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Modification {
    /// No certificate is modified; a change is a new issuance.
    NewIssuance,
}

/// Who holds a subscriber's private key (R-4.12-NO-ESCROW, R-6.1-SUB-KEYGEN).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SubscriberKeys {
    /// The holder makes the key pair and sends only a request: no escrow, no recovery.
    HolderOnly,
}

/// What a relying party checks before trusting a certificate (R-9.6-RP-CHECK).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RpCheck {
    /// The time is within the certificate's validity period.
    ValidityPeriod,
    /// The certificate is not on the issuing CA's latest CRL, itself current.
    LatestCrl,
}

names!(Issued { OnPassword = "on-password" });
names!(Received { OnDownload = "on-download" });
names!(Modification { NewIssuance = "new-issuance" });
names!(SubscriberKeys { HolderOnly = "holder-only" });
names!(RpCheck { ValidityPeriod = "validity-period", LatestCrl = "latest-crl" });

/// The policy's certificate life cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lifecycle {
    /// When a certificate is issued.
    pub issued: Issued,
    /// When it counts as received.
    pub received: Received,
    /// What a change takes.
    pub modification: Modification,
    /// Who holds the subscriber's key.
    pub subscriber_keys: SubscriberKeys,
    /// What a relying party checks, in the policy's order.
    pub relying_parties: &'static [RpCheck],
}
