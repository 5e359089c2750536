//! Backups and restores as a disaster would run them, on whichever database the run
//! uses (a fresh SQLite file, or fresh PostgreSQL databases when `INKAN_TEST_POSTGRES`
//! names a server: `cargo xtask test` runs this file both ways).
//!
//! A CA issues, is backed up, issues and revokes more and publishes a CRL, then loses
//! its directory. The restore must not publish a CRL that goes backwards or drops a
//! revocation, nor give a name again; a backup taken while batches are issued holds
//! whole batches. What a restore refuses is in `backup_refusals.rs`.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use inkan_runtime::backup::{Restored, restore};
use inkan_runtime::ca::{Ca, Csr, IssueRequest};
use inkan_tests::backup::{components, fixture, issue, only, options, unlock};
use inkan_tests::{at, lookup, test_store};
use x509_parser::prelude::*;

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
                    csr: Csr::Encoded(csr),
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
