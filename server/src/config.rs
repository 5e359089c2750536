//! Server configuration: `inkan.toml` in the CA directory (optional), then
//! environment variables (`INKAN_LISTEN`, `INKAN_PUBLIC_URL`, `INKAN_SMTP_HOST`,
//! `INKAN_SMTP_PORT`, `INKAN_MAIL_FROM`, `INKAN_BACKUP_DIR`), then defaults.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// Everything `inkan serve` is told.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// The CA directory (set from the command line).
    #[serde(skip)]
    pub dir: PathBuf,
    /// Where the CA keeps its state: `sqlite` (the directory's `ca.sqlite`, the
    /// default) or `postgres://user@host/database`. Read by every command that opens
    /// the directory, so servers and the CLI agree; written by `inkan init --store`.
    pub store: Option<String>,
    /// Address to listen on.
    pub listen: SocketAddr,
    /// The URL people reach the server at, for links in e-mail; empty: `http://` and
    /// the address the server listens on (see [`Config::public_url_for`]).
    pub public_url: String,
    /// SMTP relay host; without one, mail waits in the outbox.
    pub smtp_host: Option<String>,
    /// SMTP relay port.
    pub smtp_port: u16,
    /// Sender address.
    pub mail_from: String,
    /// Minutes a staff session lasts.
    pub session_minutes: i64,
    /// Largest request body, in bytes.
    pub max_body_bytes: usize,
    /// Seconds before a request times out.
    pub request_timeout_seconds: u64,
    /// Seconds a client has to send a request's headers before its connection is
    /// closed (slow clients holding connections open).
    pub header_timeout_seconds: u64,
    /// Seconds between scheduler ticks.
    pub tick_seconds: u64,
    /// Connections served at once; one more is answered 503 and closed.
    pub max_connections: usize,
    /// Requests one client address may send at once to the endpoints a stranger can
    /// reach with a guess (staff login, enrollment, revocation confirmation, share
    /// entry); 0 turns the limit off.
    pub rate_limit_burst: u32,
    /// Seconds in which a client earns one more such request after its burst.
    pub rate_limit_refill_seconds: u64,
    /// Where the scheduled backups go, when the policy has a `backup` schedule (the
    /// server refuses to start without it then). Another disk, or a mount that is
    /// copied off the machine.
    pub backup_dir: Option<PathBuf>,
    /// The SHA-256 (hex) of the bearer token `/metrics` asks for. Unset, `/metrics`
    /// answers loopback clients only; set, it answers whoever presents the token and
    /// no one else, loopback included (behind a reverse proxy every client looks like
    /// loopback). Only the hash is kept: the token is a secret.
    pub metrics_token_sha256: Option<String>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            dir: PathBuf::new(),
            store: None,
            listen: SocketAddr::from(([127, 0, 0, 1], 8443)),
            public_url: String::new(),
            smtp_host: None,
            smtp_port: 25,
            mail_from: "ca@localhost".into(),
            session_minutes: 60,
            max_body_bytes: 64 * 1024,
            request_timeout_seconds: 30,
            header_timeout_seconds: 10,
            tick_seconds: 60,
            max_connections: 1024,
            rate_limit_burst: 20,
            rate_limit_refill_seconds: 3,
            backup_dir: None,
            metrics_token_sha256: None,
        }
    }
}

/// What can go wrong reading the configuration.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// File.
        path: PathBuf,
        /// Cause.
        source: std::io::Error,
    },
    /// The file is not valid configuration.
    #[error("{path}: {message}")]
    Parse {
        /// File.
        path: PathBuf,
        /// What toml said.
        message: String,
    },
    /// An environment variable has a bad value.
    #[error("{name}: {message}")]
    Env {
        /// Variable.
        name: &'static str,
        /// What is wrong.
        message: String,
    },
}

impl Config {
    /// The URL for e-mailed links when the server listens on `bound`: the configured
    /// one, else `http://` and the bound address (the loopback address for one bound
    /// on every interface, which the caller should warn about).
    pub fn public_url_for(&self, bound: SocketAddr) -> String {
        if !self.public_url.is_empty() {
            return self.public_url.trim_end_matches('/').to_string();
        }
        let mut at = bound;
        if at.ip().is_unspecified() {
            at.set_ip(if at.is_ipv4() {
                std::net::Ipv4Addr::LOCALHOST.into()
            } else {
                std::net::Ipv6Addr::LOCALHOST.into()
            });
        }
        format!("http://{at}")
    }

    /// Reads `dir/inkan.toml` if present, then the environment.
    pub fn load(dir: &Path) -> Result<Self, ConfigError> {
        let path = dir.join("inkan.toml");
        let mut config = if path.exists() {
            let text = std::fs::read_to_string(&path).map_err(|source| ConfigError::Read {
                path: path.clone(),
                source,
            })?;
            toml::from_str(&text).map_err(|e| ConfigError::Parse {
                path: path.clone(),
                message: e.to_string(),
            })?
        } else {
            Config::default()
        };
        config.dir = dir.to_path_buf();
        if let Ok(v) = std::env::var("INKAN_LISTEN") {
            config.listen = v.parse().map_err(|e| ConfigError::Env {
                name: "INKAN_LISTEN",
                message: format!("{e}"),
            })?;
        }
        if let Ok(v) = std::env::var("INKAN_PUBLIC_URL") {
            config.public_url = v;
        }
        if let Ok(v) = std::env::var("INKAN_SMTP_HOST") {
            config.smtp_host = Some(v);
        }
        if let Ok(v) = std::env::var("INKAN_SMTP_PORT") {
            config.smtp_port = v.parse().map_err(|e| ConfigError::Env {
                name: "INKAN_SMTP_PORT",
                message: format!("{e}"),
            })?;
        }
        if let Ok(v) = std::env::var("INKAN_MAIL_FROM") {
            config.mail_from = v;
        }
        if let Ok(v) = std::env::var("INKAN_BACKUP_DIR") {
            config.backup_dir = Some(PathBuf::from(v));
        }
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_public_url_is_the_configured_one_else_the_bound_address() {
        let mut c = Config::default();
        let at = |s: &str| s.parse::<SocketAddr>().unwrap();
        assert_eq!(
            c.public_url_for(at("10.0.0.5:8443")),
            "http://10.0.0.5:8443"
        );
        assert_eq!(
            c.public_url_for(at("0.0.0.0:9000")),
            "http://127.0.0.1:9000"
        );
        assert_eq!(c.public_url_for(at("[::]:9000")), "http://[::1]:9000");
        c.public_url = "https://ca.example.jp/".into();
        assert_eq!(
            c.public_url_for(at("0.0.0.0:9000")),
            "https://ca.example.jp"
        );
    }
}
