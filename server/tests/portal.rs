//! The subscriber portal, end to end in headless Chromium (driven through
//! chromedriver's WebDriver protocol): a subscriber pastes a PKCS#10 request, types
//! the one-time password, gets the certificate, and downloads it with the CA chain
//! (R-4.2-PASSWORD, R-4.2-PROMPT, R-6.1-CA-CERT-DELIVERY, R-4.4-RECEIPT).
//!
//! Needs Debian's `chromium` and `chromium-driver`; `.ci/run` installs them.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

use common::webdriver::{browser, driver};
use common::*;
use serde_json::json;

/// Proves: R-4.2-PASSWORD, R-4.2-PROMPT, R-6.1-CA-CERT-DELIVERY, R-4.4-RECEIPT.
#[tokio::test]
async fn r_4_2_password_the_portal_issues_and_delivers_with_the_chain() {
    let h = start().await;
    let passwords = approved(&h, "930001", "m@portal.example", &["000001", "000002"]).await;
    let d = driver().await;
    let b = browser(&d, "en").await;

    // A wrong password: no certificate, a clear message.
    b.call(
        "POST",
        "/url",
        json!({ "url": format!("{}/enroll", h.base) }),
    )
    .await;
    b.type_into("#csr", &csr(2)).await;
    b.type_into("#password", "1-not-the-password").await;
    b.click("#submit").await;
    assert!(b.text("#error").await.contains("R-4.2-PASSWORD"));

    // The right one: issued at once (R-4.2-PROMPT), offered with the chain.
    b.call(
        "POST",
        "/url",
        json!({ "url": format!("{}/enroll", h.base) }),
    )
    .await;
    b.type_into("#csr", &csr(1)).await;
    b.type_into("#password", &passwords[0].1).await;
    b.click("#submit").await;
    let issued = b.text("#issued").await;
    assert!(issued.contains("SSL-930001-000001-"), "{issued}");
    let href = format!("{}{}", h.base, b.attribute("#download-chain", "href").await);
    b.call("DELETE", "", json!({})).await;

    // The download link serves the certificate and the chain, and records receipt.
    let pem = reqwest::get(&href).await.unwrap().text().await.unwrap();
    assert_eq!(
        pem.matches("BEGIN CERTIFICATE").count(),
        3,
        "certificate + issuing CA + root"
    );
    let serial = href
        .split("/download/")
        .nth(1)
        .unwrap()
        .split('?')
        .next()
        .unwrap()
        .to_string();
    let ca = inkan_runtime::ca::Ca::open(&dir(&h), &|id| inkan_policies::by_id(id)).unwrap();
    let ra = inkan_server::ra::Ra::open(&dir(&h), ca.policy().definition()).unwrap();
    assert!(ra.received_at(&serial).unwrap().is_some(), "R-4.4-RECEIPT");
}

/// A CA on software keys where its policy wants an HSM (as every test CA is) says so
/// first on its public notices page (R-6.2-HSM): relying parties and subscribers see it
/// is not for production use.
#[tokio::test]
async fn the_notices_page_says_when_the_keys_are_not_in_an_hsm() {
    let h = start().await;
    let page = client()
        .get(format!("{}/repository/notices", h.base))
        .header("accept-language", "en-GB,en;q=0.8")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("This CA is not for production use"), "{page}");
    // The policy's default, Japanese, for a browser that asks for neither.
    let ja = get_text(format!("{}/repository/notices", h.base)).await;
    assert!(
        ja.contains("この CA は本番運用のためのものではありません"),
        "{ja}"
    );
    assert!(ja.contains("tests on fixture keys"), "{ja}");
    assert!(
        page.contains("tests on fixture keys"),
        "the recorded reason: {page}"
    );
}

/// The DER of each certificate in PEM `text`.
fn certificates(text: &str) -> Vec<Vec<u8>> {
    use base64::Engine as _;
    text.split("-----BEGIN CERTIFICATE-----")
        .skip(1)
        .map(|b| {
            let body: String = b
                .split("-----END")
                .next()
                .unwrap()
                .split_whitespace()
                .collect();
            base64::engine::general_purpose::STANDARD
                .decode(body)
                .unwrap()
        })
        .collect()
}

/// Enrollment in the browser (issue 17): the page makes the key and the request, gets
/// the certificate, and hands back a PKCS#12 under the subscriber's passphrase that
/// openssl opens with that passphrase, holding the key, the certificate and its chain;
/// the certificate passes the relying party's check (the code of `inkan verify`), and
/// its key is the one in the file. Nothing but the request went to the CA.
#[tokio::test]
async fn a_subscriber_enrolls_in_the_browser_and_gets_a_pkcs12() {
    use base64::Engine as _;
    let h = start().await;
    let passwords = approved(&h, "930002", "m@portal.example", &["000001"]).await;
    let d = driver().await;
    let b = browser(&d, "ja").await;
    b.window(1280, 1000).await;
    b.go(
        &format!("{}/enroll", h.base),
        "#browser-enroll:not([hidden])",
    )
    .await;
    b.screenshot("6-portal-enroll").await;
    b.type_into("#otp", &passwords[0].1).await;
    b.type_into("#passphrase", "correct horse battery").await;
    b.type_into("#passphrase2", "correct horse battery").await;
    b.click("#make").await;
    b.wait_for("#p12-ready:not([hidden])").await;
    b.screenshot("6-portal-pkcs12").await;
    let serial = b.text("#p12-serial").await;
    let p12 = b
        .run_async(
            "const done = arguments[arguments.length - 1];
             fetch(document.getElementById('download-p12').href)
               .then(r => r.arrayBuffer())
               .then(a => { let s = ''; for (const x of new Uint8Array(a)) s += String.fromCharCode(x); done(btoa(s)); })
               .catch(e => done('error: ' + e));",
        )
        .await;
    b.quit().await;
    // The bundle's licences travel with it.
    let licence = get_text(format!("{}/assets/licenses/pkijs.LICENSE", h.base)).await;
    assert!(licence.contains("Redistribution"), "{licence}");
    let p12 = base64::engine::general_purpose::STANDARD
        .decode(p12.as_str().unwrap())
        .unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("certificate.p12");
    std::fs::write(&file, &p12).unwrap();
    let opened = std::process::Command::new("openssl")
        .args(["pkcs12", "-in"])
        .arg(&file)
        .args(["-passin", "pass:correct horse battery", "-nodes"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&opened.stdout).to_string();
    assert!(
        opened.status.success(),
        "{}",
        String::from_utf8_lossy(&opened.stderr)
    );
    assert_eq!(text.matches("BEGIN CERTIFICATE").count(), 3, "{text}");
    assert_eq!(text.matches("BEGIN PRIVATE KEY").count(), 1, "{text}");
    let wrong = std::process::Command::new("openssl")
        .args(["pkcs12", "-in"])
        .arg(&file)
        .args(["-passin", "pass:not the passphrase", "-nodes"])
        .output()
        .unwrap();
    assert!(!wrong.status.success(), "the passphrase protects the file");

    // The certificate in the file: the one issued, accepted by the relying party's
    // check, and made for the key beside it.
    let pems = certificates(&text);
    let (_, leaf) = x509_parser::parse_x509_certificate(&pems[0]).unwrap();
    assert_eq!(
        hex::encode(leaf.raw_serial()).trim_start_matches('0'),
        serial.trim_start_matches('0')
    );
    let cas = get_bytes(format!("{}/repository/ca-certs.pem", h.base)).await;
    let cas = certificates(&String::from_utf8(cas).unwrap());
    let verifier = inkan_runtime::verify::Verifier::from_der(h.policy, &cas).unwrap();
    let crl_url = h.policy.definition().crl_url.unwrap();
    let path = &crl_url[crl_url.find("://").unwrap() + 3..];
    let crl = get_bytes(format!("{}{}", h.base, &path[path.find('/').unwrap()..])).await;
    let now = inkan_runtime::calendar::Timestamp::now();
    verifier.load_crl(&crl, now).unwrap();
    verifier.verify(&pems[0], now).unwrap();
    let key_modulus = std::process::Command::new("openssl")
        .args(["pkcs12", "-in"])
        .arg(&file)
        .args([
            "-passin",
            "pass:correct horse battery",
            "-nocerts",
            "-nodes",
        ])
        .output()
        .unwrap()
        .stdout;
    let modulus = |args: &[&str], input: &[u8]| {
        use std::io::Write as _;
        let mut c = std::process::Command::new("openssl")
            .args(args)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        c.stdin.take().unwrap().write_all(input).unwrap();
        String::from_utf8(c.wait_with_output().unwrap().stdout).unwrap()
    };
    let of_key = modulus(&["rsa", "-noout", "-modulus"], &key_modulus);
    let leaf_pem = text
        .split("-----END CERTIFICATE-----")
        .next()
        .unwrap()
        .to_string()
        + "-----END CERTIFICATE-----\n";
    let of_cert = modulus(
        &["x509", "-noout", "-modulus"],
        &leaf_pem.as_bytes()[leaf_pem.find("-----BEGIN").unwrap()..],
    );
    assert!(
        of_key.starts_with("Modulus=") && of_key == of_cert,
        "{of_key} {of_cert}"
    );
}
