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
