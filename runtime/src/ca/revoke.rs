//! Revocation: one certificate for one of the policy's reasons, or every certificate
//! of a removed developer in one transaction; serial numbers as people type them.

use super::open::Ca;
use crate::audit::{Audited, Event};
use crate::calendar::Timestamp;
use crate::error::{Error, Result};

impl Ca {
    /// Revokes a certificate for one of the policy's reasons (R-4.9-REASONS).
    pub fn revoke(
        &mut self,
        serial: &str,
        reason: &str,
        now: Timestamp,
        actor: &str,
    ) -> Result<()> {
        let def = self.policy.definition();
        let r = self.policy.reason(reason).ok_or_else(|| {
            let names: Vec<&str> = def.reasons.iter().map(|r| r.name).collect();
            Error::Policy(format!(
                "unknown reason `{reason}`; the policy's reasons are {}",
                names.join(", ")
            ))
        })?;
        let serial = normalise_serial(serial)?;
        let record = self
            .store
            .certificate(&serial)?
            .ok_or_else(|| Error::UnknownSerial(serial.clone()))?;
        if record.issuer.is_none() {
            return Err(Error::Policy(
                "a root certificate cannot be revoked on its own CRL".into(),
            ));
        }
        let event = Event::new(
            now,
            actor,
            "certificate-revoked",
            &[
                ("serial", &serial),
                ("reason", r.name),
                ("reason_code", &r.code.to_string()),
                ("subject", &record.subject),
            ],
        );
        self.store
            .revoke(&serial, now, r.name, r.code, &[Audited::new(def, event)])
    }

    /// Revokes every certificate in `serials` in one transaction (R-4.11-LEAVE).
    pub fn revoke_all(
        &mut self,
        serials: &[String],
        reason: &str,
        now: Timestamp,
        actor: &str,
    ) -> Result<()> {
        let def = self.policy.definition();
        let r = self
            .policy
            .reason(reason)
            .ok_or_else(|| Error::Policy(format!("unknown reason `{reason}`")))?;
        let events: Vec<Audited> = serials
            .iter()
            .map(|s| {
                Audited::new(
                    def,
                    Event::new(
                        now,
                        actor,
                        "certificate-revoked",
                        &[
                            ("serial", s),
                            ("reason", r.name),
                            ("reason_code", &r.code.to_string()),
                        ],
                    ),
                )
            })
            .collect();
        self.store
            .revoke_many(serials, now, r.name, r.code, &events)
    }
}

/// Accepts `0A:1B...`, `0a1b...` and `0x0a1b...`; returns lower-case hex.
pub fn normalise_serial(s: &str) -> Result<String> {
    let t: String = s
        .trim()
        .trim_start_matches("0x")
        .chars()
        .filter(|c| *c != ':')
        .collect::<String>()
        .to_ascii_lowercase();
    if t.is_empty() || t.len() > 40 || !t.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(Error::UnknownSerial(format!(
            "`{s}` (expected hexadecimal)"
        )));
    }
    Ok(if t.len() % 2 == 1 { format!("0{t}") } else { t })
}
