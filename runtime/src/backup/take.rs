//! [`Ca::backup`]: the store read in one snapshot, the directory's files, the manifest
//! signed, the file written, the backup audited.

use std::path::Path;

use super::archive;
use super::manifest::{FORMAT, Manifest};
use crate::audit::Event;
use crate::ca::Ca;
use crate::calendar::Timestamp;
use crate::error::{Error, Result};
use crate::sql::Db;

impl Ca {
    /// Writes a backup of this CA to `out` (which must not exist): its store read in
    /// one snapshot while it goes on working, and its directory's files. The manifest
    /// is signed with the audit key, so the CA must be activated. Audited
    /// (`ca-backup`).
    pub fn backup(&mut self, out: &Path, now: Timestamp, actor: &str) -> Result<Manifest> {
        if out.exists() {
            return Err(Error::Directory(format!(
                "{} exists; a backup never writes over a file",
                out.display()
            )));
        }
        let key = self.audit_key().ok_or(Error::Locked { have: 0, need: 0 })?;
        let audit_public_key = hex::encode(key.public_key());
        let location = self.store().location()?;
        let db = Db::open(&location)?;
        let parent = match out.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => std::path::PathBuf::from("."),
        };
        let work = tempfile::Builder::new()
            .prefix(".inkan-backup-")
            .tempdir_in(&parent)
            .map_err(|e| Error::io(&parent, e))?;
        let snapshot = archive::dump_tables(&db, work.path())?;
        drop(db);
        let (files, file_paths) = archive::directory_files(self.dir(), &location)?;
        let def = self.policy().definition();
        let manifest = Manifest {
            format: FORMAT.into(),
            created_at: now.unix(),
            policy: def.id.to_string(),
            policy_sha256: def.sha256.to_string(),
            store: if location.is_postgres() {
                "postgres"
            } else {
                "sqlite"
            }
            .into(),
            audit_public_key,
            audit_head: snapshot.head,
            crl_numbers: snapshot.crl_numbers,
            migrations: snapshot.migrations,
            tables: snapshot.tables,
            files,
        };
        let text =
            serde_json::to_vec_pretty(&manifest).map_err(|e| Error::Encoding(e.to_string()))?;
        let signature = key.sign_manifest(&text);
        let digest = archive::write(out, &text, &signature, &file_paths, work.path(), &manifest)?;
        self.audit(Event::new(
            now,
            actor,
            "ca-backup",
            &[
                ("file", &out.display().to_string()),
                ("sha256", &digest),
                ("audit_head", &manifest.audit_head.seq.to_string()),
                ("store", &manifest.store),
            ],
        ))?;
        Ok(manifest)
    }
}
