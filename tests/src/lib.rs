//! Shared test helpers and the independent oracle.
//!
//! The files: [`oracle`] (the certificate oracle against the compiled model),
//! [`cps_expect`] (the second oracle, against the CPS transcribed by hand), [`sha1_oracle`] (SHA-1 of its own),
//! [`softhsm`] (throwaway SoftHSM2 tokens), [`mod@bench`] (the engine benchmarks); the
//! helpers every test uses are here.
//!
//! The oracle checks certificates and CRLs the runtime issued against the policy
//! *model* the compiler builds from the YAML, parsing DER with x509-parser (not the
//! x509-cert crate that built it) and computing expected dates with chrono (not the
//! runtime's calendar). It shares no code with `inkan_runtime::conformance`.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)] // Test support code: a panic is a failed test.

pub mod backup;
pub mod bench;
pub mod cps_expect;
pub mod oracle;
pub mod sha1_oracle;
pub mod softhsm;
pub mod tbs_edit;

pub use oracle::*;

use std::path::{Path, PathBuf};

use inkan_compiler::model::{self};
use inkan_runtime::ca::{Ca, InitOptions};
use inkan_runtime::calendar::Timestamp;
use inkan_runtime::policy::Policy;
use inkan_runtime::signer::SoftwareSigner;

/// The repository root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// A fixture file's bytes.
pub fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(root().join("tests/fixtures").join(name)).unwrap()
}

/// The compiler's model of a policy file.
pub fn model(id: &str) -> model::Policy {
    let source = std::fs::read_to_string(root().join(format!("policy/{id}.yaml"))).unwrap();
    inkan_compiler::compile(&format!("policy/{id}.yaml"), &source)
        .unwrap()
        .policy
}

/// The compiled policy linked into the binary.
pub fn policy(id: &str) -> &'static dyn Policy {
    inkan_policies::by_id(id).unwrap()
}

/// A timestamp from RFC 3339.
pub fn at(s: &str) -> Timestamp {
    Timestamp::parse_rfc3339(s).unwrap()
}

/// A subscriber request from `csr` for `developer` and `person`, made by actor `test`.
pub fn request(csr: &[u8], developer: u64, person: u64) -> inkan_runtime::ca::IssueRequest<'_> {
    inkan_runtime::ca::IssueRequest {
        actor: "test",
        csr: inkan_runtime::ca::Csr::Encoded(csr),
        profile: None,
        fields: vec![("developer".into(), developer), ("person".into(), person)],
    }
}

/// The built-in policy `id`, as `Ca::open` looks policies up.
pub fn lookup(id: &str) -> Option<&'static dyn Policy> {
    inkan_policies::by_id(id)
}

/// The store a test CA is made in: `None` (the directory's SQLite file) unless
/// `INKAN_TEST_POSTGRES` names a PostgreSQL server (`postgres://role@host:port/db`, the
/// role allowed to create databases; `.ci/postgres` starts one), when each call makes a
/// fresh, empty database there and returns its URL. Test CAs share nothing.
pub fn test_store() -> Option<String> {
    use inkan_runtime::sql::{Db, Location};
    let admin = std::env::var("INKAN_TEST_POSTGRES").ok()?;
    let (server, _) = admin
        .rsplit_once('/')
        .unwrap_or_else(|| panic!("INKAN_TEST_POSTGRES is postgres://role@host:port/database"));
    let mut raw = [0u8; 8];
    getrandom::fill(&mut raw).unwrap();
    let name = format!("inkan_t_{}", hex::encode(raw));
    let db = Db::open(&Location::Postgres(admin.clone())).unwrap();
    db.execute(&format!("CREATE DATABASE {name}"), &[]).unwrap();
    Some(format!("{server}/{name}"))
}

/// A CA in a temporary directory, made from fixture keys, with the clock override on.
pub fn fixture_ca(id: &str, now: Timestamp) -> (tempfile::TempDir, Ca) {
    fixture_ca_in(&std::env::temp_dir(), id, now)
}

/// As [`fixture_ca`], in a temporary directory under `parent` (a tmpfs, to take the
/// disk out of a measurement).
pub fn fixture_ca_in(parent: &Path, id: &str, now: Timestamp) -> (tempfile::TempDir, Ca) {
    let (tmp, ca, _shares) = fixture_ca_with_shares(parent, id, now);
    (tmp, ca)
}

/// As [`fixture_ca_in`], with the custodians' shares, to activate a second handle on
/// the same CA (another server).
pub fn fixture_ca_with_shares(
    parent: &Path,
    id: &str,
    now: Timestamp,
) -> (
    tempfile::TempDir,
    Ca,
    Vec<inkan_runtime::custody::shamir::Share>,
) {
    let tmp = tempfile::tempdir_in(parent).unwrap();
    let dir = tmp.path().join("ca");
    let key_source = |p: &'static inkan_runtime::policy::CertificateProfile| {
        let pem =
            String::from_utf8(fixture(&format!("ca-{}-{}.key.pem", p.name, p.key_bits))).unwrap();
        SoftwareSigner::from_pkcs8_pem(&pem)
    };
    let store = test_store();
    let options = InitOptions {
        allow_clock_override: true,
        custody_waiver: Some("tests on fixture keys"),
        key_source: &key_source,
        progress: &|_| {},
        store: store.as_deref(),
    };
    let (ca, shares) = Ca::init(&dir, policy(id), now, &options).unwrap();
    (tmp, ca, shares)
}

/// `openssl s_client` presenting `cert` and `key` (files in `dir`) to `addr`, sending
/// one HTTP request; returns everything it printed. A refused client certificate
/// shows as the server's TLS alert (e.g. `alert certificate revoked`).
pub fn tls_client(dir: &Path, addr: &str, cert: &str, key: &str, extra: &[&str]) -> String {
    use std::io::Write as _;
    let mut args = vec![
        "s_client", "-quiet", "-connect", addr, "-cert", cert, "-key", key,
    ];
    args.extend_from_slice(extra);
    let mut client = std::process::Command::new("openssl")
        .args(&args)
        .current_dir(dir)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the openssl CLI is installed");
    if let Some(mut stdin) = client.stdin.take() {
        // A refused handshake can end the client before it reads its input; the pipe
        // is then closed, and what it printed, read below, is the answer.
        match stdin.write_all(b"GET / HTTP/1.0\r\n\r\n") {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
            other => other.unwrap(),
        }
    }
    let out = client.wait_with_output().unwrap();
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// A certificate time as UTCTime text (`YYMMDDHHMMSSZ`), as `openssl ca -enddate`
/// takes it and a certificate's DER holds it.
pub fn utc_time(t: &x509_parser::time::ASN1Time) -> String {
    let t = t.to_datetime();
    format!(
        "{:02}{:02}{:02}{:02}{:02}{:02}Z",
        t.year() % 100,
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// PEM text of `der` under `label`.
pub fn pem(label: &str, der: &[u8]) -> String {
    der::pem::encode_string(label, der::pem::LineEnding::LF, der).unwrap()
}

/// Issues subscriber `n` (1 to 3) from the fixture request `sub{n}-{bits}` and writes
/// its certificate and fixture key into `dir` as `sub{n}.pem` and `sub{n}.key`.
pub fn issue_to_files(
    ca: &mut Ca,
    dir: &Path,
    n: u64,
    bits: u32,
    now: Timestamp,
) -> inkan_runtime::ca::Issued {
    let csr = fixture(&format!("sub{n}-{bits}.csr.pem"));
    let request = inkan_runtime::ca::IssueRequest {
        actor: "test",
        csr: inkan_runtime::ca::Csr::Encoded(&csr),
        profile: None,
        fields: vec![("developer".into(), 42), ("person".into(), n)],
    };
    let issued = ca.issue(&request, now).unwrap();
    std::fs::write(
        dir.join(format!("sub{n}.pem")),
        pem("CERTIFICATE", &issued.der),
    )
    .unwrap();
    std::fs::write(
        dir.join(format!("sub{n}.key")),
        fixture(&format!("sub{n}-{bits}.key.pem")),
    )
    .unwrap();
    issued
}

/// Both oracles' findings on a subscriber certificate `ca` issued at `now` as `cn`:
/// against the compiled model, and against the CPS as transcribed by hand.
pub fn both_oracles(
    ca: &Ca,
    m: &inkan_compiler::model::Policy,
    der: &[u8],
    now: Timestamp,
    cn: &str,
) -> Vec<String> {
    let issuer = ca.ca_certificates().unwrap().pop().unwrap();
    let mut bad = check_certificate(
        m,
        "ssl-client",
        der,
        &Expect {
            issuer_der: &issuer,
            issued: now,
            cn: Some(cn.to_string()),
        },
    );
    bad.extend(cps_findings(
        &m.id,
        "ssl-client",
        der,
        &issuer,
        now,
        Some(cn),
    ));
    bad
}

/// The hand-transcribed CPS oracle's findings on a certificate of `profile`
/// ([`cps_expect`]).
pub fn cps_findings(
    id: &str,
    profile: &str,
    der: &[u8],
    issuer_der: &[u8],
    issued: Timestamp,
    cn: Option<&str>,
) -> Vec<String> {
    use chrono::TimeZone as _;
    cps_expect::check_certificate(&cps_expect::Certificate {
        policy: id,
        profile,
        der,
        issuer_der,
        issued: chrono::Utc.timestamp_opt(issued.unix(), 0).unwrap(),
        cn,
        token: inkan_runtime::custody::keys::NO_TOKEN,
    })
    .into_iter()
    .map(|b| format!("against the CPS: {b}"))
    .collect()
}
