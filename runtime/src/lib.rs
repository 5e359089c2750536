//! The inkan runtime: the engine a compiled policy plugs into.
//!
//! inkan writes a CA's Certification Practice Statement once, as a policy file; the
//! compiler (`inkan-compiler`) turns each policy into a crate of static tables
//! (`generated/<id>`, made of [`policy`] types). This crate issues from those tables:
//! certificates and CRLs exactly as the profiles say, each checked against them before
//! a key signs, recorded before and after, every change audited in a hash-chained log,
//! and the CA keys locked until their custodians activate them.
//!
//! # Getting started
//!
//! A CA lives in a directory ([`ca::Ca`]). Make one under a compiled policy, let the
//! custodians' shares unlock it, issue a subscriber certificate from a PKCS#10
//! request, revoke it and publish the CRL:
//!
//! ```
//! use inkan_runtime::ca::{Ca, Csr, InitOptions, IssueRequest};
//! use inkan_runtime::calendar::Timestamp;
//! use inkan_runtime::signer::SoftwareSigner;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let policy = inkan_policies::by_id("jpcert-ssl-client").ok_or("not linked")?;
//! let now = Timestamp::parse_rfc3339("2026-04-01T09:00:00Z").ok_or("bad time")?;
//! let dir = tempfile::tempdir()?;
//! # let fixture = |p: &inkan_runtime::policy::CertificateProfile| {
//! #     let path = format!("{}/../tests/fixtures/ca-{}-{}.key.pem", env!("CARGO_MANIFEST_DIR"), p.name, p.key_bits);
//! #     SoftwareSigner::from_pkcs8_pem(&std::fs::read_to_string(path).unwrap_or_default())
//! # };
//! let options = InitOptions {
//!     allow_clock_override: true, // so this example can say when it is
//!     // The policy wants the keys in an HSM (R-6.2-HSM); fixture keys need a recorded
//!     // reason. In production: keys made on a token by a ceremony (`Ca::ceremony`).
//!     custody_waiver: Some("documentation example on fixture keys"),
//!     // Software keys: fresh ones would be `&|p| SoftwareSigner::generate(p.key_bits)`.
//!     key_source: &fixture,
//!     progress: &|_| {},
//!     store: None, // the directory's own SQLite file
//! };
//! let (mut ca, shares) = Ca::init(&dir.path().join("ca"), policy, now, &options)?;
//! # drop(ca);
//!
//! // Opened later, the CA is locked until M custodians enter their shares.
//! let mut ca = Ca::open(&dir.path().join("ca"), &inkan_policies::by_id)?;
//! for share in &shares[..2] {
//!     ca.enter_share(&share.to_text(), now, "custodian")?;
//! }
//!
//! let csr = std::fs::read(format!(
//!     "{}/../tests/fixtures/sub1-1024.csr.pem",
//!     env!("CARGO_MANIFEST_DIR")
//! ))?;
//! let request = IssueRequest {
//!     actor: "example",
//!     csr: Csr::Encoded(&csr),
//!     profile: None, // the policy's only subscriber profile
//!     fields: vec![("developer".into(), 123456), ("person".into(), 1)],
//! };
//! let issued = ca.issue(&request, now)?;
//! assert!(issued.subject.starts_with("CN=SSL-123456-000001-2026a")); // fiscal 2026, letter a
//!
//! ca.revoke(&issued.serial, "key-compromise", now, "example")?;
//! let crl = ca.crl(None, now, "example")?;
//! assert_eq!(crl.number, 1);
//! assert!(ca.verify_audit()?.ok());
//! # Ok(())
//! # }
//! ```
//!
//! # How it is built
//!
//! - [`ca`]: a CA directory and its operations: open and unlock, init, the issuance
//!   pipeline in batches ([`ca::Ca::issue_many`]), revocation, CRL publication, the
//!   audit log, M-of-N activation.
//! - [`custody`]: how CA keys come to be and come to life: the key ceremony on a
//!   PKCS#11 token, Shamir shares, activation.
//! - [`csr`] reads PKCS#10 requests and checks their proof of possession; [`issue`]
//!   builds a TBSCertificate and checks it against the profile ([`conformance`]) before
//!   a [`signer::Signer`] (software, or [`pkcs11`]) signs it; [`crl`] builds CRLs;
//!   [`x509`] encodes names, extensions and times as the policy says.
//! - [`store`] records certificates, revocations, sequence letters, CRLs and the audit
//!   chain over [`sql`], one SQL text for SQLite and PostgreSQL; [`audit`] chains,
//!   signs and verifies entries.
//! - [`verify`] is the relying party's check (R-9.6-RP-CHECK).
//! - [`error`]: one [`Error`] type; [`error::ErrorKind`] says what each error means
//!   (invalid, not found, conflict, unavailable, corrupt, internal) for whoever must act.
//!
//! # What it promises
//!
//! The runtime never parses YAML. Only a signer touches private keys, and it signs
//! only pipeline-checked TBS values. A certificate is recorded before it is returned,
//! and a batch that cannot be recorded returns nothing. No private key is on disk in
//! clear. Times are UTCTime through 2049 and GeneralizedTime from 2050, whatever the
//! policy says. A CRL number goes up by one, and a revocation never leaves the CRL.
//! `ARCHITECTURE.md` says where each of these is held.
//!
//! # Features
//!
//! - `test-hooks`: crash points and a pause before a CRL number, for the crash and
//!   several-writer tests. Never enabled in a release build.

pub mod audit;
pub mod backup;
pub mod ca;
pub mod conformance;
pub mod crl;
pub mod crl_parts;
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

pub use inkan_policy_types::{
    actions, archive, business, calendar, eligibility, forms, language, lifecycle, name, policy,
    renewal, workflow,
};

pub mod extensions {
    //! OIDs of extensions outside RFC 5280's registry.
    pub use inkan_policy_types::policy::NETSCAPE_CERT_TYPE;
}

pub use error::{Error, Result};
