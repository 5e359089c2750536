//! One-time passwords at enrollment (R-4.2-PASSWORD): redeemed once by one
//! conditional update (a batch's claims in one commit), wrong guesses counted towards a lockout, given back when
//! issuance fails; the issued certificate linked to its holder, and its first download
//! recorded as the receipt (R-4.4-RECEIPT).

use inkan_runtime::args;
use inkan_runtime::audit::{Audited, Event};
use inkan_runtime::calendar::Timestamp;
use inkan_runtime::sql::{Cast, Param, SqlError, placeholders};
use inkan_runtime::store::append_audit;

use super::Ra;
use crate::ra::error::{RaError, Result};
use crate::ra::secrets::{constant_time_eq, random_token, token_hash};

/// A claim's holder: (holder id, developer, person), as the store has them.
pub type Claimed = (i64, String, String);

/// A password found, right and acceptable, not yet claimed.
struct Acceptable {
    holder: Claimed,
    /// `password:<holder id>`, the audit log's actor.
    actor: String,
}

/// Every refusal of a password says the same, whatever the reason (the audit log
/// has it).
fn refused() -> RaError {
    RaError::unauthenticated("the password is wrong, used, expired or locked (R-4.2-PASSWORD)")
}

impl Ra {
    /// Redeems one-time passwords (R-4.2-PASSWORD): single use, unexpired, not locked;
    /// a wrong one counts towards the lockout. One answer per password, in order: the
    /// holder (id, developer, person), or why it was refused. The batch's holders are
    /// looked up together; each password is checked on its own (a refusal audited in a
    /// commit of its own); the acceptable ones are claimed together in one commit, with
    /// an audit entry each, claimed or not. Every step is a statement per chunk of the
    /// batch, not per password: on PostgreSQL each statement is a round trip.
    pub fn redeem_many(&mut self, passwords: &[&str], now: Timestamp) -> Vec<Result<Claimed>> {
        let looked_up = self
            .password_rules()
            .and_then(|rules| Ok((rules, self.holders_of(passwords)?)));
        let (rules, found) = match looked_up {
            Ok(both) => both,
            Err(e) => {
                let shared = e.shared();
                return passwords
                    .iter()
                    .map(|_| Err(RaError::Shared(shared.clone())))
                    .collect();
            }
        };
        let mut answers: Vec<Option<Result<Claimed>>> = passwords.iter().map(|_| None).collect();
        let mut acceptable = Vec::new();
        for (i, (password, found)) in passwords.iter().zip(found).enumerate() {
            match self.acceptable(password, found, now, rules) {
                Ok(a) => acceptable.push((i, a)),
                Err(e) => answers[i] = Some(Err(e)),
            }
        }
        if !acceptable.is_empty() {
            self.claim(acceptable, now, rules, &mut answers);
        }
        answers
            .into_iter()
            .map(|a| a.unwrap_or_else(|| Err(RaError::internal("the password got no answer"))))
            .collect()
    }

    /// Claims the acceptable passwords in one commit, each one's answer in `answers`.
    /// A password not claimed there (the same one twice in the batch, another server
    /// first, or locked or voided since its lookup, by a wrong guess later in the same
    /// batch say) is refused, and its audit entry committed durably, as every other
    /// refusal is, before anyone is answered.
    fn claim(
        &mut self,
        mut acceptable: Vec<(usize, Acceptable)>,
        now: Timestamp,
        rules: inkan_runtime::policy::PasswordRules,
        answers: &mut [Option<Result<Claimed>>],
    ) {
        let max_failures = i64::from(rules.attempts);
        let void_on_removal = rules.void_when_developer_removed;
        // Rows in one order on every server (ascending ids, each chunk's rows locked in
        // that order before its update), so two batches cannot deadlock.
        acceptable.sort_by_key(|(_, a)| a.holder.0);
        // The claims: exactly one caller, on any server, moves a holder's used_at from
        // NULL. They need not reach the disk on their own: the certificates' pending
        // records commit durably before anything is signed and carry this commit with
        // them. A claim (and its audit entry) lost to a power cut was followed by no
        // signature; the password is simply unused again.
        let policy = self.policy;
        let audited = |a: &Acceptable, details: &[(&str, &str)]| {
            Audited::new(
                policy,
                Event::new(now, &a.actor, "certificate-application", details),
            )
        };
        let claimed = self.db.write_relaxed(|tx| {
            // One conditional update per chunk of holders; the ones it returns are
            // claimed. A holder twice in the batch is claimed for its first password.
            let ids: Vec<i64> = acceptable.iter().map(|(_, a)| a.holder.0).collect();
            let mut won = std::collections::HashSet::new();
            for rows in tx.row_chunks(ids.len()) {
                let chunk = &ids[rows];
                let mut params = vec![
                    Param::Int(now.unix()),
                    Param::Int(max_failures),
                    Param::from(void_on_removal),
                ];
                params.extend(chunk.iter().map(|id| Param::Int(*id)));
                let text = format!(
                    "UPDATE holders SET used_at = ?1 WHERE {} AND used_at IS NULL AND failures < ?2 AND expires_at > ?1 AND (?3 = 0 OR EXISTS (SELECT 1 FROM applications a JOIN developers d ON d.number = a.developer WHERE a.id = holders.application AND d.status = 'listed')) RETURNING id",
                    tx.in_locked_order("holders", "id", 4, chunk.len())
                );
                for row in tx.query(&text, &params).map_err(RaError::from)? {
                    won.insert(row.get::<i64>(0).map_err(RaError::from)?);
                }
            }
            let mut claimed = Vec::with_capacity(acceptable.len());
            let mut entries = Vec::with_capacity(acceptable.len());
            for (_, a) in &acceptable {
                let won = won.remove(&a.holder.0);
                if won {
                    let (_, developer, person) = &a.holder;
                    entries.push(audited(
                        a,
                        &[
                            ("outcome", "password accepted"),
                            ("developer", developer),
                            ("person", person),
                        ],
                    ));
                }
                claimed.push(won);
            }
            append_audit(tx, &entries).map_err(RaError::from)?;
            Ok::<_, RaError>(claimed)
        });
        let claimed = match claimed {
            Ok(claimed) => claimed,
            Err(e) => {
                let shared = e.shared();
                for (i, _) in acceptable {
                    answers[i] = Some(Err(RaError::Shared(shared.clone())));
                }
                return;
            }
        };
        let lost: Vec<Audited> = acceptable
            .iter()
            .zip(&claimed)
            .filter(|(_, won)| !**won)
            .map(|((_, a), _)| audited(a, &[("outcome", "used, locked or void by then")]))
            .collect();
        let refusal = if lost.is_empty() {
            Ok(())
        } else {
            self.tx(|_| Ok(((), lost))).map_err(RaError::shared)
        };
        for ((i, a), won) in acceptable.into_iter().zip(claimed) {
            answers[i] = Some(match (won, &refusal) {
                (true, _) => Ok(a.holder),
                (false, Ok(())) => Err(refused()),
                (false, Err(e)) => Err(RaError::Shared(e.clone())),
            });
        }
    }

    /// Each password's holder, if any: the batch's handles (the part of a password
    /// before its `-`) looked up together, a statement per chunk.
    fn holders_of(&self, passwords: &[&str]) -> Result<Vec<Option<HolderRow>>> {
        // Only a handle of the shape the RA makes (or a legacy row id) is looked up: a
        // stranger's text goes into the batch's one query, and one that the database
        // refuses (PostgreSQL refuses a NUL in text) must not fail everyone else's.
        let handles: Vec<Option<&str>> = passwords
            .iter()
            .map(|p| p.split_once('-').map(|(handle, _)| handle))
            .map(|h| h.filter(|h| is_handle(h)))
            .collect();
        let wanted: Vec<&str> = handles.iter().flatten().copied().collect();
        let mut by_handle = std::collections::HashMap::new();
        for rows in self.db.row_chunks(wanted.len()) {
            let chunk = &wanted[rows];
            let params: Vec<Param<'_>> = chunk.iter().map(|h| Param::Text(h)).collect();
            let text = format!(
                "SELECT {HOLDER}, h.password_handle {HOLDER_FROM} WHERE h.password_handle IN {}",
                placeholders(1, chunk.len())
            );
            for (handle, row) in self.rows(&text, &params, |r| {
                Ok((r.get::<String>(8)?, holder_row(r)?))
            })? {
                by_handle.insert(handle, row);
            }
        }
        handles
            .into_iter()
            .map(|handle| match handle {
                None => Ok(None),
                Some(h) => match by_handle.get(h) {
                    Some(row) => Ok(Some(row.clone())),
                    None => self.holder_by_id(h),
                },
            })
            .collect()
    }

    /// A password made before handles (migration 6) is named by its row id until it
    /// expires.
    fn holder_by_id(&self, handle: &str) -> Result<Option<HolderRow>> {
        let Ok(id) = handle.parse::<i64>() else {
            return Ok(None);
        };
        self.row(
            &format!("SELECT {HOLDER} {HOLDER_FROM} WHERE h.id = ?1 AND h.password_handle IS NULL"),
            args![id],
        )?
        .map(|r| holder_row(&r))
        .transpose()
        .map_err(RaError::from)
    }

    /// Checks that `password`, whose holder's row is `row` if one was found, may be
    /// claimed now; a wrong password counts towards the lockout, and every refusal is
    /// audited.
    fn acceptable(
        &mut self,
        password: &str,
        row: Option<HolderRow>,
        now: Timestamp,
        rules: inkan_runtime::policy::PasswordRules,
    ) -> Result<Acceptable> {
        let max_failures = i64::from(rules.attempts);
        let void_on_removal = rules.void_when_developer_removed;
        password.split_once('-').ok_or_else(refused)?;
        let Some((hid, Some(hash), Some(expires), failures, used, developer, person, status)) = row
        else {
            self.audit(
                now,
                "subscriber",
                "certificate-application",
                &[("outcome", "unknown password")],
            )?;
            return Err(refused());
        };
        let actor = format!("password:{hid}");
        let matches = constant_time_eq(&hash, &token_hash(password));
        if !matches {
            // The count the audit entry gives is the update's own, so two wrong
            // guesses at once (one batch, or two servers) are each counted.
            let policy = self.policy;
            self.tx(|tx| {
                let failures: i64 = tx
                    .query_opt(
                        "UPDATE holders SET failures = failures + 1 WHERE id = ?1 RETURNING failures",
                        args![hid],
                    )
                    .map_err(RaError::from)?
                    .map(|r| r.get(0))
                    .transpose()
                    .map_err(RaError::from)?
                    .unwrap_or(failures + 1);
                let event = Event::new(
                    now,
                    &actor,
                    "certificate-application",
                    &[
                        ("outcome", "wrong password"),
                        ("failures", &failures.to_string()),
                    ],
                );
                Ok(((), vec![Audited::new(policy, event)]))
            })?;
            return Err(refused());
        }
        let why = if used.is_some() {
            Some("already used")
        } else if expires <= now.unix() {
            Some("expired")
        } else if failures >= max_failures {
            Some("locked after repeated failures")
        } else if void_on_removal && status != "listed" {
            // R-4.11-LEAVE, R-4.1-ELIGIBLE: the policy voids a removed developer's
            // passwords with its certificates.
            Some("void: the developer was removed from the list")
        } else {
            None
        };
        if let Some(why) = why {
            self.audit(now, &actor, "certificate-application", &[("outcome", why)])?;
            return Err(refused());
        }
        Ok(Acceptable {
            holder: (hid, developer, person),
            actor,
        })
    }

    /// Gives a claimed password back (issuance failed after the claim).
    pub fn release(&mut self, hid: i64) -> Result<(), RaError> {
        self.execute(
            "UPDATE holders SET used_at = NULL WHERE id = ?1 AND serial IS NULL",
            args![hid],
        )?;
        Ok(())
    }

    /// [`Ra::issued`] for a batch, in one durable commit; tokens in order. Durable
    /// because it also carries the batch's certificates, committed before it without
    /// a sync of their own (`Completion::WithCallersCommit`, same store): no subscriber
    /// is answered before it returns.
    pub fn issued_many(&mut self, links: &[(i64, &str)]) -> Result<Vec<String>, RaError> {
        let tokens = links
            .iter()
            .map(|_| random_token(16))
            .collect::<Result<Vec<String>>>()?;
        let hashes: Vec<Vec<u8>> = tokens.iter().map(|t| token_hash(t)).collect();
        self.tx(|tx| {
            for rows in tx.row_chunks(links.len()) {
                let params: Vec<Param<'_>> = rows
                    .clone()
                    .flat_map(|k| {
                        let (hid, serial) = links[k];
                        [
                            Param::Int(hid),
                            Param::Text(serial),
                            Param::Blob(&hashes[k]),
                        ]
                    })
                    .collect();
                let text = tx.keyed_update_text(
                    "UPDATE holders SET",
                    "id",
                    &[("serial", Cast::Text), ("download_hash", Cast::Blob)],
                    rows.len(),
                    " RETURNING id",
                );
                let linked = tx
                    .query(&text, &params)
                    .map_err(RaError::from)?
                    .iter()
                    .map(|r| r.get::<i64>(0))
                    .collect::<Result<std::collections::HashSet<i64>, SqlError>>()
                    .map_err(RaError::from)?;
                // A holder gone since its claim (purged from the archive) would leave
                // its certificate without a link: no answer without its link.
                if let Some((hid, serial)) =
                    links[rows].iter().find(|(hid, _)| !linked.contains(hid))
                {
                    return Err(RaError::internal(format!(
                        "holder {hid} is gone: certificate {serial} has no download link"
                    )));
                }
            }
            Ok((tokens, Vec::new()))
        })
    }

    /// Checks a download token; records the first download as receipt (R-4.4-RECEIPT).
    pub fn download(&mut self, serial: &str, token: &str, now: Timestamp) -> Result<(), RaError> {
        let row: Option<(i64, Option<i64>)> = self
            .row(
                "SELECT id, received_at FROM holders WHERE serial = ?1 AND download_hash = ?2",
                args![serial, &token_hash(token)],
            )?
            .map(|r| Ok::<_, SqlError>((r.get(0)?, r.get(1)?)))
            .transpose()
            .map_err(RaError::from)?;
        let (hid, received) = row.ok_or_else(|| RaError::not_found("no such download"))?;
        if received.is_none() {
            let a = self.audited(
                now,
                &format!("password:{hid}"),
                "certificate-received",
                &[("serial", serial)],
            );
            self.tx(|tx| {
                // The first download is the receipt; a second at the same time records nothing.
                let n = tx
                    .execute(
                        "UPDATE holders SET received_at = ?2 WHERE id = ?1 AND received_at IS NULL",
                        args![hid, now.unix()],
                    )
                    .map_err(RaError::from)?;
                Ok(((), if n == 1 { vec![a] } else { Vec::new() }))
            })?;
        }
        Ok(())
    }

    /// When a certificate was received, if it was.
    pub fn received_at(&self, serial: &str) -> Result<Option<i64>, RaError> {
        Ok(self
            .value::<Option<i64>>(
                "SELECT received_at FROM holders WHERE serial = ?1",
                args![serial],
            )?
            .flatten())
    }
}

/// Whether `h` has the shape of a password's handle: the RA's base32 of 64 random bits
/// (13 characters), or the decimal row id that names a password made before handles.
fn is_handle(h: &str) -> bool {
    (1..=20).contains(&h.len())
        && h.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

/// The columns of a [`HolderRow`], and where they come from.
const HOLDER: &str =
    "h.id, h.password_hash, h.expires_at, h.failures, h.used_at, a.developer, h.person, d.status";
const HOLDER_FROM: &str = "FROM holders h JOIN applications a ON a.id = h.application JOIN developers d ON d.number = a.developer";

fn holder_row(r: &inkan_runtime::sql::Row) -> Result<HolderRow, SqlError> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
        r.get(7)?,
    ))
}

/// A holder's password state: its row id, hash, expiry, failures, use, developer,
/// person, and the developer's place on the list.
type HolderRow = (
    i64,
    Option<Vec<u8>>,
    Option<i64>,
    i64,
    Option<i64>,
    String,
    String,
    String,
);
