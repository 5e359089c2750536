//! Key custody: the key ceremony that makes CA keys inside a PKCS #11 token
//! (R-6.1-CA-KEYGEN, R-6.2-HSM), and the M-of-N activation that brings them to life
//! (R-6.2-M-OF-N).
//!
//! The ceremony (`ceremony.rs`) logs in with the token's current PIN, replaces it with
//! a random one nobody sees (`hsm.rs`), splits that PIN into the policy's N shares with
//! threshold M ([`shamir`]; only a commitment of each share is stored), generates each
//! CA's key pair on the token, issues the CA certificates through the token, and
//! writes a transcript signed with the audit key. Every way of making CA keys is a
//! [`keys::KeyMaker`]. A CA opened later is locked ([`activation`]): signing refuses
//! until M custodians have entered their shares, which are checked one by one and held
//! only in memory. Under a policy with `ca_keys.backup` the ceremony also installs a
//! key-backup key the token trusts, and the keys can be moved into a second token
//! under M-of-N control ([`keybackup`], R-6.2-BACKUP).

pub mod activation;
mod ceremony;
mod hsm;
pub mod keybackup;
pub mod keys;
pub mod shamir;

pub use activation::ActivationStatus;
pub use ceremony::{Ceremony, CeremonyOptions};
pub use keys::{KeyMaker, key_label, spki_fingerprint};
