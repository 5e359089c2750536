//! A failing signer (issue 7), on a real SoftHSM2 token. Injected: the token's user
//! PIN is changed and every session logged out behind the running CA, so its signer
//! cannot log in again. Checked: issuance fails with a clear error, nothing is signed or
//! returned, the record is marked failed (never pending: the token refused to sign),
//! `issuance-failed` is audited with the stage and serial; once the PIN is put back the
//! same CA issues again, without a restart. Its own process: it logs out every session.
//!
//! Needs Debian's `softhsm2` (`.ci/run` installs it).

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use cryptoki::types::AuthPin;
use inkan_runtime::ca::Ca;
use inkan_runtime::calendar::Timestamp;
use inkan_runtime::custody::shamir;
use inkan_tests::softhsm::module;
use inkan_tests::{fixture, request};

/// Changes the token's user PIN from `from` to `to`, then logs out (which logs out
/// every session of this process, the CA's signer included).
fn change_pin(token: &str, from: &str, to: &str) {
    let ctx = inkan_runtime::pkcs11::open_module(&module()).unwrap();
    let (slot, _) = inkan_runtime::pkcs11::find_token(&ctx, token).unwrap();
    let session =
        inkan_runtime::pkcs11::login(&ctx, slot, &AuthPin::from(from.to_string())).unwrap();
    session
        .set_pin(
            &AuthPin::from(from.to_string()),
            &AuthPin::from(to.to_string()),
        )
        .unwrap();
    session.logout().unwrap();
}

#[test]
fn a_token_that_refuses_to_sign_issues_nothing_and_the_ca_recovers() {
    let token = inkan_tests::softhsm::token(&["fault"], "fault");
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("ca");
    let (mut ca, shares, _) =
        inkan_tests::softhsm::ceremony("jpcert-ssl-client-2026", token.clone(), &dir);
    let pin = String::from_utf8(shamir::combine(&shares[..2]).unwrap()).unwrap();
    let csr = fixture("sub1-2048.csr.pem");
    ca.issue(&request(&csr, 9, 1), Timestamp::now()).unwrap();

    change_pin(&token, &pin, "a-different-pin");
    let err = ca
        .issue(&request(&csr, 9, 2), Timestamp::now())
        .unwrap_err();
    assert!(err.to_string().contains("refused the user PIN"), "{err}");
    let db = rusqlite::Connection::open(dir.join("ca.sqlite")).unwrap();
    let (serial, status, der): (String, String, Option<Vec<u8>>) = db
        .query_row(
            "SELECT serial, status, der FROM certificates WHERE subject_cn IS NOT NULL ORDER BY rowid DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!((status.as_str(), der), ("failed", None), "nothing signed");
    let last = ca.store().audit_entries().unwrap().pop().unwrap();
    assert_eq!(last.event, "issuance-failed");
    assert!(
        last.details.contains("sign") && last.details.contains(&serial),
        "{}",
        last.details
    );
    assert!(!last.details.contains(&pin), "the PIN is never audited");
    assert!(
        ca.pending().unwrap().is_empty(),
        "a refused signature leaves nothing pending"
    );

    change_pin(&token, "a-different-pin", &pin);
    let issued = ca.issue(&request(&csr, 9, 2), Timestamp::now()).unwrap();
    assert_ne!(issued.serial, serial);
    drop(ca);
    let reopened = Ca::open(&dir, &inkan_tests::lookup).unwrap();
    assert_eq!(
        reopened
            .store()
            .certificate(&issued.serial)
            .unwrap()
            .unwrap()
            .status,
        "issued"
    );
}
