//! Backups and restores as a disaster would run them, on whichever database the run
//! uses (a fresh SQLite file, or fresh PostgreSQL databases when `INKAN_TEST_POSTGRES`
//! names a server: `cargo xtask test` runs this file both ways).
//!
//! A CA issues, is backed up, issues and revokes more and publishes a CRL, then loses
//! its directory. The restore must not publish a CRL that goes backwards or drops a
//! revocation, nor give a name again; a damaged backup is refused with nothing written;
//! a backup taken while batches are issued holds whole batches.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::path::Path;

use inkan_runtime::backup::{RestoreOptions, Restored, restore};
use inkan_runtime::ca::{Ca, IssueRequest};
use inkan_runtime::calendar::Timestamp;
use inkan_runtime::custody::shamir::Share;
use inkan_runtime::error::ErrorKind;
use inkan_tests::{at, fixture_ca_with_shares, lookup, test_store};
use x509_parser::prelude::*;

const POLICY: &str = "jpcert-ssl-client";

fn components() -> Vec<(&'static str, &'static [inkan_runtime::sql::Migration])> {
    // The RA's schema is the server's; these tests back up the CA's own tables.
    Vec::new()
}

fn options<'a>(
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
        lookup: &lookup,
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

fn issue(ca: &mut Ca, n: u64, person: u64, now: Timestamp) -> inkan_runtime::ca::Issued {
    let csr = inkan_tests::fixture(&format!("sub{n}-1024.csr.pem"));
    ca.issue(
        &IssueRequest {
            actor: "test",
            csr: &csr,
            profile: None,
            fields: vec![("developer".into(), 42), ("person".into(), person)],
        },
        now,
    )
    .unwrap()
}

fn cn(der: &[u8]) -> String {
    let (_, cert) = X509Certificate::from_der(der).unwrap();
    cert.subject()
        .iter_common_name()
        .next()
        .unwrap()
        .as_str()
        .unwrap()
        .to_string()
}

fn crl_serials(der: &[u8]) -> Vec<String> {
    let (_, crl) = CertificateRevocationList::from_der(der).unwrap();
    crl.iter_revoked_certificates()
        .map(|r| hex::encode(r.raw_serial()))
        .collect()
}

fn unlock(ca: &mut Ca, shares: &[Share]) {
    for (i, s) in shares.iter().enumerate() {
        if ca.activation().is_none() {
            break;
        }
        ca.enter_share(&s.to_text(), Timestamp::now(), &format!("custodian-{i}"))
            .unwrap();
    }
}

/// A working directory, and a CA made in it at `t0` with its custodians' shares.
fn fixture(t0: Timestamp) -> (tempfile::TempDir, tempfile::TempDir, Ca, Vec<Share>) {
    let work = tempfile::tempdir().unwrap();
    let (tmp, ca, shares) = fixture_ca_with_shares(work.path(), POLICY, t0);
    (work, tmp, ca, shares)
}

/// Nothing but `keep` is left in `parent`: no staging directory survives a refusal.
fn only(parent: &Path, keep: &[&str]) {
    let mut names: Vec<String> = std::fs::read_dir(parent)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, keep, "what {} holds", parent.display());
}

/// Proves: R-7.2-CRL, R-3.1-UNIQUE.
#[test]
fn a_restored_ca_continues_the_published_record_and_never_goes_back() {
    let t0 = at("2026-04-01T00:00:00Z");
    let (work, tmp, mut ca, shares) = fixture(t0);
    let dir = ca.dir().to_path_buf();
    let a = issue(&mut ca, 1, 1, t0);
    let b = issue(&mut ca, 2, 2, t0);
    assert_eq!(ca.crl(None, t0, "test").unwrap().number, 1);
    let backup = work.path().join("ca.backup");
    let t1 = at("2026-04-02T00:00:00Z");
    let manifest = ca.backup(&backup, t1, "test").unwrap();
    assert_eq!(
        manifest.crl_numbers.values().copied().collect::<Vec<_>>(),
        [1]
    );

    // After the backup: a second certificate for person 1 (the next letter), two
    // revocations, CRL 2 published; then the directory is lost.
    let t2 = at("2026-04-03T00:00:00Z");
    let late = issue(&mut ca, 3, 1, t2);
    ca.revoke(&a.serial, "key-compromise", t2, "test").unwrap();
    ca.revoke(&late.serial, "cessation-of-use", t2, "test")
        .unwrap();
    let published = ca.crl(None, t2, "test").unwrap();
    assert_eq!(published.number, 2);
    drop(ca);
    std::fs::remove_dir_all(&dir).unwrap();
    drop(tmp);

    let restored_dir = work.path().join("restored");
    let t3 = at("2026-04-04T00:00:00Z");
    let crls = [published.der.clone()];
    let none: &[Vec<u8>] = &[];
    let components = components();
    let target = test_store();

    // Without the certificate issued after the backup, which CRL 2 revokes: refused,
    // naming it, and nothing written.
    let err = restore(&options(
        &backup,
        &restored_dir,
        target.as_deref(),
        &crls,
        none,
        &components,
        t3,
    ))
    .unwrap_err();
    assert!(err.to_string().contains(&late.serial), "{err}");
    only(work.path(), &["ca.backup"]);

    // With it given back: restored and reconciled.
    let given = [late.der.clone()];
    let Restored { reconciled, .. } = restore(&options(
        &backup,
        &restored_dir,
        target.as_deref(),
        &crls,
        &given,
        &components,
        t3,
    ))
    .unwrap();
    assert_eq!(reconciled.crls, [("ssl-clients".to_string(), 2)]);
    assert_eq!(reconciled.imported, std::slice::from_ref(&late.serial));
    let mut revoked = reconciled.revoked.clone();
    revoked.sort();
    let mut want = vec![a.serial.clone(), late.serial.clone()];
    want.sort();
    assert_eq!(revoked, want);

    let mut ca = Ca::open(&restored_dir, &lookup).unwrap();
    unlock(&mut ca, &shares);
    // The next CRL is number 3 and lists both revocations (R-7.2-CRL).
    let next = ca.crl(None, t3, "test").unwrap();
    assert_eq!(next.number, 3);
    let listed = crl_serials(&next.der);
    assert!(
        listed.contains(&a.serial) && listed.contains(&late.serial),
        "{listed:?}"
    );
    // Person 1's next certificate takes a third letter: the second went to `late`,
    // which only the published record knew of (R-3.1-UNIQUE).
    let again = issue(&mut ca, 1, 1, t3);
    let names = [cn(&a.der), cn(&late.der), cn(&again.der)];
    assert_ne!(names[2], names[0]);
    assert_ne!(names[2], names[1]);
    assert_ne!(cn(&b.der), names[2]);
    // The log verifies, and names the restore and the gap.
    let report = ca.verify_audit().unwrap();
    assert!(report.ok(), "{:?}", report.problems);
    assert!(
        report
            .notes
            .iter()
            .any(|n| n.contains("restored from a backup")
                && n.contains(&manifest.audit_head.seq.to_string())),
        "{:?}",
        report.notes
    );
}

/// Proves: R-7.2-CRL.
#[test]
fn the_published_crl_recorded_at_a_restore_holds_its_revocations() {
    // The published CRL becomes the restored CA's previous CRL: a store that lost a
    // revocation it lists cannot publish.
    let t0 = at("2026-04-01T00:00:00Z");
    let (work, tmp, mut ca, shares) = fixture(t0);
    let a = issue(&mut ca, 1, 1, t0);
    let backup = work.path().join("ca.backup");
    ca.backup(&backup, t0, "test").unwrap();
    let t1 = at("2026-04-02T00:00:00Z");
    ca.revoke(&a.serial, "key-compromise", t1, "test").unwrap();
    let published = ca.crl(None, t1, "test").unwrap();
    drop(ca);
    drop(tmp);
    let restored_dir = work.path().join("restored");
    let components = components();
    let target = test_store();
    let crls = [published.der.clone()];
    restore(&options(
        &backup,
        &restored_dir,
        target.as_deref(),
        &crls,
        &[],
        &components,
        t1,
    ))
    .unwrap();
    let mut ca = Ca::open(&restored_dir, &lookup).unwrap();
    unlock(&mut ca, &shares);
    // Undo the reconciled revocation behind the CA's back.
    let location = inkan_runtime::ca::store_location(&restored_dir).unwrap();
    let db = inkan_runtime::sql::Db::open(&location).unwrap();
    db.execute(
        "UPDATE certificates SET revoked_at = NULL, reason = NULL, reason_code = NULL WHERE serial = ?1",
        &[inkan_runtime::sql::Param::from(a.serial.as_str())],
    )
    .unwrap();
    let err = ca
        .crl(None, at("2026-04-03T00:00:00Z"), "test")
        .unwrap_err();
    assert!(
        matches!(
            err,
            inkan_runtime::Error::CrlWouldDropRevoked { previous: 1, .. }
        ),
        "{err}"
    );
}

/// Proves: R-7.2-CRL.
#[test]
fn a_crl_not_signed_by_the_backups_ca_is_refused() {
    let t0 = at("2026-04-01T00:00:00Z");
    let (work, tmp, mut ca, _shares) = fixture(t0);
    let backup = work.path().join("ca.backup");
    ca.backup(&backup, t0, "test").unwrap();
    let mut crl = ca.crl(None, t0, "test").unwrap().der;
    drop(ca);
    drop(tmp);
    // The last byte is in the signature.
    let last = crl.len() - 1;
    crl[last] ^= 1;
    let restored_dir = work.path().join("restored");
    let components = components();
    let target = test_store();
    let crls = [crl];
    let err = restore(&options(
        &backup,
        &restored_dir,
        target.as_deref(),
        &crls,
        &[],
        &components,
        t0,
    ))
    .unwrap_err();
    assert!(err.to_string().contains("signature"), "{err}");
    only(work.path(), &["ca.backup"]);
}

/// Rewrites the backup at `from` into `to` with `edit` applied to each member.
fn rewrite(from: &Path, to: &Path, edit: &dyn Fn(&str, &mut Vec<u8>)) {
    let file = std::fs::File::open(from).unwrap();
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(file));
    let out = std::fs::File::create(to).unwrap();
    let mut builder = tar::Builder::new(flate2::write::GzEncoder::new(
        out,
        flate2::Compression::fast(),
    ));
    for entry in archive.entries().unwrap() {
        let mut e = entry.unwrap();
        let name = e.path().unwrap().to_string_lossy().into_owned();
        let mut data = Vec::new();
        std::io::Read::read_to_end(&mut e, &mut data).unwrap();
        edit(&name, &mut data);
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o600);
        builder.append_data(&mut h, &name, &data[..]).unwrap();
    }
    builder.into_inner().unwrap().finish().unwrap();
}

#[test]
fn a_damaged_backup_is_refused_and_nothing_is_written() {
    let t0 = at("2026-04-01T00:00:00Z");
    let (work, _tmp, mut ca, _shares) = fixture(t0);
    issue(&mut ca, 1, 1, t0);
    let good = work.path().join("good.backup");
    ca.backup(&good, t0, "test").unwrap();
    let bytes = std::fs::read(&good).unwrap();
    let cases = work.path().join("cases");
    std::fs::create_dir(&cases).unwrap();
    let mut damaged: Vec<(&str, std::path::PathBuf)> = Vec::new();
    let truncated = cases.join("truncated");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    damaged.push(("truncated", truncated));
    let flipped = cases.join("flipped");
    let mut f = bytes.clone();
    let mid = f.len() / 2;
    f[mid] ^= 0x40;
    std::fs::write(&flipped, &f).unwrap();
    damaged.push(("a flipped byte", flipped));
    let table = cases.join("table");
    rewrite(&good, &table, &|name, data| {
        if name == "tables/certificates.jsonl" {
            // An empty line after the first row: the digest no longer matches.
            let text = String::from_utf8(data.clone()).unwrap();
            *data = text
                .replacen("\n", "\n\n", 1)
                .trim_end()
                .as_bytes()
                .to_vec();
            data.push(b'\n');
        }
    });
    damaged.push(("a table that is not what the manifest says", table));
    let manifest = cases.join("manifest");
    rewrite(&good, &manifest, &|name, data| {
        if name == "manifest.json" {
            let text = String::from_utf8(data.clone()).unwrap();
            *data = text.replacen("\"rows\": 1", "\"rows\": 2", 1).into_bytes();
        }
    });
    damaged.push(("a manifest edited after signing", manifest));
    let missing = cases.join("missing");
    rewrite(&good, &missing, &|name, data| {
        if name == "files/certs/root.pem" {
            data.clear();
        }
    });
    damaged.push(("a file emptied", missing));
    std::fs::write(cases.join("not-gzip"), b"hello").unwrap();
    damaged.push(("not a backup at all", cases.join("not-gzip")));

    let components = components();
    let target = test_store();
    let out = work.path().join("out");
    std::fs::create_dir(&out).unwrap();
    for (what, path) in &damaged {
        let dir = out.join("restored");
        let err = restore(&options(
            path,
            &dir,
            target.as_deref(),
            &[],
            &[],
            &components,
            t0,
        ))
        .expect_err(what);
        assert!(
            matches!(err.kind(), ErrorKind::Corrupt | ErrorKind::Internal),
            "{what}: {err} is {:?}",
            err.kind()
        );
        assert!(
            err.to_string().contains("damaged") || err.to_string().contains("not a backup"),
            "{what}: {err}"
        );
        only(&out, &[]);
    }
    // The good one restores (the cases above failed for their damage alone).
    restore(&options(
        &good,
        &out.join("restored"),
        target.as_deref(),
        &[],
        &[],
        &components,
        t0,
    ))
    .unwrap();
}

#[test]
fn a_restore_never_writes_over_a_ca() {
    let t0 = at("2026-04-01T00:00:00Z");
    let (work, _tmp, mut ca, _shares) = fixture(t0);
    let backup = work.path().join("ca.backup");
    ca.backup(&backup, t0, "test").unwrap();
    let components = components();
    // Over its own directory.
    let err = restore(&options(&backup, ca.dir(), None, &[], &[], &components, t0)).unwrap_err();
    assert!(err.to_string().contains("exists"), "{err}");
    // Into the store the CA still uses, when that is PostgreSQL.
    if let inkan_runtime::sql::Location::Postgres(url) = ca.store().location().unwrap() {
        let dir = work.path().join("restored");
        let err = restore(&options(
            &backup,
            &dir,
            Some(&url),
            &[],
            &[],
            &components,
            t0,
        ))
        .unwrap_err();
        assert!(err.to_string().contains("already holds data"), "{err}");
        assert!(!dir.exists());
    }
    // A second backup never writes over the first.
    assert!(ca.backup(&backup, t0, "test").is_err());
}

/// Proves: R-5.4-CA-EVENTS.
#[test]
fn a_backup_taken_while_batches_are_issued_holds_whole_batches() {
    let t0 = at("2026-04-01T00:00:00Z");
    let (work, _tmp, mut ca, shares) = fixture(t0);
    let dir = ca.dir().to_path_buf();
    let mut writer = Ca::open(&dir, &lookup).unwrap();
    unlock(&mut writer, &shares);
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let stopping = stop.clone();
    let csrs: Vec<Vec<u8>> = (1..=8)
        .map(|n| inkan_tests::fixture(&format!("sub{}-1024.csr.pem", n % 3 + 1)))
        .collect();
    let issuing = std::thread::spawn(move || {
        let mut batches = 0u64;
        while !stopping.load(std::sync::atomic::Ordering::Relaxed) || batches < 3 {
            let requests: Vec<IssueRequest<'_>> = csrs
                .iter()
                .enumerate()
                .map(|(i, csr)| IssueRequest {
                    actor: "test",
                    csr,
                    profile: None,
                    fields: vec![
                        ("developer".into(), batches + 100),
                        ("person".into(), i as u64),
                    ],
                })
                .collect();
            for r in writer.issue_many(&requests, t0).unwrap() {
                r.unwrap();
            }
            batches += 1;
        }
        batches
    });
    let components = components();
    let mut restored = Vec::new();
    for i in 0..3 {
        std::thread::sleep(std::time::Duration::from_millis(150));
        let file = work.path().join(format!("{i}.backup"));
        let m = ca.backup(&file, t0, "test").unwrap();
        restored.push((file, m));
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let batches = issuing.join().unwrap();
    assert!(batches >= 3);
    for (i, (file, m)) in restored.iter().enumerate() {
        let dir = work.path().join(format!("restored-{i}"));
        // The restore verifies the audit chain against the manifest's head.
        let target = test_store();
        restore(&options(
            file,
            &dir,
            target.as_deref(),
            &[],
            &[],
            &components,
            t0,
        ))
        .unwrap();
        let ca = Ca::open(&dir, &lookup).unwrap();
        let issued: Vec<String> = ca
            .store()
            .certificates("ssl-client")
            .unwrap()
            .into_iter()
            .filter(|r| r.status == "issued")
            .map(|r| r.serial)
            .collect();
        let pending = ca.store().pending().unwrap().len();
        // A batch is recorded pending in one commit and issued in another: a snapshot
        // holds whole batches in either state.
        assert_eq!(issued.len() % 8, 0, "backup {i}: {} issued", issued.len());
        assert_eq!(pending % 8, 0, "backup {i}: {pending} pending");
        let cas = ca.ca_certificates().unwrap().len();
        assert_eq!(
            m.tables["certificates"].rows as usize,
            cas + issued.len() + pending
        );
        // Every certificate issued has its audit entry in the same snapshot.
        let entries = ca.store().audit_entries().unwrap();
        for serial in &issued {
            assert!(
                entries
                    .iter()
                    .any(|e| e.event == "certificate-issued" && e.details.contains(serial.as_str())),
                "backup {i}: {serial} has no audit entry"
            );
        }
    }
}

#[test]
fn a_backup_of_another_ca_is_refused_when_the_audit_key_is_pinned() {
    let t0 = at("2026-04-01T00:00:00Z");
    let (work, _tmp, mut ca, _shares) = fixture(t0);
    let (_other_work, _other_tmp, mut other, _) = fixture(t0);
    let own = ca.audit_public_key().unwrap();
    let backup = work.path().join("other.backup");
    other.backup(&backup, t0, "test").unwrap();
    let components = components();
    let dir = work.path().join("restored");
    let mut o = options(&backup, &dir, None, &[], &[], &components, t0);
    o.audit_public_key = Some(&own);
    let err = restore(&o).unwrap_err();
    assert!(err.to_string().contains("not this CA's backup"), "{err}");
    assert!(!dir.exists());
    // Its own backup, pinned the same way, restores.
    let mine = work.path().join("own.backup");
    ca.backup(&mine, t0, "test").unwrap();
    let target = test_store();
    let mut o = options(&mine, &dir, target.as_deref(), &[], &[], &components, t0);
    o.audit_public_key = Some(&own);
    restore(&o).unwrap();
}

#[test]
fn a_restore_told_nothing_was_published_is_refused_when_the_backup_knows_otherwise() {
    let t0 = at("2026-04-01T00:00:00Z");
    let (work, _tmp, mut ca, _shares) = fixture(t0);
    ca.crl(None, t0, "test").unwrap();
    let backup = work.path().join("ca.backup");
    ca.backup(&backup, t0, "test").unwrap();
    let components = components();
    let dir = work.path().join("restored");
    // `options` says never_published when no CRL is given.
    let err = restore(&options(&backup, &dir, None, &[], &[], &components, t0)).unwrap_err();
    assert!(err.to_string().contains("ssl-clients 1"), "{err}");
    // A store path that climbs out of the directory is refused as well.
    let crl = ca.crl(None, t0, "test").unwrap().der;
    let crls = [crl];
    let err = restore(&options(
        &backup,
        &dir,
        Some("sqlite:../escaped.sqlite"),
        &crls,
        &[],
        &components,
        t0,
    ))
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("not a file inside the CA directory"),
        "{err}"
    );
    assert!(!work.path().join("escaped.sqlite").exists());
    assert!(!dir.exists());
}

/// Proves: R-7.2-CRL.
#[test]
fn a_certificate_pending_in_the_backup_is_completed_when_given_back() {
    // The backup caught a certificate between its two records (a batch recorded,
    // then signed): given back, it becomes issued, and a CRL revoking it is honoured.
    let t0 = at("2026-04-01T00:00:00Z");
    let (work, _tmp, mut ca, _shares) = fixture(t0);
    let caught = issue(&mut ca, 1, 1, t0);
    let location = ca.store().location().unwrap();
    let db = inkan_runtime::sql::Db::open(&location).unwrap();
    db.execute(
        "UPDATE certificates SET status = 'pending', der = NULL WHERE serial = ?1",
        &[inkan_runtime::sql::Param::from(caught.serial.as_str())],
    )
    .unwrap();
    let backup = work.path().join("ca.backup");
    ca.backup(&backup, t0, "test").unwrap();
    db.execute(
        "UPDATE certificates SET status = 'issued', der = ?2 WHERE serial = ?1",
        &[
            inkan_runtime::sql::Param::from(caught.serial.as_str()),
            inkan_runtime::sql::Param::from(caught.der.as_slice()),
        ],
    )
    .unwrap();
    let t1 = at("2026-04-02T00:00:00Z");
    ca.revoke(&caught.serial, "key-loss", t1, "test").unwrap();
    let crl = ca.crl(None, t1, "test").unwrap().der;
    let components = components();
    let dir = work.path().join("restored");
    let crls = [crl];
    let given = [caught.der.clone()];
    let restored = restore(&options(
        &backup,
        &dir,
        test_store().as_deref(),
        &crls,
        &given,
        &components,
        t1,
    ))
    .unwrap();
    assert_eq!(
        restored.reconciled.imported,
        std::slice::from_ref(&caught.serial)
    );
    assert_eq!(
        restored.reconciled.revoked,
        std::slice::from_ref(&caught.serial)
    );
    let ca = Ca::open(&dir, &lookup).unwrap();
    let record = ca.store().certificate(&caught.serial).unwrap().unwrap();
    assert_eq!(record.status, "issued");
    assert_eq!(record.der.as_deref(), Some(caught.der.as_slice()));
    // Two of the policy's reasons share the CRL's code; the store says so.
    let (_, reason, code) = record.revoked.unwrap();
    assert_eq!(code, 0);
    assert!(
        reason.contains("key-loss") && reason.contains(" or "),
        "{reason}"
    );
}
