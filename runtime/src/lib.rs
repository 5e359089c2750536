//! The inkan runtime: the engine a compiled policy plugs into.
//!
//! A crate generated from a policy (`generated/<id>`) implements [`policy::Policy`]
//! with static profile tables. The runtime turns those tables into certificates and
//! CRLs: PKCS #10 requests are read and their proof of possession checked
//! ([`csr`]), a TBSCertificate is built with x509-cert and checked against the
//! policy before any key signs ([`issue`], [`conformance`]), a [`signer::Signer`]
//! signs it, and the [`store`] records it before and after. [`ca::Ca`] ties these to
//! a CA directory; [`crl`] builds CRLs.
//!
//! Invariants: the runtime never parses YAML; only a signer touches private keys,
//! and it signs only pipeline-checked TBS values; a certificate is recorded before
//! it is returned; times are UTCTime through 2049 and GeneralizedTime from 2050.

pub mod audit;
pub mod ca;
pub mod conformance;
pub mod crl;
pub mod csr;
pub mod custody;
pub mod error;
pub mod issue;
pub mod pkcs11;
pub mod signer;
pub mod sql;
pub mod store;
pub mod verify;
pub mod x509;

pub use inkan_policy_types::{calendar, name, policy};

pub mod extensions {
    //! OIDs of extensions outside RFC 5280's registry.
    pub use inkan_policy_types::policy::NETSCAPE_CERT_TYPE;
}

pub use error::{Error, Result};
