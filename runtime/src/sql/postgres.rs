//! The PostgreSQL client's side: connecting (password from the environment, TLS only
//! against the CA the operator names), `?1` placeholders as `$1`, statements prepared
//! once per connection, advisory lock keys, and keeping the client's own runtime off
//! tokio threads.

use std::path::Path;

use postgres::types::ToSql;

use super::error::SqlError;
use super::value::Param;

/// `?1` placeholders as PostgreSQL's `$1` (outside quoted text).
pub(super) fn postgres_text(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut quoted = false;
    for c in sql.chars() {
        match c {
            '\'' => {
                quoted = !quoted;
                out.push(c);
            }
            '?' if !quoted => out.push('$'),
            _ => out.push(c),
        }
    }
    out
}

/// Runs `f` where the PostgreSQL client may block: right here, unless this thread is
/// inside a tokio runtime, where a runtime may not block or be dropped; then on a
/// scoped thread of its own, waited for.
pub(super) fn blocking<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    if tokio::runtime::Handle::try_current().is_err() {
        return f();
    }
    std::thread::scope(|s| match s.spawn(f).join() {
        Ok(v) => v,
        Err(panic) => std::panic::resume_unwind(panic),
    })
}

pub(super) fn postgres_params<'p>(params: &'p [Param<'_>]) -> Vec<&'p (dyn ToSql + Sync)> {
    params.iter().map(|p| p as &(dyn ToSql + Sync)).collect()
}

/// The statements prepared on one PostgreSQL connection, by their text: each is parsed
/// once per connection, then only bound and run (one round trip where an unprepared
/// statement takes two). SQLite's counterpart is rusqlite's `prepare_cached`.
pub(super) type Statements = std::collections::HashMap<String, postgres::Statement>;

/// A PostgreSQL connection and its prepared statements.
pub(super) struct Pg {
    pub(super) client: postgres::Client,
    pub(super) statements: Statements,
}

/// `sql`, prepared on `c` once.
pub(super) fn prepared<C: postgres::GenericClient>(
    c: &mut C,
    statements: &mut Statements,
    sql: &str,
) -> Result<postgres::Statement, postgres::Error> {
    if let Some(s) = statements.get(sql) {
        return Ok(s.clone());
    }
    let s = c.prepare(&postgres_text(sql))?;
    statements.insert(sql.to_string(), s.clone());
    Ok(s)
}

/// A stable 64-bit key for an advisory lock name (FNV-1a).
pub(super) fn lock_key(name: &str) -> i64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in name.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    i64::from_ne_bytes(h.to_ne_bytes())
}

pub(super) fn connect_postgres(url: &str) -> Result<postgres::Client, SqlError> {
    let mut config: postgres::Config = url
        .parse()
        .map_err(|e| SqlError::Config(format!("store URL: {e}")))?;
    if let Ok(password) = std::env::var("INKAN_STORE_PASSWORD") {
        config.password(password);
    }
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(std::time::Duration::from_secs(10));
    }
    config.application_name("inkan");
    // Like SQLite's busy timeout: a lock held longer than this is an unavailable database.
    config.options("-c lock_timeout=10s");
    use postgres::config::SslMode;
    let ca = std::env::var_os("INKAN_STORE_CA");
    match (config.get_ssl_mode(), ca) {
        (SslMode::Disable, _) | (SslMode::Prefer, None) => Ok(config.connect(postgres::NoTls)?),
        (_, None) => Err(SqlError::Config(
            "the store URL asks for TLS: set INKAN_STORE_CA to the PEM file of the CA that signed the database server's certificate"
                .into(),
        )),
        (_, Some(ca)) => {
            // With a CA file TLS is required, never silently dropped, and the server's
            // certificate must chain to that CA and name the host in the URL.
            config.ssl_mode(SslMode::Require);
            let tls = tokio_postgres_rustls::MakeRustlsConnect::new(tls_config(Path::new(&ca))?);
            Ok(config.connect(tls)?)
        }
    }
}

/// A TLS client that trusts only the certificates in the PEM file `ca`.
pub(super) fn tls_config(ca: &Path) -> Result<rustls::ClientConfig, SqlError> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject as _;
    let bad = |e: &dyn std::fmt::Display| {
        SqlError::Config(format!("INKAN_STORE_CA ({}): {e}", ca.display()))
    };
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(ca).map_err(|e| bad(&e))? {
        roots.add(cert.map_err(|e| bad(&e))?).map_err(|e| bad(&e))?;
    }
    if roots.is_empty() {
        return Err(bad(&"no certificate in the file"));
    }
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| bad(&e))?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_become_dollars_outside_quotes() {
        assert_eq!(
            postgres_text("SELECT '?1', x FROM t WHERE a = ?1 AND b = ?12"),
            "SELECT '?1', x FROM t WHERE a = $1 AND b = $12"
        );
    }

    #[test]
    fn lock_keys_are_stable() {
        assert_eq!(lock_key("inkan-audit"), lock_key("inkan-audit"));
        assert_ne!(lock_key("inkan-audit"), lock_key("inkan-crl:ica"));
    }
}
