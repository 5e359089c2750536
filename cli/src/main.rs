//! `inkan`: the command-line face of the CA. Every policy compiled from `policy/`
//! is linked in and chosen by name.
//!
//! Exit status: 0 success; 1 the operation was refused or failed, or `check` /
//! `policy check` found problems; 2 the command line was wrong (clap).

mod quickstart;

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, anyhow, bail};
use clap::{Parser, Subcommand, ValueEnum};
use der::Decode;
use inkan_runtime::ca::{Ca, InitOptions, IssueRequest};
use inkan_runtime::calendar::Timestamp;
use inkan_runtime::conformance::{self, Finding, IssuerFacts};
use inkan_runtime::policy::Policy;
use inkan_runtime::signer::SoftwareSigner;
use inkan_runtime::x509::read_certificate;
use x509_cert::crl::CertificateList;

#[derive(Parser)]
#[command(name = "inkan", version, about = "A certificate authority whose practice statement is code", long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create a new CA directory: root and issuing CA keys and certificates.
    Init {
        /// The CA directory to create (must not exist or be empty).
        #[arg(long)]
        dir: PathBuf,
        /// The policy to enforce: a file stem under policy/ (e.g. jpcert-ssl-client).
        #[arg(long)]
        policy: String,
        /// Allow --now on later commands of this CA (tests and policy dry runs).
        #[arg(long)]
        allow_clock_override: bool,
        /// Act at this instant (RFC 3339) instead of the clock; needs --allow-clock-override.
        #[arg(long)]
        now: Option<String>,
        /// The HSM token number written into the issuing CA's subjectAltName (R-7.1-ICA).
        #[arg(long, default_value = "software key")]
        hsm_token: String,
        /// Keep the CA's state in this PostgreSQL database (`postgres://user@host/db`,
        /// empty; the password, if any, in INKAN_STORE_PASSWORD) instead of the
        /// directory's SQLite file. Recorded in the directory's inkan.toml.
        #[arg(long, value_name = "URL")]
        store: Option<String>,
    },
    /// Issue a subscriber certificate from a PKCS#10 request.
    Issue {
        /// The CA directory.
        #[arg(long)]
        dir: PathBuf,
        /// The PKCS#10 request, PEM or DER.
        #[arg(long)]
        csr: PathBuf,
        /// The six-digit number the CA assigned to the product developer.
        #[arg(long)]
        developer: String,
        /// The six-digit number the CA assigned to the person.
        #[arg(long)]
        person: String,
        /// The subscriber profile, if the policy has several.
        #[arg(long)]
        profile: Option<String>,
        /// Act at this instant (RFC 3339); needs a directory made with --allow-clock-override.
        #[arg(long)]
        now: Option<String>,
        /// Write the certificate (PEM) here instead of standard output.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Revoke a certificate for one of the policy's reasons.
    Revoke {
        /// The CA directory.
        #[arg(long)]
        dir: PathBuf,
        /// The certificate's serial number, hexadecimal.
        #[arg(long)]
        serial: String,
        /// The policy's reason (jpcert: key-compromise, key-loss, cessation-of-use, developer-removed, other).
        #[arg(long)]
        reason: String,
        /// Act at this instant (RFC 3339).
        #[arg(long)]
        now: Option<String>,
    },
    /// Generate the next CRL.
    Crl {
        /// The CA directory.
        #[arg(long)]
        dir: PathBuf,
        /// The issuing CA, if the policy has several CRL profiles.
        #[arg(long)]
        issuer: Option<String>,
        /// Act at this instant (RFC 3339).
        #[arg(long)]
        now: Option<String>,
        /// Write the CRL here instead of standard output.
        #[arg(long)]
        out: Option<PathBuf>,
        /// PEM instead of DER.
        #[arg(long)]
        pem: bool,
    },
    /// Check certificates and CRLs against a compiled policy; exit 1 with findings.
    #[command(group = clap::ArgGroup::new("input").required(true))]
    Check {
        /// The policy (file stem).
        #[arg(long)]
        policy: String,
        /// A certificate, PEM or DER.
        #[arg(long, group = "input")]
        cert: Option<PathBuf>,
        /// A CRL, PEM or DER.
        #[arg(long, group = "input")]
        crl: Option<PathBuf>,
        /// Every certificate and CRL file (.pem, .crt, .cer, .der, .crl) under a directory.
        #[arg(long, group = "input")]
        dir: Option<PathBuf>,
        /// Everything a CA has issued: every certificate and CRL in its store.
        #[arg(long, group = "input")]
        ca: Option<PathBuf>,
        /// The profile to check against (default: every profile, the best match wins).
        #[arg(long)]
        profile: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Check a subscriber certificate as a relying party must (R-9.6-RP-CHECK): it
    /// chains to the root, is within its validity, has the subscriber key usage and
    /// purpose, and is not on the CRL, which must itself be signed, fresh and current.
    /// Exit 0 when accepted, 1 when refused (with the reason), 2 on bad input.
    Verify {
        #[command(flatten)]
        trust: Trust,
        /// Keep fetched CRLs here and reuse one until its nextUpdate.
        #[arg(long)]
        crl_cache: Option<PathBuf>,
        /// Judge at this instant (RFC 3339) instead of the clock.
        #[arg(long)]
        now: Option<String>,
        /// The certificate to check, PEM or DER.
        cert: PathBuf,
    },
    /// A relying party to try certificates against: an HTTPS server that requires a
    /// client certificate, checks it as `inkan verify` does (R-9.6-RP-CHECK), refreshes
    /// the CRL from the repository on schedule, and answers with the subscriber's name.
    /// rustls needs RSA-2048 or more: use it with the 2026 policy's certificates.
    RpDemo {
        #[command(flatten)]
        trust: Trust,
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8443")]
        listen: std::net::SocketAddr,
        /// Seconds between CRL fetches.
        #[arg(long, default_value_t = 300, value_parser = clap::value_parser!(u64).range(1..))]
        refresh: u64,
        /// The server's certificate chain, PEM (default: a fresh self-signed `localhost`).
        #[arg(long, requires = "key")]
        cert: Option<PathBuf>,
        /// The server's PKCS #8 private key, PEM.
        #[arg(long, requires = "cert")]
        key: Option<PathBuf>,
    },
    /// Print the CA certificates as PEM, root first.
    CaCerts {
        /// The CA directory.
        #[arg(long)]
        dir: PathBuf,
    },
    /// List records left pending: their TBSCertificate was recorded and the process
    /// stopped before the signed certificate was. A signature may exist; revoke each
    /// (`inkan revoke --serial S --reason other`) so the CRL covers it. Exit 1 when any.
    Pending {
        /// The CA directory.
        #[arg(long)]
        dir: PathBuf,
    },
    /// Key ceremony: generate the CA keys inside a PKCS#11 token, issue the CA
    /// certificates through it, split the token PIN among the custodians (R-6.1-CA-KEYGEN,
    /// R-6.2-HSM, R-6.2-M-OF-N). The current user PIN is read from INKAN_HSM_PIN or standard input.
    Ceremony {
        /// The CA directory to create.
        #[arg(long)]
        dir: PathBuf,
        /// The policy to enforce.
        #[arg(long)]
        policy: String,
        /// The PKCS#11 module (e.g. /usr/lib/softhsm/libsofthsm2.so).
        #[arg(long)]
        hsm: PathBuf,
        /// The slot holding the token (as `softhsm2-util --show-slots` lists it).
        #[arg(long)]
        slot: u64,
        /// A trusted person present; give it once per witness (at least two).
        #[arg(long = "witness", required = true)]
        witnesses: Vec<String>,
        /// Allow --now on later commands of this CA.
        #[arg(long)]
        allow_clock_override: bool,
        /// Keep the CA's state in this PostgreSQL database (see `init --store`).
        #[arg(long, value_name = "URL")]
        store: Option<String>,
    },
    /// Run the CA as a service: RA API, subscriber portal, repository, scheduled jobs.
    Serve {
        /// The CA directory (inkan.toml in it is read, then INKAN_* environment variables).
        #[arg(long)]
        dir: PathBuf,
        /// Address to listen on (overrides the configuration).
        #[arg(long)]
        listen: Option<std::net::SocketAddr>,
    },
    /// Manage RA staff accounts (local administration of the CA directory).
    Ra {
        #[command(subcommand)]
        command: RaCommand,
    },
    /// Verify, checkpoint or purge the audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Work with policy files.
    Policy {
        #[command(subcommand)]
        command: PolicyCommand,
    },
    /// Build a CA in a fresh directory, issue, revoke, publish a CRL, and let openssl verify it all.
    Quickstart {
        /// Where to build it (default: a new directory under the system's temp dir).
        #[arg(long)]
        dir: Option<PathBuf>,
        /// The policy to use.
        #[arg(long, default_value = "jpcert-ssl-client")]
        policy: String,
    },
}

/// What a relying party trusts: the CA's policy, certificates and CRL.
#[derive(clap::Args)]
struct Trust {
    /// The policy the CA runs under (file stem).
    #[arg(long)]
    policy: String,
    /// The CA certificates, PEM, root first: a file, or the repository's
    /// http://HOST/repository/ca-certs.pem.
    #[arg(long)]
    ca_certs: String,
    /// The newest CRL, PEM or DER: a file or a URL (rp-demo fetches it again every
    /// --refresh). Default: the certificate's cRLDistributionPoints (verify), else the
    /// policy's CRL URL.
    #[arg(long)]
    crl: Option<String>,
    /// Fetch distribution-point URLs from this repository (scheme and host, e.g.
    /// http://127.0.0.1:8080) instead of their own host: a mirror or a local instance.
    #[arg(long)]
    repository: Option<String>,
}

#[derive(Subcommand)]
enum RaCommand {
    /// Add a staff account with one of the policy's RA roles. The password is read from
    /// INKAN_STAFF_PASSWORD or, if unset, from the first line of standard input.
    AddStaff {
        /// The CA directory.
        #[arg(long)]
        dir: PathBuf,
        /// Login name.
        #[arg(long)]
        login: String,
        /// The person (a name or staff number); one person holds one role (R-5.2-SEPARATION).
        #[arg(long)]
        person: String,
        /// The role: facility-administrator, supervisor, operator or examiner.
        #[arg(long)]
        role: String,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Check the hash chain and the signed checkpoints; exit 1 if anything was altered (R-5.4-PROTECT).
    Verify {
        /// The CA directory.
        #[arg(long)]
        dir: PathBuf,
    },
    /// Sign a checkpoint of the log as it stands.
    Checkpoint {
        /// The CA directory.
        #[arg(long)]
        dir: PathBuf,
    },
    /// Remove entries whose retention period has ended (R-5.4-RETENTION); never younger ones.
    Purge {
        /// The CA directory.
        #[arg(long)]
        dir: PathBuf,
        /// Act at this instant (RFC 3339).
        #[arg(long)]
        now: Option<String>,
    },
}

#[derive(Subcommand)]
enum PolicyCommand {
    /// Compile policy files and print their diagnostics, without generating code.
    Check {
        /// Policy files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Compare two policy revisions by meaning, section by section, with rule IDs.
    /// Exit status: 0 nothing that changes issued artefacts changed, 1 something did,
    /// 2 the revisions could not be compared.
    Diff {
        /// OLD NEW policy files, or with --git REV1 REV2 FILE.
        #[arg(required = true, num_args = 2..=3)]
        args: Vec<String>,
        /// Compare FILE at two git revisions: `--git REV1 REV2 FILE`.
        #[arg(long)]
        git: bool,
        /// Output format.
        #[arg(long, value_enum, default_value_t = DiffFormat::Text)]
        format: DiffFormat,
    },
    /// A git external diff driver: `git config diff.inkan.command "inkan policy diff-driver"`
    /// with `policy/*.yaml diff=inkan` in .gitattributes.
    DiffDriver {
        /// The seven arguments git passes: path old-file old-hex old-mode new-file new-hex new-mode.
        #[arg(num_args = 7)]
        args: Vec<String>,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum DiffFormat {
    Text,
    Markdown,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Text,
    Json,
    /// JUnit XML, one test case per certificate or CRL, for CI dashboards.
    Junit,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli.command) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

pub(crate) fn policy(name: &str) -> Result<&'static dyn Policy> {
    inkan_policies::by_id(name).ok_or_else(|| {
        let known: Vec<&str> = inkan_policies::ALL.iter().map(|p| p.id()).collect();
        anyhow!(
            "no compiled policy `{name}`; this binary links: {}",
            known.join(", ")
        )
    })
}

fn lookup(id: &str) -> Option<&'static dyn Policy> {
    inkan_policies::by_id(id)
}

fn parse_now(now: Option<&str>) -> Result<Option<Timestamp>> {
    now.map(|s| {
        Timestamp::parse_rfc3339(s).ok_or_else(|| {
            anyhow!("--now `{s}` is not an RFC 3339 time such as 2026-11-26T09:00:00Z")
        })
    })
    .transpose()
}

fn number(name: &str, s: &str) -> Result<(String, u64)> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) || s.len() > 18 {
        bail!("--{name} `{s}` is not a decimal number");
    }
    Ok((
        name.to_string(),
        s.parse().with_context(|| format!("--{name} `{s}`"))?,
    ))
}

fn write_out(out: Option<&Path>, bytes: &[u8]) -> Result<()> {
    match out {
        Some(path) => {
            // Write to a temporary file and rename, so a failure leaves no partial file.
            let tmp = path.with_extension("partial");
            std::fs::write(&tmp, bytes).with_context(|| format!("writing {}", tmp.display()))?;
            std::fs::rename(&tmp, path).with_context(|| format!("writing {}", path.display()))
        }
        None => std::io::stdout()
            .write_all(bytes)
            .context("writing to standard output"),
    }
}

pub(crate) fn pem(label: &str, der: &[u8]) -> Result<String> {
    der::pem::encode_string(label, der::pem::LineEnding::LF, der)
        .map_err(|e| anyhow!("PEM encoding: {e}"))
}

pub(crate) fn init(
    dir: &Path,
    policy: &'static dyn Policy,
    now: Timestamp,
    allow_clock_override: bool,
    hsm_token: String,
    store: Option<&str>,
) -> Result<(Ca, Vec<inkan_runtime::custody::shamir::Share>)> {
    let options = InitOptions {
        allow_clock_override,
        hsm_token,
        key_source: &|p| SoftwareSigner::generate(p.key_bits),
        progress: &|step| eprintln!("  {step}"),
        store,
    };
    Ok(Ca::init(dir, policy, now, &options)?)
}

fn run(command: Command) -> Result<ExitCode> {
    match command {
        Command::Init {
            dir,
            policy: name,
            allow_clock_override,
            now,
            hsm_token,
            store,
        } => {
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
            let (ca, shares) = init(
                &dir,
                policy,
                now,
                allow_clock_override,
                hsm_token,
                store.as_deref(),
            )?;
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
        Command::Issue {
            dir,
            csr,
            developer,
            person,
            profile,
            now,
            out,
        } => {
            let mut ca = Ca::open(&dir, &lookup)?;
            let now = ca.now(parse_now(now.as_deref())?)?;
            unlock_from_stdin(&mut ca)?;
            let csr = std::fs::read(&csr).with_context(|| format!("reading {}", csr.display()))?;
            let request = IssueRequest {
                actor: "cli",
                csr: &csr,
                profile: profile.as_deref(),
                fields: vec![number("developer", &developer)?, number("person", &person)?],
            };
            let issued = ca.issue(&request, now)?;
            eprintln!("issued serial {} to {}", issued.serial, issued.subject);
            write_out(out.as_deref(), pem("CERTIFICATE", &issued.der)?.as_bytes())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Revoke {
            dir,
            serial,
            reason,
            now,
        } => {
            let mut ca = Ca::open(&dir, &lookup)?;
            let now = ca.now(parse_now(now.as_deref())?)?;
            ca.revoke(&serial, &reason, now, "cli")?;
            eprintln!("revoked {serial} ({reason}) at {now}; run `inkan crl` to publish it");
            Ok(ExitCode::SUCCESS)
        }
        Command::Crl {
            dir,
            issuer,
            now,
            out,
            pem: as_pem,
        } => {
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
        Command::Verify {
            trust,
            crl_cache,
            now,
            cert,
        } => Ok(
            // 1 is the verdict "refused"; input the verifier could not read is 2.
            match policy(&trust.policy)
                .and_then(|p| verify(p, &trust, crl_cache.as_deref(), now.as_deref(), &cert))
            {
                Ok(code) => code,
                Err(e) => {
                    eprintln!("error: {e:#}");
                    ExitCode::from(2)
                }
            },
        ),
        Command::CaCerts { dir } => {
            let ca = Ca::open(&dir, &lookup)?;
            for der in ca.ca_certificates()? {
                print!("{}", pem("CERTIFICATE", &der)?);
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Pending { dir } => {
            let ca = Ca::open(&dir, &lookup)?;
            let pending = ca.pending()?;
            for r in &pending {
                let revoked = if r.revoked.is_some() {
                    "revoked"
                } else {
                    "not revoked"
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
        Command::Check {
            policy: name,
            cert,
            crl,
            dir,
            ca,
            profile,
            format,
        } => {
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
        Command::Policy {
            command: PolicyCommand::Diff { args, git, format },
        } => Ok(policy_diff(&args, git, format)),
        Command::Policy {
            command: PolicyCommand::DiffDriver { args },
        } => {
            let (path, old, new) = (&args[0], &args[1], &args[4]);
            let read = |f: &str| {
                if f == "/dev/null" {
                    Ok(String::new())
                } else {
                    std::fs::read_to_string(f).with_context(|| format!("reading {f}"))
                }
            };
            match diff_sources(path, &read(old)?, path, &read(new)?) {
                Ok(changes) => print!(
                    "inkan policy diff {path}\n{}",
                    inkan_compiler::diff::to_text(&changes)
                ),
                Err(message) => print!("{message}"),
            }
            // git treats any other status as a failed driver.
            Ok(ExitCode::SUCCESS)
        }
        Command::Policy {
            command: PolicyCommand::Check { files },
        } => {
            let mut failed = false;
            for file in files {
                let name = file.display().to_string();
                let source =
                    std::fs::read_to_string(&file).with_context(|| format!("reading {name}"))?;
                match inkan_compiler::compile(&name, &source) {
                    Ok(c) => {
                        eprint!("{}", inkan_compiler::render(&name, &source, &c.warnings));
                        eprintln!(
                            "{name}: ok (policy `{}`, {} waived lint(s), sha256 {})",
                            c.policy.id,
                            c.warnings.len(),
                            c.sha256
                        );
                    }
                    Err(e) => {
                        failed = true;
                        eprint!("{}", inkan_compiler::render(&name, &source, &e.diagnostics));
                    }
                }
            }
            Ok(if failed {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            })
        }
        Command::Quickstart { dir, policy: name } => quickstart::run(dir, &name),
        Command::Audit { command } => audit(command),
        Command::Serve { dir, listen } => serve(dir, listen),
        Command::RpDemo {
            trust,
            listen,
            refresh,
            cert,
            key,
        } => rp_demo(
            policy(&trust.policy)?,
            &trust,
            listen,
            refresh,
            cert.zip(key),
        ),
        Command::Ceremony {
            dir,
            policy: name,
            hsm,
            slot,
            witnesses,
            allow_clock_override,
            store,
        } => ceremony(
            dir,
            &name,
            hsm,
            slot,
            witnesses,
            allow_clock_override,
            store,
        ),
        Command::Ra {
            command:
                RaCommand::AddStaff {
                    dir,
                    login,
                    person,
                    role,
                },
        } => {
            let password = match std::env::var("INKAN_STAFF_PASSWORD") {
                Ok(p) => p,
                Err(_) => {
                    let mut line = String::new();
                    std::io::stdin()
                        .read_line(&mut line)
                        .context("reading the password from standard input")?;
                    line.trim_end_matches(['\n', '\r']).to_string()
                }
            };
            let ca = Ca::open(&dir, &lookup)?;
            let mut ra = inkan_server::ra::Ra::open(&dir, ca.policy().definition())?;
            ra.add_staff(&login, &person, &role, &password, Timestamp::now(), "cli")?;
            eprintln!("added {login} ({person}) as {role}");
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Reads M-of-N shares from standard input, one per line, until a locked CA is active.
fn unlock_from_stdin(ca: &mut Ca) -> Result<()> {
    let Some(status) = ca.activation() else {
        return Ok(());
    };
    eprintln!(
        "the CA keys are locked: {} custodian shares are needed, one per line on standard input (R-6.2-M-OF-N)",
        status.need
    );
    let stdin = std::io::stdin();
    let mut line = zeroize::Zeroizing::new(String::new());
    loop {
        line.clear();
        if stdin.read_line(&mut line).context("reading a share")? == 0 {
            bail!("standard input ended before enough shares were entered");
        }
        if line.trim().is_empty() {
            continue;
        }
        match ca.enter_share(line.trim(), Timestamp::now(), "console") {
            Ok(s) if s.active => {
                eprintln!("CA keys activated");
                return Ok(());
            }
            Ok(s) => eprintln!("share accepted: {} of {}", s.have, s.need),
            Err(e) => eprintln!("refused: {e}"),
        }
    }
}

fn ceremony(
    dir: PathBuf,
    name: &str,
    hsm: PathBuf,
    slot: u64,
    witnesses: Vec<String>,
    allow_clock_override: bool,
    store: Option<String>,
) -> Result<ExitCode> {
    let policy = policy(name)?;
    let pin = match std::env::var("INKAN_HSM_PIN") {
        Ok(p) => zeroize::Zeroizing::new(p),
        Err(_) => {
            eprintln!("enter the token's current user PIN:");
            let mut line = String::new();
            std::io::stdin()
                .read_line(&mut line)
                .context("reading the PIN")?;
            zeroize::Zeroizing::new(line.trim_end_matches(['\n', '\r']).to_string())
        }
    };
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
        witnesses,
        allow_clock_override,
        progress: &|step| eprintln!("  {step}"),
        store: store.as_deref(),
    };
    let (_ca, shares, transcript) = Ca::ceremony(&dir, policy, Timestamp::now(), &options)?;
    println!("{transcript}");
    println!(
        "Activation shares: each is shown once, for its custodian only. A mistyped share is caught by its last four characters."
    );
    for s in &shares {
        println!("  custodian {}: {}", s.index, s.to_text());
    }
    eprintln!("the token PIN was replaced; it now exists only as these shares");
    Ok(ExitCode::SUCCESS)
}

fn serve(dir: PathBuf, listen: Option<std::net::SocketAddr>) -> Result<ExitCode> {
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let mut config = inkan_server::Config::load(&dir)?;
    if let Some(addr) = listen {
        config.listen = addr;
    }
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    runtime.block_on(async {
        let running = inkan_server::start(config, &lookup).await?;
        println!("listening on http://{}", running.addr);
        if let Some(s) = running
            .state
            .with_both(|ca, _| Ok::<_, inkan_server::RaError>(ca.activation()))
            .await? {
            eprintln!("the CA keys are locked: {} shares are needed; enter them here, one per line, or POST them to /api/ra/activation", s.need);
            let state = running.state.clone();
            std::thread::spawn(move || console_shares(&state));
        }
        shutdown_signal().await;
        tracing::info!("shutting down: finishing requests in flight");
        running.stop().await.context("stopping the server")?;
        Ok::<_, anyhow::Error>(())
    })?;
    Ok(ExitCode::SUCCESS)
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

/// Shares typed on the server's console (R-6.2-M-OF-N); each is entered and audited
/// like one sent to the endpoint.
fn console_shares(state: &inkan_server::AppState) {
    let Ok(runtime) = tokio::runtime::Builder::new_current_thread().build() else {
        return;
    };
    let stdin = std::io::stdin();
    let mut line = zeroize::Zeroizing::new(String::new());
    loop {
        line.clear();
        if stdin.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let share = line.trim().to_string();
        if share.is_empty() {
            continue;
        }
        match runtime.block_on(state.enter_share(share, "console".into())) {
            Ok(s) if s.active => {
                eprintln!("CA keys activated");
                return;
            }
            Ok(s) => eprintln!("share accepted: {} of {}", s.have, s.need),
            Err(e) => eprintln!("refused: {}", inkan_runtime::error::report(&e)),
        }
    }
}

/// Ctrl-C, or SIGTERM on Unix.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { () = ctrl_c => {}, () = term => {} }
}

fn audit(command: AuditCommand) -> Result<ExitCode> {
    match command {
        AuditCommand::Verify { dir } => {
            let ca = Ca::open(&dir, &lookup)?;
            let report = ca.verify_audit()?;
            let range = report
                .range
                .map_or("no entries".into(), |(a, b)| format!("entries {a}..{b}"));
            if report.ok() {
                println!(
                    "audit log ok: {} entries ({range}), {} signed checkpoint(s) verified",
                    report.entries, report.checkpoints
                );
                Ok(ExitCode::SUCCESS)
            } else {
                println!("audit log FAILED verification ({range}):");
                for p in &report.problems {
                    println!("  {p}");
                }
                Ok(ExitCode::FAILURE)
            }
        }
        AuditCommand::Checkpoint { dir } => {
            let mut ca = Ca::open(&dir, &lookup)?;
            ca.checkpoint(Timestamp::now())?;
            eprintln!("checkpoint signed");
            Ok(ExitCode::SUCCESS)
        }
        AuditCommand::Purge { dir, now } => {
            let mut ca = Ca::open(&dir, &lookup)?;
            let now = ca.now(parse_now(now.as_deref())?)?;
            let purged = ca.purge_audit(now, "cli")?;
            match purged.through {
                Some(seq) => println!(
                    "purged {} entries, through entry {seq}; the purge itself is audited",
                    purged.removed
                ),
                None => println!(
                    "nothing to purge: the oldest entry is still within its retention period"
                ),
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Compiles both revisions and compares them; an error is the rendered diagnostics.
fn diff_sources(
    old_name: &str,
    old: &str,
    new_name: &str,
    new: &str,
) -> std::result::Result<Vec<inkan_compiler::diff::Change>, String> {
    let compile = |name: &str, src: &str| {
        inkan_compiler::compile(name, src)
            .map_err(|e| inkan_compiler::render(&e.file, src, &e.diagnostics))
    };
    let (a, b) = (compile(old_name, old)?, compile(new_name, new)?);
    Ok(inkan_compiler::diff::diff(&a.policy, &b.policy))
}

fn policy_diff(args: &[String], git: bool, format: DiffFormat) -> ExitCode {
    let sources = if git {
        let [rev1, rev2, file] = args else {
            eprintln!("error: --git takes REV1 REV2 FILE");
            return ExitCode::from(2);
        };
        let show = |rev: &str| -> Result<String> {
            let out = std::process::Command::new("git")
                .args(["show", &format!("{rev}:{file}")])
                .output()
                .context("running git")?;
            if !out.status.success() {
                bail!(
                    "git show {rev}:{file}: {}",
                    String::from_utf8_lossy(&out.stderr).trim()
                );
            }
            String::from_utf8(out.stdout).context("the policy is not UTF-8")
        };
        show(rev1).and_then(|a| {
            Ok((
                format!("{file}@{rev1}"),
                file.clone(),
                a,
                format!("{file}@{rev2}"),
                file.clone(),
                show(rev2)?,
            ))
        })
    } else {
        let [old, new] = args else {
            eprintln!("error: give OLD NEW, or --git REV1 REV2 FILE");
            return ExitCode::from(2);
        };
        let read = |f: &str| std::fs::read_to_string(f).with_context(|| format!("reading {f}"));
        read(old).and_then(|a| {
            Ok((
                old.clone(),
                old.clone(),
                a,
                new.clone(),
                new.clone(),
                read(new)?,
            ))
        })
    };
    let (old_label, old_name, old_src, new_label, new_name, new_src) = match sources {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e:#}");
            return ExitCode::from(2);
        }
    };
    let changes = match diff_sources(&old_name, &old_src, &new_name, &new_src) {
        Ok(c) => c,
        Err(diagnostics) => {
            eprint!("{diagnostics}");
            return ExitCode::from(2);
        }
    };
    use inkan_compiler::diff;
    match format {
        DiffFormat::Text => print!(
            "--- {old_label}\n+++ {new_label}\n{}",
            diff::to_text(&changes)
        ),
        DiffFormat::Markdown => print!(
            "# Policy changes: {old_label} -> {new_label}\n\n{}",
            diff::to_markdown(&changes)
        ),
        DiffFormat::Json => println!("{}", diff::to_json(&changes)),
    }
    if diff::affects_artefacts(&changes) {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// Reads a file, or GETs an http(s) URL (the repository publishes over plain HTTP;
/// what it serves is signed, which is what the verifier trusts).
fn fetch(source: &str) -> Result<Vec<u8>> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    Ok(runtime.block_on(inkan_server::rp::fetch_bytes(source))?)
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

/// DER from PEM blocks labelled `label`, or the bytes themselves if they are not PEM.
fn der_blocks(bytes: &[u8], label: &str, source: &str) -> Result<Vec<Vec<u8>>> {
    let text = match std::str::from_utf8(bytes) {
        Ok(t) if t.trim_start().starts_with("-----BEGIN") => t,
        _ => return Ok(vec![bytes.to_vec()]),
    };
    let end = format!("-----END {label}-----");
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("-----BEGIN") {
        let block = &rest[start..];
        let stop = block
            .find(&end)
            .ok_or_else(|| anyhow!("{source}: a PEM block that is not a {label}"))?
            + end.len();
        let (found, der) = der::pem::decode_vec(&block.as_bytes()[..stop])
            .map_err(|e| anyhow!("{source}: bad PEM: {e}"))?;
        if found != label {
            bail!("{source}: expected {label} PEM blocks, found {found}");
        }
        out.push(der);
        rest = &block[stop..];
    }
    Ok(out)
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
    let refused = |refusal: Refusal| {
        println!("refused: {refusal}");
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
            println!(
                "accepted: {} (serial {}, profile {})",
                ok.subject, ok.serial, ok.profile
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(r) => refused(r),
    }
}

/// Writes `bytes` to a sibling temporary file, then renames it over `path`.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let tmp = path.with_extension("partial");
    std::fs::write(&tmp, bytes).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("writing {}", path.display()))
}

fn read_pem_or_der(path: &Path, label: &str) -> Result<Vec<u8>> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    if bytes.starts_with(b"-----BEGIN") {
        let (found, der) = der::pem::decode_vec(&bytes)
            .map_err(|e| anyhow!("{}: bad PEM: {e}", path.display()))?;
        if found != label {
            bail!(
                "{}: expected a {label} PEM block, found {found}",
                path.display()
            );
        }
        Ok(der)
    } else {
        Ok(bytes)
    }
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

fn xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

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
