//! The relying party's commands (R-9.6-RP-CHECK): `inkan verify` judges one
//! certificate against the CA certificates and the newest CRL (from a file, a URL or
//! the certificate's distribution point, cached until its nextUpdate); `inkan rp-demo`
//! runs an HTTPS server that asks for client certificates and judges them the same way.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, anyhow};
use inkan_runtime::calendar::Timestamp;
use inkan_runtime::policy::Policy;

use crate::args::{RpDemoArgs, Trust, VerifyArgs};
use crate::support::{
    der_blocks, fetch, parse_now, policy, read_pem_or_der, shutdown_signal, write_atomically,
};

/// `inkan verify`: exit 0 accepted, 1 refused, 2 the input could not be read.
pub fn run(args: VerifyArgs) -> ExitCode {
    let VerifyArgs {
        trust,
        crl_cache,
        now,
        cert,
    } = args;
    // 1 is the verdict "refused"; input the verifier could not read is 2.
    match policy(&trust.policy)
        .and_then(|p| verify(p, &trust, crl_cache.as_deref(), now.as_deref(), &cert))
    {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// `inkan rp-demo`.
pub fn rp(args: RpDemoArgs) -> Result<ExitCode> {
    let RpDemoArgs {
        trust,
        listen,
        refresh,
        cert,
        key,
    } = args;
    rp_demo(
        policy(&trust.policy)?,
        &trust,
        listen,
        refresh,
        cert.zip(key),
    )
}

/// Where the CRL comes from: `--crl`, else the certificate's first http
/// distribution point, else the policy's CRL URL; moved onto `--repository` if given.
fn crl_source(policy: &'static dyn Policy, trust: &Trust, cert: Option<&[u8]>) -> Result<String> {
    if let Some(crl) = &trust.crl {
        return Ok(crl.clone());
    }
    let from_cert = match cert {
        Some(der) => inkan_runtime::verify::Verifier::distribution_points(der)
            .map_err(|r| anyhow!("the certificate: {r}"))?
            .into_iter()
            .next(),
        None => None,
    };
    let url = from_cert
        .or_else(|| policy.definition().crl_url.map(str::to_string))
        .ok_or_else(|| anyhow!("no --crl, no distribution point and no CRL URL in the policy"))?;
    Ok(match &trust.repository {
        Some(repository) => inkan_server::rp::rebase(&url, repository),
        None => url,
    })
}

fn verify(
    policy: &'static dyn Policy,
    trust: &Trust,
    crl_cache: Option<&Path>,
    now: Option<&str>,
    cert: &Path,
) -> Result<ExitCode> {
    use inkan_runtime::verify::{Refusal, Verifier};
    let now = match parse_now(now)? {
        Some(t) => t,
        None => Timestamp::now(),
    };
    // Which of the policy's relying-party checks (CPS 9.6) a refusal failed.
    let asked = policy
        .definition()
        .lifecycle
        .map_or(&[][..], |l| l.relying_parties);
    let refused = |refusal: Refusal| {
        match refusal.check().filter(|c| asked.contains(c)) {
            Some(c) => println!("refused: {refusal} (CPS 9.6: {})", c.name()),
            None => println!("refused: {refusal}"),
        }
        Ok(ExitCode::FAILURE)
    };
    let cert_der = read_pem_or_der(cert, "CERTIFICATE")?;
    let cas = der_blocks(&fetch(&trust.ca_certs)?, "CERTIFICATE", &trust.ca_certs)?;
    let verifier = match Verifier::from_der(policy, &cas) {
        Ok(v) => v,
        Err(r) => return refused(r),
    };
    let source = crl_source(policy, trust, Some(&cert_der))?;
    // The cache holds the newest CRL seen per source, used until its nextUpdate; a
    // fetched CRL older than it is refused (cRLNumber never goes back).
    let cached = crl_cache.map(|dir| {
        let file: String = source
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '.' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        dir.join(file)
    });
    if let Some(der) = cached.as_ref().and_then(|f| std::fs::read(f).ok()) {
        let _ = verifier.load_crl(&der, now);
    }
    if verifier.has_fresh_crl(now) {
        eprintln!("CRL from the cache ({source})");
    } else {
        let der = der_blocks(&fetch(&source)?, "X509 CRL", &source)?
            .pop()
            .ok_or_else(|| anyhow!("{source}: no CRL"))?;
        if let Err(r) = verifier.load_crl(&der, now) {
            return refused(r);
        }
        eprintln!("CRL fetched from {source}");
        if let Some(file) = &cached {
            write_atomically(file, &der)?;
        }
    }
    match verifier.verify(&cert_der, now) {
        Ok(ok) => {
            let checked: Vec<&str> = asked.iter().map(|c| c.name()).collect();
            println!(
                "accepted: {} (serial {}, profile {}; CPS 9.6 checks passed: {})",
                ok.subject,
                ok.serial,
                ok.profile,
                checked.join(", ")
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(r) => refused(r),
    }
}

fn rp_demo(
    policy: &'static dyn Policy,
    trust: &Trust,
    listen: std::net::SocketAddr,
    refresh: u64,
    identity: Option<(PathBuf, PathBuf)>,
) -> Result<ExitCode> {
    use inkan_server::rp::{CrlSource, RelyingParty, RpOptions};
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let cas = der_blocks(&fetch(&trust.ca_certs)?, "CERTIFICATE", &trust.ca_certs)?;
    let crl = crl_source(policy, trust, None)?;
    let server_identity = match identity {
        Some((cert, key)) => {
            let chain = der_blocks(
                &std::fs::read(&cert).with_context(|| format!("reading {}", cert.display()))?,
                "CERTIFICATE",
                &cert.display().to_string(),
            )?;
            Some((chain, read_pem_or_der(&key, "PRIVATE KEY")?))
        }
        None => None,
    };
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    runtime.block_on(async {
        let rp = RelyingParty::start(RpOptions {
            policy,
            ca_certs: cas,
            crl: CrlSource::parse(&crl),
            refresh: std::time::Duration::from_secs(refresh),
            server_identity,
            clock: std::sync::Arc::new(Timestamp::now),
        })
        .await?;
        let rp = std::sync::Arc::new(rp);
        println!("relying party on https://{listen} (client certificate required)");
        tokio::select! {
            served = rp.run(listen) => served?,
            () = shutdown_signal() => tracing::info!("shutting down"),
        }
        Ok::<_, anyhow::Error>(())
    })?;
    Ok(ExitCode::SUCCESS)
}
