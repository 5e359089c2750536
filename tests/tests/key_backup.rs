//! The CA keys backed up into a second SoftHSM2 token (R-6.2-BACKUP, CPS 6.2.4): out of
//! the first only wrapped under its trusted key-backup key, with the activation
//! custodians present; into the second only with the backup custodians present too;
//! the second token then signs a CRL that openssl verifies against the same CA
//! certificate. And whoever holds the token PIN alone gets no key out in clear, nor
//! under a key of their own.
//!
//! Needs Debian's `softhsm2` (`.ci/run` installs it).

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::process::Command;

use cryptoki::mechanism::Mechanism;
use cryptoki::object::{Attribute, AttributeType, KeyType, ObjectClass};
use cryptoki::types::AuthPin;
use inkan_runtime::ca::Ca;
use inkan_runtime::calendar::Timestamp;
use inkan_runtime::custody::keybackup::ImportOptions;
use inkan_runtime::custody::{key_label, shamir};
use inkan_tests::softhsm::{SO_PIN, USER_PIN, ceremony_made, module};
use zeroize::Zeroizing;

/// This binary's tokens.
const TOKENS: &[&str] = &["primary", "second", "held"];
const POLICY: &str = "jpcert-ssl-client-2026";

fn token(name: &str) -> String {
    inkan_tests::softhsm::token(TOKENS, name)
}

fn pem(label: &str, der: &[u8]) -> String {
    der::pem::encode_string(label, der::pem::LineEnding::LF, der).unwrap()
}

/// Proves: R-6.2-BACKUP.
#[test]
fn the_keys_move_to_a_second_token_under_both_sets_of_custodians_and_sign_there() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("ca");
    let made = ceremony_made(POLICY, token("primary"), &dir);
    assert_eq!(made.backup_shares.len(), 3);
    assert!(
        made.transcript.contains("key backup (R-6.2-BACKUP)"),
        "{}",
        made.transcript
    );
    let certs = made.ca.ca_certificates().unwrap();
    drop(made.ca);
    let activation_text: Vec<String> = made.shares.iter().map(shamir::Share::to_text).collect();
    let backup_text: Vec<String> = made
        .backup_shares
        .iter()
        .map(shamir::Share::to_text)
        .collect();
    let activation: Vec<&str> = activation_text.iter().map(String::as_str).collect();
    let backup: Vec<&str> = backup_text.iter().map(String::as_str).collect();

    // Export with two activation custodians.
    let mut ca = Ca::open(&dir, &inkan_tests::lookup).unwrap();
    let wrapped = tmp.path().join("keys.wrapped");
    let labels = ca
        .export_keys(&activation[..1], &wrapped, Timestamp::now(), "test")
        .map(|_| ())
        .expect_err("one activation share is not enough");
    assert!(
        labels.to_string().contains("1 of the 2 activation shares"),
        "{labels}"
    );
    let labels = ca
        .export_keys(
            &[activation[0], activation[2]],
            &wrapped,
            Timestamp::now(),
            "test",
        )
        .unwrap();
    assert_eq!(labels.len(), 2);
    // What left the token is no key in clear: a PKCS #8 key holds its modulus, and
    // no wrapped key holds any CA certificate's.
    let file = std::fs::read_to_string(&wrapped).unwrap();
    for der in &certs {
        let (_, cert) = x509_parser::parse_x509_certificate(der).unwrap();
        let modulus = match cert.public_key().parsed().unwrap() {
            x509_parser::public_key::PublicKey::RSA(rsa) => hex::encode(rsa.modulus),
            other => panic!("{other:?}"),
        };
        assert!(!file.contains(&modulus[modulus.len() - 64..]));
    }

    let import_from = |file: &std::path::Path, shares: &[&str], switch: bool| {
        ca_open(&dir).import_keys(&ImportOptions {
            file,
            module: module(),
            token: &token("second"),
            pin: Zeroizing::new(USER_PIN.into()),
            so_pin: Zeroizing::new(SO_PIN.into()),
            shares,
            switch,
            now: Timestamp::now(),
            actor: "test",
        })
    };
    let import = |shares: &[&str], switch: bool| import_from(&wrapped, shares, switch);
    // The activation custodians alone cannot bring the keys in: the key-backup key
    // is the backup custodians'. One backup share is not enough either; a share of
    // another secret is named. The second token is untouched meanwhile.
    let err = import(&activation[..2], true).unwrap_err();
    assert!(
        err.to_string().contains("0 of the 2 key-backup shares"),
        "{err}"
    );
    let err = import(&[activation[0], activation[1], backup[1]], true).unwrap_err();
    assert!(
        err.to_string().contains("1 of the 2 key-backup shares"),
        "{err}"
    );
    let ctx = inkan_runtime::pkcs11::open_module(&module()).unwrap();
    let (second, _) = inkan_runtime::pkcs11::find_token(&ctx, &token("second")).unwrap();
    let s =
        inkan_runtime::pkcs11::login(&ctx, second, &AuthPin::from(USER_PIN.to_string())).unwrap();
    s.logout().unwrap();
    drop(s);

    let shares = [activation[1], backup[0], activation[2], backup[2]];
    // A file damaged in its second key: the first comes in, the second does not, and
    // the first is taken out again. The token is the CA's now (its PINs replaced), and
    // the import runs again on it with the good file.
    let damaged = tmp.path().join("damaged.wrapped");
    let mut json: serde_json::Value = serde_json::from_str(&file).unwrap();
    let second_key = json["keys"][1]["wrapped"].as_str().unwrap().to_string();
    let flipped = if second_key.starts_with('0') {
        "1"
    } else {
        "0"
    };
    json["keys"][1]["wrapped"] = serde_json::Value::from(format!("{flipped}{}", &second_key[1..]));
    std::fs::write(&damaged, serde_json::to_vec(&json).unwrap()).unwrap();
    let err = import_from(&damaged, &shares, true).unwrap_err();
    assert!(err.to_string().contains("would not unwrap"), "{err}");
    let imported = import(&shares, true).unwrap();
    assert_eq!(imported.keys.len(), 2);

    // The first token's keys are destroyed: what signs now can only be the second.
    let pin = String::from_utf8(shamir::combine(&made.shares[..2]).unwrap()).unwrap();
    let (primary, _) = inkan_runtime::pkcs11::find_token(&ctx, &token("primary")).unwrap();
    let s = inkan_runtime::pkcs11::login(&ctx, primary, &AuthPin::from(pin.clone())).unwrap();
    for profile in ["root", "ssl-clients"] {
        for h in s
            .find_objects(&[Attribute::Label(key_label(POLICY, profile).into_bytes())])
            .unwrap()
        {
            s.destroy_object(h).unwrap();
        }
    }
    drop(s);
    // The second token is opened by the same activation shares, and its keys are as
    // the ceremony made the first's.
    let s = inkan_runtime::pkcs11::login(&ctx, second, &AuthPin::from(pin)).unwrap();
    for profile in ["root", "ssl-clients"] {
        let label = key_label(POLICY, profile);
        let key = s
            .find_objects(&[
                Attribute::Class(ObjectClass::PRIVATE_KEY),
                Attribute::Label(label.clone().into_bytes()),
            ])
            .unwrap()[0];
        let asked = [
            AttributeType::Sensitive,
            AttributeType::WrapWithTrusted,
            AttributeType::Sign,
            AttributeType::Decrypt,
            AttributeType::Unwrap,
            AttributeType::Derive,
        ];
        for a in s.get_attributes(key, &asked).unwrap() {
            let ok = match a {
                Attribute::Sensitive(v) | Attribute::WrapWithTrusted(v) | Attribute::Sign(v) => v,
                Attribute::Decrypt(v) | Attribute::Unwrap(v) | Attribute::Derive(v) => !v,
                _ => false,
            };
            assert!(ok, "{label}: {a:?}");
        }
    }
    drop(s);
    let mut ca = ca_open(&dir);
    ca.enter_share(activation[0], Timestamp::now(), "c1")
        .unwrap();
    assert!(
        ca.enter_share(activation[1], Timestamp::now(), "c2")
            .unwrap()
            .active
    );
    let crl = ca.crl(None, Timestamp::now(), "test").unwrap();
    std::fs::write(tmp.path().join("root.pem"), pem("CERTIFICATE", &certs[0])).unwrap();
    std::fs::write(tmp.path().join("ica.pem"), pem("CERTIFICATE", &certs[1])).unwrap();
    std::fs::write(tmp.path().join("crl.pem"), pem("X509 CRL", &crl.der)).unwrap();
    let out = Command::new("openssl")
        .args(["crl", "-in", "crl.pem", "-noout", "-CAfile", "ica.pem"])
        .current_dir(tmp.path())
        .output()
        .unwrap();
    let said =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success() && said.contains("verify OK"), "{said}");

    let events: Vec<String> = ca
        .store()
        .audit_entries()
        .unwrap()
        .into_iter()
        .map(|e| e.event)
        .collect();
    for e in ["ca-key-backup-exported", "ca-key-backup-imported"] {
        assert!(
            events.contains(&e.to_string()),
            "{e} not audited: {events:?}"
        );
    }
    assert!(ca.verify_audit().unwrap().ok());
}

fn ca_open(dir: &std::path::Path) -> Ca {
    Ca::open(dir, &inkan_tests::lookup).unwrap()
}

/// Proves: R-6.2-BACKUP.
#[test]
fn the_token_pin_alone_gets_no_key_out_in_clear_nor_under_a_key_of_its_own() {
    let tmp = tempfile::tempdir().unwrap();
    let made = ceremony_made(POLICY, token("held"), &tmp.path().join("ca"));
    let pin = String::from_utf8(shamir::combine(&made.shares[1..]).unwrap()).unwrap();
    let ctx = inkan_runtime::pkcs11::open_module(&module()).unwrap();
    let (slot, _) = inkan_runtime::pkcs11::find_token(&ctx, &token("held")).unwrap();
    let s = inkan_runtime::pkcs11::login(&ctx, slot, &AuthPin::from(pin)).unwrap();
    let label = key_label(POLICY, "ssl-clients");
    let key = s
        .find_objects(&[
            Attribute::Class(ObjectClass::PRIVATE_KEY),
            Attribute::Label(label.into_bytes()),
        ])
        .unwrap()[0];
    // Sensitive: the private exponent is not given.
    let exponent = s
        .get_attributes(key, &[AttributeType::PrivateExponent])
        .unwrap_or_default();
    assert!(
        !exponent
            .iter()
            .any(|a| matches!(a, Attribute::PrivateExponent(_))),
        "the private exponent was read"
    );
    // A wrapping key of the holder's own: refused, the key wraps only under a trusted one.
    let own = s
        .create_object(&[
            Attribute::Class(ObjectClass::SECRET_KEY),
            Attribute::KeyType(KeyType::AES),
            Attribute::Token(false),
            Attribute::Wrap(true),
            Attribute::Value(vec![0x42; 32]),
        ])
        .unwrap();
    assert!(
        s.wrap_key(&Mechanism::AesKeyWrapPad, own, key).is_err(),
        "wrapped under a key of the holder's own"
    );
    // A trusted key of the holder's own: only the security officer may make one, and
    // the ceremony dropped the SO PIN.
    assert!(
        s.create_object(&[
            Attribute::Class(ObjectClass::SECRET_KEY),
            Attribute::KeyType(KeyType::AES),
            Attribute::Token(false),
            Attribute::Wrap(true),
            Attribute::Trusted(true),
            Attribute::Value(vec![0x42; 32]),
        ])
        .is_err()
    );
    // Nor can the trusted key-backup key be turned to unwrapping or decryption, copied
    // with either, or removed: what it wraps stays wrapped.
    let trusted = s
        .find_objects(&[
            Attribute::Label(
                inkan_runtime::custody::keybackup::backup_key_label(POLICY).into_bytes(),
            ),
            Attribute::Trusted(true),
        ])
        .unwrap();
    let [trusted] = trusted[..] else {
        panic!("one trusted key-backup key: {trusted:?}")
    };
    assert!(
        s.update_attributes(trusted, &[Attribute::Unwrap(true)])
            .is_err(),
        "made to unwrap"
    );
    assert!(
        s.update_attributes(trusted, &[Attribute::Decrypt(true)])
            .is_err(),
        "made to decrypt"
    );
    assert!(
        s.copy_object(trusted, &[Attribute::Unwrap(true), Attribute::Token(false)])
            .is_err(),
        "copied to unwrap"
    );
    assert!(s.destroy_object(trusted).is_err(), "removed");
    // Nor can the key be made wrappable by any key.
    assert!(
        s.update_attributes(key, &[Attribute::WrapWithTrusted(false)])
            .is_err()
    );
    assert!(
        s.update_attributes(key, &[Attribute::Sensitive(false)])
            .is_err()
    );
}
