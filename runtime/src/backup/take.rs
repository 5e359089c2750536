//! Taking a backup: the store read in one snapshot and the directory's files gathered
//! ([`PendingBackup::take`], which needs no lock on the CA, so a server goes on
//! issuing meanwhile), the manifest signed with the audit key ([`Ca::sign_manifest`]),
//! the file written ([`PendingBackup::write`]), the backup audited
//! ([`Ca::record_backup`]). [`Ca::backup`] does all four.

use std::path::{Path, PathBuf};

use super::archive;
use super::manifest::{FORMAT, Manifest};
use crate::audit::Event;
use crate::ca::Ca;
use crate::calendar::Timestamp;
use crate::error::{Error, Result};
use crate::policy::PolicyDefinition;
use crate::sql::{Db, Location};

/// A backup read, its manifest not yet signed, its file not yet written.
pub struct PendingBackup {
    /// Where the tables' rows wait (removed when this is dropped).
    work: tempfile::TempDir,
    manifest: Manifest,
    files: Vec<(String, PathBuf)>,
}

impl PendingBackup {
    /// Reads the store at `location` in one snapshot and gathers the files of `dir`,
    /// for a backup to be written at `out` (which must not exist; the rows wait beside
    /// it). `audit_public_key` is the hex key that will sign the manifest.
    pub fn take(
        dir: &Path,
        location: &Location,
        policy: &PolicyDefinition,
        audit_public_key: &str,
        out: &Path,
        now: Timestamp,
    ) -> Result<PendingBackup> {
        if out.exists() {
            return Err(Error::Directory(format!(
                "{} exists; a backup never writes over a file",
                out.display()
            )));
        }
        let parent = match out.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let work = tempfile::Builder::new()
            .prefix(".inkan-backup-")
            .tempdir_in(&parent)
            .map_err(|e| Error::io(&parent, e))?;
        let db = Db::open(location)?;
        let snapshot = archive::dump_tables(&db, work.path())?;
        drop(db);
        let (files, paths) = archive::directory_files(dir, location)?;
        let manifest = Manifest {
            format: FORMAT.into(),
            created_at: now.unix(),
            policy: policy.id.to_string(),
            policy_sha256: policy.sha256.to_string(),
            store: if location.is_postgres() {
                "postgres"
            } else {
                "sqlite"
            }
            .into(),
            audit_public_key: audit_public_key.to_string(),
            audit_head: snapshot.head,
            crl_numbers: snapshot.crl_numbers,
            migrations: snapshot.migrations,
            tables: snapshot.tables,
            files,
        };
        Ok(PendingBackup {
            work,
            manifest,
            files: paths,
        })
    }

    /// The manifest as it will be signed and written.
    pub fn manifest_text(&self) -> Result<Vec<u8>> {
        serde_json::to_vec_pretty(&self.manifest).map_err(|e| Error::Encoding(e.to_string()))
    }

    /// Writes the backup to `out` with the manifest `text` and its `signature`;
    /// returns the manifest and the file's SHA-256 (hex).
    pub fn write(self, out: &Path, text: &[u8], signature: &[u8]) -> Result<(Manifest, String)> {
        let digest = archive::write(
            out,
            text,
            signature,
            &self.files,
            self.work.path(),
            &self.manifest,
        )?;
        Ok((self.manifest, digest))
    }
}

impl Ca {
    /// Writes a backup of this CA to `out` (which must not exist): its store read in
    /// one snapshot while it goes on working, and its directory's files. The manifest
    /// is signed with the audit key, so the CA must be activated. Audited
    /// (`ca-backup`).
    pub fn backup(&mut self, out: &Path, now: Timestamp, actor: &str) -> Result<Manifest> {
        let key = self.audit_key().ok_or(Error::Locked { have: 0, need: 0 })?;
        let public = hex::encode(key.public_key());
        let pending = PendingBackup::take(
            self.dir(),
            &self.store().location()?,
            self.policy().definition(),
            &public,
            out,
            now,
        )?;
        let text = pending.manifest_text()?;
        let signature = self.sign_manifest(&text)?;
        let (manifest, digest) = pending.write(out, &text, &signature)?;
        self.record_backup(out, &manifest, &digest, now, actor)?;
        Ok(manifest)
    }

    /// The audit key's public half (hex), which signs backup manifests.
    pub fn audit_public_key(&self) -> Result<String> {
        self.store()
            .meta("audit_public_key")?
            .ok_or_else(|| Error::Corrupt("the store records no audit public key".into()))
    }

    /// Signs a backup's manifest with the audit key (the CA must be activated).
    pub fn sign_manifest(&self, text: &[u8]) -> Result<Vec<u8>> {
        let key = self.audit_key().ok_or(Error::Locked { have: 0, need: 0 })?;
        Ok(key.sign_manifest(text))
    }

    /// Records a backup written at `out` in the audit log (`ca-backup`).
    pub fn record_backup(
        &mut self,
        out: &Path,
        manifest: &Manifest,
        digest: &str,
        now: Timestamp,
        actor: &str,
    ) -> Result<()> {
        self.audit(Event::new(
            now,
            actor,
            "ca-backup",
            &[
                ("file", &out.display().to_string()),
                ("sha256", digest),
                ("audit_head", &manifest.audit_head.seq.to_string()),
                ("store", &manifest.store),
            ],
        ))
    }
}
