//! The engine benchmarks behind `cargo xtask bench`, and their smoke variant in the test
//! suite. Every figure is a ratio against a baseline measured in the same run on the
//! same machine, so the numbers stay comparable across machines and honest across
//! changes (issue 6):
//!
//! - issuance: certificates per second through `Ca::issue` (CSR parse, proof of
//!   possession, policy checks, build, pre-sign check, sign, record in SQLite with
//!   `synchronous = FULL`) over raw signatures per second with the same key and hash;
//!   software RSA for both policies and SoftHSM2 through PKCS #11. Target >= 0.90.
//! - against `openssl ca`: the same requests issued by `openssl ca -batch` with an
//!   equivalent configuration and by inkan; wall time. Target >= 1.0.
//! - CRL at scale: 10,000 to 1,000,000 revocations from the store to a signed DER file,
//!   against `openssl ca -gencrl` on the same entries; peak memory against the CRL's
//!   size; time per entry at the largest size against the next. Targets: >= 5x at the
//!   largest, <= 3x the size, linear.
//! - audit: verifying a 1,000,000-entry hash chain. Target >= 500,000 entries/s.
//! - compile: parse + check + lints of each policy. Target < 100 ms.
//!
//! The HTTP figures come from the server crate's `http` bench, which writes
//! `target/bench/http.json`; the report merges them when present.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fmt::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use inkan_runtime::audit::{Entry, GENESIS, entry_hash};
use inkan_runtime::ca::{Ca, IssueRequest};
use inkan_runtime::calendar::Timestamp;
use rsa::pkcs8::DecodePrivateKey as _;
use rsa::{Pkcs1v15Sign, PrivateKey};
use serde::{Deserialize, Serialize};
use sha2::Digest as _;

use crate::{at, fixture, fixture_ca_in, root};

/// One measured figure and the baseline it is divided by.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Figure {
    /// What was measured.
    pub name: String,
    /// The measurement.
    pub measured: f64,
    /// What the baseline is.
    pub baseline_name: String,
    /// The baseline, measured in the same run.
    pub baseline: f64,
    /// The unit of both.
    pub unit: String,
    /// measured / baseline for rates, baseline / measured for times and sizes.
    pub ratio: f64,
    /// The target, in words.
    pub target: String,
    /// Whether the target is met.
    pub met: bool,
}

impl Figure {
    /// A rate (per second) against a baseline rate; a profile figure until
    /// [`Figure::target`] says otherwise.
    pub fn rate(name: String, measured: f64, baseline_name: String, baseline: f64) -> Figure {
        Figure {
            name,
            measured,
            baseline_name,
            baseline,
            unit: "per s".into(),
            ratio: measured / baseline,
            target: "profile only".into(),
            met: true,
        }
    }

    /// The target and whether it is met.
    pub fn target(mut self, target: &str, met: bool) -> Figure {
        self.target = target.into();
        self.met = met;
        self
    }

    /// Another unit than per second.
    pub fn unit(mut self, unit: &str) -> Figure {
        self.unit = unit.into();
        self
    }
}

/// How big each benchmark is.
pub struct Sizes {
    /// Time per rate figure.
    pub seconds: Duration,
    /// Requests issued by inkan and by `openssl ca`.
    pub requests: usize,
    /// Requests per `Ca::issue_many` batch.
    pub batch: usize,
    /// Revocations per CRL figure, smallest first.
    pub crl: Vec<usize>,
    /// Entries in the audit chain.
    pub audit: u64,
    /// An executable that measures a CRL's peak memory in a fresh process when run
    /// with `INKAN_BENCH_CRL_MEMORY=<entries>` (see [`crl_memory_child`]); without one
    /// memory is measured in this process, where freed memory the allocator kept from
    /// earlier benchmarks can hide part of the peak.
    pub isolate: Option<std::path::PathBuf>,
    /// Only the benchmark groups whose name contains this: issuance, hsm, openssl-ca,
    /// crl, audit, compile.
    pub only: Option<String>,
}

impl Sizes {
    /// The full benchmark, `seconds` per rate figure.
    pub fn full(seconds: f64) -> Sizes {
        Sizes {
            seconds: Duration::from_secs_f64(seconds),
            requests: 10_000,
            batch: 1_000,
            crl: vec![10_000, 100_000, 1_000_000],
            audit: 1_000_000,
            isolate: None,
            only: None,
        }
    }

    /// Tiny sizes: only checks that every benchmark runs.
    pub fn smoke() -> Sizes {
        Sizes {
            seconds: Duration::from_millis(20),
            requests: 12,
            batch: 5,
            crl: vec![50, 500],
            audit: 1_000,
            isolate: None,
            only: None,
        }
    }
}

/// Runs `f(i)` for at least `time` and `min` iterations; returns operations per second.
fn rate(time: Duration, min: u64, mut f: impl FnMut(u64)) -> f64 {
    let start = Instant::now();
    let mut i = 0;
    while i < min || start.elapsed() < time {
        f(i);
        i += 1;
    }
    i as f64 / start.elapsed().as_secs_f64()
}

/// Seconds `f` takes.
fn timed<T>(f: impl FnOnce() -> T) -> (T, f64) {
    let start = Instant::now();
    let out = f();
    (out, start.elapsed().as_secs_f64())
}

fn request<'a>(csr: &'a [u8], developer: u64) -> IssueRequest<'a> {
    IssueRequest {
        actor: "bench",
        csr,
        profile: None,
        fields: vec![("developer".into(), developer), ("person".into(), 1)],
    }
}

/// Raw signatures per second with a software key on `threads` threads: the call the
/// software signer makes (ring for SHA-256 with RSA-2048, the rsa crate for SHA-1 and
/// RSA-1024), on a TBSCertificate-sized message.
fn raw_software(bits: u32, sha1: bool, time: Duration, threads: usize) -> f64 {
    let pem = String::from_utf8(fixture(&format!("ca-ssl-clients-{bits}.key.pem"))).unwrap();
    let key = PrivateKey::from_pkcs8_pem(&pem).unwrap();
    let pkcs8 = rsa::pkcs8::EncodePrivateKey::to_pkcs8_der(&key).unwrap();
    let ring_key = (!sha1 && bits >= 2048)
        .then(|| ring::signature::RsaKeyPair::from_pkcs8(pkcs8.as_bytes()).unwrap());
    let one = || {
        let mut msg = vec![0x5au8; 700];
        let mut out = vec![0u8; bits as usize / 8];
        let random = ring::rand::SystemRandom::new();
        rate(time, 20, |i| {
            msg[0] = i as u8;
            if let Some(k) = &ring_key {
                k.sign(&ring::signature::RSA_PKCS1_SHA256, &random, &msg, &mut out)
                    .unwrap();
                std::hint::black_box(&out);
                return;
            }
            let (scheme, hash) = if sha1 {
                (
                    Pkcs1v15Sign::new::<sha1::Sha1>(),
                    sha1::Sha1::digest(&msg).to_vec(),
                )
            } else {
                (
                    Pkcs1v15Sign::new::<sha2::Sha256>(),
                    sha2::Sha256::digest(&msg).to_vec(),
                )
            };
            std::hint::black_box(key.sign(scheme, &hash).unwrap());
        })
    };
    std::thread::scope(|s| {
        let running: Vec<_> = (0..threads).map(|_| s.spawn(one)).collect();
        running.into_iter().map(|t| t.join().unwrap()).sum()
    })
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
}

/// Issues `requests` in batches of `batch` through `Ca::issue_many`.
fn issue_batches(
    ca: &mut Ca,
    requests: &[IssueRequest<'_>],
    batch: usize,
    now: Timestamp,
) -> Vec<inkan_runtime::ca::Issued> {
    requests
        .chunks(batch)
        .flat_map(|chunk| ca.issue_many(chunk, now).unwrap())
        .map(Result::unwrap)
        .collect()
}

fn issuance(id: &str, bits: u32, sha1: bool, sizes: &Sizes) -> Vec<Figure> {
    let time = sizes.seconds;
    let raw = raw_software(bits, sha1, time, 1);
    let csr = fixture(&format!("sub1-{bits}.csr.pem"));
    let engine = |parent: &Path| {
        let now = at("2026-04-01T09:00:00Z");
        let (_tmp, mut ca) = fixture_ca_in(parent, id, now);
        rate(time, 20, |i| {
            std::hint::black_box(ca.issue(&request(&csr, i + 1), now).unwrap());
        })
    };
    let on_disk = engine(&std::env::temp_dir());
    let profile = crate::policy(id)
        .definition()
        .certificates
        .iter()
        .find(|p| p.name == "ssl-client")
        .unwrap();
    let baseline = format!("raw RSA-{bits} signatures");
    let backend = if !sha1 && bits >= 2048 {
        "ring"
    } else {
        "rsa crate"
    };
    let mut figures = vec![
        Figure::rate(
            format!("issuance, {id} (RSA-{bits}, software: {backend}), one at a time"),
            on_disk,
            baseline.clone(),
            raw,
        )
        .target("ratio >= 0.90", on_disk / raw >= 0.90),
    ];
    // Batches: one durable commit before and one after signing, signatures on every
    // core; against raw signatures on as many threads.
    let threads = cores();
    let raw_all = raw_software(bits, sha1, time, threads);
    let mut phases = [Duration::ZERO; 4];
    let (batched, done) = {
        let now = at("2026-04-01T09:00:00Z");
        let (_tmp, mut ca) = fixture_ca_in(&std::env::temp_dir(), id, now);
        let requests: Vec<IssueRequest<'_>> = (0..sizes.batch)
            .map(|i| request(&csr, i as u64 + 1))
            .collect();
        let mut done = 0usize;
        let mut round = 0u64;
        let start = Instant::now();
        while done < 2 * sizes.batch || start.elapsed() < time {
            // Fresh developers each round: 26 letters per person and year.
            let shifted: Vec<IssueRequest<'_>> = requests
                .iter()
                .map(|r| request(r.csr, r.fields[0].1 + round * sizes.batch as u64))
                .collect();
            done += issue_batches(&mut ca, &shifted, sizes.batch, now).len();
            round += 1;
            if let Some(t) = ca.last_batch() {
                for (sum, d) in phases
                    .iter_mut()
                    .zip([t.prepare, t.record, t.sign, t.complete])
                {
                    *sum += d;
                }
            }
        }
        let rate = done as f64 / start.elapsed().as_secs_f64();
        (rate, done)
    };
    figures.push(
        Figure::rate(
            format!(
                "issuance, {id} (RSA-{bits}, software: {backend}), batches of {}",
                sizes.batch
            ),
            batched,
            format!("raw RSA-{bits} signatures on {threads} threads"),
            raw_all,
        )
        .target("ratio >= 0.90", batched / raw_all >= 0.90),
    );
    // Wall time per certificate in each phase, against a raw signature's share of
    // the machine (1 / raw rate on every core).
    let per_sig = 1e6 / raw_all;
    for (name, sum) in [
        "check requests, allocate names (one transaction), build and check TBSs",
        "record every TBS (one durable commit)",
        "sign and verify (every core)",
        "record certificates and audit entries (one durable commit)",
    ]
    .into_iter()
    .zip(phases)
    {
        let us = sum.as_secs_f64() * 1e6 / done as f64;
        figures.push(
            Figure::rate(
                format!("  profile: {name}"),
                us,
                "a raw signature's share".into(),
                per_sig,
            )
            .unit("us per certificate"),
        );
    }

    // The profile: the same issuance with the store on a tmpfs (no fsync cost), and
    // the request check alone, both against the same raw rate.
    let shm = Path::new("/dev/shm");
    if shm.is_dir() {
        figures.push(Figure::rate(
            format!("  same, store on tmpfs (RSA-{bits})"),
            engine(shm),
            baseline.clone(),
            raw,
        ));
    }
    let checks = rate(time, 20, |_| {
        std::hint::black_box(inkan_runtime::csr::check(&csr, profile).unwrap());
    });
    figures.push(Figure::rate(
        format!("  CSR parse + proof of possession (RSA-{bits})"),
        checks,
        baseline,
        raw,
    ));
    figures
}

/// Issuance with the CA keys in SoftHSM2 (the 2026 policy, RSA-2048), against raw
/// `C_Sign` calls with an RSA-2048 key of the same module.
fn hsm_issuance(time: Duration) -> Figure {
    use cryptoki::mechanism::Mechanism;
    use cryptoki::object::{Attribute, KeyType, ObjectClass};
    const TOKENS: &[&str] = &["bench-ca", "bench-raw"];
    let tmp = tempfile::tempdir().unwrap();
    let (mut ca, _shares, _) = crate::softhsm::ceremony(
        "jpcert-ssl-client-2026",
        crate::softhsm::token(TOKENS, "bench-ca"),
        &tmp.path().join("ca"),
    );
    let ctx = inkan_runtime::pkcs11::open_module(&crate::softhsm::module()).unwrap();
    let (slot, _) =
        inkan_runtime::pkcs11::find_token(&ctx, &crate::softhsm::token(TOKENS, "bench-raw"))
            .unwrap();
    let pin = cryptoki::types::AuthPin::from(crate::softhsm::USER_PIN.to_string());
    let session = inkan_runtime::pkcs11::login(&ctx, slot, &pin).unwrap();
    let (_, private) = session
        .generate_key_pair(
            &Mechanism::RsaPkcsKeyPairGen,
            &[
                Attribute::Token(false),
                Attribute::ModulusBits(2048.into()),
                Attribute::PublicExponent(vec![1, 0, 1]),
                Attribute::Verify(true),
            ],
            &[
                Attribute::Token(false),
                Attribute::Class(ObjectClass::PRIVATE_KEY),
                Attribute::KeyType(KeyType::RSA),
                Attribute::Sign(true),
                Attribute::Sensitive(true),
            ],
        )
        .unwrap();
    let tbs = vec![0x5au8; 700];
    let raw = rate(time, 20, |_| {
        std::hint::black_box(
            session
                .sign(&Mechanism::Sha256RsaPkcs, private, &tbs)
                .unwrap(),
        );
    });
    let csr = fixture("sub1-2048.csr.pem");
    let now = Timestamp::now();
    let issued = rate(time, 20, |i| {
        std::hint::black_box(ca.issue(&request(&csr, i + 1), now).unwrap());
    });
    Figure::rate(
        "issuance, jpcert-ssl-client-2026 (RSA-2048, SoftHSM2)".into(),
        issued,
        "raw C_Sign, RSA-2048".into(),
        raw,
    )
    .target("ratio >= 0.90", issued / raw >= 0.90)
}

/// Runs `openssl` with `args` in `dir`; panics with its stderr on failure.
fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::null())
        .output()
        .expect("openssl runs");
    assert!(
        out.status.success(),
        "openssl {}: {}",
        args.first().copied().unwrap_or_default(),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// An `openssl ca` configuration equivalent to policy `id`'s subscriber and CRL
/// profiles; `bench_extension_sets_match` holds it to the policy.
fn openssl_config(id: &str, dir: &Path) -> String {
    let modern = id.ends_with("2026");
    let (md, sub) = if modern {
        (
            "sha256",
            "basicConstraints = critical, CA:FALSE\nkeyUsage = critical, digitalSignature, keyEncipherment\nextendedKeyUsage = clientAuth\nauthorityKeyIdentifier = keyid:always\nsubjectKeyIdentifier = hash\n",
        )
    } else {
        (
            "sha1",
            "basicConstraints = CA:FALSE\nkeyUsage = digitalSignature, keyEncipherment\nnsCertType = client\nsubjectKeyIdentifier = none\nauthorityKeyIdentifier = none\n",
        )
    };
    let crl_ext = if modern {
        "crl_extensions = crl_ext\n"
    } else {
        ""
    };
    format!(
        "[ca]\ndefault_ca = bench\n[bench]\ndir = {dir}\ndatabase = $dir/index.txt\nnew_certs_dir = $dir/certs\ncertificate = $dir/ica.pem\nprivate_key = $dir/ica.key\ncrlnumber = $dir/crlnumber\nserial = $dir/serial\ndefault_md = {md}\npolicy = anything\nunique_subject = no\ncopy_extensions = none\nx509_extensions = sub\ndefault_crl_days = 4\n{crl_ext}\n[anything]\ncommonName = optional\n[sub]\n{sub}crlDistributionPoints = URI:http://www.jpcert.or.jp/ca-info/crl-list.crl\ncertificatePolicies = @cps\n[cps]\npolicyIdentifier = 1.2.392.200212.1.1.1\nCPS.1 = \"http://www.jpcert.or.jp/ca-info/jpcert-cps.pdf\"\n[crl_ext]\nauthorityKeyIdentifier = keyid:always\n",
        dir = dir.display()
    )
}

/// A directory `openssl ca` can work in with the issuing CA of `ca` (fixture key).
fn openssl_ca_dir(ca: &Ca, id: &str, bits: u32, dir: &Path) {
    std::fs::create_dir_all(dir.join("certs")).unwrap();
    let ica = ca.chain("ssl-clients").unwrap().remove(0);
    std::fs::write(dir.join("ica.pem"), crate::pem("CERTIFICATE", &ica)).unwrap();
    std::fs::write(
        dir.join("ica.key"),
        fixture(&format!("ca-ssl-clients-{bits}.key.pem")),
    )
    .unwrap();
    std::fs::write(dir.join("index.txt"), "").unwrap();
    std::fs::write(dir.join("crlnumber"), "1000\n").unwrap();
    std::fs::write(dir.join("serial"), "01\n").unwrap();
    std::fs::write(dir.join("openssl.cnf"), openssl_config(id, dir)).unwrap();
}

/// The extension OIDs of a PEM or DER certificate, sorted.
fn extension_oids(cert: &[u8]) -> Vec<String> {
    let der = match x509_parser::pem::parse_x509_pem(cert) {
        Ok((_, pem)) => pem.contents,
        Err(_) => cert.to_vec(),
    };
    let (_, c) = x509_parser::parse_x509_certificate(&der).unwrap();
    let mut oids: Vec<String> = c
        .extensions()
        .iter()
        .map(|e| e.oid.to_id_string())
        .collect();
    oids.sort();
    oids
}

/// `n` requests issued by `openssl ca -batch` and by inkan, same CSRs, same key.
fn against_openssl_ca(id: &str, bits: u32, sizes: &Sizes) -> Figure {
    let n = sizes.requests;
    let tmp = tempfile::tempdir().unwrap();
    let now = at("2026-04-01T09:00:00Z");
    let (_ca_tmp, mut ca) = fixture_ca_in(tmp.path(), id, now);
    let work = tmp.path().join("openssl");
    openssl_ca_dir(&ca, id, bits, &work);
    let csrs: Vec<Vec<u8>> = (1..=3)
        .map(|k| fixture(&format!("sub{k}-{bits}.csr.pem")))
        .collect();
    for k in 1..=3 {
        std::fs::write(work.join(format!("sub{k}.csr")), &csrs[k - 1]).unwrap();
    }
    let requests: Vec<IssueRequest<'_>> = (0..n)
        .map(|i| request(&csrs[i % 3], i as u64 + 1))
        .collect();
    let (issued, inkan) = timed(|| issue_batches(&mut ca, &requests, sizes.batch, now));
    assert_eq!(issued.len(), n);
    let not_after = x509_parser::parse_x509_certificate(&issued[0].der)
        .unwrap()
        .1
        .validity()
        .not_after
        .to_datetime();
    let enddate = format!(
        "{:02}{:02}{:02}{:02}{:02}{:02}Z",
        not_after.year() % 100,
        u8::from(not_after.month()),
        not_after.day(),
        not_after.hour(),
        not_after.minute(),
        not_after.second()
    );
    let files: Vec<String> = (0..n).map(|i| format!("sub{}.csr", i % 3 + 1)).collect();
    let mut args = vec![
        "ca",
        "-batch",
        "-notext",
        "-config",
        "openssl.cnf",
        "-rand_serial",
        "-startdate",
        "260401000000Z",
        "-enddate",
        &enddate,
        "-out",
        "issued.pem",
        "-infiles",
    ];
    args.extend(files.iter().map(String::as_str));
    let ((), openssl_time) = timed(|| openssl(&work, &args));
    let theirs = std::fs::read(work.join("issued.pem")).unwrap();
    assert_eq!(
        extension_oids(&theirs),
        extension_oids(&issued[0].der),
        "the openssl configuration issues the policy's extension set"
    );
    let rate = n as f64 / inkan;
    let baseline = n as f64 / openssl_time;
    Figure::rate(
        format!(
            "{n} requests, {id} (RSA-{bits}): inkan (batches of {}) vs openssl ca",
            sizes.batch
        ),
        rate,
        "openssl ca -batch, same requests".into(),
        baseline,
    )
    .target("ratio >= 1.0", rate >= baseline)
}

/// Peak resident memory (VmHWM) and current (VmRSS), in bytes.
fn memory() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .map_or(0, |kb| kb * 1024)
    };
    (field("VmHWM:"), field("VmRSS:"))
}

/// The i-th benchmark serial: 16 octets, positive, distinct for every i.
fn serial(i: u64) -> u128 {
    let mixed = u128::from(i).wrapping_mul(0x9E37_79B9_7F4A_7C15_F39C_C060_5CED_C835);
    (mixed & ((1u128 << 126) - 1)) | (1u128 << 126)
}

/// Adds `n` revoked certificates straight to the store, as years of revocations would.
fn fill_revoked(db: &Path, issuer: &str, n: usize, revoked_at: Timestamp, expires: Timestamp) {
    let mut conn = rusqlite::Connection::open(db).unwrap();
    let tx = conn.transaction().unwrap();
    {
        let mut insert = tx
            .prepare("INSERT INTO certificates (serial, profile, issuer, subject, not_before, not_after, tbs, der, status, created_at, revoked_at, reason, reason_code) VALUES (?1, 'ssl-client', ?2, 'bench', ?3, ?4, x'00', x'00', 'issued', ?3, ?5, ?6, ?7)")
            .unwrap();
        for i in 0..n {
            let (reason, code) = if i % 3 == 0 {
                ("key-compromise", 1)
            } else {
                ("cessation-of-use", 5)
            };
            insert
                .execute(rusqlite::params![
                    format!("{:032x}", serial(i as u64)),
                    issuer,
                    revoked_at.unix() - 86_400,
                    expires.unix(),
                    revoked_at.unix(),
                    reason,
                    code
                ])
                .unwrap();
        }
    }
    tx.commit().unwrap();
}

/// The same revocations as `openssl ca`'s index.txt.
fn index_txt(n: usize, revoked_at: &str, expires: &str) -> String {
    let mut s = String::with_capacity(n * 80);
    for i in 0..n {
        let reason = if i % 3 == 0 {
            "keyCompromise"
        } else {
            "cessationOfOperation"
        };
        let _ = writeln!(
            s,
            "R\t{expires}\t{revoked_at},{reason}\t{:032X}\tunknown\t/CN=bench",
            serial(i as u64)
        );
    }
    s
}

/// A CA under the faithful policy with `n` revocations in its store, and an `openssl ca`
/// directory with the same revocations in its index.
fn crl_fixture(
    parent: &Path,
    n: usize,
    with_openssl: bool,
) -> (tempfile::TempDir, Ca, std::path::PathBuf) {
    let now = at("2026-04-01T09:00:00Z");
    let (ca_tmp, ca) = fixture_ca_in(parent, "jpcert-ssl-client", now);
    let work = parent.join("openssl");
    if with_openssl {
        openssl_ca_dir(&ca, "jpcert-ssl-client", 1024, &work);
        std::fs::write(
            work.join("index.txt"),
            index_txt(n, "260401090000Z", "270430235959Z"),
        )
        .unwrap();
    }
    fill_revoked(
        &ca_tmp.path().join("ca/ca.sqlite"),
        "ssl-clients",
        n,
        now,
        at("2027-04-30T23:59:59Z"),
    );
    (ca_tmp, ca, work)
}

/// Growth of peak resident memory while `ca` makes its CRL at `when` and writes it to
/// `out`, and the CRL's size; `None` where the peak cannot be reset.
fn crl_peak(ca: &mut Ca, out: &Path, when: &str) -> (Option<u64>, usize) {
    let reset = std::fs::write("/proc/self/clear_refs", "5").is_ok();
    let (_, before) = memory();
    let published = ca.crl(None, at(when), "bench").unwrap();
    std::fs::write(out, &published.der).unwrap();
    let (peak, _) = memory();
    (
        reset.then(|| peak.saturating_sub(before)),
        published.der.len(),
    )
}

const DAY_ONE: &str = "2026-04-01T09:00:00Z";
const DAY_TWO: &str = "2026-04-02T09:00:00Z";

/// In a fresh process (`INKAN_BENCH_CRL_MEMORY=<entries>`): prints the peak memory
/// growth of the second CRL of that many entries (the steady state: the previous CRL
/// is read for the continuity check) and the CRL's size.
pub fn crl_memory_child(n: usize) {
    let tmp = tempfile::tempdir().unwrap();
    let (_ca_tmp, mut ca, _) = crl_fixture(tmp.path(), n, false);
    crl_peak(&mut ca, &tmp.path().join("crl.der"), DAY_ONE);
    let (growth, size) = crl_peak(&mut ca, &tmp.path().join("crl2.der"), DAY_TWO);
    println!("{} {size}", growth.map_or(-1, |g| g as i64));
}

/// [`crl_memory_child`] run by `exe`.
fn crl_memory_isolated(exe: &Path, n: usize) -> Option<u64> {
    let out = Command::new(exe)
        .arg("--bench")
        .env("INKAN_BENCH_CRL_MEMORY", n.to_string())
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    text.split_whitespace().next()?.parse::<u64>().ok()
}

struct CrlRun {
    entries: usize,
    /// The store's revocations read, nothing done with them.
    read: f64,
    /// The same revocations encoded and checked, from memory.
    encode: f64,
    inkan: f64,
    next: f64,
    openssl: f64,
    size: usize,
    growth: Option<u64>,
}

fn crl_run(n: usize, isolate: Option<&Path>) -> CrlRun {
    let tmp = tempfile::tempdir().unwrap();
    let (_ca_tmp, mut ca, work) = crl_fixture(tmp.path(), n, true);
    // From the store to a signed DER file.
    let ((_, size), inkan) = timed(|| crl_peak(&mut ca, &tmp.path().join("crl.der"), DAY_ONE));
    // The next day's CRL is checked against this one (R-7.2-CRL continuity).
    let ((growth, _), next) = timed(|| crl_peak(&mut ca, &tmp.path().join("crl2.der"), DAY_TWO));
    let growth = match isolate {
        Some(exe) => crl_memory_isolated(exe, n),
        None => growth,
    };
    let at_now = at(DAY_TWO);
    let mut all = Vec::with_capacity(n);
    let ((), read) = timed(|| {
        ca.store()
            .each_revoked_unexpired("ssl-clients", at_now, &mut |r| {
                all.push(r);
                Ok(())
            })
            .unwrap();
    });
    let profile = &crate::policy("jpcert-ssl-client").definition().crls[0];
    let (_, encode) = timed(|| {
        inkan_runtime::crl::Entries::collect(profile, |each| {
            for r in all.drain(..) {
                each(r)?;
            }
            Ok(())
        })
        .unwrap()
    });

    let ((), openssl_time) = timed(|| {
        openssl(
            &work,
            &["ca", "-gencrl", "-config", "openssl.cnf", "-out", "crl.pem"],
        )
    });
    CrlRun {
        entries: n,
        read,
        encode,
        inkan,
        next,
        openssl: openssl_time,
        size,
        growth,
    }
}

fn crl_at_scale(sizes: &Sizes) -> Vec<Figure> {
    let runs: Vec<CrlRun> = sizes
        .crl
        .iter()
        .map(|&n| crl_run(n, sizes.isolate.as_deref()))
        .collect();
    let mut figures = Vec::new();
    for (k, r) in runs.iter().enumerate() {
        let largest = k + 1 == runs.len();
        let speedup = r.openssl / r.inkan;
        let fig = Figure {
            name: format!("CRL of {} entries (RSA-1024, {} bytes)", r.entries, r.size),
            measured: r.inkan,
            baseline_name: "openssl ca -gencrl, same entries".into(),
            baseline: r.openssl,
            unit: "s".into(),
            ratio: speedup,
            target: String::new(),
            met: true,
        };
        figures.push(if largest {
            fig.target("ratio >= 5 (largest size)", speedup >= 5.0)
        } else {
            fig.target("profile only", true)
        });
        figures.push(Figure {
            name: format!("  next CRL, checked against it ({} entries)", r.entries),
            measured: r.next,
            baseline_name: "openssl ca -gencrl, same entries".into(),
            baseline: r.openssl,
            unit: "s".into(),
            ratio: r.openssl / r.next,
            target: "profile only".into(),
            met: true,
        });
        if largest {
            for (what, t) in [
                ("store read alone", r.read),
                ("encode + check alone", r.encode),
            ] {
                figures.push(Figure {
                    name: format!("  profile: {what} ({} entries)", r.entries),
                    measured: t,
                    baseline_name: "the whole CRL".into(),
                    baseline: r.inkan,
                    unit: "s".into(),
                    ratio: t / r.inkan,
                    target: "profile only".into(),
                    met: true,
                });
            }
        }
        if let (Some(growth), true) = (r.growth, largest) {
            let times = growth as f64 / r.size as f64;
            figures.push(Figure {
                name: format!(
                    "  peak memory, next CRL of {} entries (previous one read)",
                    r.entries
                ),
                measured: growth as f64 / 1e6,
                baseline_name: "the CRL's size".into(),
                baseline: r.size as f64 / 1e6,
                unit: "MB".into(),
                ratio: times,
                target: "ratio <= 3".into(),
                met: times <= 3.0,
            });
        }
    }
    if let [.., a, b] = runs.as_slice() {
        let per_a = a.inkan / a.entries as f64;
        let per_b = b.inkan / b.entries as f64;
        figures.push(Figure {
            name: format!("  time per entry, {} vs {} entries", b.entries, a.entries),
            measured: per_b * 1e6,
            baseline_name: format!("time per entry at {}", a.entries),
            baseline: per_a * 1e6,
            unit: "us".into(),
            ratio: per_b / per_a,
            target: "ratio <= 1.25 (linear)".into(),
            met: per_b / per_a <= 1.25,
        });
    }
    figures
}

fn audit_chain(entries: u64) -> Figure {
    let t0 = at("2026-04-01T00:00:00Z");
    let mut chain = Vec::with_capacity(entries as usize);
    let mut prev = GENESIS;
    for seq in 1..=entries {
        let at = Timestamp::from_unix(t0.unix() + seq as i64).unwrap();
        let details = format!("{{\"serial\":\"{seq:032x}\"}}");
        let hash = entry_hash(
            seq,
            at,
            "bench",
            "certificate-issued",
            "ca-lifecycle",
            &details,
            &prev,
        );
        chain.push(Entry {
            seq,
            at,
            actor: "bench".into(),
            event: "certificate-issued".into(),
            retention: "ca-lifecycle".into(),
            details,
            prev,
            hash,
        });
        prev = hash;
    }
    let (key, _) = inkan_runtime::audit::AuditKey::generate().unwrap();
    let head = key.checkpoint(entries, prev, t0, false);
    let (check, hashing) = timed(|| {
        let mut check = GENESIS;
        for e in &chain {
            check = e.hash_after(&check);
        }
        check
    });
    std::hint::black_box(check);
    let (report, verify) =
        timed(|| inkan_runtime::audit::verify(&chain, &[head], Some(entries), &key.public_key()));
    assert!(report.ok(), "{:?}", report.problems);
    let measured = entries as f64 / verify;
    Figure {
        name: format!("audit verify, {entries} entries"),
        measured,
        baseline_name: "hashing the same entries".into(),
        baseline: entries as f64 / hashing,
        unit: "entries/s".into(),
        ratio: hashing / verify,
        target: "measured >= 500000 entries/s".into(),
        met: measured >= 500_000.0,
    }
}

fn compile(id: &str, time: Duration) -> Figure {
    let file = format!("{id}.yaml");
    let source = std::fs::read_to_string(root().join("policy").join(&file)).unwrap();
    let canonical = inkan_compiler::canonical(&source);
    let parse = rate(time, 5, |_| {
        let raw: inkan_compiler::syntax::RawPolicy = serde_saphyr::from_str(&canonical).unwrap();
        std::hint::black_box(raw);
    });
    let full = rate(time, 5, |_| {
        std::hint::black_box(inkan_compiler::compile(&file, &source).unwrap());
    });
    let ms = 1000.0 / full;
    Figure {
        name: format!("compile {id}"),
        measured: ms,
        baseline_name: "YAML parse alone".into(),
        baseline: 1000.0 / parse,
        unit: "ms".into(),
        ratio: (1000.0 / parse) / ms,
        target: "measured < 100 ms".into(),
        met: ms < 100.0,
    }
}

/// Every engine benchmark at `sizes`; `progress` hears which one starts.
pub fn run(sizes: &Sizes, progress: &dyn Fn(&str)) -> Vec<Figure> {
    let time = sizes.seconds;
    let wanted = |group: &str| sizes.only.as_deref().is_none_or(|o| group.contains(o));
    let mut figures = Vec::new();
    if wanted("issuance") {
        progress("issuance, faithful policy (software RSA-1024)");
        figures.extend(issuance("jpcert-ssl-client", 1024, true, sizes));
        progress("issuance, 2026 policy (software RSA-2048)");
        figures.extend(issuance("jpcert-ssl-client-2026", 2048, false, sizes));
    }
    if wanted("hsm") {
        progress("issuance, 2026 policy (SoftHSM2)");
        figures.push(hsm_issuance(time));
    }
    if wanted("openssl-ca") {
        for (id, bits) in [
            ("jpcert-ssl-client", 1024),
            ("jpcert-ssl-client-2026", 2048),
        ] {
            progress(&format!(
                "{} requests against openssl ca ({id})",
                sizes.requests
            ));
            figures.push(against_openssl_ca(id, bits, sizes));
        }
    }
    if wanted("crl") {
        progress(&format!(
            "CRLs of {:?} entries against openssl ca -gencrl",
            sizes.crl
        ));
        figures.extend(crl_at_scale(sizes));
    }
    if wanted("audit") {
        progress(&format!("audit chain of {} entries", sizes.audit));
        figures.push(audit_chain(sizes.audit));
    }
    if wanted("compile") {
        for id in ["jpcert-ssl-client", "jpcert-ssl-client-2026"] {
            progress(&format!("compile {id}"));
            figures.push(compile(id, time));
        }
    }
    figures
}

/// The report as Markdown: `machine` first, then one row per figure.
pub fn markdown(figures: &[Figure], machine: &str) -> String {
    let mut md = String::from("# inkan benchmarks\n\n");
    let _ = writeln!(md, "{machine}\n");
    md.push_str("| figure | measured | baseline (same run) | ratio | target | met |\n|---|---|---|---|---|---|\n");
    for f in figures {
        let _ = writeln!(
            md,
            "| {} | {:.3} {} | {}: {:.3} {} | {:.3} | {} | {} |",
            f.name,
            f.measured,
            f.unit,
            f.baseline_name,
            f.baseline,
            f.unit,
            f.ratio,
            f.target,
            if f.met { "yes" } else { "**no**" }
        );
    }
    md
}

/// A horizontal bar per figure: its ratio against its baseline (1.0 marked).
pub fn svg(figures: &[Figure]) -> String {
    let (w, row, left) = (860.0, 28.0, 430.0);
    // The axis stops at 2.0 so ratios near 1 stay readable; longer bars are clipped
    // and keep their number.
    let cap = figures.iter().map(|f| f.ratio).fold(1.0, f64::max).min(2.0);
    let max = cap * 1.1;
    let scale = (w - left - 60.0) / max;
    let h = row * figures.len() as f64 + 40.0;
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" font-family=\"sans-serif\" font-size=\"12\">\n"
    );
    for (i, f) in figures.iter().enumerate() {
        let y = 10.0 + row * i as f64;
        let colour = if f.met { "#3a7" } else { "#c44" };
        let _ = writeln!(
            s,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text><rect x=\"{left}\" y=\"{}\" width=\"{:.1}\" height=\"{}\" fill=\"{colour}\"/><text x=\"{:.1}\" y=\"{}\">{:.3}</text>",
            left - 8.0,
            y + 15.0,
            f.name.replace('&', "&amp;").replace('<', "&lt;"),
            y + 4.0,
            f.ratio.clamp(0.0, cap) * scale,
            row - 8.0,
            left + f.ratio.clamp(0.0, cap) * scale + 4.0,
            y + 15.0,
            f.ratio
        );
    }
    let one = left + scale;
    let _ = writeln!(
        s,
        "<line x1=\"{one:.1}\" y1=\"4\" x2=\"{one:.1}\" y2=\"{:.1}\" stroke=\"#333\" stroke-dasharray=\"4 3\"/><text x=\"{one:.1}\" y=\"{:.1}\" text-anchor=\"middle\">1.0 = baseline</text>\n</svg>",
        h - 22.0,
        h - 8.0
    );
    s
}

/// Writes report.md, report.json and ratios.svg into `dir`; returns the Markdown.
pub fn write_report(dir: &Path, figures: &[Figure], machine: &str) -> std::io::Result<String> {
    std::fs::create_dir_all(dir)?;
    let md = markdown(figures, machine);
    std::fs::write(dir.join("report.md"), &md)?;
    let json = serde_json::to_string_pretty(figures).map_err(std::io::Error::other)?;
    std::fs::write(dir.join("report.json"), json + "\n")?;
    std::fs::write(dir.join("ratios.svg"), svg(figures))?;
    Ok(md)
}
