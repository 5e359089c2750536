//! Shared test helpers and the independent oracle.
//!
//! The oracle checks certificates and CRLs the runtime issued against the policy
//! *model* the compiler builds from the YAML, parsing DER with x509-parser (not the
//! x509-cert crate that built it) and computing expected dates with chrono (not the
//! runtime's calendar). It shares no code with `inkan_runtime::conformance`.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)] // Test support code: a panic is a failed test.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Datelike, Months, NaiveDate, TimeZone, Utc};
use inkan_compiler::model::{self, Extension, NotAfter, NotBefore, Piece, RdnValue, StringType};
use inkan_runtime::ca::{Ca, InitOptions};
use inkan_runtime::calendar::Timestamp;
use inkan_runtime::policy::Policy;
use inkan_runtime::signer::SoftwareSigner;
use x509_parser::prelude::*;

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
        csr,
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
        hsm_token: "HSM-0001".into(),
        key_source: &key_source,
        progress: &|_| {},
        store: store.as_deref(),
    };
    let (ca, shares) = Ca::init(&dir, policy(id), now, &options).unwrap();
    (tmp, ca, shares)
}

fn chrono_at(t: Timestamp) -> DateTime<Utc> {
    Utc.timestamp_opt(t.unix(), 0).unwrap()
}

/// Expected notBefore, from the model's rule and the issue instant.
pub fn expected_not_before(rule: &NotBefore, issued: Timestamp) -> DateTime<Utc> {
    let issued = chrono_at(issued);
    match rule {
        NotBefore::IssueInstant => issued,
        NotBefore::IssueDateAt(t) => issued
            .date_naive()
            .and_hms_opt(t.hour.into(), t.minute.into(), t.second.into())
            .unwrap()
            .and_utc(),
    }
}

fn add(d: DateTime<Utc>, span: &model::Duration) -> DateTime<Utc> {
    let months = span.years * 12 + span.months;
    d.checked_add_months(Months::new(months)).unwrap()
        + chrono::Duration::days(i64::from(span.weeks * 7 + span.days))
        + chrono::Duration::hours(span.hours.into())
}

/// Expected notAfter, from the model's rule and notBefore.
pub fn expected_not_after(rule: &NotAfter, not_before: DateTime<Utc>) -> DateTime<Utc> {
    match rule {
        NotAfter::NotBeforePlus(span) => add(not_before, span),
        NotAfter::IssueDatePlus { span, at } => add(not_before, span)
            .date_naive()
            .and_hms_opt(at.hour.into(), at.minute.into(), at.second.into())
            .unwrap()
            .and_utc(),
        NotAfter::LastDateNotLaterThan {
            month,
            day,
            at,
            span,
        } => {
            let cap = add(not_before, span);
            (0..=1)
                .map(|back| {
                    NaiveDate::from_ymd_opt(cap.year() - back, (*month).into(), (*day).into())
                        .unwrap()
                        .and_hms_opt(at.hour.into(), at.minute.into(), at.second.into())
                        .unwrap()
                        .and_utc()
                })
                .find(|c| *c <= cap)
                .unwrap()
        }
    }
}

/// The fiscal year of a date, for a year starting on (month, day).
pub fn fiscal_year(d: DateTime<Utc>, start: (u8, u8)) -> i32 {
    if (d.month(), d.day()) >= (start.0.into(), start.1.into()) {
        d.year()
    } else {
        d.year() - 1
    }
}

/// The subject CN the oracle expects: the template filled by hand.
pub fn expected_name(
    template: &model::Template,
    fields: &[(&str, u64)],
    fy: i32,
    sequence: u8,
) -> String {
    template
        .pieces
        .iter()
        .map(|p| match p {
            Piece::Literal(s) => s.clone(),
            Piece::Number { field, digits } => format!(
                "{:0w$}",
                fields.iter().find(|(f, _)| f == field).unwrap().1,
                w = usize::from(*digits)
            ),
            Piece::FiscalYear { digits } => {
                if *digits == 2 {
                    format!("{:02}", fy % 100)
                } else {
                    format!("{fy:04}")
                }
            }
            Piece::Sequence => char::from(b'a' + sequence).to_string(),
        })
        .collect()
}

fn tag_of(t: StringType) -> u32 {
    match t {
        StringType::Printable => 19,
        StringType::Utf8 => 12,
        StringType::Ia5 => 22,
    }
}

/// What the oracle knows beyond the policy: the issuer and the instant.
pub struct Expect<'a> {
    /// The issuer's certificate DER (the certificate itself for a root).
    pub issuer_der: &'a [u8],
    /// The issue instant.
    pub issued: Timestamp,
    /// The expected subject CN for subscribers.
    pub cn: Option<String>,
}

/// Checks a certificate against a profile of the model; returns every mismatch.
pub fn check_certificate(
    policy: &model::Policy,
    profile: &str,
    der: &[u8],
    expect: &Expect<'_>,
) -> Vec<String> {
    let mut bad = Vec::new();
    let p = policy.certificate(profile).unwrap();
    let (rest, cert) = X509Certificate::from_der(der).expect("x509-parser reads the certificate");
    if !rest.is_empty() {
        bad.push("trailing bytes".into());
    }
    let (_, issuer) = X509Certificate::from_der(expect.issuer_der).unwrap();
    let tbs = &cert.tbs_certificate;
    if tbs.version != X509Version::V3 {
        bad.push(format!("version {:?}", tbs.version));
    }
    let serial = tbs.raw_serial();
    if serial.is_empty() || serial.len() > 20 || serial[0] & 0x80 != 0 || serial.len() < 9 {
        bad.push(format!(
            "serial {} is not positive with >= 64 random bits in <= 20 octets",
            hex_of(serial)
        ));
    }
    if tbs.signature.algorithm.to_id_string() != p.signature.oid()
        || cert.signature_algorithm.algorithm.to_id_string() != p.signature.oid()
    {
        bad.push(format!(
            "signature algorithm {}",
            tbs.signature.algorithm.to_id_string()
        ));
    }
    if tbs.issuer.as_raw() != issuer.tbs_certificate.subject.as_raw() {
        bad.push("issuer is not the issuing CA's subject".into());
    }
    // Subject: attribute by attribute, in policy order, with the policy's string types.
    let rdns: Vec<_> = tbs.subject.iter().collect();
    if rdns.len() != p.subject.rdns.len() {
        bad.push(format!(
            "{} RDNs, policy has {}",
            rdns.len(),
            p.subject.rdns.len()
        ));
    }
    for (rdn, want) in rdns.iter().zip(&p.subject.rdns) {
        let atv = rdn.iter().next().unwrap();
        if atv.attr_type().to_id_string() != want.attribute.oid() {
            bad.push(format!(
                "attribute {} where policy has {}",
                atv.attr_type().to_id_string(),
                want.attribute.short()
            ));
        }
        let t = want
            .string_type
            .or(want.attribute.fixed_string_type())
            .unwrap_or(p.string_type);
        if atv.attr_value().header.tag().0 != tag_of(t) {
            bad.push(format!(
                "{} has tag {}, policy wants {:?}",
                want.attribute.short(),
                atv.attr_value().header.tag().0,
                t
            ));
        }
        let value = atv.as_str().unwrap_or_default().to_string();
        match &want.value {
            RdnValue::Literal(v) if *v != value => bad.push(format!(
                "{} = {value:?}, policy has {v:?}",
                want.attribute.short()
            )),
            RdnValue::Placeholder(ph) if ph == "name" && expect.cn.as_deref() != Some(&value) => {
                bad.push(format!("CN {value:?}, expected {:?}", expect.cn))
            }
            _ => {}
        }
    }
    // Validity, computed independently; UTCTime before 2050 only.
    let nb = expected_not_before(&p.validity.not_before, expect.issued);
    let na = expected_not_after(&p.validity.not_after, nb);
    let v = &tbs.validity;
    if v.not_before.timestamp() != nb.timestamp() {
        bad.push(format!("notBefore {} expected {nb}", v.not_before));
    }
    if v.not_after.timestamp() != na.timestamp() {
        bad.push(format!("notAfter {} expected {na}", v.not_after));
    }
    for (name, t, when) in [
        ("notBefore", &v.not_before, nb),
        ("notAfter", &v.not_after, na),
    ] {
        if t.is_utctime() != (when.year() < 2050) {
            bad.push(format!(
                "{name} in {} encoded as {}",
                when.year(),
                if t.is_utctime() {
                    "UTCTime"
                } else {
                    "GeneralizedTime"
                }
            ));
        }
    }
    // Key.
    if tbs.subject_pki.algorithm.algorithm.to_id_string() != "1.2.840.113549.1.1.1" {
        bad.push("key is not rsaEncryption".into());
    }
    match tbs.subject_pki.parsed() {
        Ok(x509_parser::public_key::PublicKey::RSA(rsa)) => {
            if rsa.key_size() != p.key_bits as usize {
                bad.push(format!(
                    "{}-bit key, policy requires {}",
                    rsa.key_size(),
                    p.key_bits
                ));
            }
        }
        _ => bad.push("RSA key does not parse".into()),
    }
    // Extensions: exactly the policy's, in its order, with its criticality and values.
    let exts = tbs.extensions();
    if exts.len() != p.extensions.len() {
        bad.push(format!(
            "{} extensions, policy has {}",
            exts.len(),
            p.extensions.len()
        ));
    }
    for (ext, rule) in exts.iter().zip(&p.extensions) {
        if ext.oid.to_id_string() != rule.extension.oid() {
            bad.push(format!(
                "extension {} where policy has {}",
                ext.oid.to_id_string(),
                rule.extension.asn1_name()
            ));
            continue;
        }
        if ext.critical != rule.critical {
            bad.push(format!(
                "{} critical={} policy {}",
                rule.extension.asn1_name(),
                ext.critical,
                rule.critical
            ));
        }
        let ok = match (&rule.extension, ext.parsed_extension()) {
            (
                Extension::BasicConstraints { ca, path_len },
                ParsedExtension::BasicConstraints(bc),
            ) => bc.ca == *ca && bc.path_len_constraint == path_len.map(u32::from),
            (Extension::KeyUsage(bits), ParsedExtension::KeyUsage(ku)) => {
                ku.flags == bits.iter().fold(0u16, |acc, b| acc | (1 << b.bit()))
            }
            (Extension::ExtendedKeyUsage(purposes), ParsedExtension::ExtendedKeyUsage(eku)) => {
                let mut got = Vec::new();
                if eku.client_auth {
                    got.push("1.3.6.1.5.5.7.3.2")
                }
                if eku.server_auth {
                    got.push("1.3.6.1.5.5.7.3.1")
                }
                if eku.email_protection {
                    got.push("1.3.6.1.5.5.7.3.4")
                }
                got.sort_unstable();
                let mut want: Vec<&str> = purposes.iter().map(|p| p.oid()).collect();
                want.sort_unstable();
                got == want && eku.other.is_empty()
            }
            (Extension::NetscapeCertType(types), ParsedExtension::NSCertType(ns)) => {
                let raw = ext.value;
                // BIT STRING: tag, length, unused bits, then the flag byte (MSB = bit 0).
                let flags = raw.get(3).copied().unwrap_or(0);
                let _ = ns;
                flags == types.iter().fold(0u8, |acc, t| acc | (0x80 >> t.bit()))
            }
            (
                Extension::CrlDistributionPoints(uris),
                ParsedExtension::CRLDistributionPoints(dps),
            ) => {
                let got: Vec<String> = dps
                    .points
                    .iter()
                    .flat_map(|dp| match &dp.distribution_point {
                        Some(DistributionPointName::FullName(names)) => names
                            .iter()
                            .filter_map(|n| match n {
                                GeneralName::URI(u) => Some(u.to_string()),
                                _ => None,
                            })
                            .collect(),
                        _ => Vec::new(),
                    })
                    .collect();
                got == *uris
            }
            (Extension::CertificatePolicies(infos), ParsedExtension::CertificatePolicies(pols)) => {
                pols.len() == infos.len()
                    && pols.iter().zip(infos).all(|(got, want)| {
                        got.policy_id.to_id_string() == want.oid.to_string()
                            && match (&got.policy_qualifiers, &want.cps_uri) {
                                (Some(q), Some(uri)) => {
                                    q.len() == 1
                                        && q[0].policy_qualifier_id.to_id_string()
                                            == "1.3.6.1.5.5.7.2.1"
                                        && q[0].qualifier.get(2..) == Some(uri.as_bytes())
                                }
                                (None, None) => true,
                                _ => false,
                            }
                    })
            }
            (Extension::SubjectAltName(dn), ParsedExtension::SubjectAlternativeName(san)) => {
                match san.general_names.as_slice() {
                    [GeneralName::DirectoryName(name)] => name.iter().count() == dn.rdns.len(),
                    _ => false,
                }
            }
            (Extension::SubjectKeyIdentifier(_), ParsedExtension::SubjectKeyIdentifier(ki)) => {
                use sha1_oracle::sha1;
                ki.0 == sha1(tbs.subject_pki.subject_public_key.data.as_ref()).as_slice()
            }
            (
                Extension::AuthorityKeyIdentifier(_),
                ParsedExtension::AuthorityKeyIdentifier(aki),
            ) => {
                let issuer_ski = issuer.tbs_certificate.extensions().iter().find_map(|e| {
                    match e.parsed_extension() {
                        ParsedExtension::SubjectKeyIdentifier(k) => Some(k.0.to_vec()),
                        _ => None,
                    }
                });
                aki.key_identifier.as_ref().map(|k| k.0.to_vec())
                    == issuer_ski.or_else(|| {
                        Some(
                            sha1_oracle::sha1(
                                issuer
                                    .tbs_certificate
                                    .subject_pki
                                    .subject_public_key
                                    .data
                                    .as_ref(),
                            )
                            .to_vec(),
                        )
                    })
            }
            _ => false,
        };
        if !ok {
            bad.push(format!(
                "{} value differs from the policy",
                rule.extension.asn1_name()
            ));
        }
    }
    if cert.verify_signature(Some(issuer.public_key())).is_err() {
        bad.push("signature does not verify with the issuer's key".into());
    }
    bad
}

/// Lower-case hex.
pub fn hex_of(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// SHA-1, written out for the oracle so it shares no hashing code with the runtime.
pub mod bench;

pub mod sha1_oracle {
    /// SHA-1 of `data` (FIPS 180-4).
    pub fn sha1(data: &[u8]) -> [u8; 20] {
        let mut h: [u32; 5] = [
            0x6745_2301,
            0xEFCD_AB89,
            0x98BA_DCFE,
            0x1032_5476,
            0xC3D2_E1F0,
        ];
        let mut msg = data.to_vec();
        let bit_len = (data.len() as u64) * 8;
        msg.push(0x80);
        while msg.len() % 64 != 56 {
            msg.push(0);
        }
        msg.extend_from_slice(&bit_len.to_be_bytes());
        for chunk in msg.chunks(64) {
            let mut w = [0u32; 80];
            for i in 0..16 {
                w[i] = u32::from_be_bytes([
                    chunk[4 * i],
                    chunk[4 * i + 1],
                    chunk[4 * i + 2],
                    chunk[4 * i + 3],
                ]);
            }
            for i in 16..80 {
                w[i] = (w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16]).rotate_left(1);
            }
            let [mut a, mut b, mut c, mut d, mut e] = h;
            for (i, wi) in w.iter().enumerate() {
                let (f, k) = match i {
                    0..=19 => ((b & c) | (!b & d), 0x5A82_7999),
                    20..=39 => (b ^ c ^ d, 0x6ED9_EBA1),
                    40..=59 => ((b & c) | (b & d) | (c & d), 0x8F1B_BCDC),
                    _ => (b ^ c ^ d, 0xCA62_C1D6),
                };
                let t = a
                    .rotate_left(5)
                    .wrapping_add(f)
                    .wrapping_add(e)
                    .wrapping_add(k)
                    .wrapping_add(*wi);
                e = d;
                d = c;
                c = b.rotate_left(30);
                b = a;
                a = t;
            }
            for (x, y) in h.iter_mut().zip([a, b, c, d, e]) {
                *x = x.wrapping_add(y);
            }
        }
        let mut out = [0u8; 20];
        for (i, x) in h.iter().enumerate() {
            out[4 * i..4 * i + 4].copy_from_slice(&x.to_be_bytes());
        }
        out
    }

    #[test]
    fn sha1_of_abc() {
        assert_eq!(
            super::hex_of(&sha1(b"abc")),
            "a9993e364706816aba3e25717850c26c9cd0d89d"
        );
    }
}

/// SoftHSM2 for tests: the module, and throwaway tokens made with `softhsm2-util`.
///
/// SoftHSM reads its token directory when a process first initialises the module, so a
/// test binary makes every token it needs in one call, before any PKCS #11 use.
pub mod softhsm {
    use std::path::PathBuf;
    use std::process::Command;

    /// The user PIN of every test token.
    pub const USER_PIN: &str = "87654321";

    /// A key ceremony for policy `id` on the token labelled `token`, into `dir`, with two
    /// witnesses; returns the CA, the custodians' shares and the signed transcript.
    pub fn ceremony(
        id: &str,
        token: String,
        dir: &std::path::Path,
    ) -> (
        inkan_runtime::ca::Ca,
        Vec<inkan_runtime::custody::shamir::Share>,
        String,
    ) {
        let options = inkan_runtime::custody::CeremonyOptions {
            module: module(),
            token,
            pin: zeroize::Zeroizing::new(USER_PIN.to_string()),
            witnesses: vec!["Key Custodian One".into(), "Security Officer Two".into()],
            allow_clock_override: true,
            progress: &|_| {},
            store: None,
        };
        inkan_runtime::ca::Ca::ceremony(
            dir,
            super::policy(id),
            inkan_runtime::calendar::Timestamp::now(),
            &options,
        )
        .unwrap()
    }

    /// The SoftHSM2 module; panics with the install hint if it is missing.
    pub fn module() -> PathBuf {
        [
            "/usr/lib/softhsm/libsofthsm2.so",
            "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
            "/usr/local/lib/softhsm/libsofthsm2.so",
        ]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
        .expect("SoftHSM2 is installed (apt-get install softhsm2)")
    }

    /// The label of this process's token `name`: the first call makes one token per
    /// name in `all` (every token a test binary uses, before any PKCS #11 use).
    pub fn token(all: &[&str], name: &str) -> String {
        static RUN: std::sync::OnceLock<String> = std::sync::OnceLock::new();
        assert!(all.contains(&name), "token `{name}` is not among {all:?}");
        format!("{}-{name}", RUN.get_or_init(|| make_tokens(all)))
    }

    /// Makes one token per name, labelled `<run>-<name>` with a prefix unique to this
    /// process; returns the prefix.
    pub fn make_tokens(names: &[&str]) -> String {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let run = format!("t{}-{}", std::process::id(), now % 100_000);
        for name in names {
            let label = format!("{run}-{name}");
            let out = Command::new("softhsm2-util")
                .args([
                    "--init-token",
                    "--free",
                    "--label",
                    &label,
                    "--so-pin",
                    "12345678",
                    "--pin",
                    USER_PIN,
                ])
                .output()
                .expect("softhsm2-util runs");
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        run
    }
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
        stdin.write_all(b"GET / HTTP/1.0\r\n\r\n").unwrap();
    }
    let out = client.wait_with_output().unwrap();
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
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
        csr: &csr,
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
