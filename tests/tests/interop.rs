//! openssl, an independent implementation, verifies what inkan issues: the chain,
//! the CRL's signature, a revoked certificate found on the CRL, and `-text` parsing
//! of every artefact, for both policies (R-7.1-SUB, R-7.2-CRL, R-6.1-CA-CERT-DELIVERY).
//!
//! The faithful policy signs with SHA-1 (its waived `weak-signature-algorithm`
//! lint): OpenSSL 3 accepts that only at `-auth_level 0`, which is used for it alone.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::path::Path;
use std::process::Command;

use inkan_runtime::ca::IssueRequest;
use inkan_tests::{fixture, fixture_ca};

fn pem(label: &str, der: &[u8]) -> String {
    der::pem::encode_string(label, der::pem::LineEnding::LF, der).unwrap()
}

fn openssl(dir: &Path, args: &[&str]) -> (bool, String) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the openssl CLI is installed");
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

fn interop(id: &str, bits: u32, level: &[&str]) {
    let now = inkan_runtime::calendar::Timestamp::now();
    let (tmp, mut ca) = fixture_ca(id, now);
    let dir = tmp.path();
    let certs = ca.ca_certificates().unwrap();
    std::fs::write(dir.join("root.pem"), pem("CERTIFICATE", &certs[0])).unwrap();
    std::fs::write(dir.join("ica.pem"), pem("CERTIFICATE", &certs[1])).unwrap();
    std::fs::write(
        dir.join("chain.pem"),
        pem("CERTIFICATE", &certs[0]) + &pem("CERTIFICATE", &certs[1]),
    )
    .unwrap();
    for (n, csr) in [(1, "sub1"), (2, "sub2")] {
        let csr = fixture(&format!("{csr}-{bits}.csr.pem"));
        let issued = ca
            .issue(
                &IssueRequest {
                    actor: "test",
                    csr: &csr,
                    profile: None,
                    fields: vec![("developer".into(), 42), ("person".into(), n)],
                },
                now,
            )
            .unwrap();
        std::fs::write(
            dir.join(format!("sub{n}.pem")),
            pem("CERTIFICATE", &issued.der),
        )
        .unwrap();
        if n == 2 {
            ca.revoke(&issued.serial, "key-compromise", now, "test")
                .unwrap();
        }
    }
    let crl = ca.crl(None, now, "test").unwrap();
    std::fs::write(dir.join("crl.pem"), pem("X509 CRL", &crl.der)).unwrap();

    let verify = |extra: &[&str], leaf: &str| {
        let mut args = vec!["verify"];
        args.extend_from_slice(level);
        args.extend_from_slice(extra);
        args.extend(["-CAfile", "root.pem", "-untrusted", "ica.pem", leaf]);
        openssl(dir, &args)
    };
    let (ok, text) = verify(&[], "sub1.pem");
    assert!(ok && text.contains("sub1.pem: OK"), "{id} chain: {text}");
    let (ok, text) = verify(&["-crl_check", "-CRLfile", "crl.pem"], "sub1.pem");
    assert!(
        ok && text.contains("sub1.pem: OK"),
        "{id} chain + CRL: {text}"
    );
    let (ok, text) = verify(&["-crl_check", "-CRLfile", "crl.pem"], "sub2.pem");
    assert!(
        !ok && text.contains("certificate revoked"),
        "{id} revoked: {text}"
    );
    let (ok, text) = openssl(
        dir,
        &["crl", "-in", "crl.pem", "-noout", "-CAfile", "chain.pem"],
    );
    assert!(
        ok && text.contains("verify OK"),
        "{id} CRL signature: {text}"
    );
    for file in ["root.pem", "ica.pem", "sub1.pem"] {
        let (ok, text) = openssl(dir, &["x509", "-in", file, "-noout", "-text"]);
        assert!(
            ok && text.contains("Signature Algorithm"),
            "{id} {file}: {text}"
        );
    }
    let (ok, text) = openssl(dir, &["crl", "-in", "crl.pem", "-noout", "-text"]);
    assert!(
        ok && text.contains("Key Compromise") && text.contains("X509v3 CRL Number"),
        "{id} CRL text: {text}"
    );
}

#[test]
fn r_7_1_sub_faithful_chain_and_crl_verify_in_openssl() {
    interop("jpcert-ssl-client", 1024, &["-auth_level", "0"]);
}

#[test]
fn r_7_1_sub_modern_chain_and_crl_verify_in_openssl_at_default_level() {
    interop("jpcert-ssl-client-2026", 2048, &[]);
}
