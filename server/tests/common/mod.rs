//! Test harness for the service: a CA from fixture keys, the policy's four RA roles
//! staffed, a real server on a loopback port, a local SMTP sink that keeps what
//! arrives, and HTTP clients with their own cookie jars.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub mod bench;
pub mod hostile;
pub mod logs;
pub mod scrape;
pub mod webdriver;

#[allow(unused_imports)]
pub use bench::{Load, http_figures, load};
pub use scrape::{at, scrape};

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use inkan_runtime::ca::{Ca, InitOptions};
use inkan_runtime::calendar::Timestamp;
use inkan_runtime::signer::SoftwareSigner;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

pub const PASSWORD: &str = "a long staff password";

pub fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures")
}

pub fn csr(n: u32) -> String {
    csr_bits(n, 1024)
}

/// Fixture request `n` with an RSA key of `bits` (1024 for the faithful policy, 2048 for 2026).
pub fn csr_bits(n: u32, bits: u32) -> String {
    std::fs::read_to_string(fixtures().join(format!("sub{n}-{bits}.csr.pem"))).unwrap()
}

/// A message as its reader sees it: the headers, then the body with its transfer
/// encoding undone (lettre sends Japanese text as base64 or quoted-printable).
fn decoded(raw: &str) -> String {
    let Some((head, body)) = raw.split_once("\n\n") else {
        return raw.to_string();
    };
    let encoding = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-transfer-encoding:")
                .map(|v| v.trim().to_string())
        })
        .unwrap_or_default();
    let bytes = match encoding.as_str() {
        "base64" => {
            use base64::Engine as _;
            let compact: String = body.split_whitespace().collect();
            base64::engine::general_purpose::STANDARD
                .decode(compact)
                .unwrap()
        }
        "quoted-printable" => quoted_printable::decode(
            body.replace('\n', "\r\n"),
            quoted_printable::ParseMode::Robust,
        )
        .unwrap(),
        _ => return raw.to_string(),
    };
    format!("{head}\n\n{}", String::from_utf8(bytes).unwrap())
}

/// A local SMTP sink: accepts every message and keeps its text, decoded.
#[derive(Clone, Default)]
pub struct Sink {
    pub messages: Arc<Mutex<Vec<String>>>,
}

impl Sink {
    pub async fn start() -> (Sink, u16) {
        let sink = Sink::default();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let keep = sink.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let keep = keep.clone();
                tokio::spawn(async move {
                    let (r, mut w) = stream.into_split();
                    let mut lines = BufReader::new(r).lines();
                    let _ = w.write_all(b"220 sink ESMTP\r\n").await;
                    let mut data: Option<String> = None;
                    while let Ok(Some(line)) = lines.next_line().await {
                        if let Some(d) = data.as_mut() {
                            if line == "." {
                                keep.messages
                                    .lock()
                                    .unwrap()
                                    .push(decoded(&data.take().unwrap_or_default()));
                                let _ = w.write_all(b"250 queued\r\n").await;
                            } else {
                                d.push_str(&line);
                                d.push('\n');
                            }
                            continue;
                        }
                        let verb = line.get(..4).unwrap_or("").to_ascii_uppercase();
                        let reply: &[u8] = match verb.as_str() {
                            "DATA" => {
                                data = Some(String::new());
                                b"354 go ahead\r\n"
                            }
                            "QUIT" => {
                                let _ = w.write_all(b"221 bye\r\n").await;
                                break;
                            }
                            _ => b"250 ok\r\n",
                        };
                        let _ = w.write_all(reply).await;
                    }
                });
            }
        });
        (sink, port)
    }

    /// Waits up to 10 s for a message containing `needle`.
    pub async fn wait_for(&self, needle: &str) -> String {
        for _ in 0..200 {
            if let Some(m) = self
                .messages
                .lock()
                .unwrap()
                .iter()
                .find(|m| m.contains(needle))
            {
                return m.clone();
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("no mail containing {needle:?} arrived");
    }
}

pub struct Harness {
    /// The CA's activation shares, as custodians would type them.
    pub shares: Vec<String>,
    /// The configuration the server started with.
    pub config: inkan_server::Config,
    pub tmp: tempfile::TempDir,
    pub base: String,
    pub sink: Sink,
    pub server: Option<inkan_server::Running>,
    /// The policy the service runs under.
    pub policy: &'static dyn inkan_runtime::policy::Policy,
}

pub fn dir(h: &Harness) -> PathBuf {
    h.tmp.path().join("ca")
}

pub const STAFF: [(&str, &str, &str); 5] = [
    ("olive", "Olive Ono", "operator"),
    ("erin", "Erin Endo", "examiner"),
    ("sam", "Sam Saito", "supervisor"),
    ("fay", "Fay Fujita", "facility-administrator"),
    ("otto", "Otto Oda", "operator"),
];

/// The details of every audit entry of one event, oldest first.
pub fn audit_details(h: &Harness, event: &str) -> Vec<String> {
    store(h)
        .query(
            "SELECT details FROM audit WHERE event = ?1 ORDER BY seq",
            &[inkan_runtime::sql::Param::Text(event)],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0).unwrap())
        .collect()
}

/// A connection to the store the harness's CA runs on (SQLite or PostgreSQL), for
/// tests that look at or tamper with the database behind the server's back.
pub fn store(h: &Harness) -> inkan_runtime::sql::Db {
    let location = inkan_runtime::ca::store_location(&dir(h)).unwrap();
    inkan_runtime::sql::Db::open(&location).unwrap()
}

/// A CA under the faithful policy from fixture keys with staff, and a server on a
/// loopback port.
pub async fn start_with(tweak: impl FnOnce(&mut inkan_server::Config)) -> Harness {
    start_for("jpcert-ssl-client", tweak).await
}

/// A shipped policy, or a test variant (`tests/policies/`), by id.
pub fn lookup(id: &str) -> Option<&'static dyn inkan_runtime::policy::Policy> {
    inkan_policies::by_id(id).or_else(|| inkan_test_policies::by_id(id))
}

/// As [`start_with`], under the policy `id`.
pub async fn start_for(id: &str, tweak: impl FnOnce(&mut inkan_server::Config)) -> Harness {
    start_inner(id, tweak, None).await
}

/// A service under policy `id` that acts at `t` (its CA made with
/// `--allow-clock-override`); move it on with [`Harness::set_clock`].
pub async fn start_at(id: &str, t: Timestamp) -> Harness {
    start_inner(id, |_| {}, Some(t)).await
}

/// As [`start_at`], with the configuration tweaked.
pub async fn start_at_with(
    id: &str,
    t: Timestamp,
    tweak: impl FnOnce(&mut inkan_server::Config),
) -> Harness {
    start_inner(id, tweak, Some(t)).await
}

async fn start_inner(
    id: &str,
    tweak: impl FnOnce(&mut inkan_server::Config),
    clock: Option<Timestamp>,
) -> Harness {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("ca");
    let policy = lookup(id).unwrap();
    let key_source = |p: &'static inkan_runtime::policy::CertificateProfile| {
        SoftwareSigner::from_pkcs8_pem(
            &std::fs::read_to_string(
                fixtures().join(format!("ca-{}-{}.key.pem", p.name, p.key_bits)),
            )
            .unwrap(),
        )
    };
    let store = inkan_tests::test_store();
    let options = InitOptions {
        allow_clock_override: clock.is_some(),
        custody_waiver: Some("tests on fixture keys"),
        key_source: &key_source,
        progress: &|_| {},
        store: store.as_deref(),
    };
    let (ca, shares) =
        Ca::init(&dir, policy, clock.unwrap_or_else(Timestamp::now), &options).unwrap();
    let shares: Vec<String> = shares
        .iter()
        .map(inkan_runtime::custody::shamir::Share::to_text)
        .collect();
    let mut ra = inkan_server::ra::Ra::open(&dir, ca.policy().definition()).unwrap();
    for (login, person, role) in STAFF {
        ra.add_staff(login, person, role, PASSWORD, Timestamp::now(), "test")
            .unwrap();
    }
    drop((ra, ca));
    let (sink, smtp_port) = Sink::start().await;
    let mut config = inkan_server::Config::load(&dir).unwrap();
    config.listen = "127.0.0.1:0".parse().unwrap();
    config.smtp_host = Some("127.0.0.1".into());
    config.smtp_port = smtp_port;
    config.tick_seconds = 1;
    // Every test client is 127.0.0.1: the per-client rate limit is off unless a test
    // turns it on (server/tests/rate.rs).
    config.rate_limit_burst = 0;
    // For a policy with a backup schedule (the variant's): the server needs somewhere.
    config.backup_dir = Some(tmp.path().join("backups"));
    tweak(&mut config);
    let started_with = config.clone();
    // The clock is set before the jobs' first tick, so no job runs at the real time.
    let server = inkan_server::start_at(config, &lookup, clock)
        .await
        .unwrap();
    activate(&server.state, &shares).await;
    let base = format!("http://{}", server.addr);
    Harness {
        policy,
        config: started_with,
        tmp,
        base,
        sink,
        server: Some(server),
        shares,
    }
}

/// Enters shares until the CA keys are active, as custodians do at start-up.
pub async fn activate(state: &inkan_server::AppState, shares: &[String]) {
    for share in shares {
        let status = state
            .enter_share(share.clone(), "custodian".into())
            .await
            .unwrap();
        if status.active {
            return;
        }
    }
    panic!("the shares did not activate the CA");
}

pub async fn start() -> Harness {
    start_with(|_| {}).await
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap()
}

/// A client logged in as `login`.
pub async fn staff(h: &Harness, login: &str) -> reqwest::Client {
    let c = client();
    let r = c
        .post(format!("{}/api/ra/login", h.base))
        .json(&json!({ "login": login, "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "login {login}");
    c
}

pub async fn post(c: &reqwest::Client, url: String, body: Value) -> (u16, Value) {
    let r = c.post(url).json(&body).send().await.unwrap();
    let status = r.status().as_u16();
    let ct = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap_or("").to_string())
        .unwrap_or_default();
    let v: Value = r.json().await.unwrap_or(Value::Null);
    if status >= 400 {
        assert_eq!(
            ct, "application/problem+json",
            "errors are problem documents: {v}"
        );
    }
    (status, v)
}

pub async fn get(c: &reqwest::Client, url: String) -> (u16, Value) {
    let r = c.get(url).send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

pub fn developer(number: &str, email: &str) -> Value {
    json!({
        "number": number, "name": format!("Developer {number}"), "class": "A", "registration": "full",
        "manager_name": "Hanako Suzuki", "manager_address": "1-1 Chiyoda, Tokyo", "manager_email": email, "manager_phone": "+81-3-0000-0000",
        "registration_form": {
            "public-contact": "https://dev.example/contact",
            "product-fixed": "JVNVU#00000000",
            "registered-mail": "RM 1234-5678-9012"
        }
    })
}

/// `form`, a class A application form, with only the fields the harness's policy
/// asks of one (the variant asks fewer).
pub fn as_the_policy_asks(h: &Harness, mut form: Value) -> Value {
    use inkan_runtime::forms::{FormFor, find};
    let asked = find(h.policy.definition().forms, FormFor::Application, "A").unwrap();
    form.as_object_mut()
        .unwrap()
        .retain(|k, _| asked.fields.iter().any(|f| f.name == k));
    form
}

/// A class A application form as the shipped policies ask for it, giving `email`.
pub fn application_form(email: &str) -> Value {
    json!({
        "organisation": "Example KK", "title": "CISO", "manager-name": "Hanako Suzuki",
        "address": "1-1 Chiyoda, Tokyo", "manager-email": email, "phone": "+81-3-0000-0000",
        "holder-names": ["Taro Sato"], "seal-or-signature": true
    })
}

/// A class B application form as the shipped policies ask for it, giving `email`.
pub fn application_form_b(email: &str) -> Value {
    json!({
        "applicant-name": "Jiro Tanaka", "address": "2-2 Minato, Tokyo", "email": email,
        "phone": "+81-3-1111-1111", "seal-or-signature": true
    })
}

/// An applicant manager's revocation form as the shipped policies ask for it.
pub fn revocation_paper() -> Value {
    json!({
        "manager-name": "Hanako Suzuki", "subscriber-name": "Taro Sato",
        "manager-email": "boss@dev.example", "seal-or-signature": true
    })
}

/// A developer `number` on the list, registered by the operator.
pub async fn register(h: &Harness, number: &str, email: &str) {
    let (s, v) = post(
        &staff(h, "olive").await,
        format!("{}/api/ra/developers", h.base),
        developer(number, email),
    )
    .await;
    assert_eq!(s, 201, "{v}");
}

/// Registers a developer and takes an application through examination and approval;
/// returns the passwords, by person.
pub async fn approved(
    h: &Harness,
    number: &str,
    email: &str,
    holders: &[&str],
) -> Vec<(String, String)> {
    let op = staff(h, "olive").await;
    let (s, v) = post(
        &op,
        format!("{}/api/ra/developers", h.base),
        developer(number, email),
    )
    .await;
    assert!(s == 201 || s == 409, "{s} {v}");
    let (s, v) = post(
        &op,
        format!("{}/api/ra/applications", h.base),
        json!({ "developer": number, "form": as_the_policy_asks(h, application_form(email)), "holders": holders }),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    let id = v["id"].as_i64().unwrap();
    let (s, v) = step(h, "erin", "applications", id, "examine-application", true).await;
    assert_eq!(s, 200, "{v}");
    let (s, v) = step(h, "sam", "applications", id, "decide-application", true).await;
    assert_eq!(s, 200, "{v}");
    v["passwords"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["person"].as_str().unwrap().to_string(),
                p["password"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// Enrolls through the JSON API.
pub async fn enroll(h: &Harness, password: &str, csr: &str) -> (u16, Value) {
    post(
        &client(),
        format!("{}/api/enroll", h.base),
        json!({ "password": password, "csr": csr }),
    )
    .await
}

/// Takes a step of a case as `login`: `cases` is `applications`, `revocations` or
/// `developer-removals`; returns the status and the answer.
pub async fn step(
    h: &Harness,
    login: &str,
    cases: &str,
    id: i64,
    action: &str,
    accept: bool,
) -> (u16, Value) {
    post(
        &staff(h, login).await,
        format!("{}/api/ra/{cases}/{id}/steps", h.base),
        json!({ "action": action, "accept": accept }),
    )
    .await
}

/// Records a manager's revocation form as an operator; returns the request's id.
pub async fn revocation_form(h: &Harness, serial: &str, developer: &str, reason: &str) -> i64 {
    let (s, v) = post(
        &staff(h, "olive").await,
        format!("{}/api/ra/revocations", h.base),
        json!({ "serial": serial, "developer": developer, "reason": reason, "requested_by": "applicant-manager", "form": revocation_paper() }),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    v["id"].as_i64().unwrap()
}

/// Revokes `serial` as the RA does under the faithful policy: an operator records
/// the manager's form, the examiner and then the supervisor check it
/// (R-5.2-DUAL-CHECK), the manager confirms through the link mailed to the address on
/// file (R-3.4-REVOKE-CONFIRM); the confirmation revokes and republishes the CRL.
pub async fn revoke_confirmed(h: &Harness, serial: &str, developer: &str, reason: &str) {
    let (_, mail) = revocation_mailed(h, serial, developer, reason).await;
    // With no public_url configured, the link names the address the server is bound to.
    assert!(
        mail.contains(&format!("{}/revocation/confirm?token=", h.base)),
        "{mail}"
    );
    assert_eq!(confirm_revocation(h, &token_in(&mail)).await, 200);
}

/// Takes a manager's revocation form of `serial` to the mailed link: recorded by an
/// operator, examined, accepted by the supervisor. Returns the request's id and the
/// confirmation mail.
pub async fn revocation_mailed(
    h: &Harness,
    serial: &str,
    developer: &str,
    reason: &str,
) -> (i64, String) {
    let id = revocation_form(h, serial, developer, reason).await;
    let (s, v) = step(
        h,
        "erin",
        "revocations",
        id,
        "examine-revocation-form",
        true,
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let (s, v) = step(h, "sam", "revocations", id, "accept-revocation-form", true).await;
    assert_eq!(s, 200, "{v}");
    (id, h.sink.wait_for("revocation/confirm?token=").await)
}

/// The confirmation token in a mailed link.
pub fn token_in(mail: &str) -> String {
    mail.split("token=")
        .nth(1)
        .and_then(|t| t.split_whitespace().next())
        .unwrap()
        .to_string()
}

/// Submits the confirmation form, as the manager's browser does; returns the status.
pub async fn confirm_revocation(h: &Harness, token: &str) -> u16 {
    client()
        .post(format!("{}/revocation/confirm", h.base))
        .form(&[("token", token)])
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// The text of a GET that must succeed.
pub async fn get_text(url: String) -> String {
    let r = client().get(url).send().await.unwrap();
    assert_eq!(r.status(), 200);
    r.text().await.unwrap()
}

/// The body of a GET.
pub async fn get_bytes(url: String) -> Vec<u8> {
    client()
        .get(url)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap()
        .to_vec()
}

/// One-time passwords for `n` holders, in application forms of up to `per_form`
/// holders each (developers 900001 on), taken through examination and approval.
pub async fn passwords(h: &Harness, n: usize, per_form: usize) -> Vec<String> {
    let mut out = Vec::with_capacity(n);
    let mut form = 0;
    while out.len() < n {
        form += 1;
        let count = per_form.min(n - out.len());
        let holders: Vec<String> = (1..=count).map(|p| format!("{p:06}")).collect();
        let refs: Vec<&str> = holders.iter().map(String::as_str).collect();
        let developer = format!("{}", 900_000 + form);
        let approved = approved(h, &developer, "bench@dev.example", &refs).await;
        out.extend(approved.into_iter().map(|(_, password)| password));
    }
    out
}
