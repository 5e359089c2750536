//! The RA console in headless Chromium, as the RA's staff use it (issue 17): an
//! operator, an examiner and a supervisor each log in through the form, in Japanese
//! (the policy's default) or English, and take one application from the paper form to
//! the passwords; a page on another site that posts a step to the console changes
//! nothing. Every page is saved as a screenshot under `target/tmp/screenshots/`.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

use common::webdriver::{Browser, browser, driver};
use common::*;

async fn log_in(b: &Browser<'_>, h: &Harness, login: &str, shot: &str) {
    b.window(1280, 900).await;
    b.go(&format!("{}/ra", h.base), "#login").await;
    b.screenshot(&format!("{shot}-login")).await;
    b.type_into("#login", login).await;
    b.type_into("#password", PASSWORD).await;
    b.click("#submit").await;
    b.wait_for("#who").await;
}

#[tokio::test]
async fn three_staff_take_an_application_from_the_paper_to_the_passwords() {
    let h = start().await;
    let d = driver().await;

    // The operator, in Japanese, registers the developer with the evidence of the RA's
    // check, then records its application form: both pages are the policy's forms.
    let b = browser(&d, "ja").await;
    log_in(&b, &h, "olive", "1-operator").await;
    b.screenshot("1-operator-queues").await;
    b.go(&format!("{}/ra/developers", h.base), "#new-developer")
        .await;
    b.click("#new-developer").await;
    b.click("#class-A").await;
    for (field, value) in [
        ("#number", "977001"),
        ("#name", "Example KK"),
        ("#manager_name", "鈴木 花子"),
        ("#manager_address", "東京都千代田区 1-1"),
        ("#manager_email", "m@browser.example"),
        ("#manager_phone", "+81-3-0000-0000"),
        ("#field-public-contact", "https://example.jp/contact"),
        ("#field-product-fixed", "JVNVU#12345678"),
        ("#field-registered-mail", "RM 1234-5678-9012"),
    ] {
        b.type_into(field, value).await;
    }
    b.screenshot("1-operator-register").await;
    b.click("#register").await;
    b.wait_for("#new-application").await;
    b.go(&format!("{}/ra/developers", h.base), "#q").await;
    b.type_into("#q", "977").await;
    b.click("#search").await;
    b.wait_for("#developers a").await;
    b.screenshot("1-operator-developers").await;
    b.click("#developers a").await;
    b.click("#new-application").await;
    b.wait_for("#record").await;
    b.type_into("#field-organisation", "Example KK").await;
    b.type_into("#field-title", "CISO").await;
    b.type_into("#field-manager-name", "鈴木 花子").await;
    b.type_into("#field-address", "東京都千代田区 1-1").await;
    b.type_into("#field-manager-email", "m@browser.example")
        .await;
    b.type_into("#field-phone", "+81-3-0000-0000").await;
    b.type_into("#field-holder-names", "佐藤 太郎").await;
    b.type_into("#holders", "000001").await;
    // Recorded without the seal the operator must tick: refused, the values kept.
    b.click("#record").await;
    let error = b.text("#error").await;
    assert!(error.contains("seal-or-signature"), "{error}");
    b.screenshot("1-operator-form-refused").await;
    b.click("#field-seal-or-signature").await;
    b.click("#record").await;
    let state = b.text("#state").await;
    assert!(
        state.contains("received") || state.contains("受付"),
        "{state}"
    );
    b.screenshot("1-operator-application").await;
    let url = b.call("GET", "/url", serde_json::json!({})).await;
    let case = url.as_str().unwrap().to_string();
    b.quit().await;

    // The examiner, in English, from the queue.
    let b = browser(&d, "en").await;
    log_in(&b, &h, "erin", "2-examiner").await;
    b.screenshot("2-examiner-queues").await;
    b.click("#applications a").await;
    b.wait_for("#accept-examine-application").await;
    b.screenshot("2-examiner-application").await;
    b.click("#accept-examine-application").await;
    b.wait_gone("#accept-examine-application").await;
    b.wait_for("#who").await;
    b.screenshot("2-examiner-examined").await;
    b.quit().await;

    // The supervisor decides; the passwords, shown once, for the registered letter.
    let b = browser(&d, "ja").await;
    log_in(&b, &h, "sam", "3-supervisor").await;
    b.click("#applications a").await;
    b.click("#accept-decide-application").await;
    let password = b.text("#passwords code.password").await;
    b.screenshot("3-supervisor-passwords").await;
    b.quit().await;
    let (s, v) = enroll(&h, &password, &csr(1)).await;
    assert_eq!(s, 201, "the printed password enrolls: {v}");
    assert!(case.contains("/ra/applications/"), "{case}");
}

/// A page on another site (another origin: another port) that posts a step to the
/// console as soon as a logged-in examiner opens it: the browser's SameSite cookie,
/// the origin check and the missing form token each stop it; the request stays where
/// it was.
#[tokio::test]
async fn a_page_on_another_site_cannot_take_a_step() {
    let h = start().await;
    let passwords = approved(&h, "977002", "m@browser.example", &["000001"]).await;
    let (s, v) = enroll(&h, &passwords[0].1, &csr(1)).await;
    assert_eq!(s, 201, "{v}");
    let id = revocation_form(&h, v["serial"].as_str().unwrap(), "977002", "key-loss").await;
    let target = format!("{}/ra/revocations/{id}/steps", h.base);
    let evil = format!(
        "<!doctype html><html><body><form method=\"post\" action=\"{target}\"><input type=\"hidden\" name=\"action\" value=\"examine-revocation-form\"><input type=\"hidden\" name=\"accept\" value=\"yes\"><input type=\"hidden\" name=\"csrf\" value=\"guess\"></form><script>document.forms[0].submit()</script></body></html>"
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let other = format!("http://localhost:{}", listener.local_addr().unwrap().port());
    tokio::spawn(async move {
        let app = axum::Router::new().route(
            "/",
            axum::routing::get(move || async move { axum::response::Html(evil) }),
        );
        axum::serve(listener, app).await.unwrap();
    });

    let d = driver().await;
    let b = browser(&d, "en").await;
    log_in(&b, &h, "erin", "4-csrf").await;
    b.call("POST", "/url", serde_json::json!({ "url": other }))
        .await;
    // The form posts and the browser lands on the console's answer.
    for _ in 0..50 {
        let url = b.call("GET", "/url", serde_json::json!({})).await;
        if url.as_str().unwrap().starts_with(&h.base) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    b.screenshot("4-csrf-answer").await;
    b.quit().await;
    let (s, v) = get(
        &staff(&h, "olive").await,
        format!("{}/api/ra/revocations/{id}", h.base),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(
        v["steps"].as_array().unwrap().len(),
        1,
        "only the opening: {v}"
    );
}

/// A revocation from the paper form to the CRL, as the RA's staff and the applicant
/// manager do it in the browser: the operator records the manager's form from the
/// developer's record, the examiner and the supervisor each accept it from their
/// queue, the manager confirms through the mailed link, and the repository's CRL lists
/// the certificate.
#[tokio::test]
async fn a_revocation_goes_from_the_form_to_the_crl() {
    let h = start().await;
    let passwords = approved(&h, "977003", "m@browser.example", &["000001"]).await;
    let (s, v) = enroll(&h, &passwords[0].1, &csr(1)).await;
    assert_eq!(s, 201, "{v}");
    let serial = v["serial"].as_str().unwrap().to_string();
    let d = driver().await;

    let b = browser(&d, "ja").await;
    log_in(&b, &h, "olive", "5-revocation-operator").await;
    b.go(
        &format!("{}/ra/developers/977003", h.base),
        "#certificates a.revoke",
    )
    .await;
    b.screenshot("5-revocation-operator-developer").await;
    b.click("#certificates a.revoke").await;
    b.wait_for("#reason").await;
    b.click("#reason option[value=\"key-loss\"]").await;
    b.click("#requested_by option[value=\"applicant-manager\"]")
        .await;
    b.type_into("#field-manager-name", "鈴木 花子").await;
    b.type_into("#field-subscriber-name", "佐藤 太郎").await;
    b.type_into("#field-manager-email", "m@browser.example")
        .await;
    b.click("#field-seal-or-signature").await;
    b.screenshot("5-revocation-operator-form").await;
    b.click("#record").await;
    b.wait_gone("#record").await;
    b.wait_for("#steps").await;
    b.screenshot("5-revocation-operator-recorded").await;
    b.quit().await;

    for (login, action) in [
        ("erin", "examine-revocation-form"),
        ("sam", "accept-revocation-form"),
    ] {
        let b = browser(&d, "en").await;
        log_in(&b, &h, login, &format!("5-revocation-{login}")).await;
        b.click("#revocations a").await;
        b.click(&format!("#accept-{action}")).await;
        b.wait_gone(&format!("#accept-{action}")).await;
        b.wait_for("#who").await;
        b.screenshot(&format!("5-revocation-{login}-done")).await;
        b.quit().await;
    }

    // The manager opens the mailed link and confirms.
    let mail = h.sink.wait_for("revocation/confirm?token=").await;
    let b = browser(&d, "ja").await;
    b.go(
        &format!("{}/revocation/confirm?token={}", h.base, token_in(&mail)),
        "#confirm",
    )
    .await;
    b.screenshot("5-revocation-manager-confirm").await;
    b.click("#confirm").await;
    b.wait_for("#revoked").await;
    b.screenshot("5-revocation-manager-revoked").await;
    b.quit().await;

    let crl_url = h.policy.definition().crl_url.unwrap();
    let path = &crl_url[crl_url.find("://").unwrap() + 3..];
    let der = get_bytes(format!("{}{}", h.base, &path[path.find('/').unwrap()..])).await;
    let (_, crl) = x509_parser::parse_x509_crl(&der).unwrap();
    let listed: Vec<String> = crl
        .iter_revoked_certificates()
        .map(|r| {
            hex::encode(r.raw_serial())
                .trim_start_matches('0')
                .to_string()
        })
        .collect();
    assert!(
        listed.contains(&serial.trim_start_matches('0').to_string()),
        "{serial} not in {listed:?}"
    );
}
