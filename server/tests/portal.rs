//! The subscriber portal, end to end in headless Chromium (driven through
//! chromedriver's WebDriver protocol): a subscriber pastes a PKCS#10 request, types
//! the one-time password, gets the certificate, and downloads it with the CA chain
//! (R-4.2-PASSWORD, R-4.2-PROMPT, R-6.1-CA-CERT-DELIVERY, R-4.4-RECEIPT).
//!
//! Needs Debian's `chromium` and `chromium-driver`; `.ci/run` installs them.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

use std::process::{Child, Command, Stdio};

use common::*;
use serde_json::{Value, json};

/// The W3C WebDriver key under which an element reference is returned.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// A chromedriver process, killed on drop.
struct Driver {
    child: Child,
    url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn driver() -> Driver {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new("chromedriver")
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver is installed (apt-get install chromium chromium-driver)");
    let d = Driver {
        child,
        url: format!("http://127.0.0.1:{port}"),
    };
    for _ in 0..100 {
        if reqwest::get(format!("{}/status", d.url)).await.is_ok() {
            return d;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("chromedriver did not start");
}

struct Browser<'a> {
    driver: &'a Driver,
    session: String,
    http: reqwest::Client,
}

impl Browser<'_> {
    async fn call(&self, method: &str, path: &str, body: Value) -> Value {
        let url = format!("{}/session/{}{path}", self.driver.url, self.session);
        let req = match method {
            "GET" => self.http.get(url),
            "DELETE" => self.http.delete(url),
            _ => self.http.post(url).json(&body),
        };
        let v: Value = req.send().await.unwrap().json().await.unwrap();
        assert!(v["value"]["error"].is_null(), "webdriver {path}: {v}");
        v["value"].clone()
    }
    async fn element(&self, css: &str) -> String {
        self.wait_for(css).await
    }
    async fn type_into(&self, css: &str, text: &str) {
        let id = self.element(css).await;
        self.call(
            "POST",
            &format!("/element/{id}/value"),
            json!({ "text": text }),
        )
        .await;
    }
    async fn click(&self, css: &str) {
        let id = self.element(css).await;
        self.call("POST", &format!("/element/{id}/click"), json!({}))
            .await;
    }
    /// Waits (up to 10 s) for an element to appear: a form submit navigates
    /// asynchronously after the click returns.
    async fn wait_for(&self, css: &str) -> String {
        for _ in 0..100 {
            let url = format!("{}/session/{}/element", self.driver.url, self.session);
            let v: Value = self
                .http
                .post(url)
                .json(&json!({ "using": "css selector", "value": css }))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            if let Some(id) = v["value"][ELEMENT].as_str() {
                return id.to_string();
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        let source = self.call("GET", "/source", json!({})).await;
        panic!("{css} never appeared; the page is: {source}");
    }
    async fn text(&self, css: &str) -> String {
        let id = self.wait_for(css).await;
        self.call("GET", &format!("/element/{id}/text"), json!({}))
            .await
            .as_str()
            .unwrap()
            .to_string()
    }
    async fn attribute(&self, css: &str, name: &str) -> String {
        let id = self.element(css).await;
        self.call("GET", &format!("/element/{id}/attribute/{name}"), json!({}))
            .await
            .as_str()
            .unwrap_or_default()
            .to_string()
    }
}

async fn browser(driver: &Driver) -> Browser<'_> {
    let profile = tempfile::tempdir().unwrap();
    let caps = json!({ "capabilities": { "alwaysMatch": { "goog:chromeOptions": {
        "binary": "/usr/bin/chromium",
        "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 format!("--user-data-dir={}", profile.keep().display())]
    } } } });
    let http = reqwest::Client::new();
    let v: Value = http
        .post(format!("{}/session", driver.url))
        .json(&caps)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let session = v["value"]["sessionId"]
        .as_str()
        .unwrap_or_else(|| panic!("no session: {v}"))
        .to_string();
    Browser {
        driver,
        session,
        http,
    }
}

/// Proves: R-4.2-PASSWORD, R-4.2-PROMPT, R-6.1-CA-CERT-DELIVERY, R-4.4-RECEIPT.
#[tokio::test]
async fn r_4_2_password_the_portal_issues_and_delivers_with_the_chain() {
    let h = start().await;
    let passwords = approved(&h, "930001", "m@portal.example", &["000001", "000002"]).await;
    let d = driver().await;
    let b = browser(&d).await;

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
