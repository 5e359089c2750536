//! What a backup says it holds ([`Manifest`], signed by the audit key) and how it
//! keeps a database value in JSON.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::sql::Value;

/// What a backup file says it holds, signed by the audit key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// [`FORMAT`].
    pub format: String,
    /// When the snapshot was taken (Unix seconds).
    pub created_at: i64,
    /// The policy's id.
    pub policy: String,
    /// The SHA-256 of the policy text the backing-up binary enforced.
    pub policy_sha256: String,
    /// The store it was read from: `sqlite` or `postgres`.
    pub store: String,
    /// The audit key's public half (hex), which signs this manifest.
    pub audit_public_key: String,
    /// The last audit entry in the snapshot.
    pub audit_head: Head,
    /// The newest CRL number of each issuer in the snapshot.
    pub crl_numbers: BTreeMap<String, u64>,
    /// The newest schema migration of each component.
    pub migrations: BTreeMap<String, i64>,
    /// Each table's columns, rows and digest.
    pub tables: BTreeMap<String, Table>,
    /// Each file's path in the directory and its SHA-256 (hex).
    pub files: BTreeMap<String, String>,
}

/// The audit chain's last entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Head {
    /// Its sequence number (0 for an empty log).
    pub seq: u64,
    /// Its hash (hex).
    pub hash: String,
}

/// One table in a backup.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Table {
    /// Its columns, in the order of each row's values.
    pub columns: Vec<String>,
    /// How many rows.
    pub rows: u64,
    /// SHA-256 (hex) of its member.
    pub sha256: String,
}

/// The format this code writes and reads.
pub const FORMAT: &str = "inkan-backup/1";

/// The migrations' own table: made by the restore's migrations, never loaded.
pub(crate) const SCHEMA_TABLE: &str = "schema_migrations";

/// One value as a backup keeps it: JSON null, integer, string, or `{"hex": ...}` bytes.
pub(crate) fn encode(v: &Value) -> serde_json::Value {
    match v {
        Value::Null => serde_json::Value::Null,
        Value::Int(i) => serde_json::Value::from(*i),
        Value::Text(t) => serde_json::Value::from(t.as_str()),
        Value::Blob(b) => serde_json::json!({ "hex": hex::encode(b) }),
    }
}

/// What [`encode`] made, back.
pub(crate) fn decode(j: serde_json::Value) -> Result<Value> {
    Ok(match j {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Number(n) => Value::Int(n.as_i64().ok_or_else(|| {
            Error::Corrupt(format!(
                "the backup holds a value {n} that is not an integer"
            ))
        })?),
        serde_json::Value::String(s) => Value::Text(s),
        serde_json::Value::Object(o) if o.len() == 1 => match o.get("hex") {
            Some(serde_json::Value::String(h)) => Value::Blob(
                hex::decode(h)
                    .map_err(|e| Error::Corrupt(format!("the backup holds bad bytes: {e}")))?,
            ),
            _ => {
                return Err(Error::Corrupt(
                    "the backup holds a value of no known kind".into(),
                ));
            }
        },
        other => {
            return Err(Error::Corrupt(format!(
                "the backup holds a value of no known kind: {other}"
            )));
        }
    })
}
