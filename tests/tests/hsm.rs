//! Key custody on a real SoftHSM2 token: the key ceremony (R-6.1-CA-KEYGEN,
//! R-6.2-HSM), M-of-N activation (R-6.2-M-OF-N), issuance and CRLs signed in the
//! token and verified by openssl, and a signer that recovers by itself (`hsm_recovery.rs`).
//!
//! Needs Debian's `softhsm2` (`.ci/run` installs it). Tokens are made with
//! `softhsm2-util` before this process first loads the module, since SoftHSM reads
//! its token directory when it initialises.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::path::Path;
use std::process::Command;

use inkan_runtime::Error;
use inkan_runtime::ca::Ca;
use inkan_runtime::calendar::Timestamp;
use inkan_runtime::custody::shamir::{self, Share};
use inkan_tests::{fixture, request};

use inkan_tests::softhsm::module;

/// This binary's tokens.
const TOKENS: &[&str] = &["ceremony", "mofn", "wrong-a", "wrong-b", "pins"];

fn token(name: &str) -> String {
    inkan_tests::softhsm::token(TOKENS, name)
}

fn ceremony(id: &str, name: &str, dir: &Path) -> (Ca, Vec<Share>, String) {
    inkan_tests::softhsm::ceremony(id, token(name), dir)
}

/// Proves: R-6.1-CA-KEYGEN, R-6.2-HSM, R-7.1-ICA.
#[test]
fn r_6_1_ca_keygen_the_ceremony_makes_the_keys_inside_the_token() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("ca");
    let (ca, shares, transcript) = ceremony("jpcert-ssl-client-2026", "ceremony", &dir);
    assert_eq!(shares.len(), 3);
    // No private key file: the keys are in the token.
    assert!(
        !dir.join("keys/root.key.pem").exists() && !dir.join("keys/ssl-clients.key.pem").exists()
    );
    // Rebuild the PIN from two shares and look at the keys' attributes.
    let pin = String::from_utf8(shamir::combine(&shares[..2]).unwrap()).unwrap();
    let ctx = inkan_runtime::pkcs11::open_module(&module()).unwrap();
    let (slot, serial) = inkan_runtime::pkcs11::find_token(&ctx, &token("ceremony")).unwrap();
    let session =
        inkan_runtime::pkcs11::login(&ctx, slot, &cryptoki::types::AuthPin::from(pin)).unwrap();
    for profile in ["root", "ssl-clients"] {
        let label = inkan_runtime::custody::key_label("jpcert-ssl-client-2026", profile);
        assert!(
            // The policy backs the keys up (R-6.2-BACKUP): extractable only wrapped
            // under the token's trusted key-backup key (tests/tests/key_backup.rs).
            inkan_runtime::pkcs11::generated_inside(&session, &label, true).unwrap(),
            "{label}: CKA_LOCAL, always sensitive, wrappable only under a trusted key, no decrypt, unwrap or derive"
        );
    }
    // R-7.1-ICA: the issuing CA's subjectAltName carries the token number.
    let certs = ca.ca_certificates().unwrap();
    let (_, ica) = x509_parser::parse_x509_certificate(&certs[1]).unwrap();
    let san = &ica
        .subject_alternative_name()
        .unwrap()
        .unwrap()
        .value
        .general_names;
    match san.as_slice() {
        [x509_parser::extensions::GeneralName::DirectoryName(name)] => {
            assert_eq!(name.to_string(), format!("CN={serial}"))
        }
        other => panic!("subjectAltName {other:?}"),
    }
    // The transcript names the witnesses and is signed with the audit key.
    assert!(transcript.contains("Key Custodian One") && transcript.contains(&serial));
    let (body, signature) = transcript
        .rsplit_once("signature (Ed25519, audit key): ")
        .unwrap();
    let key = hex_decode(&ca.store().meta("audit_public_key").unwrap().unwrap());
    assert!(inkan_runtime::audit::verify_transcript(
        body,
        signature.trim(),
        &key
    ));
    let events: Vec<String> = ca
        .store()
        .audit_entries()
        .unwrap()
        .into_iter()
        .map(|e| e.event)
        .collect();
    assert!(events.contains(&"ca-key-ceremony".to_string()));
    assert!(ca.verify_audit().unwrap().ok());
}

/// After the ceremony neither PIN the token had opens it: whoever knew the user PIN
/// or the security officer PIN before cannot sign, nor set a new user PIN and then
/// sign, without the custodians; the PIN rebuilt from two shares does open it.
/// Proves: R-6.2-M-OF-N.
#[test]
fn r_6_2_m_of_n_no_pin_known_before_the_ceremony_opens_the_token_after_it() {
    use cryptoki::session::UserType;
    use cryptoki::types::AuthPin;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("ca");
    let (ca, shares, transcript) = ceremony("jpcert-ssl-client-2026", "pins", &dir);
    drop(ca);
    assert!(
        transcript.contains("security officer PIN was replaced"),
        "{transcript}"
    );
    let ctx = inkan_runtime::pkcs11::open_module(&module()).unwrap();
    let (slot, _) = inkan_runtime::pkcs11::find_token(&ctx, &token("pins")).unwrap();
    let refused = |who: UserType, pin: &str| {
        let session = ctx.open_rw_session(slot).unwrap();
        match session.login(who, Some(&AuthPin::from(pin.to_string()))) {
            Err(cryptoki::error::Error::Pkcs11(cryptoki::error::RvError::PinIncorrect, _)) => true,
            Ok(()) => {
                session.logout().unwrap();
                false
            }
            Err(e) => panic!("{e}"),
        }
    };
    assert!(
        refused(UserType::User, inkan_tests::softhsm::USER_PIN),
        "the old user PIN"
    );
    assert!(
        refused(UserType::So, inkan_tests::softhsm::SO_PIN),
        "the old SO PIN"
    );
    let pin = String::from_utf8(shamir::combine(&shares[1..]).unwrap()).unwrap();
    assert!(
        !refused(UserType::User, &pin),
        "the custodians' PIN opens it"
    );
}

fn hex_decode(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// Proves: R-6.2-M-OF-N.
#[test]
fn r_6_2_m_of_n_m_minus_1_shares_stay_locked_and_m_unlock_then_openssl_verifies() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("ca");
    let (ca, shares, _) = ceremony("jpcert-ssl-client-2026", "mofn", &dir);
    drop(ca);
    let mut ca = Ca::open(&dir, &inkan_tests::lookup).unwrap();
    let csr = fixture("sub1-2048.csr.pem");
    assert!(matches!(
        ca.issue(&request(&csr, 1, 2), Timestamp::now()),
        Err(Error::Locked { have: 0, need: 2 })
    ));
    let status = ca
        .enter_share(&shares[0].to_text(), Timestamp::now(), "custodian-1")
        .unwrap();
    assert!(!status.active && status.have == 1);
    assert!(
        matches!(
            ca.crl(None, Timestamp::now(), "test"),
            Err(Error::Locked { have: 1, need: 2 })
        ),
        "M-1 shares do not unlock"
    );
    let status = ca
        .enter_share(&shares[2].to_text(), Timestamp::now(), "custodian-3")
        .unwrap();
    assert!(status.active);
    let issued = ca.issue(&request(&csr, 1, 2), Timestamp::now()).unwrap();
    ca.revoke(&issued.serial, "key-compromise", Timestamp::now(), "test")
        .unwrap();
    let crl = ca.crl(None, Timestamp::now(), "test").unwrap();
    // openssl verifies what the HSM signed.
    let pem = |label: &str, der: &[u8]| {
        der::pem::encode_string(label, der::pem::LineEnding::LF, der).unwrap()
    };
    let certs = ca.ca_certificates().unwrap();
    std::fs::write(tmp.path().join("root.pem"), pem("CERTIFICATE", &certs[0])).unwrap();
    std::fs::write(tmp.path().join("ica.pem"), pem("CERTIFICATE", &certs[1])).unwrap();
    std::fs::write(tmp.path().join("sub.pem"), pem("CERTIFICATE", &issued.der)).unwrap();
    std::fs::write(tmp.path().join("crl.pem"), pem("X509 CRL", &crl.der)).unwrap();
    let verify = |extra: &[&str]| {
        let out = Command::new("openssl")
            .arg("verify")
            .args(extra)
            .args(["-CAfile", "root.pem", "-untrusted", "ica.pem", "sub.pem"])
            .current_dir(tmp.path())
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr)
    };
    assert!(verify(&[]).contains("sub.pem: OK"), "{}", verify(&[]));
    assert!(verify(&["-crl_check", "-CRLfile", "crl.pem"]).contains("certificate revoked"));
    // The activation and each share entered are audited; no share value is.
    let entries = ca.store().audit_entries().unwrap();
    assert_eq!(
        entries
            .iter()
            .filter(|e| e.event == "key-activation-share")
            .count(),
        2
    );
    assert!(entries.iter().any(|e| e.event == "key-activated"));
    // The whole share value, not one four-character group of it: a group alone turns
    // up by chance in the hex of the entries' hashes and serials.
    for s in &shares {
        let text = s.to_text();
        let groups: Vec<&str> = text.split('-').collect();
        let value = groups[1..groups.len() - 1].concat();
        assert!(value.len() >= 32, "{text}");
        assert!(
            entries
                .iter()
                .all(|e| !e.details.contains(&value) && !e.details.contains(&text)),
            "a share in the audit log"
        );
    }
}

/// Proves: R-6.2-M-OF-N.
#[test]
fn r_6_2_m_of_n_a_wrong_share_is_refused_and_named_by_index() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, shares_a, _) = ceremony("jpcert-ssl-client", "wrong-a", &tmp.path().join("a"));
    let (b, shares_b, _) = ceremony("jpcert-ssl-client", "wrong-b", &tmp.path().join("b"));
    drop((a, b));
    let mut ca = Ca::open(&tmp.path().join("a"), &inkan_tests::lookup).unwrap();
    let err = ca
        .enter_share(&shares_b[1].to_text(), Timestamp::now(), "c2")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("share 2 is not the share issued to custodian 2"),
        "{err}"
    );
    let typo = shares_a[0].to_text().replacen('-', "-f", 1);
    let err = ca
        .enter_share(&typo, Timestamp::now(), "c1")
        .unwrap_err()
        .to_string();
    assert!(err.contains("share 1 is mistyped"), "{err}");
    assert_eq!(
        ca.activation().unwrap().have,
        0,
        "refused shares count for nothing"
    );
    assert!(
        ca.enter_share(&shares_a[0].to_text(), Timestamp::now(), "c1")
            .is_ok()
    );
    let err = ca
        .enter_share(&shares_a[0].to_text(), Timestamp::now(), "c1")
        .unwrap_err()
        .to_string();
    assert!(err.contains("already entered"), "{err}");
    // Each refusal is audited by index and reason, never with the share's text.
    let refused: Vec<String> = ca
        .store()
        .audit_entries()
        .unwrap()
        .into_iter()
        .filter(|e| e.event == "key-activation-share-refused")
        .map(|e| e.details)
        .collect();
    assert_eq!(refused.len(), 3, "{refused:?}");
    for (details, index) in refused.iter().zip(["2", "unreadable", "1"]) {
        assert!(
            details.contains(&format!("\"index\":\"{index}\""))
                || details.contains(&format!("index={index}")),
            "{details}"
        );
    }
    for share in shares_a.iter().chain(&shares_b) {
        let text = share.to_text();
        let (_, secret) = text.split_once('-').unwrap();
        assert!(
            refused.iter().all(|d| !d.contains(secret)),
            "a share's value was audited"
        );
    }
}
