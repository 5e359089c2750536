//! The files of a CA directory that hold keys: private files written once (mode
//! 0600, synced), and PKCS #8 documents encrypted under the activation secret.

use std::path::Path;

use crate::error::{Error, Result};

/// The embedded store's file.
pub(super) const DB: &str = "ca.sqlite";
/// The directory's configuration.
pub(super) const CONFIG: &str = "inkan.toml";
/// The encrypted audit key, under `keys/`.
pub(super) const AUDIT_KEY: &str = "audit.key";

/// Encrypts a PKCS #8 key document with the activation secret (PBES2: scrypt,
/// AES-256-CBC).
pub(super) fn encrypt_key(pkcs8_der: &[u8], secret: &str) -> Result<Vec<u8>> {
    let info = pkcs8::PrivateKeyInfoRef::try_from(pkcs8_der)
        .map_err(|e| Error::Encoding(e.to_string()))?;
    Ok(info
        .encrypt(secret)
        .map_err(|e| Error::Encoding(e.to_string()))?
        .as_bytes()
        .to_vec())
}

/// Decrypts what [`encrypt_key`] made.
pub(super) fn decrypt_key(der: &[u8], secret: &str) -> Result<zeroize::Zeroizing<Vec<u8>>> {
    let info = pkcs8::EncryptedPrivateKeyInfoRef::try_from(der)
        .map_err(|e| Error::Encoding(e.to_string()))?;
    let doc = info
        .decrypt(secret)
        .map_err(|_| Error::Activation("the shares do not decrypt the audit key".into()))?;
    Ok(zeroize::Zeroizing::new(doc.as_bytes().to_vec()))
}

/// Writes a new private file (mode 0600) and syncs it.
pub(super) fn write_private_bytes(path: &Path, contents: &[u8]) -> Result<()> {
    use std::io::Write as _;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    let mut f = opts.open(path).map_err(|e| io(path, e))?;
    f.write_all(contents).map_err(|e| io(path, e))?;
    f.sync_all().map_err(|e| io(path, e))
}

/// A directory error naming the file.
pub(super) fn io(path: &Path, e: std::io::Error) -> Error {
    Error::io(path, e)
}

/// Writes a new private file (mode 0600) and syncs it.
pub(super) fn write_private(path: &Path, contents: &str) -> Result<()> {
    write_private_bytes(path, contents.as_bytes())
}
