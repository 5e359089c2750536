//! openssl, an independent implementation, verifies what inkan issues: the chain,
//! the CRL's signature, a revoked certificate found on the CRL, and `-text` parsing
//! of every artefact, for both policies (R-7.1-SUB, R-7.2-CRL, R-6.1-CA-CERT-DELIVERY);
//! and `openssl s_server` as a mutual-TLS relying party that accepts a good
//! subscriber and refuses a revoked one (R-9.6-RP-CHECK).
//!
//! The faithful policy signs with SHA-1 (its waived `weak-signature-algorithm`
//! lint): OpenSSL 3 accepts that only at `-auth_level 0`, which is used for it alone.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::path::Path;
use std::process::Command;

use inkan_tests::{fixture_ca, issue_to_files, pem, tls_client};

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

/// A CA under `id` at the real clock (openssl judges with it), its chain, two
/// subscribers (`sub1`, good; `sub2`, revoked) with their keys, and a CRL, as PEM
/// files in a temporary directory. Returns the subscribers' CNs.
fn setup(id: &str, bits: u32) -> (tempfile::TempDir, Vec<String>) {
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
    let mut cns = Vec::new();
    for n in 1..=2 {
        let issued = issue_to_files(&mut ca, dir, n, bits, now);
        let (_, parsed) = x509_parser::parse_x509_certificate(&issued.der).unwrap();
        cns.push(
            parsed
                .subject()
                .iter_common_name()
                .next()
                .and_then(|cn| cn.as_str().ok())
                .unwrap()
                .to_string(),
        );
        if n == 2 {
            ca.revoke(&issued.serial, "key-compromise", now, "test")
                .unwrap();
        }
    }
    let crl = ca.crl(None, now, "test").unwrap();
    std::fs::write(dir.join("crl.pem"), pem("X509 CRL", &crl.der)).unwrap();
    (tmp, cns)
}

fn interop(id: &str, bits: u32, level: &[&str]) {
    let (tmp, _) = setup(id, bits);
    let dir = tmp.path();

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

/// Proves: R-1.3-HIERARCHY, R-7.2-CRL.
#[test]
fn faithful_chain_and_crl_verify_in_openssl() {
    interop("jpcert-ssl-client", 1024, &["-auth_level", "0"]);
}

/// Proves: R-1.3-HIERARCHY.
#[test]
fn modern_chain_and_crl_verify_in_openssl_at_default_level() {
    interop("jpcert-ssl-client-2026", 2048, &[]);
}

/// One mutual-TLS exchange: `openssl s_server -www` as the relying party, requiring a
/// client certificate that chains to the CA and is not on the CRL (`-crl_check`),
/// and `openssl s_client` presenting `sub{n}`. Returns (client output, server log).
fn handshake(dir: &Path, n: u32, level: &[&str]) -> (String, String) {
    let (ok, text) = openssl(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            "server.key",
            "-out",
            "server.pem",
            "-subj",
            "/CN=localhost",
            "-days",
            "1",
        ],
    );
    assert!(ok, "server certificate: {text}");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let accept = format!("127.0.0.1:{port}");
    let log_path = dir.join(format!("server-{n}.log"));
    let log = std::fs::File::create(&log_path).unwrap();
    let mut server_args = vec![
        "s_server",
        "-www",
        "-naccept",
        "1",
        "-accept",
        &accept,
        "-cert",
        "server.pem",
        "-key",
        "server.key",
        "-CAfile",
        "chain.pem",
        "-Verify",
        "2",
        "-verify_return_error",
        "-crl_check",
        "-CRL",
        "crl.pem",
    ];
    server_args.extend_from_slice(level);
    let mut server = Command::new("openssl")
        .args(&server_args)
        .current_dir(dir)
        .stdin(std::process::Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .expect("the openssl CLI is installed");
    let read_log = || std::fs::read_to_string(&log_path).unwrap_or_default();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !read_log().contains("ACCEPT") {
        assert!(
            std::time::Instant::now() < deadline,
            "s_server did not start: {}",
            read_log()
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let mut client_args = vec!["-CAfile", "server.pem"];
    client_args.extend_from_slice(level);
    let client = tls_client(
        dir,
        &accept,
        &format!("sub{n}.pem"),
        &format!("sub{n}.key"),
        &client_args,
    );
    // One connection, then s_server exits; do not let a stuck one outlive the test.
    for _ in 0..100 {
        if server.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let _ = server.kill();
    let _ = server.wait();
    (client, read_log())
}

/// The relying party as a TLS server accepts the good subscriber and names it, and
/// refuses the revoked one with TLS alert 44 (certificate_revoked).
fn relying_party(id: &str, bits: u32, level: &[&str]) {
    let (tmp, cns) = setup(id, bits);
    let (client, server) = handshake(tmp.path(), 1, level);
    assert!(
        client.contains("HTTP/1.0 200 ok"),
        "{id} accepted: {client}\n{server}"
    );
    assert!(
        server.contains("depth=0 ") && server.contains(&format!("CN = {}", cns[0])),
        "{id} the server authenticated {}: {server}",
        cns[0]
    );
    assert!(!server.contains("verify error"), "{id}: {server}");
    let (client, server) = handshake(tmp.path(), 2, level);
    assert!(!client.contains("200 ok"), "{id} revoked: {client}");
    assert!(
        server.contains("certificate revoked") && client.contains("alert certificate revoked"),
        "{id} revoked: {client}\n{server}"
    );
}

#[test]
fn openssl_tls_server_accepts_the_faithful_chain_at_seclevel_0_and_refuses_revoked() {
    relying_party(
        "jpcert-ssl-client",
        1024,
        &["-cipher", "DEFAULT:@SECLEVEL=0", "-auth_level", "0"],
    );
}

#[test]
fn openssl_refuses_the_faithful_rsa_1024_certificate_at_its_default_level() {
    let (tmp, _) = setup("jpcert-ssl-client", 1024);
    let (client, _) = handshake(tmp.path(), 1, &[]);
    // OpenSSL 3's default security level 1 wants 80-bit security: RSA >= 1024 and no
    // SHA-1 signatures (the distribution may raise it to 2, RSA >= 2048). Either way the
    // faithful subscriber certificate is turned away before any byte of application data.
    assert!(!client.contains("200 ok"), "{client}");
    assert!(
        client.contains("too small") || client.contains("too weak"),
        "{client}"
    );
}

#[test]
fn openssl_tls_server_accepts_the_2026_chain_at_the_default_level() {
    relying_party("jpcert-ssl-client-2026", 2048, &[]);
}
