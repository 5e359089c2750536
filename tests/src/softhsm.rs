//! SoftHSM2 for tests: the module, and throwaway tokens made with `softhsm2-util`.
//!
//! SoftHSM reads its token directory when a process first initialises the module, so a
//! test binary makes every token it needs in one call, before any PKCS #11 use.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Test support code: a panic is a failed test.

use std::path::PathBuf;
use std::process::Command;

/// The user PIN of every test token.
pub const USER_PIN: &str = "87654321";
/// The security officer PIN every test token is made with; a ceremony replaces it.
pub const SO_PIN: &str = "12345678";

/// A key ceremony for policy `id` on the token labelled `token`, into `dir`, with two
/// witnesses; returns the CA, the custodians' shares and the signed transcript.
pub fn ceremony(
    id: &str,
    token: String,
    dir: &std::path::Path,
) -> (
    inkan_runtime::ca::Ca,
    Vec<inkan_runtime::custody::shamir::Share>,
    String,
) {
    let made = ceremony_made(id, token, dir);
    (made.ca, made.shares, made.transcript)
}

/// [`ceremony`], with everything it made (the key-backup shares too).
pub fn ceremony_made(
    id: &str,
    token: String,
    dir: &std::path::Path,
) -> inkan_runtime::custody::Ceremony {
    let options = inkan_runtime::custody::CeremonyOptions {
        module: module(),
        token,
        pin: zeroize::Zeroizing::new(USER_PIN.to_string()),
        so_pin: zeroize::Zeroizing::new(SO_PIN.to_string()),
        witnesses: vec!["Key Custodian One".into(), "Security Officer Two".into()],
        allow_clock_override: true,
        progress: &|_| {},
        store: None,
    };
    inkan_runtime::ca::Ca::ceremony(
        dir,
        super::policy(id),
        inkan_runtime::calendar::Timestamp::now(),
        &options,
    )
    .unwrap()
}

/// The SoftHSM2 module; panics with the install hint if it is missing.
pub fn module() -> PathBuf {
    [
        "/usr/lib/softhsm/libsofthsm2.so",
        "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
        "/usr/local/lib/softhsm/libsofthsm2.so",
    ]
    .iter()
    .map(PathBuf::from)
    .find(|p| p.exists())
    .expect("SoftHSM2 is installed (apt-get install softhsm2)")
}

/// The label of this process's token `name`: the first call makes one token per
/// name in `all` (every token a test binary uses, before any PKCS #11 use).
pub fn token(all: &[&str], name: &str) -> String {
    static RUN: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    assert!(all.contains(&name), "token `{name}` is not among {all:?}");
    format!("{}-{name}", RUN.get_or_init(|| make_tokens(all)))
}

/// Makes one token per name, labelled `<run>-<name>` with a prefix unique to this
/// process; returns the prefix.
pub fn make_tokens(names: &[&str]) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let run = format!("t{}-{}", std::process::id(), now % 100_000);
    for name in names {
        let label = format!("{run}-{name}");
        let out = Command::new("softhsm2-util")
            .args([
                "--init-token",
                "--free",
                "--label",
                &label,
                "--so-pin",
                SO_PIN,
                "--pin",
                USER_PIN,
            ])
            .output()
            .expect("softhsm2-util runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    run
}
