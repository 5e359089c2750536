//! `inkan quickstart`: the whole life of a CA in a fresh directory, ending with
//! openssl's own verdict on what inkan issued.
//!
//! It initialises a CA under the chosen policy, has openssl make two subscriber keys
//! and PKCS#10 requests, issues both certificates, revokes one, publishes a CRL, and
//! runs `openssl verify` (chain, then chain with the CRL) and `openssl crl -verify`.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use anyhow::{Context, Result, bail};
use inkan_runtime::ca::{Csr, IssueRequest};
use inkan_runtime::calendar::Timestamp;

fn openssl(dir: &Path, args: &[&str]) -> Result<(bool, String)> {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .context("running openssl (quickstart needs the openssl command-line tool)")?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    Ok((out.status.success(), text.trim().to_string()))
}

fn step(n: u32, text: &str) {
    println!("\n[{n}] {text}");
}

/// Runs the quickstart; exit status 0 only if openssl agrees with every expectation.
pub fn run(dir: Option<PathBuf>, name: &str) -> Result<ExitCode> {
    let policy = crate::support::policy(name)?;
    let dir = dir.unwrap_or_else(|| {
        std::env::temp_dir().join(format!(
            "inkan-quickstart-{}-{}",
            std::process::id(),
            Timestamp::now().unix()
        ))
    });
    let ca_dir = dir.join("ca");
    let work = dir.join("subscribers");
    std::fs::create_dir_all(&work).with_context(|| format!("creating {}", work.display()))?;
    println!(
        "inkan quickstart: policy `{}` ({}), in {}",
        policy.id(),
        policy.definition().title,
        dir.display()
    );

    step(
        1,
        "initialise the CA: root and issuing CA keys and certificates",
    );
    let (mut ca, shares) = crate::commands::ca::create(
        &ca_dir,
        policy,
        Timestamp::now(),
        false,
        Some(crate::commands::ca::SOFTWARE_KEYS_FOR_TESTING),
        None,
    )?;
    println!(
        "    the CA keys are stored as encrypted PKCS#8; their passphrase exists only as {} custodian shares (kept in memory here)",
        shares.len()
    );
    let mut chain = String::new();
    for der in ca.ca_certificates()? {
        chain.push_str(&crate::support::pem("CERTIFICATE", &der)?);
    }
    let certs = ca.ca_certificates()?;
    let (Some(root), Some(issuing)) = (certs.first(), certs.get(1)) else {
        bail!("the policy has fewer than two CA certificates")
    };
    std::fs::write(
        work.join("root.pem"),
        crate::support::pem("CERTIFICATE", root)?,
    )?;
    std::fs::write(
        work.join("issuing-ca.pem"),
        crate::support::pem("CERTIFICATE", issuing)?,
    )?;
    std::fs::write(work.join("ca-chain.pem"), &chain)?;

    let bits = policy
        .definition()
        .certificates
        .iter()
        .find(|p| p.subscriber_name.is_some())
        .map_or(2048, |p| p.key_bits);
    let mut serials = Vec::new();
    for (i, person) in ["000001", "000002"].iter().enumerate() {
        let n = i + 1;
        step(
            2 + i as u32,
            &format!(
                "subscriber {n}: openssl makes a {bits}-bit key and a PKCS#10 request; inkan issues"
            ),
        );
        let (ok, text) = openssl(
            &work,
            &[
                "req",
                "-new",
                "-newkey",
                &format!("rsa:{bits}"),
                "-nodes",
                "-subj",
                "/CN=Taro Yamada",
                "-keyout",
                &format!("subscriber{n}.key"),
                "-out",
                &format!("subscriber{n}.csr"),
            ],
        )?;
        if !ok {
            bail!("openssl req failed: {text}");
        }
        let csr = std::fs::read(work.join(format!("subscriber{n}.csr")))?;
        let request = IssueRequest {
            actor: "quickstart",
            csr: Csr::Encoded(&csr),
            profile: None,
            fields: vec![
                ("developer".into(), 123_456),
                ("person".into(), person.parse()?),
            ],
        };
        let issued = ca.issue(&request, Timestamp::now())?;
        std::fs::write(
            work.join(format!("subscriber{n}.pem")),
            crate::support::pem("CERTIFICATE", &issued.der)?,
        )?;
        println!(
            "    issued serial {} to {}  (the request's CN=Taro Yamada was ignored: R-3.1-PSEUDONYM)",
            issued.serial, issued.subject
        );
        serials.push(issued.serial);
    }

    step(
        4,
        "revoke subscriber 2 for key compromise, and publish a CRL",
    );
    ca.revoke(
        &serials[1],
        "key-compromise",
        Timestamp::now(),
        "quickstart",
    )?;
    let crl = ca.crl(None, Timestamp::now(), "quickstart")?;
    std::fs::write(
        work.join("crl.pem"),
        crate::support::pem("X509 CRL", &crl.der)?,
    )?;
    println!("    CRL number {} lists 1 revoked certificate", crl.number);

    // The faithful JPCERT policy signs with SHA-1 (80-bit security): OpenSSL 3 refuses it
    // above security level 0, which is exactly what the compiler's waived lints say.
    let weak = policy
        .definition()
        .waivers
        .iter()
        .any(|w| w.lint == "weak-signature-algorithm");
    let level: &[&str] = if weak { &["-auth_level", "0"] } else { &[] };
    if weak {
        println!(
            "\n    note: this policy waives `weak-signature-algorithm` (SHA-1); openssl verifies it at -auth_level 0"
        );
    }
    let mut all_ok = true;
    let mut expect = |n: u32, what: &str, args: Vec<&str>, want: &str| -> Result<()> {
        step(n, what);
        let (_, text) = openssl(&work, &args)?;
        println!(
            "    $ openssl {}\n    {}",
            args.join(" "),
            text.replace('\n', "\n    ")
        );
        let good = text.contains(want);
        println!(
            "    => {}",
            if good {
                format!("as expected ({want})")
            } else {
                format!("UNEXPECTED: wanted `{want}`")
            }
        );
        all_ok &= good;
        Ok(())
    };
    // `openssl verify` at the policy's level, chain root + issuing CA, optionally the CRL.
    let verify = |crl: bool, leaf: &'static str| {
        let mut args = vec!["verify"];
        args.extend_from_slice(level);
        if crl {
            args.extend(["-crl_check", "-CRLfile", "crl.pem"]);
        }
        args.extend(["-CAfile", "root.pem", "-untrusted", "issuing-ca.pem", leaf]);
        args
    };
    expect(
        5,
        "openssl verifies subscriber 1's chain",
        verify(false, "subscriber1.pem"),
        "subscriber1.pem: OK",
    )?;
    expect(
        6,
        "openssl checks subscriber 1 against the CRL",
        verify(true, "subscriber1.pem"),
        "subscriber1.pem: OK",
    )?;
    expect(
        7,
        "openssl finds subscriber 2 on the CRL",
        verify(true, "subscriber2.pem"),
        "certificate revoked",
    )?;
    expect(
        8,
        "openssl verifies the CRL's signature",
        vec!["crl", "-in", "crl.pem", "-noout", "-CAfile", "ca-chain.pem"],
        "verify OK",
    )?;

    println!(
        "\nEverything is in {}:\n  ca/          the CA directory (inkan --dir)\n  subscribers/ keys, requests, certificates, chain and CRL",
        dir.display()
    );
    if all_ok {
        println!("quickstart: openssl agrees with everything inkan issued.");
        Ok(ExitCode::SUCCESS)
    } else {
        println!("quickstart: openssl disagreed; see above.");
        Ok(ExitCode::FAILURE)
    }
}
