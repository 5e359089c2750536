//! CRL publication: the next CRL of an issuing CA, its number taken under the
//! issuer's lock, never going back in time, never silently dropping a revocation, and
//! made again when another server published in between.

use super::hooks::crash_point;
use super::open::{Ca, find_authority};
use crate::audit::{Audited, Event};
use crate::calendar::Timestamp;
use crate::error::{Error, Result};

/// A published CRL.
#[derive(Debug, Clone)]
pub struct Published {
    /// cRLNumber.
    pub number: u64,
    /// DER.
    pub der: Vec<u8>,
}

impl Ca {
    /// Generates the next CRL of a CA (the policy's only CRL issuer by default).
    pub fn crl(&mut self, issuer: Option<&str>, now: Timestamp, actor: &str) -> Result<Published> {
        self.ensure_active()?;
        let def = self.policy.definition();
        let profile = match issuer {
            Some(i) => self
                .policy
                .crl(i)
                .ok_or_else(|| Error::Policy(format!("`{i}` has no CRL profile")))?,
            None => match def.crls {
                [one] => one,
                _ => {
                    return Err(Error::Policy(format!(
                        "policy `{}` has {} CRL profiles; name the issuer",
                        def.id,
                        def.crls.len()
                    )));
                }
            },
        };
        if find_authority(&self.authorities, profile.issuer)?
            .validity()
            .is_none_or(|(nb, na)| now < nb || now > na)
        {
            return Err(Error::IssuerNotValid(now.to_string()));
        }
        // Several servers on one database may publish at once. The number and the
        // record are taken under the issuer's lock, but the entries and the continuity
        // check are read before it: if another server published in between, this
        // attempt is dropped unsigned and made again from what the store now holds.
        let mut now = now;
        for _ in 0..3 {
            match self.publish_crl(profile, now, actor) {
                Err(Error::CrlRace) => {
                    // The other server's thisUpdate may be a moment ahead of this clock.
                    if let Some(newest) = self.store.latest_crl_update(profile.issuer)? {
                        now = now.max(newest);
                    }
                }
                other => return other,
            }
        }
        // Other servers kept publishing while this one tried: theirs are out; try again.
        Err(Error::CrlRace)
    }

    /// One attempt at the next CRL of `profile`.
    fn publish_crl(
        &mut self,
        profile: &'static crate::policy::CrlProfile,
        now: Timestamp,
        actor: &str,
    ) -> Result<Published> {
        let def = self.policy.definition();
        // A clock gone backwards would publish a CRL older than the newest one.
        if let Some(previous) = self.store.latest_crl_update(profile.issuer)?
            && now < previous
        {
            let event = Event::new(
                now,
                actor,
                "crl-refused",
                &[
                    ("issuer", profile.issuer),
                    ("reason", "clock behind the newest CRL"),
                    ("newest_this_update", &previous.to_string()),
                ],
            );
            self.store.audit(&[Audited::new(def, event)])?;
            return Err(Error::ClockBehind {
                previous: previous.to_string(),
                now: now.to_string(),
            });
        }
        let entries = crate::crl::Entries::collect(profile, |each| {
            self.store.each_revoked_unexpired(profile.issuer, now, each)
        })?;
        let count = entries.len();
        let previous = self.check_crl_continuity(profile.issuer, &entries, now, actor)?;
        self.hooks.before_crl_number();
        let authority = find_authority(&self.authorities, profile.issuer)?;
        let issuer_name = authority.cert.tbs_certificate().subject().clone();
        let mut entries = Some(entries);
        let crash_points = self.clock_override;
        let (number, der) = self
            .store
            .with_next_crl_number(profile.issuer, &mut |number| {
                if number != previous.map_or(1, |p| p + 1) {
                    return Err(Error::CrlRace);
                }
                let spec = crate::crl::CrlSpec {
                    profile,
                    issuer_profile: authority.profile,
                    issuer: &issuer_name,
                    issuer_key_id: &authority.key_id,
                    number,
                    this_update: now,
                };
                let entries = entries
                    .take()
                    .ok_or(Error::Internal("the CRL's entries were already used"))?;
                let (next, der) = crate::crl::build(&spec, entries, authority.signer.as_ref())?;
                crash_point(crash_points, "crl-signed");
                let event = Event::new(
                    now,
                    actor,
                    "crl-created",
                    &[
                        ("issuer", profile.issuer),
                        ("number", &number.to_string()),
                        ("entries", &count.to_string()),
                        ("next_update", &next.to_string()),
                    ],
                );
                Ok(crate::store::BuiltCrl {
                    this_update: now,
                    next_update: next,
                    der,
                    audit: vec![Audited::new(def, event)],
                })
            })?;
        self.checkpoint(now)?;
        Ok(Published { number, der })
    }

    /// Before a CRL is signed: every serial on the previous CRL whose certificate has
    /// not expired must be on the new one (R-7.2-CRL). A revocation that disappeared
    /// means the store was damaged or edited behind the CA's back; nothing is signed and
    /// the refusal is audited (`crl-refused`) for the operators to investigate.
    ///
    /// Both lists are in serial order, so they are walked side by side without holding
    /// either as a set; a previous CRL out of order (not made by inkan) falls back to a
    /// set of the new serials.
    fn check_crl_continuity(
        &mut self,
        issuer: &str,
        entries: &crate::crl::Entries,
        now: Timestamp,
        actor: &str,
    ) -> Result<Option<u64>> {
        let Some((previous, der)) = self.store.latest_crl(issuer)? else {
            return Ok(None);
        };
        let gone = crate::crl::dropped_serials(&der, entries)
            .map_err(|e| Error::Encoding(format!("the previous CRL ({previous}): {e}")))?;
        let mut missing = Vec::new();
        for serial in gone {
            let expired = self
                .store
                .certificate(&serial)?
                .is_some_and(|r| r.not_after < now);
            if !expired {
                missing.push(serial);
            }
        }
        if missing.is_empty() {
            return Ok(Some(previous));
        }
        let missing = missing.join(", ");
        let event = Event::new(
            now,
            actor,
            "crl-refused",
            &[
                ("issuer", issuer),
                ("previous", &previous.to_string()),
                ("dropped", &missing),
            ],
        );
        self.store
            .audit(&[Audited::new(self.policy.definition(), event)])?;
        Err(Error::CrlWouldDropRevoked { previous, missing })
    }
}

#[cfg(feature = "test-hooks")]
impl Ca {
    /// For tests of several publishers: `pause` runs once, in the next CRL publication,
    /// after its entries and continuity check were read and before it takes a number,
    /// where another server's publication would race it. Only on CAs made with
    /// `--allow-clock-override`; elsewhere refused.
    pub fn pause_before_crl_number(&mut self, pause: impl FnOnce() + Send + 'static) -> Result<()> {
        if !self.clock_override {
            return Err(Error::Policy(
                "test pauses are only for CAs made with --allow-clock-override".into(),
            ));
        }
        self.hooks.crl_pause = Some(Box::new(pause));
        Ok(())
    }
}
