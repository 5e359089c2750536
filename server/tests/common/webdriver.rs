//! Headless Chromium through chromedriver's WebDriver protocol, for the tests that use
//! the service's pages as a person does: a driver process, a browser session asking
//! for a language, the few commands the tests need, and screenshots saved for a person
//! to look at. Needs Debian's `chromium` and `chromium-driver` (`.ci/run` installs
//! them).

use std::process::{Child, Command, Stdio};

use serde_json::{Value, json};

/// The W3C WebDriver key under which an element reference is returned.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// A chromedriver process, killed on drop.
pub struct Driver {
    child: Child,
    pub url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub async fn driver() -> Driver {
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

pub struct Browser<'a> {
    driver: &'a Driver,
    session: String,
    http: reqwest::Client,
}

impl Browser<'_> {
    pub async fn call(&self, method: &str, path: &str, body: Value) -> Value {
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
    pub async fn element(&self, css: &str) -> String {
        self.wait_for(css).await
    }
    pub async fn type_into(&self, css: &str, text: &str) {
        let id = self.element(css).await;
        self.call(
            "POST",
            &format!("/element/{id}/value"),
            json!({ "text": text }),
        )
        .await;
    }
    pub async fn click(&self, css: &str) {
        let id = self.element(css).await;
        self.call("POST", &format!("/element/{id}/click"), json!({}))
            .await;
    }
    /// The answer to a search for `css` (`element` or `elements`).
    async fn find(&self, command: &str, css: &str) -> Value {
        let url = format!("{}/session/{}/{command}", self.driver.url, self.session);
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
        v["value"].clone()
    }
    /// Waits (up to 10 s) for an element to appear: a form submit navigates
    /// asynchronously after the click returns.
    pub async fn wait_for(&self, css: &str) -> String {
        for _ in 0..100 {
            if let Some(id) = self.find("element", css).await[ELEMENT].as_str() {
                return id.to_string();
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        let source = self.call("GET", "/source", json!({})).await;
        panic!("{css} never appeared; the page is: {source}");
    }
    pub async fn text(&self, css: &str) -> String {
        let id = self.wait_for(css).await;
        self.call("GET", &format!("/element/{id}/text"), json!({}))
            .await
            .as_str()
            .unwrap()
            .to_string()
    }
    pub async fn attribute(&self, css: &str, name: &str) -> String {
        let id = self.element(css).await;
        self.call("GET", &format!("/element/{id}/attribute/{name}"), json!({}))
            .await
            .as_str()
            .unwrap_or_default()
            .to_string()
    }
}

/// A headless Chromium whose pages ask for `lang` (`ja`, `en`).
pub async fn browser<'a>(driver: &'a Driver, lang: &str) -> Browser<'a> {
    let profile = tempfile::tempdir().unwrap();
    let caps = json!({ "capabilities": { "alwaysMatch": { "goog:chromeOptions": {
        "binary": "/usr/bin/chromium",
        "prefs": { "intl.accept_languages": lang },
        "args": [format!("--lang={lang}"), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
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

impl Browser<'_> {
    /// Goes to `url` and waits for `css` on the page.
    pub async fn go(&self, url: &str, css: &str) {
        self.call("POST", "/url", json!({ "url": url })).await;
        self.wait_for(css).await;
    }

    /// Saves what the window shows as `dir/name.png`, for a person to look at.
    pub async fn screenshot(&self, name: &str) -> std::path::PathBuf {
        use base64::Engine as _;
        let png = self.call("GET", "/screenshot", json!({})).await;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(png.as_str().unwrap())
            .unwrap();
        let dir = screenshots();
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, bytes).unwrap();
        path
    }

    /// Sets the window's size, so screenshots show a whole page as a desk shows it.
    pub async fn window(&self, width: u32, height: u32) {
        self.call(
            "POST",
            "/window/rect",
            json!({ "width": width, "height": height }),
        )
        .await;
    }

    /// Waits (up to 10 s) until no element matches `css`: the page it was on is gone.
    pub async fn wait_gone(&self, css: &str) {
        for _ in 0..100 {
            if self
                .find("elements", css)
                .await
                .as_array()
                .is_some_and(Vec::is_empty)
            {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("{css} is still on the page");
    }

    /// Runs `script` (an async function body whose last argument is the callback) in
    /// the page, and returns what it passed to the callback.
    pub async fn run_async(&self, script: &str) -> Value {
        self.call(
            "POST",
            "/execute/async",
            json!({ "script": script, "args": [] }),
        )
        .await
    }

    /// Ends the browser's session.
    pub async fn quit(&self) {
        self.call("DELETE", "", json!({})).await;
    }
}

/// Where the browser tests save their screenshots (`target/tmp/screenshots`).
pub fn screenshots() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("screenshots")
}
