//! What the backup and restore tests share (`tests/backup.rs`,
//! `tests/backup_refusals.rs`): a CA made from fixture keys in a working directory,
//! the restore's options as the tests give them, subscribers issued by number.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Test support code: a panic is a failed test.

use std::path::Path;

use inkan_runtime::backup::RestoreOptions;
use inkan_runtime::ca::{Ca, Csr, IssueRequest};
use inkan_runtime::calendar::Timestamp;
use inkan_runtime::custody::shamir::Share;

/// The policy these tests run under.
pub const POLICY: &str = "jpcert-ssl-client";

/// The schemas besides the CA's: none (the RA's is the server's; these tests back up
/// the CA's own tables).
pub fn components() -> Vec<(&'static str, &'static [inkan_runtime::sql::Migration])> {
    Vec::new()
}

/// A restore's options: nothing published when `crls` is empty, the clock overridden.
pub fn options<'a>(
    from: &'a Path,
    dir: &'a Path,
    store: Option<&'a str>,
    crls: &'a [Vec<u8>],
    certificates: &'a [Vec<u8>],
    components: &'a [(&'a str, &'a [inkan_runtime::sql::Migration])],
    now: Timestamp,
) -> RestoreOptions<'a> {
    RestoreOptions {
        from,
        dir,
        store,
        lookup: &crate::lookup,
        components,
        published_crls: crls,
        never_published: crls.is_empty(),
        certificates,
        witnessed: &[],
        audit_public_key: None,
        now,
        clock_overridden: true,
        actor: "test",
    }
}

/// Subscriber `n`'s fixture request (RSA-1024) issued to person `person` of developer 42.
pub fn issue(ca: &mut Ca, n: u64, person: u64, now: Timestamp) -> inkan_runtime::ca::Issued {
    let csr = crate::fixture(&format!("sub{n}-1024.csr.pem"));
    ca.issue(
        &IssueRequest {
            actor: "test",
            csr: Csr::Encoded(&csr),
            profile: None,
            fields: vec![("developer".into(), 42), ("person".into(), person)],
        },
        now,
    )
    .unwrap()
}

/// Enters shares until the CA is active.
pub fn unlock(ca: &mut Ca, shares: &[Share]) {
    for (i, s) in shares.iter().enumerate() {
        if ca.activation().is_none() {
            break;
        }
        ca.enter_share(&s.to_text(), Timestamp::now(), &format!("custodian-{i}"))
            .unwrap();
    }
}

/// A working directory, and a CA made in it at `t0` with its custodians' shares.
pub fn fixture(t0: Timestamp) -> (tempfile::TempDir, tempfile::TempDir, Ca, Vec<Share>) {
    let work = tempfile::tempdir().unwrap();
    let (tmp, ca, shares) = crate::fixture_ca_with_shares(work.path(), POLICY, t0);
    (work, tmp, ca, shares)
}

/// Nothing but `keep` is left in `parent`: no staging directory survives a refusal.
pub fn only(parent: &Path, keep: &[&str]) {
    let mut names: Vec<String> = std::fs::read_dir(parent)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, keep, "what {} holds", parent.display());
}
