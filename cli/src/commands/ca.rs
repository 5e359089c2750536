//! The commands that make and run a CA directory: `init`, `ceremony`, `issue`,
//! `revoke`, `crl`, `pending` and `ca-certs`.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result, anyhow, bail};
use inkan_runtime::ca::{Ca, Csr, InitOptions, IssueRequest};
use inkan_runtime::calendar::Timestamp;
use inkan_runtime::custody::shamir::Share;
use inkan_runtime::policy::Policy;
use inkan_runtime::signer::SoftwareSigner;

use crate::args::{
    CaCertsArgs, CeremonyArgs, CeremonyCommand, CertArgs, CrlArgs, InitArgs, IssueArgs,
    PendingArgs, RevokeArgs,
};
use crate::support::{
    lookup, number, parse_now, pem, policy, read_pin, unlock_from_stdin, write_out,
};

/// The reason `--software-keys-for-testing` records (R-6.2-HSM).
pub const SOFTWARE_KEYS_FOR_TESTING: &str =
    "software keys for testing (inkan init --software-keys-for-testing)";

/// Makes a CA with fresh software keys (also the quickstart's first step); `waiver`
/// says why, where the policy wants the keys in an HSM.
pub fn create(
    dir: &Path,
    policy: &'static dyn Policy,
    now: Timestamp,
    allow_clock_override: bool,
    waiver: Option<&str>,
    store: Option<&str>,
) -> Result<(Ca, Vec<Share>)> {
    let options = InitOptions {
        allow_clock_override,
        custody_waiver: waiver,
        key_source: &|p| SoftwareSigner::generate(p.key_bits),
        progress: &|step| eprintln!("  {step}"),
        store,
    };
    Ok(Ca::init(dir, policy, now, &options)?)
}

/// `inkan init`.
pub fn init(args: InitArgs) -> Result<ExitCode> {
    let InitArgs {
        dir,
        policy: name,
        allow_clock_override,
        now,
        software_keys_for_testing,
        store,
    } = args;
    let policy = policy(&name)?;
    let now = match parse_now(now.as_deref())? {
        Some(_) if !allow_clock_override => bail!("--now needs --allow-clock-override"),
        Some(t) => t,
        None => Timestamp::now(),
    };
    eprintln!(
        "initialising {} under policy `{}` (sha256 {})",
        dir.display(),
        policy.id(),
        policy.definition().sha256
    );
    let waiver = software_keys_for_testing.then_some(SOFTWARE_KEYS_FOR_TESTING);
    let (ca, shares) = create(
        &dir,
        policy,
        now,
        allow_clock_override,
        waiver,
        store.as_deref(),
    )?;
    if let Some(reason) = ca.custody_waiver() {
        eprintln!(
            "warning: the CA keys are software keys where the policy wants an HSM (R-6.2-HSM); recorded: {reason}. This CA is not for serving subscribers."
        );
    }
    eprintln!(
        "created {} with {} CA certificate(s); the keys are stored encrypted",
        ca.dir().display(),
        ca.ca_certificates()?.len()
    );
    println!(
        "Activation shares (R-6.2-M-OF-N): each is shown once, for its custodian only. Later commands that sign read them on standard input."
    );
    for s in &shares {
        println!("  custodian {}: {}", s.index, s.to_text());
    }
    Ok(ExitCode::SUCCESS)
}

/// `inkan issue`.
pub fn issue(args: IssueArgs) -> Result<ExitCode> {
    let IssueArgs {
        dir,
        csr,
        developer,
        person,
        profile,
        now,
        out,
    } = args;
    let mut ca = Ca::open(&dir, &lookup)?;
    let now = ca.now(parse_now(now.as_deref())?)?;
    unlock_from_stdin(&mut ca)?;
    let csr = std::fs::read(&csr).with_context(|| format!("reading {}", csr.display()))?;
    let request = IssueRequest {
        actor: "cli",
        csr: Csr::Encoded(&csr),
        profile: profile.as_deref(),
        fields: vec![number("developer", &developer)?, number("person", &person)?],
    };
    let issued = ca.issue(&request, now)?;
    eprintln!("issued serial {} to {}", issued.serial, issued.subject);
    write_out(out.as_deref(), pem("CERTIFICATE", &issued.der)?.as_bytes()).with_context(|| {
        format!(
            "certificate {} was issued and recorded, but could not be written out; print it again with `inkan cert --dir {} --serial {}`",
            issued.serial,
            dir.display(),
            issued.serial
        )
    })?;
    Ok(ExitCode::SUCCESS)
}

/// `inkan cert`: an issued certificate again, by serial, with its chain if asked.
pub fn cert(args: CertArgs) -> Result<ExitCode> {
    let CertArgs { dir, serial, chain } = args;
    let ca = Ca::open(&dir, &lookup)?;
    let serial = inkan_runtime::ca::normalise_serial(&serial)?;
    let record = ca
        .store()
        .certificate(&serial)?
        .ok_or_else(|| anyhow!("no certificate with serial {serial} in {}", dir.display()))?;
    let der = record.der.ok_or_else(|| {
        anyhow!(
            "certificate {serial} is {}: it was never signed and recorded (see `inkan pending`)",
            record.status
        )
    })?;
    let mut text = pem("CERTIFICATE", &der)?;
    if let (true, Some(issuer)) = (chain, record.issuer.as_deref()) {
        // Its own issuer first, up to the root, as a server sends its chain.
        for ca_der in ca.chain(issuer)? {
            text.push_str(&pem("CERTIFICATE", &ca_der)?);
        }
    }
    print!("{text}");
    if let Some((at, reason, _)) = &record.revoked {
        eprintln!("note: certificate {serial} was revoked at {at} ({reason})");
    }
    Ok(ExitCode::SUCCESS)
}

/// `inkan revoke`.
pub fn revoke(args: RevokeArgs) -> Result<ExitCode> {
    let RevokeArgs {
        dir,
        serial,
        reason,
        now,
    } = args;
    let mut ca = Ca::open(&dir, &lookup)?;
    let now = ca.now(parse_now(now.as_deref())?)?;
    ca.revoke(&serial, &reason, now, "cli")?;
    eprintln!("revoked {serial} ({reason}) at {now}; run `inkan crl` to publish it");
    Ok(ExitCode::SUCCESS)
}

/// `inkan crl`.
pub fn crl(args: CrlArgs) -> Result<ExitCode> {
    let CrlArgs {
        dir,
        issuer,
        now,
        out,
        pem: as_pem,
    } = args;
    let mut ca = Ca::open(&dir, &lookup)?;
    let now = ca.now(parse_now(now.as_deref())?)?;
    unlock_from_stdin(&mut ca)?;
    let crl = ca.crl(issuer.as_deref(), now, "cli")?;
    eprintln!("CRL number {} at {now}", crl.number);
    let bytes = if as_pem {
        pem("X509 CRL", &crl.der)?.into_bytes()
    } else {
        crl.der
    };
    write_out(out.as_deref(), &bytes)?;
    Ok(ExitCode::SUCCESS)
}

/// The line a transcript's signature follows.
const SIGNATURE_LINE: &str = "signature (Ed25519, audit key): ";

/// `inkan ceremony verify`: the transcript's signature against the CA's audit key.
/// The signed message is the domain tag `inkan-ceremony-transcript-v1` and a newline,
/// then the transcript up to the signature line (docs/auditor-guide.md).
fn verify_transcript(transcript: &Path, dir: &Path) -> Result<ExitCode> {
    let text = std::fs::read_to_string(transcript)
        .with_context(|| format!("reading {}", transcript.display()))?;
    let (body, signature) = text
        .rsplit_once(SIGNATURE_LINE)
        .ok_or_else(|| anyhow!("{}: no signature line", transcript.display()))?;
    let ca = Ca::open(dir, &lookup)?;
    let key = ca
        .store()
        .meta("audit_public_key")?
        .ok_or_else(|| anyhow!("{}: the CA has no audit key", dir.display()))?;
    let key = hex::decode(key.trim()).context("the CA's audit key is not hex")?;
    // `inkan ceremony` prints the shares after the signature line: the signature is
    // that line alone.
    let signature = signature.lines().next().unwrap_or_default().trim();
    if inkan_runtime::audit::verify_transcript(body, signature, &key) {
        println!(
            "transcript ok: signed with the audit key of the CA in {}",
            dir.display()
        );
        Ok(ExitCode::SUCCESS)
    } else {
        println!("transcript FAILED: not signed by this CA's audit key, or altered since");
        Ok(ExitCode::FAILURE)
    }
}

/// `inkan ca-certs`.
pub fn ca_certs(args: CaCertsArgs) -> Result<ExitCode> {
    let CaCertsArgs { dir } = args;
    let ca = Ca::open(&dir, &lookup)?;
    for der in ca.ca_certificates()? {
        print!("{}", pem("CERTIFICATE", &der)?);
    }
    Ok(ExitCode::SUCCESS)
}

/// `inkan pending`.
pub fn pending(args: PendingArgs) -> Result<ExitCode> {
    let PendingArgs { dir } = args;
    let ca = Ca::open(&dir, &lookup)?;
    let pending = ca.pending()?;
    for r in &pending {
        let revoked = if r.revoked.is_some() {
            "revoked: yes"
        } else {
            "revoked: no"
        };
        println!("{}  {}  {}  {revoked}", r.serial, r.profile, r.subject);
    }
    if pending.iter().any(|r| r.revoked.is_none()) {
        eprintln!(
            "{} pending record(s) not revoked: a process stopped between recording and signing; revoke each with `inkan revoke`",
            pending.iter().filter(|r| r.revoked.is_none()).count()
        );
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

/// `inkan ceremony`.
pub fn ceremony(args: CeremonyArgs) -> Result<ExitCode> {
    let CeremonyArgs {
        command,
        dir,
        policy: name,
        hsm,
        slot,
        witnesses,
        allow_clock_override,
        store,
    } = args;
    if let Some(CeremonyCommand::Verify { transcript, dir }) = command {
        return verify_transcript(&transcript, &dir);
    }
    let missing = |what: &str| anyhow!("inkan ceremony needs --{what}");
    let dir = dir.ok_or_else(|| missing("dir"))?;
    let hsm = hsm.ok_or_else(|| missing("hsm"))?;
    let slot = slot.ok_or_else(|| missing("slot"))?;
    let policy = policy(&name.ok_or_else(|| missing("policy"))?)?;
    let pin = read_pin("INKAN_HSM_PIN", "user")?;
    let so_pin = read_pin("INKAN_HSM_SO_PIN", "security officer")?;
    let token = inkan_runtime::pkcs11::token_in_slot(&hsm, slot)?;
    eprintln!(
        "key ceremony for policy `{}` on token `{token}` (slot {slot}), witnessed by {}",
        policy.id(),
        witnesses.join(", ")
    );
    let options = inkan_runtime::custody::CeremonyOptions {
        module: hsm,
        token,
        pin,
        so_pin,
        witnesses,
        allow_clock_override,
        progress: &|step| eprintln!("  {step}"),
        store: store.as_deref(),
    };
    let made = Ca::ceremony(&dir, policy, Timestamp::now(), &options)?;
    println!("{}", made.transcript);
    println!(
        "Activation shares: each is shown once, for its custodian only. A mistyped share is caught by its last four characters."
    );
    for s in &made.shares {
        println!("  custodian {}: {}", s.index, s.to_text());
    }
    if !made.backup_shares.is_empty() {
        println!(
            "Key-backup shares (R-6.2-BACKUP): each for its backup custodian only; with enough of them, `inkan key-backup import` brings the CA keys into a second token."
        );
        for s in &made.backup_shares {
            println!("  backup custodian {}: {}", s.index, s.to_text());
        }
    }
    eprintln!(
        "the token's user PIN was replaced and now exists only as these shares; its security officer PIN was replaced by one nobody kept"
    );
    Ok(ExitCode::SUCCESS)
}
