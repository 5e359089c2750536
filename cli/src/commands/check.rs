//! `inkan check`: certificates and CRLs, from files, a directory or a CA's store,
//! checked field by field against a compiled policy's profiles (the same checks as
//! before signing); the findings as text, JSON or JUnit XML for CI.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, anyhow, bail};
use der::Decode;
use inkan_runtime::ca::Ca;
use inkan_runtime::conformance::{self, Finding, IssuerFacts};
use inkan_runtime::policy::Policy;
use inkan_runtime::x509::read_certificate;
use x509_cert::crl::CertificateList;

use crate::args::{CheckArgs, Format};
use crate::support::{lookup, policy, read_pem_or_der};

/// `inkan check`.
pub fn check(args: CheckArgs) -> Result<ExitCode> {
    let CheckArgs {
        policy: name,
        cert,
        crl,
        dir,
        ca,
        profile,
        format,
    } = args;
    let policy = policy(&name)?;
    let items = match (cert, crl, dir, ca) {
        (Some(path), ..) => vec![Item::cert(
            path.display().to_string(),
            read_pem_or_der(&path, "CERTIFICATE")?,
        )],
        (_, Some(path), ..) => vec![Item::crl(
            path.display().to_string(),
            read_pem_or_der(&path, "X509 CRL")?,
        )],
        (_, _, Some(dir), _) => items_in(&dir)?,
        (_, _, _, Some(ca)) => items_of_ca(&ca)?,
        _ => bail!("give --cert, --crl, --dir or --ca"),
    };
    let results = items
        .iter()
        .map(|i| i.check(policy, profile.as_deref()))
        .collect::<Result<Vec<_>>>()?;
    report(format, policy.id(), &results)?;
    let findings: Vec<&Finding> = results.iter().flat_map(|r| &r.findings).collect();
    Ok(if findings.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// A certificate or CRL to check, with where it came from.
struct Item {
    name: String,
    crl: bool,
    der: Vec<u8>,
}

/// What checking one item found.
struct Checked {
    name: String,
    subject: String,
    profile: String,
    findings: Vec<Finding>,
}

impl Item {
    fn cert(name: String, der: Vec<u8>) -> Self {
        Item {
            name,
            crl: false,
            der,
        }
    }
    fn crl(name: String, der: Vec<u8>) -> Self {
        Item {
            name,
            crl: true,
            der,
        }
    }

    fn check(&self, policy: &'static dyn Policy, profile: Option<&str>) -> Result<Checked> {
        let facts = IssuerFacts {
            name: None,
            key_id: None,
        };
        if self.crl {
            let crl = CertificateList::<x509_cert::certificate::Rfc5280>::from_der(&self.der)
                .with_context(|| format!("{} is not an X.509 CRL", self.name))?;
            let def = policy.definition();
            let crl_profile = match profile {
                Some(p) => policy
                    .crl(p)
                    .ok_or_else(|| anyhow!("policy `{}` has no CRL profile for `{p}`", def.id))?,
                None => def
                    .crls
                    .first()
                    .ok_or_else(|| anyhow!("policy `{}` has no CRL profile", def.id))?,
            };
            let mut findings = conformance::check_crl(
                crl_profile,
                policy.certificate(crl_profile.issuer),
                &crl.tbs_cert_list,
                &facts,
            );
            if crl.signature_algorithm != crl.tbs_cert_list.signature {
                findings.push(Finding {
                    field: "signatureAlgorithm".into(),
                    message: "differs from the TBSCertList's signature field (RFC 5280 5.1.1.2)"
                        .into(),
                    rules: vec![],
                });
            }
            return Ok(Checked {
                name: self.name.clone(),
                subject: crl.tbs_cert_list.issuer.to_string(),
                profile: format!("crl of {}", crl_profile.issuer),
                findings,
            });
        }
        let cert = read_certificate(&self.der)
            .with_context(|| format!("{} is not an X.509 certificate", self.name))?;
        let tbs = cert.tbs_certificate();
        let candidates: Vec<_> = match profile {
            Some(p) => vec![policy.certificate(p).ok_or_else(|| {
                anyhow!("policy `{}` has no certificate profile `{p}`", policy.id())
            })?],
            None => policy.definition().certificates.iter().collect(),
        };
        let outer_mismatch = cert.signature_algorithm() != tbs.signature();
        let mut best: Option<(&str, Vec<Finding>)> = None;
        for p in candidates {
            let mut findings = conformance::check_certificate(policy, p, tbs, &facts);
            if outer_mismatch {
                findings.push(Finding {
                    field: "signatureAlgorithm".into(),
                    message: "differs from the TBSCertificate's signature field (RFC 5280 4.1.1.2)"
                        .into(),
                    rules: vec![],
                });
            }
            if best.as_ref().is_none_or(|(_, b)| findings.len() < b.len()) {
                best = Some((p.name, findings));
            }
        }
        let (profile, findings) =
            best.ok_or_else(|| anyhow!("the policy has no certificate profiles"))?;
        Ok(Checked {
            name: self.name.clone(),
            subject: tbs.subject().to_string(),
            profile: profile.to_string(),
            findings,
        })
    }
}

/// Every certificate and CRL file under `dir`, in path order.
fn items_in(dir: &Path) -> Result<Vec<Item>> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
        for e in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
            let p = e?.path();
            if p.is_dir() {
                walk(&p, out)?;
            } else if p
                .extension()
                .and_then(|x| x.to_str())
                .is_some_and(|x| ["pem", "crt", "cer", "der", "crl"].contains(&x))
            {
                out.push(p);
            }
        }
        Ok(())
    }
    let mut paths = Vec::new();
    walk(dir, &mut paths)?;
    paths.sort();
    let mut items = Vec::new();
    for p in paths {
        let bytes = std::fs::read(&p).with_context(|| format!("reading {}", p.display()))?;
        let name = p.display().to_string();
        let (is_crl, der) = if bytes.starts_with(b"-----BEGIN") {
            match der::pem::decode_vec(&bytes) {
                Ok(("CERTIFICATE", der)) => (false, der),
                Ok(("X509 CRL", der)) => (true, der),
                Ok((label, _)) => {
                    eprintln!("skipping {name}: a {label}, not a certificate or CRL");
                    continue;
                }
                Err(e) => bail!("{name}: bad PEM: {e}"),
            }
        } else if read_certificate(&bytes).is_ok() {
            (false, bytes)
        } else if CertificateList::<x509_cert::certificate::Rfc5280>::from_der(&bytes).is_ok() {
            (true, bytes)
        } else {
            eprintln!("skipping {name}: neither a certificate nor a CRL");
            continue;
        };
        items.push(Item {
            name,
            crl: is_crl,
            der,
        });
    }
    Ok(items)
}

/// Everything a CA issued: its certificates of every profile, and every CRL.
fn items_of_ca(dir: &Path) -> Result<Vec<Item>> {
    let ca = Ca::open(dir, &lookup)?;
    let mut items = Vec::new();
    let def = ca.policy().definition();
    for p in def.certificates {
        for r in ca.store().certificates(p.name)? {
            if let Some(der) = r.der {
                items.push(Item::cert(format!("{} {}", p.name, r.serial), der));
            }
        }
    }
    for c in def.crls {
        for (number, der) in ca.store().crls(c.issuer)? {
            items.push(Item::crl(format!("CRL {number} of {}", c.issuer), der));
        }
    }
    Ok(items)
}

/// XML-escapes text for the JUnit report.
fn xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Prints the results in `format`.
fn report(format: Format, policy: &str, results: &[Checked]) -> Result<()> {
    match format {
        Format::Text => {
            for r in results {
                if r.findings.is_empty() {
                    println!(
                        "ok: {} ({}) conforms to profile `{}`",
                        r.name, r.subject, r.profile
                    );
                } else {
                    println!(
                        "{} finding(s) for {} ({}) against profile `{}`:",
                        r.findings.len(),
                        r.name,
                        r.subject,
                        r.profile
                    );
                    for f in &r.findings {
                        println!("  {f}");
                    }
                }
            }
        }
        Format::Json => {
            let one = |r: &Checked| {
                let list: Vec<_> = r.findings.iter().map(|f| serde_json::json!({ "field": f.field, "message": f.message, "rules": f.rules })).collect();
                serde_json::json!({ "name": r.name, "subject": r.subject, "profile": r.profile, "conforms": r.findings.is_empty(), "findings": list })
            };
            let out = match results {
                [single] => one(single),
                _ => serde_json::Value::Array(results.iter().map(one).collect()),
            };
            println!("{}", serde_json::to_string_pretty(&out)?);
        }
        Format::Junit => {
            let failures = results.iter().filter(|r| !r.findings.is_empty()).count();
            println!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
            println!(
                "<testsuites name=\"inkan check\" tests=\"{}\" failures=\"{failures}\">",
                results.len()
            );
            println!(
                "  <testsuite name=\"policy {}\" tests=\"{}\" failures=\"{failures}\">",
                xml(policy),
                results.len()
            );
            for r in results {
                let head = format!(
                    "    <testcase classname=\"{}\" name=\"{} ({})\"",
                    xml(&r.profile),
                    xml(&r.name),
                    xml(&r.subject)
                );
                if r.findings.is_empty() {
                    println!("{head}/>");
                } else {
                    let body: Vec<String> =
                        r.findings.iter().map(|f| xml(&f.to_string())).collect();
                    println!(
                        "{head}>\n      <failure message=\"{} finding(s)\">{}</failure>\n    </testcase>",
                        r.findings.len(),
                        body.join("\n")
                    );
                }
            }
            println!("  </testsuite>\n</testsuites>");
        }
    }
    Ok(())
}
