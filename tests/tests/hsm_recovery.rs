//! The PKCS #11 signer recovers by itself (R-6.2-HSM): from a lost login, and from the
//! library being finalised under it. This runs in its own process: finalising a C
//! library while other threads use it is undefined behaviour, so no other test may
//! share the process.
//!
//! Needs Debian's `softhsm2` (`.ci/run` installs it). Tokens are made with
//! `softhsm2-util` before this process first loads the module, since SoftHSM reads
//! its token directory when it initialises.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::path::Path;

use inkan_runtime::ca::{Ca, Csr, IssueRequest};
use inkan_runtime::calendar::Timestamp;
use inkan_runtime::custody::shamir::{self, Share};
use inkan_tests::{fixture, request};

use inkan_tests::softhsm::module;

/// This binary's tokens.
const TOKENS: &[&str] = &["recover"];

fn token(name: &str) -> String {
    inkan_tests::softhsm::token(TOKENS, name)
}

fn ceremony(id: &str, name: &str, dir: &Path) -> (Ca, Vec<Share>, String) {
    inkan_tests::softhsm::ceremony(id, token(name), dir)
}

#[test]
fn the_signer_recovers_from_a_lost_session_and_a_finalized_library() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("ca");
    let (ca, shares, _) = ceremony("jpcert-ssl-client", "recover", &dir);
    drop(ca);
    let mut ca = Ca::open(&dir, &inkan_tests::lookup).unwrap();
    for s in &shares[..2] {
        ca.enter_share(&s.to_text(), Timestamp::now(), "custodian")
            .unwrap();
    }
    let csr = fixture("sub1-1024.csr.pem");
    ca.issue(&request(&csr, 1, 2), Timestamp::now()).unwrap();
    // Another session logs out; in PKCS #11 that logs out every session of the process,
    // so the signer's session loses its login and its key handle.
    let other = inkan_runtime::pkcs11::open_module(&module()).unwrap();
    let (slot, _) = inkan_runtime::pkcs11::find_token(&other, &token("recover")).unwrap();
    let pin = String::from_utf8(shamir::combine(&shares[..2]).unwrap()).unwrap();
    let session =
        inkan_runtime::pkcs11::login(&other, slot, &cryptoki::types::AuthPin::from(pin)).unwrap();
    session.logout().unwrap();
    drop(session);
    ca.crl(None, Timestamp::now(), "test")
        .expect("recovers from a lost login");
    // The library is finalised under the running signer.
    other.finalize().unwrap();
    let req = IssueRequest {
        actor: "test",
        csr: Csr::Encoded(&csr),
        profile: None,
        fields: vec![("developer".into(), 1), ("person".into(), 3)],
    };
    ca.issue(&req, Timestamp::now())
        .expect("recovers from a finalised library");
}
