//! `openssl ca -batch` beside inkan on the same requests, with an equivalent
//! configuration, both checked to issue the same extension set. `openssl ca` is one
//! thread, so the baseline runs one process per core (each with its own directory:
//! two processes cannot share an `index.txt`), as many as inkan signs on.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use inkan_runtime::ca::{Ca, IssueRequest};

use crate::{at, fixture, fixture_ca_in};

use super::figure::*;
use super::issuance::{issue_batches, request};

/// Runs `openssl` with `args` in `dir`; panics with its stderr on failure.
pub(super) fn openssl(dir: &Path, args: &[&str]) {
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
pub(super) fn openssl_ca_dir(ca: &Ca, id: &str, bits: u32, dir: &Path) {
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
pub(super) fn against_openssl_ca(id: &str, bits: u32, sizes: &Sizes) -> Figure {
    let n = sizes.requests;
    let tmp = tempfile::tempdir().unwrap();
    let now = at("2026-04-01T09:00:00Z");
    let (_ca_tmp, mut ca) = fixture_ca_in(tmp.path(), id, now);
    let work = tmp.path().join("openssl");
    let csrs: Vec<Vec<u8>> = (1..=3)
        .map(|k| fixture(&format!("sub{k}-{bits}.csr.pem")))
        .collect();
    let requests: Vec<IssueRequest<'_>> = (0..n)
        .map(|i| request(&csrs[i % 3], i as u64 + 1))
        .collect();
    let (issued, inkan) = timed(|| issue_batches(&mut ca, &requests, sizes.batch, now));
    assert_eq!(issued.len(), n);
    let (theirs, openssl_time) = openssl_ca_every_core(&ca, id, bits, n, &issued[0].der, &work);
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
        format!("openssl ca -batch, same requests, {} processes", cores()),
        baseline,
    )
    .target("ratio >= 1.0", rate >= baseline)
}

/// `openssl ca -batch` issuing `n` of the fixture requests on every core (one process
/// per core, each its own directory under `work`), with the validity of `like`, the
/// certificate inkan issued; the first certificate one of them issued and the wall time
/// from the first start to the last exit.
pub(super) fn openssl_ca_every_core(
    ca: &Ca,
    id: &str,
    bits: u32,
    n: usize,
    like: &[u8],
    work: &Path,
) -> (Vec<u8>, f64) {
    let enddate = crate::utc_time(
        &x509_parser::parse_x509_certificate(like)
            .unwrap()
            .1
            .validity()
            .not_after,
    );
    let processes = cores().min(n).max(1);
    let dirs: Vec<PathBuf> = (0..processes)
        .map(|p| {
            let dir = work.join(format!("process-{p}"));
            openssl_ca_dir(ca, id, bits, &dir);
            for k in 1..=3 {
                std::fs::write(
                    dir.join(format!("sub{k}.csr")),
                    fixture(&format!("sub{k}-{bits}.csr.pem")),
                )
                .unwrap();
            }
            dir
        })
        .collect();
    let commands: Vec<Command> = dirs
        .iter()
        .enumerate()
        .map(|(p, dir)| {
            // Process p takes every processes-th request, so the n are split evenly.
            let files = (p..n)
                .step_by(processes)
                .map(|i| format!("sub{}.csr", i % 3 + 1));
            let mut c = Command::new("openssl");
            c.args([
                "ca",
                "-batch",
                "-notext",
                "-config",
                "openssl.cnf",
                "-rand_serial",
            ])
            .args(["-startdate", "260401000000Z", "-enddate", &enddate])
            .args(["-out", "issued.pem", "-infiles"])
            .args(files)
            .current_dir(dir)
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
            c
        })
        .collect();
    let ((), seconds) = timed(|| {
        let running: Vec<_> = commands
            .into_iter()
            .map(|mut c| c.spawn().expect("openssl runs"))
            .collect();
        for child in running {
            let out = child.wait_with_output().unwrap();
            assert!(
                out.status.success(),
                "openssl ca: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    });
    (std::fs::read(dirs[0].join("issued.pem")).unwrap(), seconds)
}

/// `openssl ca -batch` issuing `n` requests of RSA-`bits` under an equivalent of policy
/// `id` on every core, per second: the baseline the HTTP benchmark sets the service
/// against.
pub fn openssl_ca_rate(id: &str, bits: u32, n: usize) -> f64 {
    let tmp = tempfile::tempdir().unwrap();
    let now = at("2026-04-01T09:00:00Z");
    let (_ca_tmp, mut ca) = fixture_ca_in(tmp.path(), id, now);
    let csr = fixture(&format!("sub1-{bits}.csr.pem"));
    let like = ca.issue(&request(&csr, 1), now).unwrap().der;
    let (theirs, seconds) =
        openssl_ca_every_core(&ca, id, bits, n, &like, &tmp.path().join("openssl"));
    assert_eq!(extension_oids(&theirs), extension_oids(&like));
    n as f64 / seconds
}
