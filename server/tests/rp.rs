//! The relying-party demo over real mutual TLS (R-9.6-RP-CHECK): rustls serving,
//! `openssl s_client` presenting certificates a fixture CA issued under the 2026
//! policy. A good certificate is answered with its subject; after revocation and the
//! scheduled CRL refresh it is refused with `certificate revoked`; a certificate of
//! another CA, an expired one and a stale CRL are each refused with their reason.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use inkan_runtime::ca::{Ca, Issued};
use inkan_runtime::calendar::Timestamp;
use inkan_runtime::verify::Refusal;
use inkan_runtime::verify::Verifier;
use inkan_server::rp::{Clock, CrlSource, RelyingParty, RpError, RpOptions, rebase};
use inkan_tests::{fixture_ca, issue_to_files, pem, policy, tls_client};

const ID: &str = "jpcert-ssl-client-2026";

struct Demo {
    tmp: tempfile::TempDir,
    ca: Ca,
    subscribers: Vec<Issued>,
    rp: Arc<RelyingParty>,
    addr: String,
    /// Seconds added to the real clock the verifier judges by.
    offset: Arc<AtomicI64>,
}

fn clock(offset: &Arc<AtomicI64>) -> Clock {
    let offset = offset.clone();
    Arc::new(move || {
        let now = Timestamp::now();
        Timestamp::from_unix(now.unix() + offset.load(Ordering::SeqCst)).unwrap_or(now)
    })
}

fn publish_crl(ca: &mut Ca, dir: &Path) {
    let crl = ca.crl(None, Timestamp::now(), "test").unwrap();
    // Written whole, then renamed: the refresher never reads half a CRL.
    std::fs::write(dir.join("crl.tmp"), pem("X509 CRL", &crl.der)).unwrap();
    std::fs::rename(dir.join("crl.tmp"), dir.join("crl.pem")).unwrap();
}

fn options(ca: &Ca, dir: &Path, offset: &Arc<AtomicI64>) -> RpOptions {
    RpOptions {
        policy: ca.policy(),
        ca_certs: ca.ca_certificates().unwrap(),
        crl: CrlSource::File(dir.join("crl.pem")),
        refresh: Duration::from_millis(200),
        server_identity: None,
        clock: clock(offset),
    }
}

async fn demo() -> Demo {
    demo_of(ID, 2048).await
}

async fn demo_of(id: &'static str, bits: u32) -> Demo {
    let (tmp, mut ca) = fixture_ca(id, Timestamp::now());
    let dir = tmp.path();
    let mut subscribers = Vec::new();
    for n in 1..=2 {
        subscribers.push(issue_to_files(&mut ca, dir, n, bits, Timestamp::now()));
    }
    publish_crl(&mut ca, dir);
    let offset = Arc::new(AtomicI64::new(0));
    let rp = Arc::new(
        RelyingParty::start(options(&ca, dir, &offset))
            .await
            .unwrap(),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    tokio::spawn(rp.clone().serve(listener));
    Demo {
        tmp,
        ca,
        subscribers,
        rp,
        addr,
        offset,
    }
}

impl Demo {
    /// Connects with `cert`/`key` (files in the demo's directory).
    async fn connect(&self, cert: &str, key: &str) -> String {
        self.connect_args(cert, key, &[]).await
    }

    async fn connect_args(&self, cert: &str, key: &str, extra: &[&str]) -> String {
        let (dir, addr) = (self.tmp.path().to_path_buf(), self.addr.clone());
        let (cert, key) = (cert.to_string(), key.to_string());
        let extra: Vec<String> = extra.iter().map(|s| s.to_string()).collect();
        tokio::task::spawn_blocking(move || {
            let extra: Vec<&str> = extra.iter().map(String::as_str).collect();
            tls_client(&dir, &addr, &cert, &key, &extra)
        })
        .await
        .unwrap()
    }

    async fn connect_with(&self, n: usize, extra: &[&str]) -> String {
        self.connect_args(&format!("sub{n}.pem"), &format!("sub{n}.key"), extra)
            .await
    }

    async fn subscriber(&self, n: usize) -> String {
        self.connect_with(n, &[]).await
    }
}

/// Proves: R-9.6-RP-CHECK.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r_9_6_rp_check_rustls_demo_names_the_subscriber_then_refuses_it_once_revoked() {
    let mut d = demo().await;
    let out = d.subscriber(1).await;
    assert!(
        out.contains(&format!("authenticated: {}", d.subscribers[0].subject)),
        "{out}"
    );

    let serial = d.subscribers[0].serial.clone();
    d.ca.revoke(&serial, "key-compromise", Timestamp::now(), "test")
        .unwrap();
    publish_crl(&mut d.ca, d.tmp.path());
    // The scheduled refresh picks up CRL 2 without a restart.
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while d.rp.crl_state().map(|(n, _)| n) != Some(2) {
        assert!(std::time::Instant::now() < deadline, "CRL 2 not loaded");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let out = d.subscriber(1).await;
    assert!(out.contains("alert certificate revoked"), "{out}");
    assert!(!out.contains("authenticated:"), "{out}");
    assert!(
        matches!(d.rp.last_refusal(), Some(Refusal::Revoked { serial: s, .. }) if s == serial),
        "{:?}",
        d.rp.last_refusal()
    );
    // The other subscriber is unaffected.
    let out = d.subscriber(2).await;
    assert!(
        out.contains(&format!("authenticated: {}", d.subscribers[1].subject)),
        "{out}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rustls_demo_refuses_a_certificate_of_another_ca() {
    let d = demo().await;
    let dir = d.tmp.path();
    let openssl = |args: &[&str]| {
        let out = std::process::Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
    };
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    openssl(
        &[
            &["req", "-x509"][..],
            &ec,
            &[
                "-keyout",
                "other-ca.key",
                "-out",
                "other-ca.pem",
                "-subj",
                "/CN=Other CA",
                "-days",
                "2",
            ],
        ]
        .concat(),
    );
    openssl(
        &[
            &["req", "-new"][..],
            &ec,
            &[
                "-keyout",
                "other.key",
                "-out",
                "other.csr",
                "-subj",
                "/CN=SSL-000042-000001-2026a",
            ],
        ]
        .concat(),
    );
    openssl(&[
        "x509",
        "-req",
        "-in",
        "other.csr",
        "-CA",
        "other-ca.pem",
        "-CAkey",
        "other-ca.key",
        "-CAcreateserial",
        "-out",
        "other.pem",
        "-days",
        "1",
    ]);
    let out = d.connect("other.pem", "other.key").await;
    assert!(out.contains("alert unknown ca"), "{out}");
    assert!(
        matches!(d.rp.last_refusal(), Some(Refusal::NotChained(_))),
        "{:?}",
        d.rp.last_refusal()
    );
}

/// Proves: R-9.6-RP-CHECK.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r_9_6_rp_check_rustls_demo_refuses_expired_certificates_and_stale_crls() {
    let d = demo().await;
    // Two years on, the certificate has expired (checked before revocation).
    d.offset.store(2 * 366 * 86_400, Ordering::SeqCst);
    let out = d.subscriber(1).await;
    assert!(out.contains("alert certificate expired"), "{out}");
    assert!(
        matches!(d.rp.last_refusal(), Some(Refusal::Expired { .. })),
        "{:?}",
        d.rp.last_refusal()
    );
    // Five days on, the certificate is good but the CRL's nextUpdate (4 days,
    // R-7.2-CRL) has passed and nothing newer was published: refused.
    d.offset.store(5 * 86_400, Ordering::SeqCst);
    let out = d.subscriber(1).await;
    assert!(!out.contains("authenticated:"), "{out}");
    assert!(
        matches!(d.rp.last_refusal(), Some(Refusal::StaleCrl { .. })),
        "{:?}",
        d.rp.last_refusal()
    );
    // And the demo will not start on a stale CRL.
    match RelyingParty::start(options(&d.ca, d.tmp.path(), &d.offset)).await {
        Err(RpError::Refused(Refusal::StaleCrl { .. })) => {}
        Err(e) => panic!("expected a stale-CRL refusal, got {e}"),
        Ok(_) => panic!("started on a stale CRL"),
    }
}

/// The faithful policy's certificates pass inkan's verifier (the policy allows SHA-1
/// and RSA-1024), but rustls checks the client's handshake signature through webpki,
/// which takes RSA keys of 2048 bits or more only: the handshake fails with
/// BadSignature (alert decrypt_error), even with a client willing to use the key.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rustls_cannot_take_the_faithful_rsa_1024_handshake_signature() {
    let d = demo_of("jpcert-ssl-client", 1024).await;
    let out = d
        .connect_with(1, &["-cipher", "DEFAULT:@SECLEVEL=0", "-auth_level", "0"])
        .await;
    assert!(out.contains("alert decrypt error"), "{out}");
    assert!(!out.contains("authenticated:"), "{out}");
    assert_eq!(d.rp.last_refusal(), None, "the verifier itself accepted it");
}

/// The whole loop: a subscriber enrolled through the service; a relying party that
/// knows only the repository (CA certificates) and the certificate's CRL distribution
/// point (moved onto the local repository); revocation through the RA.
/// Proves: R-9.6-RP-CHECK, R-2.2-PUBLISH.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r_9_6_rp_check_end_to_end_enrolled_through_the_service_refused_after_revocation() {
    let h = common::start_for(ID, |_| {}).await;
    let passwords = common::approved(&h, "810001", "manager@org.example", &["000001"]).await;
    let (s, v) = common::enroll(&h, &passwords[0].1, &common::csr_bits(1, 2048)).await;
    assert_eq!(s, 201, "{v}");
    let dir = h.tmp.path();
    let certificate = v["certificate"].as_str().unwrap();
    std::fs::write(dir.join("sub1.pem"), certificate).unwrap();
    std::fs::write(
        dir.join("sub1.key"),
        inkan_tests::fixture("sub1-2048.key.pem"),
    )
    .unwrap();
    let (_, cert_der) = der::pem::decode_vec(certificate.as_bytes()).unwrap();

    let bundle = common::get_bytes(format!("{}/repository/ca-certs.pem", h.base)).await;
    let ca_certs = x509_cert::Certificate::load_pem_chain(&bundle)
        .unwrap()
        .iter()
        .map(|c| der::Encode::to_der(c).unwrap())
        .collect();
    let point = Verifier::distribution_points(&cert_der).unwrap().remove(0);
    let rp = Arc::new(
        RelyingParty::start(RpOptions {
            policy: policy(ID),
            ca_certs,
            crl: CrlSource::Url(rebase(&point, &h.base)),
            refresh: Duration::from_millis(200),
            server_identity: None,
            clock: clock(&Arc::new(AtomicI64::new(0))),
        })
        .await
        .unwrap(),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    tokio::spawn(rp.clone().serve(listener));
    let connect = || {
        let (dir, addr) = (dir.to_path_buf(), addr.clone());
        tokio::task::spawn_blocking(move || tls_client(&dir, &addr, "sub1.pem", "sub1.key", &[]))
    };
    let out = connect().await.unwrap();
    assert!(
        out.contains("authenticated: ") && out.contains("CN=SSL-810001-000001-"),
        "{out}"
    );

    let (held, _) = rp.crl_state().unwrap();
    let serial = v["serial"].as_str().unwrap();
    common::revoke_confirmed(&h, serial, "810001", "cessation-of-use").await;
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while rp.crl_state().map(|(n, _)| n) == Some(held) {
        assert!(std::time::Instant::now() < deadline, "no newer CRL fetched");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let out = connect().await.unwrap();
    assert!(out.contains("alert certificate revoked"), "{out}");
}

/// `inkan verify`, `rp-demo` and `inkan restore` fetch over https through rustls: a
/// repository whose certificate chains to a root given to them (`INKAN_FETCH_CA`) is
/// read, one that chains to nothing they trust is refused, naming why. The server is
/// openssl's own (`s_server -WWW`), with a throwaway P-256 key (fast to make).
#[tokio::test]
async fn a_repository_over_https_is_read_when_its_root_is_trusted_and_refused_otherwise() {
    let tmp = tempfile::tempdir().unwrap();
    // A root, and a server certificate it signs (webpki refuses a CA certificate as
    // the server's own).
    std::fs::write(
        tmp.path().join("leaf.ext"),
        "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n\
         keyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
    ];
    let steps: [Vec<&str>; 3] = [
        [
            &["req", "-x509"][..],
            &ec,
            &["-subj", "/CN=test root", "-days", "1"],
            &["-keyout", "root.key", "-out", "root.pem"],
        ]
        .concat(),
        [
            &["req"][..],
            &ec,
            &[
                "-subj",
                "/CN=localhost",
                "-keyout",
                "key.pem",
                "-out",
                "leaf.csr",
            ],
        ]
        .concat(),
        vec![
            "x509",
            "-req",
            "-in",
            "leaf.csr",
            "-CA",
            "root.pem",
            "-CAkey",
            "root.key",
            "-CAcreateserial",
            "-days",
            "1",
            "-extfile",
            "leaf.ext",
            "-out",
            "cert.pem",
        ],
    ];
    for args in &steps {
        let made = std::process::Command::new("openssl")
            .args(args)
            .current_dir(tmp.path())
            .output()
            .unwrap();
        assert!(
            made.status.success(),
            "{}",
            String::from_utf8_lossy(&made.stderr)
        );
    }
    let body = b"a CRL, as far as a fetch can tell".to_vec();
    std::fs::write(tmp.path().join("ssl.crl"), &body).unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut server = std::process::Command::new("openssl")
        .args([
            "s_server", "-quiet", "-WWW", "-cert", "cert.pem", "-key", "key.pem",
        ])
        .args(["-accept", &port.to_string()])
        .current_dir(tmp.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let url = format!("https://localhost:{port}/ssl.crl");
    let root = reqwest::Certificate::from_pem(&std::fs::read(tmp.path().join("root.pem")).unwrap())
        .unwrap();
    let fetched = inkan_server::rp::fetch_bytes_trusting(&url, &[root]).await;
    let refused = inkan_server::rp::fetch_bytes_trusting(&url, &[]).await;
    let _ = server.kill();
    let _ = server.wait();
    assert_eq!(fetched.unwrap(), body);
    let why = refused.unwrap_err().to_string();
    assert!(why.contains("certificate"), "{why}");
}
