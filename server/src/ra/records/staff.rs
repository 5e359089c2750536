//! Staff accounts and sessions (R-5.2-RA-ROLES, R-5.2-SEPARATION,
//! R-5.2-OPERATOR-AUTH): one role per person, argon2id passwords, every login audited
//! (never with its password), sessions as hashed random tokens.

use inkan_runtime::args;
use inkan_runtime::calendar::Timestamp;
use inkan_runtime::sql::SqlError;

use super::Ra;
use crate::ra::error::{RaError, Result};
use crate::ra::model::Staff;
use crate::ra::secrets::{dummy_hash, hash_password, random_token, token_hash, verify_password};

impl Ra {
    /// Adds a staff account. A person holds one role: a second account for the same
    /// person is refused.
    pub fn add_staff(
        &mut self,
        login: &str,
        person: &str,
        role: &str,
        password: &str,
        now: Timestamp,
        actor: &str,
    ) -> Result<(), RaError> {
        if !self.policy.ra_roles.iter().any(|r| r.name == role) {
            let roles: Vec<&str> = self.policy.ra_roles.iter().map(|r| r.name).collect();
            return Err(RaError::malformed(format!(
                "unknown role `{role}`; the policy's roles are {}",
                roles.join(", ")
            )));
        }
        if password.chars().count() < 12 {
            return Err(RaError::malformed(
                "a staff password needs at least 12 characters",
            ));
        }
        let hash = hash_password(password)?;
        let a = self.audited(
            now,
            actor,
            "ra-operation",
            &[("operation", "add-staff"), ("login", login), ("role", role)],
        );
        self.tx(|tx| {
            let r = tx.execute(
                "INSERT INTO ra_staff (login, person, role, password_hash, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                args![login, person, role, &hash, now.unix()],
            );
            match r {
                Ok(_) => Ok(((), vec![a])),
                Err(e) if e.constraint().is_some_and(|c| c.contains("person")) => Err(RaError::conflict(format!(
                    "{person} already holds an RA role; one person holds one role (R-5.2-SEPARATION)"
                ))),
                Err(e) if e.constraint().is_some() => Err(RaError::conflict(format!("login `{login}` exists"))),
                Err(e) => Err(e.into()),
            }
        })
    }

    /// Checks a password; on success opens a session and returns its token. Every
    /// attempt is audited, never with the password.
    pub fn login(
        &mut self,
        login: &str,
        password: &str,
        now: Timestamp,
        ttl_minutes: i64,
    ) -> Result<(String, Staff), RaError> {
        let row: Option<(String, String)> = self
            .row(
                "SELECT role, password_hash FROM ra_staff WHERE login = ?1",
                args![login],
            )?
            .map(|r| Ok::<_, SqlError>((r.get(0)?, r.get(1)?)))
            .transpose()
            .map_err(RaError::from)?;
        // Hash even for unknown logins, so timing does not tell which logins exist.
        let ok = match &row {
            Some((_, hash)) => verify_password(password, hash),
            None => {
                let _ = verify_password(password, dummy_hash());
                false
            }
        };
        let Some((role, _)) = row.filter(|_| ok) else {
            self.audit(now, login, "ra-login", &[("outcome", "failed")])?;
            return Err(RaError::unauthenticated("wrong login or password"));
        };
        let token = random_token(16)?;
        let expires = now.unix() + ttl_minutes * 60;
        let a = self.audited(
            now,
            login,
            "ra-login",
            &[("outcome", "ok"), ("role", &role)],
        );
        let hash = token_hash(&token);
        self.tx(|tx| {
            tx.execute(
                "INSERT INTO ra_sessions (token_hash, login, expires_at) VALUES (?1, ?2, ?3)",
                args![&hash, login, expires],
            )
            .map_err(RaError::from)?;
            Ok(((), vec![a]))
        })?;
        Ok((
            token,
            Staff {
                login: login.to_string(),
                role,
            },
        ))
    }

    /// The staff member a session token belongs to, if it is valid now.
    pub fn session(&self, token: &str, now: Timestamp) -> Result<Option<Staff>, RaError> {
        self.row(
            "SELECT s.login, s.role FROM ra_sessions x JOIN ra_staff s ON s.login = x.login WHERE x.token_hash = ?1 AND x.expires_at > ?2",
            args![&token_hash(token), now.unix()],
        )?
        .map(|r| Ok::<_, SqlError>(Staff { login: r.get(0)?, role: r.get(1)? }))
        .transpose()
        .map_err(RaError::from)
    }

    /// Ends a session.
    pub fn logout(&mut self, token: &str) -> Result<(), RaError> {
        self.execute(
            "DELETE FROM ra_sessions WHERE token_hash = ?1",
            args![&token_hash(token)],
        )?;
        Ok(())
    }

    /// The logins of the roles whose actions the policy has reviewed afterwards
    /// (R-5.2-DUAL-CHECK: the operator's, by the supervisor).
    pub fn reviewed_logins(&self) -> Result<Vec<String>, RaError> {
        let mut logins = Vec::new();
        for role in self.policy.reviewed_roles {
            logins.extend(self.rows(
                "SELECT login FROM ra_staff WHERE role = ?1 ORDER BY login",
                args![*role],
                |r| r.get(0),
            )?);
        }
        Ok(logins)
    }
}
