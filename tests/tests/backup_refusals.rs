//! What a restore refuses, with nothing written where the CA would live (on whichever
//! database the run uses; `cargo xtask test` runs this file on PostgreSQL too): a
//! damaged or truncated file, an edited manifest, a CRL the backup's CA did not sign,
//! another CA's backup when the audit key is pinned, "nothing was published" from a
//! backup that records CRLs, a store outside the directory, an existing CA. And what it
//! completes: a certificate the backup caught half-recorded.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::path::Path;

use inkan_runtime::backup::restore;
use inkan_runtime::ca::Ca;
use inkan_runtime::error::ErrorKind;
use inkan_tests::backup::{components, fixture, issue, only, options};
use inkan_tests::{at, lookup, test_store};

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
