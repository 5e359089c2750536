//! Issuance figures: certificates per second through the CA, in batches and one at a
//! time, against raw signatures of the same key on every core; software RSA and
//! SoftHSM2.

use std::path::Path;
use std::time::{Duration, Instant};

use inkan_runtime::ca::{Ca, Csr, IssueRequest};
use inkan_runtime::calendar::Timestamp;
use rsa::pkcs8::DecodePrivateKey as _;
use rsa::{Pkcs1v15Sign, PrivateKey};
use sha2::Digest as _;

use crate::{at, fixture, fixture_ca_in};

use super::figure::*;

pub(super) fn request<'a>(csr: &'a [u8], developer: u64) -> IssueRequest<'a> {
    IssueRequest {
        actor: "bench",
        csr: Csr::Encoded(csr),
        profile: None,
        fields: vec![("developer".into(), developer), ("person".into(), 1)],
    }
}

/// Raw signatures per second with a software key on `threads` threads: the call the
/// software signer makes (ring for SHA-256 with RSA-2048, the rsa crate for SHA-1 and
/// RSA-1024), on a TBSCertificate-sized message.
pub(super) fn raw_software(bits: u32, sha1: bool, time: Duration, threads: usize) -> f64 {
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

/// Issues `requests` in batches of `batch` through `Ca::issue_many`.
pub(super) fn issue_batches(
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

pub(super) fn issuance(id: &str, bits: u32, sha1: bool, sizes: &Sizes) -> Vec<Figure> {
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
    // core; against raw signatures on as many threads, the two alternated.
    let threads = cores();
    let mut phases = [Duration::ZERO; 4];
    let now = at("2026-04-01T09:00:00Z");
    let (_tmp, mut ca) = fixture_ca_in(&std::env::temp_dir(), id, now);
    let mut round = 0u64;
    let mut done = 0usize;
    let (batched, raw_all) = alternated(
        time,
        |slice| raw_software(bits, sha1, slice, threads),
        |slice| {
            let (start, before) = (Instant::now(), done);
            while done == before || start.elapsed() < slice {
                // Fresh developers each batch: 26 letters per person and year.
                let requests: Vec<IssueRequest<'_>> = (0..sizes.batch)
                    .map(|i| request(&csr, 1 + round * sizes.batch as u64 + i as u64))
                    .collect();
                done += issue_batches(&mut ca, &requests, sizes.batch, now).len();
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
            (done - before, start.elapsed())
        },
    );
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
        .target("ratio >= 0.80", batched / raw_all >= 0.80),
    );
    // Wall time per certificate in each phase, against a raw signature's share of
    // the machine (1 / raw rate on every core).
    let per_sig = 1e6 / raw_all;
    for (name, sum) in [
        "check requests, allocate names (one transaction), build and check TBSs",
        "record every TBS (one durable commit)",
        "sign, verify, encode, audit entries (every core)",
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
/// `C_Sign` calls with an RSA-2048 key of the same module: one at a time against one
/// session, and in batches (the signer's pool of sessions, every core) against a
/// session per core signing at once.
pub(super) fn hsm_issuance(time: Duration, batch: usize) -> Vec<Figure> {
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
    // Every core: a session per thread (the login is the application's, shared),
    // alternated with the CA's batches.
    let threads = cores();
    let raw_on_every_core = |slice: Duration| -> f64 {
        std::thread::scope(|s| {
            let workers: Vec<_> = (0..threads)
                .map(|_| {
                    let (ctx, tbs) = (&ctx, &tbs);
                    s.spawn(move || {
                        let session = ctx.open_rw_session(slot).unwrap();
                        rate(slice, 20, |_| {
                            std::hint::black_box(
                                session
                                    .sign(&Mechanism::Sha256RsaPkcs, private, tbs)
                                    .unwrap(),
                            );
                        })
                    })
                })
                .collect();
            workers.into_iter().map(|w| w.join().unwrap()).sum()
        })
    };
    let mut round = 0u64;
    let (batched, raw_all) = alternated(time, raw_on_every_core, |slice| {
        let (start, mut done) = (Instant::now(), 0usize);
        while done == 0 || start.elapsed() < slice {
            // Fresh developers each batch: 26 letters per person and year.
            let requests: Vec<IssueRequest<'_>> = (0..batch)
                .map(|i| request(&csr, 10_000 + round * batch as u64 + i as u64))
                .collect();
            done += ca.issue_many(&requests, now).unwrap().len();
            round += 1;
        }
        (done, start.elapsed())
    });
    vec![
        Figure::rate(
            "issuance, jpcert-ssl-client-2026 (RSA-2048, SoftHSM2), one at a time".into(),
            issued,
            "raw C_Sign, RSA-2048, one session".into(),
            raw,
        )
        .target("ratio >= 0.90", issued / raw >= 0.90),
        Figure::rate(
            format!("issuance, jpcert-ssl-client-2026 (RSA-2048, SoftHSM2), batches of {batch}"),
            batched,
            format!("raw C_Sign, RSA-2048, {threads} sessions on {threads} threads"),
            raw_all,
        )
        .target("ratio >= 0.80", batched / raw_all >= 0.80),
    ]
}
