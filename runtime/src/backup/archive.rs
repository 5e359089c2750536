//! The backup file itself: the tables read in one snapshot into JSON lines, the
//! directory's files gathered, everything written as a gzipped tar (tar and flate2,
//! not a format of our own) beside its destination and renamed into place; and read
//! back, member by member, each checked against the signed manifest before use.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead as _, Read, Write as _};
use std::path::{Component, Path, PathBuf};

use sha2::{Digest, Sha256};

use super::manifest::{FORMAT, Head, Manifest, SCHEMA_TABLE, Table, encode};
use crate::error::{Error, Result};
use crate::sql::{Db, Location};

/// The largest manifest or signature read (a manifest lists tables and files).
const MAX_MANIFEST: u64 = 16 << 20;

/// What the snapshot found besides its rows.
pub(super) struct Snapshot {
    pub(super) head: Head,
    pub(super) crl_numbers: BTreeMap<String, u64>,
    pub(super) migrations: BTreeMap<String, i64>,
    pub(super) tables: BTreeMap<String, Table>,
}

/// A writer that hashes what goes through it.
struct Hashing<W> {
    file: W,
    hash: Sha256,
}

impl<W: std::io::Write> std::io::Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.file.write(buf)?;
        self.hash.update(&buf[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()
    }
}

/// Reads every table of `db` in one snapshot into `work/<table>.jsonl`.
pub(super) fn dump_tables(db: &Db, work: &Path) -> Result<Snapshot> {
    db.snapshot(|tx| {
        let mut tables = BTreeMap::new();
        for table in tx.tables()? {
            if table == SCHEMA_TABLE {
                continue;
            }
            let columns = tx.columns(&table)?;
            let path = work.join(format!("{table}.jsonl"));
            let file = std::fs::File::create(&path).map_err(|e| Error::io(&path, e))?;
            let mut out = Hashing {
                file: std::io::BufWriter::new(file),
                hash: Sha256::new(),
            };
            let mut rows = 0u64;
            tx.each_row(&table, &columns, &mut |values| {
                let line: Vec<serde_json::Value> = values.iter().map(encode).collect();
                serde_json::to_writer(&mut out, &line)
                    .map_err(|e| Error::Encoding(e.to_string()))?;
                out.write_all(b"\n").map_err(|e| Error::io(&path, e))?;
                rows += 1;
                Ok::<_, Error>(())
            })?;
            out.flush().map_err(|e| Error::io(&path, e))?;
            let sha256 = hex::encode(out.hash.finalize());
            tables.insert(
                table,
                Table {
                    columns,
                    rows,
                    sha256,
                },
            );
        }
        let head =
            match tx.query_opt("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1", &[])? {
                Some(r) => Head {
                    seq: r.get(0)?,
                    hash: hex::encode(r.get::<Vec<u8>>(1)?),
                },
                None => Head {
                    seq: 0,
                    hash: hex::encode(crate::audit::GENESIS),
                },
            };
        let mut crl_numbers = BTreeMap::new();
        for r in tx.query("SELECT issuer, MAX(number) FROM crls GROUP BY issuer", &[])? {
            crl_numbers.insert(r.get::<String>(0)?, r.get::<u64>(1)?);
        }
        let mut migrations = BTreeMap::new();
        for r in tx.query(
            "SELECT component, MAX(version) FROM schema_migrations GROUP BY component",
            &[],
        )? {
            migrations.insert(r.get::<String>(0)?, r.get::<i64>(1)?);
        }
        Ok::<_, Error>(Snapshot {
            head,
            crl_numbers,
            migrations,
            tables,
        })
    })
}

/// The directory's files: each one's SHA-256 by its path inside the directory, and
/// where each is.
pub(super) type Files = (BTreeMap<String, String>, Vec<(String, PathBuf)>);

/// The directory's files to keep, by path inside it, with their SHA-256; the store's
/// own files (the database and its journals) are left out: the tables carry them.
pub(super) fn directory_files(dir: &Path, location: &Location) -> Result<Files> {
    let db_names: Vec<PathBuf> = match location {
        Location::Sqlite(db) => ["", "-wal", "-shm", "-journal"]
            .iter()
            .map(|s| PathBuf::from(format!("{}{s}", db.display())))
            .collect(),
        Location::Postgres(_) => Vec::new(),
    };
    let mut found = Vec::new();
    walk(dir, dir, &db_names, &mut found)?;
    found.sort();
    let mut digests = BTreeMap::new();
    for (name, path) in &found {
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        digests.insert(name.clone(), hex::encode(Sha256::digest(&bytes)));
    }
    Ok((digests, found))
}

fn walk(
    root: &Path,
    dir: &Path,
    skip: &[PathBuf],
    found: &mut Vec<(String, PathBuf)>,
) -> Result<()> {
    for entry in std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        let path = entry.path();
        let kind = entry.file_type().map_err(|e| Error::io(&path, e))?;
        if skip.contains(&path) {
            continue;
        }
        let rel = path
            .strip_prefix(root)
            .map_err(|_| Error::Internal("a file outside the directory walked"))?;
        let name = rel
            .to_str()
            .ok_or_else(|| Error::Directory(format!("{}: not a UTF-8 name", path.display())))?
            .to_string();
        if kind.is_dir() {
            walk(root, &path, skip, found)?;
        } else if kind.is_file() {
            found.push((name, path));
        } else {
            return Err(Error::Directory(format!(
                "{} is neither a file nor a directory; a backup keeps files only",
                path.display()
            )));
        }
    }
    Ok(())
}

/// A file's permissions as a backup keeps them: at most `rw-r--r--`, so a private
/// file (a key file, 0600) comes back private and nothing comes back executable.
fn file_mode(meta: &std::fs::Metadata) -> u32 {
    #[cfg(unix)]
    {
        std::os::unix::fs::PermissionsExt::mode(&meta.permissions()) & 0o644
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        0o600
    }
}

/// Writes the backup to `out`, atomically; returns the file's SHA-256 (hex).
pub(super) fn write(
    out: &Path,
    manifest: &[u8],
    signature: &[u8],
    files: &[(String, PathBuf)],
    tables: &Path,
    m: &Manifest,
) -> Result<String> {
    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let tmp = tempfile::Builder::new()
        .prefix(".inkan-backup-")
        .tempfile_in(parent)
        .map_err(|e| Error::io(parent, e))?;
    let file = tmp.as_file().try_clone().map_err(|e| Error::io(out, e))?;
    let gz =
        flate2::write::GzEncoder::new(std::io::BufWriter::new(file), flate2::Compression::fast());
    let mut tar = tar::Builder::new(gz);
    let io = |e: std::io::Error| Error::io(out, e);
    let add = |tar: &mut tar::Builder<_>, name: &str, size: u64, mode: u32, data: &mut dyn Read| {
        let mut header = tar::Header::new_gnu();
        header.set_size(size);
        header.set_mode(mode);
        header.set_mtime(u64::try_from(m.created_at).unwrap_or(0));
        header.set_entry_type(tar::EntryType::Regular);
        tar.append_data(&mut header, name, data).map_err(io)
    };
    add(
        &mut tar,
        "manifest.json",
        manifest.len() as u64,
        0o644,
        &mut &manifest[..],
    )?;
    add(
        &mut tar,
        "manifest.sig",
        signature.len() as u64,
        0o644,
        &mut &signature[..],
    )?;
    for (name, path) in files {
        let mut f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
        let meta = f.metadata().map_err(|e| Error::io(path, e))?;
        add(
            &mut tar,
            &format!("files/{name}"),
            meta.len(),
            file_mode(&meta),
            &mut f,
        )?;
    }
    for name in m.tables.keys() {
        let path = tables.join(format!("{name}.jsonl"));
        let mut f = std::fs::File::open(&path).map_err(|e| Error::io(&path, e))?;
        let size = f.metadata().map_err(|e| Error::io(&path, e))?.len();
        add(
            &mut tar,
            &format!("tables/{name}.jsonl"),
            size,
            0o600,
            &mut f,
        )?;
    }
    let gz = tar.into_inner().map_err(io)?;
    let mut buffered = gz.finish().map_err(io)?;
    buffered.flush().map_err(io)?;
    drop(buffered);
    tmp.as_file().sync_all().map_err(io)?;
    let mut digest = Hashing {
        file: std::io::sink(),
        hash: Sha256::new(),
    };
    let mut reread = std::fs::File::open(tmp.path()).map_err(io)?;
    std::io::copy(&mut reread, &mut digest).map_err(io)?;
    let digest = digest.hash;
    tmp.persist_noclobber(out)
        .map_err(|e| Error::io(out, e.error))?;
    if let Ok(d) = std::fs::File::open(parent) {
        let _ = d.sync_all();
    }
    Ok(hex::encode(digest.finalize()))
}

/// A backup read and checked: its manifest and where its members were put.
pub(super) struct Unpacked {
    pub(super) manifest: Manifest,
    /// Where each table's rows were put.
    pub(super) tables: BTreeMap<String, PathBuf>,
}

fn corrupt(what: impl std::fmt::Display) -> Error {
    Error::Corrupt(format!(
        "the backup file is damaged or not a backup: {what}"
    ))
}

/// Reads the backup `from`: its manifest, whose signature must verify with the audit
/// key it names, then each member, copied into `staging` (files) or `tables` (rows)
/// and checked against the manifest's digest. Anything missing, extra, or different
/// is refused.
pub(super) fn read(
    from: &Path,
    staging: &Path,
    tables_dir: &Path,
    audit_public_key: Option<&str>,
) -> Result<Unpacked> {
    let file = std::fs::File::open(from).map_err(|e| Error::io(from, e))?;
    let mut archive =
        tar::Archive::new(flate2::read::GzDecoder::new(std::io::BufReader::new(file)));
    let mut entries = archive.entries().map_err(corrupt)?;
    let mut small = |want: &str| -> Result<Vec<u8>> {
        let mut e = entries
            .next()
            .ok_or_else(|| corrupt(format!("it ends before its {want}")))?
            .map_err(corrupt)?;
        let name = e.path().map_err(corrupt)?.to_string_lossy().into_owned();
        if name != want || e.size() > MAX_MANIFEST {
            return Err(corrupt(format!("`{name}` where its {want} should be")));
        }
        let mut buf = Vec::new();
        e.read_to_end(&mut buf).map_err(corrupt)?;
        Ok(buf)
    };
    let text = small("manifest.json")?;
    let signature = small("manifest.sig")?;
    let manifest: Manifest =
        serde_json::from_slice(&text).map_err(|e| corrupt(format!("its manifest: {e}")))?;
    if manifest.format != FORMAT {
        return Err(Error::Directory(format!(
            "the backup is in format `{}`; this inkan reads `{FORMAT}`",
            manifest.format
        )));
    }
    if let Some(want) = audit_public_key
        && !want.trim().eq_ignore_ascii_case(&manifest.audit_public_key)
    {
        return Err(Error::Corrupt(format!(
            "the backup is signed by audit key {}, not by this CA's ({}): it is not this CA's backup",
            manifest.audit_public_key,
            want.trim()
        )));
    }
    let key = hex::decode(&manifest.audit_public_key).map_err(corrupt)?;
    if !crate::audit::manifest_signed(&key, &text, &signature) {
        return Err(corrupt(
            "its manifest's signature does not verify with the audit key it names",
        ));
    }
    let mut seen_files = BTreeSet::new();
    let mut tables = BTreeMap::new();
    for entry in entries {
        let mut e = entry.map_err(corrupt)?;
        if e.header().entry_type() != tar::EntryType::Regular {
            return Err(corrupt("a member that is not a plain file"));
        }
        let name = e.path().map_err(corrupt)?.to_string_lossy().into_owned();
        let (dest, want) = if let Some(rel) = name.strip_prefix("files/") {
            let want = manifest
                .files
                .get(rel)
                .ok_or_else(|| corrupt(format!("`{name}` is not in its manifest")))?;
            let dest = staging.join(safe_relative(rel)?);
            if !seen_files.insert(rel.to_string()) {
                return Err(corrupt(format!("`{name}` twice")));
            }
            if let Some(p) = dest.parent() {
                std::fs::create_dir_all(p).map_err(|e| Error::io(p, e))?;
            }
            (dest, want.clone())
        } else if let Some(table) = name
            .strip_prefix("tables/")
            .and_then(|t| t.strip_suffix(".jsonl"))
        {
            let want = manifest
                .tables
                .get(table)
                .ok_or_else(|| corrupt(format!("`{name}` is not in its manifest")))?;
            if !crate::sql::is_identifier(table) || tables.contains_key(table) {
                return Err(corrupt(format!("`{name}`")));
            }
            let dest = tables_dir.join(format!("{table}.jsonl"));
            tables.insert(table.to_string(), dest.clone());
            (dest, want.sha256.clone())
        } else {
            return Err(corrupt(format!("`{name}` is not a member a backup has")));
        };
        let mode = e.header().mode().map_err(corrupt)? & 0o644;
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut opts, mode);
        let out = opts.open(&dest).map_err(|e| Error::io(&dest, e))?;
        let mut w = Hashing {
            file: std::io::BufWriter::new(out),
            hash: Sha256::new(),
        };
        std::io::copy(&mut e, &mut w).map_err(corrupt)?;
        w.flush().map_err(|e| Error::io(&dest, e))?;
        w.file
            .get_ref()
            .sync_all()
            .map_err(|e| Error::io(&dest, e))?;
        if hex::encode(w.hash.finalize()) != want {
            return Err(corrupt(format!("`{name}` is not what its manifest says")));
        }
    }
    if let Some(missing) = manifest.files.keys().find(|f| !seen_files.contains(*f)) {
        return Err(corrupt(format!("it lacks `files/{missing}`")));
    }
    if let Some(missing) = manifest.tables.keys().find(|t| !tables.contains_key(*t)) {
        return Err(corrupt(format!("it lacks `tables/{missing}.jsonl`")));
    }
    Ok(Unpacked { manifest, tables })
}

/// `rel` as a path that stays inside the directory it is joined to.
fn safe_relative(rel: &str) -> Result<PathBuf> {
    let path = Path::new(rel);
    if rel.is_empty() || !path.components().all(|c| matches!(c, Component::Normal(_))) {
        return Err(corrupt(format!(
            "`{rel}` would be written outside the directory"
        )));
    }
    Ok(path.to_path_buf())
}

/// Streams the rows of one table's member, decoded.
pub(super) fn rows(
    path: &Path,
    each: &mut dyn FnMut(Vec<crate::sql::Value>) -> Result<()>,
) -> Result<u64> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut n = 0;
    for line in std::io::BufReader::new(file).lines() {
        let line = line.map_err(|e| Error::io(path, e))?;
        let values: Vec<serde_json::Value> =
            serde_json::from_str(&line).map_err(|e| corrupt(format!("a row: {e}")))?;
        each(
            values
                .into_iter()
                .map(super::manifest::decode)
                .collect::<Result<_>>()?,
        )?;
        n += 1;
    }
    Ok(n)
}
