//! A CA directory: the policy it enforces, its CA keys and certificates, and its
//! store, with the operations the CLI and the server perform on it.
//!
//! Layout of a directory `D`:
//! - `D/ca.sqlite`: the store (certificates, revocations, CRLs, settings), unless
//!   `D/inkan.toml` names another (`store = "postgres://..."`);
//! - `D/certs/<profile>.pem`: each CA certificate;
//! - `D/keys/<profile>.key.pem`: each CA's software key as encrypted PKCS#8 (scrypt,
//!   AES-256-CBC), mode 0600; absent when the keys are in an HSM;
//! - `D/keys/audit.key`: the audit key, encrypted under the same activation secret.
//!
//! The activation secret (a random passphrase, or the HSM PIN after a ceremony) exists
//! only as M-of-N custodian shares; an opened CA is locked until enough are entered.
//!
//! The files, in reading order: `open.rs` (the [`Ca`] value, opening and unlocking a
//! directory), `files.rs` (its key files), `init.rs` (making a directory), `issue.rs`
//! (the issuance pipeline, over `request.rs`, the values it passes; `batch.rs` records
//! and signs a batch and `cores.rs` spreads its per-request work over the cores),
//! `revoke.rs`, `crl.rs`, `audit.rs` (the log, checkpoints, purges) and `activate.rs`
//! (custodians' shares). The key ceremony lives with the rest
//! of key custody in [`crate::custody`]. Test hooks (crash points, a pause before a
//! CRL number) are compiled only with the `test-hooks` feature (`hooks.rs`).

mod activate;
mod audit;
mod batch;
mod cores;
mod crl;
mod files;
mod hooks;
mod init;
mod issue;
mod open;
mod request;
mod revoke;

pub use audit::Purged;
pub use crl::Published;
pub use init::InitOptions;
pub use open::{BatchTimings, Ca, store_location};
pub use request::{Completion, Csr, IssueRequest, Issued};
pub use revoke::normalise_serial;
