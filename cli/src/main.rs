//! `inkan`: the command-line face of the CA. Every policy compiled from `policy/`
//! is linked in and chosen by name.
//!
//! Exit status: 0 success; 1 the operation was refused or failed, or `check` /
//! `policy check` found problems; 2 the command line was wrong (clap).
//!
//! The files: `args.rs` (every command and its arguments, for clap), `commands/` (one
//! file per group of commands), `support.rs` (what they share), `quickstart.rs`.

mod args;
mod commands;
mod quickstart;
mod support;

use std::process::ExitCode;

use anyhow::Result;
use clap::Parser;

use args::{Cli, Command};
use commands::{audit, backup, ca, check, keys, policy, ra, serve, verify};

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

fn run(command: Command) -> Result<ExitCode> {
    match command {
        Command::Init(a) => ca::init(a),
        Command::Issue(a) => ca::issue(a),
        Command::Revoke(a) => ca::revoke(a),
        Command::Crl(a) => ca::crl(a),
        Command::CaCerts(a) => ca::ca_certs(a),
        Command::Cert(a) => ca::cert(a),
        Command::Pending(a) => ca::pending(a),
        Command::Ceremony(a) => ca::ceremony(a),
        Command::Check(a) => check::check(a),
        Command::Verify(a) => Ok(verify::run(a)),
        Command::RpDemo(a) => verify::rp(a),
        Command::Serve(a) => serve::run(a),
        Command::Ra(a) => ra::run(a),
        Command::Audit(a) => audit::run(a),
        Command::Backup(a) => backup::backup(a),
        Command::Restore(a) => backup::restore(a),
        Command::KeyBackup(a) => keys::run(a),
        Command::Policy(a) => policy::run(a),
        Command::Quickstart(a) => quickstart::run(a.dir, &a.policy),
    }
}
