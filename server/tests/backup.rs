//! A backup taken while eight subscribers enroll through the service, on whichever
//! store the run uses (`cargo xtask test` runs it on PostgreSQL too): each backup is
//! one moment of the CA's and the RA's tables together. A certificate is linked to
//! its holder only after it is issued, and audited with its issuance, so a backup
//! whose tables were read at different moments would hold a holder linked to a
//! certificate it lacks, or a certificate without its audit entry.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

use common::*;
use inkan_runtime::ca::Ca;
use inkan_runtime::calendar::Timestamp;
use inkan_runtime::sql::{Db, Location};

fn texts(db: &Db, sql: &str) -> Vec<String> {
    db.query(sql, &[])
        .unwrap()
        .iter()
        .map(|r| r.get::<String>(0).unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_while_eight_clients_enroll_is_one_moment_of_ca_and_ra() {
    let h = start().await;
    let passwords = passwords(&h, 96, 12).await;
    let csrs: Vec<String> = (1..=3).map(csr).collect();
    let work: Vec<(String, String)> = passwords
        .into_iter()
        .enumerate()
        .map(|(i, p)| (p, csrs[i % 3].clone()))
        .collect();
    let ca_dir = dir(&h);
    let shares = h.shares.clone();
    let taken = h.tmp.path().join("taken");
    std::fs::create_dir(&taken).unwrap();
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let finished = std::sync::Arc::clone(&done);
    // Another handle on the CA, as `inkan backup` beside the server would be.
    let taking = tokio::task::spawn_blocking(move || {
        let mut ca = Ca::open(&ca_dir, &lookup).unwrap();
        for s in &shares {
            if ca.activation().is_none() {
                break;
            }
            ca.enter_share(s, Timestamp::now(), "custodian").unwrap();
        }
        // Backups one after the other until the load ends (at most eight).
        let mut files = Vec::new();
        while !finished.load(std::sync::atomic::Ordering::Relaxed) && files.len() < 8 {
            std::thread::sleep(std::time::Duration::from_millis(5));
            let file = taken.join(format!("{}.inkan-backup", files.len()));
            ca.backup(&file, Timestamp::now(), "test").unwrap();
            files.push(file);
        }
        files
    });
    let load = load(&h, work, 8).await;
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    let files = taking.await.unwrap();
    assert_eq!(load.errors, 0, "{:?}", load.first_error);
    assert_eq!(load.ok, 96);
    let newest_crl = {
        let location = inkan_runtime::ca::store_location(&dir(&h)).unwrap();
        let db = Db::open(&location).unwrap();
        db.query(
            "SELECT der FROM crls WHERE issuer = 'ssl-clients' ORDER BY number DESC LIMIT 1",
            &[],
        )
        .unwrap()
        .first()
        .map(|r| r.get::<Vec<u8>>(0).unwrap())
    };
    let crls: Vec<Vec<u8>> = newest_crl.into_iter().collect();
    let components = [("ra", inkan_server::ra::MIGRATIONS)];
    let mut seen = Vec::new();
    for (i, file) in files.iter().enumerate() {
        let restored = h.tmp.path().join(format!("restored-{i}"));
        let target = inkan_tests::test_store();
        inkan_runtime::backup::restore(&inkan_runtime::backup::RestoreOptions {
            from: file,
            dir: &restored,
            store: target.as_deref(),
            lookup: &lookup,
            components: &components,
            published_crls: &crls,
            never_published: crls.is_empty(),
            certificates: &[],
            witnessed: &[],
            audit_public_key: None,
            now: Timestamp::now(),
            clock_overridden: false,
            actor: "test",
        })
        .unwrap();
        let location = match target {
            Some(url) => Location::Postgres(url),
            None => Location::Sqlite(restored.join("ca.sqlite")),
        };
        let db = Db::open(&location).unwrap();
        let issued = texts(
            &db,
            "SELECT serial FROM certificates WHERE profile = 'ssl-client' AND status = 'issued'",
        );
        let linked = texts(&db, "SELECT serial FROM holders WHERE serial IS NOT NULL");
        for serial in &linked {
            assert!(
                issued.contains(serial),
                "backup {i}: a holder is linked to {serial}, which the backup's certificates lack"
            );
        }
        let audited = texts(
            &db,
            "SELECT details FROM audit WHERE event = 'certificate-issued'",
        );
        for serial in &issued {
            assert!(
                audited.iter().any(|d| d.contains(serial.as_str())),
                "backup {i}: {serial} issued without its audit entry"
            );
        }
        seen.push(issued.len());
    }
    // The backups were taken while enrollments went on, not all before or after.
    assert!(
        seen.iter().any(|n| *n > 0 && *n < 96),
        "no backup fell inside the load: {seen:?}"
    );
}
