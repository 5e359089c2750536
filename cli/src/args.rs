//! The command line: every command, its arguments and their help text, as clap
//! derives them. The commands themselves live in `commands/`, one file per group.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

#[derive(Parser)]
#[command(name = "inkan", version, about = "A certificate authority whose practice statement is code", long_about = None)]
/// The command line.
pub struct Cli {
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Subcommand)]
pub enum Command {
    /// Create a new CA directory: root and issuing CA keys and certificates.
    Init(InitArgs),
    /// Issue a subscriber certificate from a PKCS#10 request.
    Issue(IssueArgs),
    /// Revoke a certificate for one of the policy's reasons.
    Revoke(RevokeArgs),
    /// Generate the next CRL.
    Crl(CrlArgs),
    /// Check certificates and CRLs against a compiled policy; exit 1 with findings.
    #[command(group = clap::ArgGroup::new("input").required(true))]
    Check(CheckArgs),
    /// Check a subscriber certificate as a relying party must (R-9.6-RP-CHECK): it
    /// chains to the root, is within its validity, has the subscriber key usage and
    /// purpose, and is not on the CRL, which must itself be signed, fresh and current.
    /// Exit 0 when accepted, 1 when refused (with the reason), 2 on bad input.
    Verify(VerifyArgs),
    /// A relying party to try certificates against: an HTTPS server that requires a
    /// client certificate, checks it as `inkan verify` does (R-9.6-RP-CHECK), refreshes
    /// the CRL from the repository on schedule, and answers with the subscriber's name.
    /// rustls needs RSA-2048 or more: use it with the 2026 policy's certificates.
    RpDemo(RpDemoArgs),
    /// Print the CA certificates as PEM, root first.
    CaCerts(CaCertsArgs),
    /// Print an issued certificate as PEM, by serial (with `--chain`, followed by the
    /// issuing CA's and the root's).
    Cert(CertArgs),
    /// List records left pending: their TBSCertificate was recorded and the process
    /// stopped before the signed certificate was. A signature may exist; revoke each
    /// (`inkan revoke --serial S --reason other`) so the CRL covers it. Exit 1 when any.
    Pending(PendingArgs),
    /// Key ceremony: generate the CA keys inside a PKCS#11 token, issue the CA
    /// certificates through it, split the token PIN among the custodians (R-6.1-CA-KEYGEN,
    /// R-6.2-HSM, R-6.2-M-OF-N). The token's current user PIN is read from INKAN_HSM_PIN and its security officer PIN from INKAN_HSM_SO_PIN, or each from a line of standard input; both are replaced.
    Ceremony(CeremonyArgs),
    /// Run the CA as a service: RA API, subscriber portal, repository, scheduled jobs.
    Serve(ServeArgs),
    /// Manage RA staff accounts (local administration of the CA directory).
    Ra(RaArgs),
    /// Verify, checkpoint or purge the audit log.
    Audit(AuditArgs),
    /// Write a backup of a CA directory to one file while the CA goes on working: its
    /// store read in one snapshot, its files (the key files as they lie, encrypted),
    /// a manifest signed with the audit key. The custodians' shares are read from
    /// standard input, one per line, to unlock the audit key.
    Backup(BackupArgs),
    /// Make a CA directory again from a backup, after checking it whole, and bring it
    /// level with what the CA published after the backup: its newest CRLs (their
    /// numbers and revocations) and the certificates issued since, given back.
    /// Refused, with nothing written, until the record is complete.
    Restore(RestoreArgs),
    /// Back the CA keys up into a second token of the same model (R-6.2-BACKUP, CPS
    /// 6.2.4), under the policy's `ca_keys.backup`.
    KeyBackup(KeyBackupArgs),
    /// Work with policy files.
    Policy(PolicyArgs),
    /// Build a CA in a fresh directory, issue, revoke, publish a CRL, and let openssl verify it all.
    Quickstart(QuickstartArgs),
}

/// The arguments of `inkan init`.
#[derive(clap::Args)]
pub struct InitArgs {
    /// The CA directory to create (must not exist or be empty).
    #[arg(long)]
    pub dir: PathBuf,
    /// The policy to enforce: a file stem under policy/ (e.g. jpcert-ssl-client).
    #[arg(long)]
    pub policy: String,
    /// Allow --now on later commands of this CA (tests and policy dry runs).
    #[arg(long)]
    pub allow_clock_override: bool,
    /// Act at this instant (RFC 3339) instead of the clock; needs --allow-clock-override.
    #[arg(long)]
    pub now: Option<String>,
    /// Make software keys although the policy keeps CA keys in an HSM (R-6.2-HSM):
    /// for a CA that will never serve subscribers (tests, dry runs, the quickstart).
    /// Recorded in the directory and the audit log, printed by `serve`, shown on the
    /// repository's notices page. Production keys come from `inkan ceremony`.
    #[arg(long)]
    pub software_keys_for_testing: bool,
    /// Keep the CA's state in this PostgreSQL database (`postgres://user@host/db`,
    /// empty; the password, if any, in INKAN_STORE_PASSWORD) instead of the
    /// directory's SQLite file. Recorded in the directory's inkan.toml.
    #[arg(long, value_name = "URL")]
    pub store: Option<String>,
}

/// The arguments of `inkan issue`.
#[derive(clap::Args)]
pub struct IssueArgs {
    /// The CA directory.
    #[arg(long)]
    pub dir: PathBuf,
    /// The PKCS#10 request, PEM or DER.
    #[arg(long)]
    pub csr: PathBuf,
    /// The six-digit number the CA assigned to the product developer.
    #[arg(long)]
    pub developer: String,
    /// The six-digit number the CA assigned to the person.
    #[arg(long)]
    pub person: String,
    /// The subscriber profile, if the policy has several.
    #[arg(long)]
    pub profile: Option<String>,
    /// Act at this instant (RFC 3339); needs a directory made with --allow-clock-override.
    #[arg(long)]
    pub now: Option<String>,
    /// Write the certificate (PEM) here instead of standard output.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// The arguments of `inkan revoke`.
#[derive(clap::Args)]
pub struct RevokeArgs {
    /// The CA directory.
    #[arg(long)]
    pub dir: PathBuf,
    /// The certificate's serial number, hexadecimal.
    #[arg(long)]
    pub serial: String,
    /// The policy's reason (jpcert: key-compromise, key-loss, cessation-of-use, developer-removed, other).
    #[arg(long)]
    pub reason: String,
    /// Act at this instant (RFC 3339).
    #[arg(long)]
    pub now: Option<String>,
}

/// The arguments of `inkan crl`.
#[derive(clap::Args)]
pub struct CrlArgs {
    /// The CA directory.
    #[arg(long)]
    pub dir: PathBuf,
    /// The issuing CA, if the policy has several CRL profiles.
    #[arg(long)]
    pub issuer: Option<String>,
    /// Act at this instant (RFC 3339).
    #[arg(long)]
    pub now: Option<String>,
    /// Write the CRL here instead of standard output.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// PEM instead of DER.
    #[arg(long)]
    pub pem: bool,
}

/// The arguments of `inkan check`.
#[derive(clap::Args)]
pub struct CheckArgs {
    /// The policy (file stem).
    #[arg(long)]
    pub policy: String,
    /// A certificate, PEM or DER.
    #[arg(long, group = "input")]
    pub cert: Option<PathBuf>,
    /// A CRL, PEM or DER.
    #[arg(long, group = "input")]
    pub crl: Option<PathBuf>,
    /// Every certificate and CRL file (.pem, .crt, .cer, .der, .crl) under a directory.
    #[arg(long, group = "input")]
    pub dir: Option<PathBuf>,
    /// Everything a CA has issued: every certificate and CRL in its store.
    #[arg(long, group = "input")]
    pub ca: Option<PathBuf>,
    /// The profile to check against (default: every profile, the best match wins).
    #[arg(long)]
    pub profile: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

/// The arguments of `inkan verify`.
#[derive(clap::Args)]
pub struct VerifyArgs {
    #[command(flatten)]
    pub trust: Trust,
    /// Keep fetched CRLs here and reuse one until its nextUpdate.
    #[arg(long)]
    pub crl_cache: Option<PathBuf>,
    /// Judge at this instant (RFC 3339) instead of the clock.
    #[arg(long)]
    pub now: Option<String>,
    /// The certificate to check, PEM or DER.
    pub cert: PathBuf,
}

/// The arguments of `inkan rp-demo`.
#[derive(clap::Args)]
pub struct RpDemoArgs {
    #[command(flatten)]
    pub trust: Trust,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8443")]
    pub listen: std::net::SocketAddr,
    /// Seconds between CRL fetches.
    #[arg(long, default_value_t = 300, value_parser = clap::value_parser!(u64).range(1..))]
    pub refresh: u64,
    /// The server's certificate chain, PEM (default: a fresh self-signed `localhost`).
    #[arg(long, requires = "key")]
    pub cert: Option<PathBuf>,
    /// The server's PKCS #8 private key, PEM.
    #[arg(long, requires = "cert")]
    pub key: Option<PathBuf>,
}

/// The arguments of `inkan ca-certs`.
#[derive(clap::Args)]
pub struct CaCertsArgs {
    /// The CA directory.
    #[arg(long)]
    pub dir: PathBuf,
}

/// The arguments of `inkan cert`.
#[derive(clap::Args)]
pub struct CertArgs {
    /// The CA directory.
    #[arg(long)]
    pub dir: PathBuf,
    /// The certificate's serial, hex.
    #[arg(long)]
    pub serial: String,
    /// Also print the chain: the issuing CA, then the root.
    #[arg(long)]
    pub chain: bool,
}

/// The arguments of `inkan pending`.
#[derive(clap::Args)]
pub struct PendingArgs {
    /// The CA directory.
    #[arg(long)]
    pub dir: PathBuf,
}

/// The arguments of `inkan ceremony`: the ceremony itself, or `verify`.
#[derive(clap::Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct CeremonyArgs {
    /// Check a transcript instead of holding a ceremony.
    #[command(subcommand)]
    pub command: Option<CeremonyCommand>,
    /// The CA directory to create.
    #[arg(long, required = true)]
    pub dir: Option<PathBuf>,
    /// The policy to enforce.
    #[arg(long, required = true)]
    pub policy: Option<String>,
    /// The PKCS#11 module (e.g. /usr/lib/softhsm/libsofthsm2.so).
    #[arg(long, required = true)]
    pub hsm: Option<PathBuf>,
    /// The slot holding the token (as `softhsm2-util --show-slots` lists it).
    #[arg(long, required = true)]
    pub slot: Option<u64>,
    /// A trusted person present; give it once per witness (at least two).
    #[arg(long = "witness")]
    pub witnesses: Vec<String>,
    /// Allow --now on later commands of this CA.
    #[arg(long)]
    pub allow_clock_override: bool,
    /// Keep the CA's state in this PostgreSQL database (see `init --store`).
    #[arg(long, value_name = "URL")]
    pub store: Option<String>,
}

/// `inkan ceremony` commands.
#[derive(Subcommand)]
pub enum CeremonyCommand {
    /// Check a ceremony transcript's signature with the CA's audit key: exit 0 if it
    /// is the transcript the ceremony of the CA in `--dir` signed, 1 if not.
    Verify {
        /// The transcript, as `inkan ceremony` printed it.
        transcript: PathBuf,
        /// The CA directory whose audit key signed it.
        #[arg(long)]
        dir: PathBuf,
    },
}

/// The arguments of `inkan serve`.
#[derive(clap::Args)]
pub struct ServeArgs {
    /// The CA directory (inkan.toml in it is read, then INKAN_* environment variables).
    #[arg(long)]
    pub dir: PathBuf,
    /// Address to listen on (overrides the configuration).
    #[arg(long)]
    pub listen: Option<std::net::SocketAddr>,
}

/// The arguments of `inkan ra`.
#[derive(clap::Args)]
pub struct RaArgs {
    #[command(subcommand)]
    pub command: RaCommand,
}

/// The arguments of `inkan audit`.
#[derive(clap::Args)]
pub struct AuditArgs {
    #[command(subcommand)]
    pub command: AuditCommand,
}

/// The arguments of `inkan policy`.
#[derive(clap::Args)]
pub struct PolicyArgs {
    #[command(subcommand)]
    pub command: PolicyCommand,
}

/// The arguments of `inkan quickstart`.
#[derive(clap::Args)]
pub struct QuickstartArgs {
    /// Where to build it (default: a new directory under the system's temp dir).
    #[arg(long)]
    pub dir: Option<PathBuf>,
    /// The policy to use.
    #[arg(long, default_value = "jpcert-ssl-client")]
    pub policy: String,
}

/// What a relying party trusts: the CA's policy, certificates and CRL.
#[derive(clap::Args)]
pub struct Trust {
    /// The policy the CA runs under (file stem).
    #[arg(long)]
    pub policy: String,
    /// The CA certificates, PEM, root first: a file, or the repository's
    /// http://HOST/repository/ca-certs.pem.
    #[arg(long)]
    pub ca_certs: String,
    /// The newest CRL, PEM or DER: a file or a URL (rp-demo fetches it again every
    /// --refresh). Default: the certificate's cRLDistributionPoints (verify), else the
    /// policy's CRL URL.
    #[arg(long)]
    pub crl: Option<String>,
    /// Fetch distribution-point URLs from this repository (scheme and host, e.g.
    /// http://127.0.0.1:8080) instead of their own host: a mirror or a local instance.
    #[arg(long)]
    pub repository: Option<String>,
}

/// `inkan ra` commands.
#[derive(Subcommand)]
pub enum RaCommand {
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
    /// Remove the RA's closed records whose archive period has run (R-5.5-ARCHIVE):
    /// cases a workflow ended, renewal notices, developers off the list; never an open
    /// case, never sooner than the policy's `archive` says. The purge is audited.
    PurgeArchive {
        /// The CA directory.
        #[arg(long)]
        dir: PathBuf,
        /// Act at this instant (RFC 3339; needs a CA made with --allow-clock-override).
        #[arg(long)]
        now: Option<String>,
    },
}

/// `inkan audit` commands.
#[derive(Subcommand)]
pub enum AuditCommand {
    /// Check the hash chain and the signed checkpoints; exit 1 if anything was altered (R-5.4-PROTECT).
    Verify {
        /// The CA directory.
        #[arg(long)]
        dir: PathBuf,
        /// A head recorded from /repository/audit-head (or `inkan audit head`), as
        /// SEQ:HASH; the log must still hold it. Give it once per head recorded.
        #[arg(long, value_name = "SEQ:HASH")]
        witnessed: Vec<String>,
    },
    /// Print the log's last entry as SEQ:HASH, for a witness to record elsewhere.
    Head {
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
    /// Record a CA event that happens outside software (R-5.4-CA-EVENTS): room entry
    /// and exit, access to CA systems, operations on security-critical files; one the
    /// policy marks `entered`.
    Record {
        /// The CA directory.
        #[arg(long)]
        dir: PathBuf,
        /// The event (`ca-room-entry`, ...).
        #[arg(long)]
        event: String,
        /// Whom it is about.
        #[arg(long)]
        person: String,
        /// What happened, in a few words.
        #[arg(long, default_value = "")]
        note: String,
        /// Who records it (the actor in the log).
        #[arg(long)]
        by: String,
    },
    /// List audit entries, oldest first, filtered by event, actor and time.
    List {
        /// The CA directory.
        #[arg(long)]
        dir: PathBuf,
        /// Only this event type (`certificate-issued`).
        #[arg(long)]
        event: Option<String>,
        /// Only this actor (a staff login, `cli`, `scheduler`).
        #[arg(long)]
        actor: Option<String>,
        /// Only entries at or after this instant (RFC 3339).
        #[arg(long)]
        since: Option<String>,
        /// Only entries before this instant (RFC 3339).
        #[arg(long)]
        until: Option<String>,
        /// One JSON object per line instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Show one audit entry by sequence number, with its hashes.
    Show {
        /// The CA directory.
        #[arg(long)]
        dir: PathBuf,
        /// The entry's sequence number.
        seq: u64,
    },
    /// Judge the CA's record for a period against its policy, rule by rule, with the
    /// evidence (entries by sequence number); exit 1 when a rule was violated.
    Report {
        /// The CA directory.
        #[arg(long)]
        dir: PathBuf,
        /// First day (YYYY-MM-DD, in the policy's calendar zone) or instant (RFC 3339).
        #[arg(long)]
        from: String,
        /// Last day, included (YYYY-MM-DD), or an instant, excluded (RFC 3339).
        #[arg(long)]
        to: String,
        /// html, json or md.
        #[arg(long, default_value = "md")]
        format: String,
        /// Write here instead of standard output (never over an existing file).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Judge as of this instant (RFC 3339; a CA made with --allow-clock-override).
        #[arg(long)]
        now: Option<String>,
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

/// `inkan policy` commands.
#[derive(Subcommand)]
pub enum PolicyCommand {
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

/// How `inkan policy diff` writes.
#[derive(Clone, Copy, ValueEnum)]
pub enum DiffFormat {
    Text,
    Markdown,
    Json,
}

/// How `inkan check` writes.
#[derive(Clone, Copy, ValueEnum)]
pub enum Format {
    Text,
    Json,
    /// JUnit XML, one test case per certificate or CRL, for CI dashboards.
    Junit,
}

/// The arguments of `inkan backup`.
#[derive(clap::Args)]
pub struct BackupArgs {
    /// The CA directory.
    #[arg(long)]
    pub dir: PathBuf,
    /// The backup file to write (must not exist).
    #[arg(long)]
    pub out: PathBuf,
    /// Act at this instant (RFC 3339).
    #[arg(long)]
    pub now: Option<String>,
}

/// The arguments of `inkan restore`.
#[derive(clap::Args)]
#[command(group = clap::ArgGroup::new("published").required(true).multiple(true))]
pub struct RestoreArgs {
    /// The backup file.
    #[arg(long)]
    pub from: PathBuf,
    /// The CA directory to make (must not exist).
    #[arg(long)]
    pub dir: PathBuf,
    /// Where the restored CA keeps its state, if not where the backup's inkan.toml
    /// says: `sqlite`, or an empty PostgreSQL database's URL.
    #[arg(long)]
    pub store: Option<String>,
    /// The newest CRL the CA published, from the repository (an http URL) or a saved
    /// copy (PEM or DER); once per issuer.
    #[arg(long, value_name = "FILE|URL", group = "published")]
    pub published_crl: Vec<String>,
    /// The CA never published a CRL (nothing to reconcile with).
    #[arg(long, group = "published")]
    pub never_published: bool,
    /// A certificate issued after the backup (PEM or DER), e.g. one a published CRL
    /// revokes; give it once per certificate.
    #[arg(long, value_name = "FILE")]
    pub certificate: Vec<PathBuf>,
    /// A head recorded from /repository/audit-head, as SEQ:HASH; one at or before the
    /// backup's head must be in its log (it proves the backup is this CA's log as
    /// witnessed).
    #[arg(long, value_name = "SEQ:HASH")]
    pub witnessed: Vec<String>,
    /// The CA's audit public key (hex), as kept apart from the backups (the
    /// `ca-initialised` audit entry, the ceremony transcript): the backup's manifest
    /// must be signed by it.
    #[arg(long, value_name = "HEX")]
    pub audit_public_key: Option<String>,
    /// Act at this instant (RFC 3339); needs a directory made with --allow-clock-override.
    #[arg(long)]
    pub now: Option<String>,
}

/// The arguments of `inkan key-backup`.
#[derive(clap::Args)]
pub struct KeyBackupArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: KeyBackupCommand,
}

/// `inkan key-backup` commands.
#[derive(Subcommand)]
pub enum KeyBackupCommand {
    /// Wrap each CA key on its token under the token's trusted key-backup key and write
    /// the wrapped keys to a file (useless without the key-backup shares). The
    /// activation custodians' shares are read from standard input, one per line.
    Export {
        /// The CA directory.
        #[arg(long)]
        dir: PathBuf,
        /// The file to write (must not exist).
        #[arg(long)]
        out: PathBuf,
    },
    /// Bring the wrapped keys into a second token: its current user PIN and SO PIN
    /// (INKAN_HSM_PIN, INKAN_HSM_SO_PIN, or a line of standard input each) are replaced
    /// as at the ceremony, its user PIN by the CA's, so the same activation shares
    /// open it. Then the shares, one per line on standard input: enough activation
    /// shares and enough key-backup shares, in any order.
    Import {
        /// The CA directory (its certificates say which keys are wanted).
        #[arg(long)]
        dir: PathBuf,
        /// The file `inkan key-backup export` wrote.
        #[arg(long)]
        file: PathBuf,
        /// The second token's PKCS#11 module.
        #[arg(long)]
        hsm: PathBuf,
        /// The slot holding the second token.
        #[arg(long)]
        slot: u64,
        /// Make the second token the CA's token from now on (the first is lost).
        #[arg(long)]
        switch: bool,
    },
}
