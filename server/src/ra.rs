//! The registration authority's records, in the CA's database (SQLite or
//! PostgreSQL, [`inkan_runtime::sql`]) beside the CA's own tables: staff and sessions, product developers, application forms and
//! their named certificate holders with one-time passwords, revocation requests,
//! the e-mail outbox and job leases.
//!
//! Every change that R-5.4-RA-EVENTS or R-5.4-CA-EVENTS names is audited in the same
//! transaction (`append_audit`), so a change is never recorded without its entry.
//! Secrets are stored only as hashes: staff passwords with argon2, session tokens,
//! one-time passwords and confirmation tokens (128 random bits each) with SHA-256.

use std::path::Path;

use inkan_runtime::args;
use inkan_runtime::audit::{Audited, Event};
use inkan_runtime::calendar::Timestamp;
use inkan_runtime::policy::PolicyDefinition;
use inkan_runtime::sql::{Db, FromValue, Migration, Param, Row, SqlError, Tx};
use inkan_runtime::store::append_audit;
use sha2::{Digest, Sha256};

use crate::error::ApiError;

/// SHA-256, for high-entropy secrets (tokens and one-time passwords).
pub fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// `n` random bytes from the operating system, as a token: lower-case base32, no padding.
pub fn random_token(bytes: usize) -> Result<String, ApiError> {
    const ALPHABET: &[u8; 32] = b"abcdefghijkmnpqrstuvwxyz23456789";
    let mut raw = vec![0u8; bytes];
    getrandom::fill(&mut raw).map_err(|e| ApiError::internal(format!("no randomness: {e}")))?;
    let mut out = String::new();
    let mut acc = 0u32;
    let mut bits = 0;
    for b in raw {
        acc = (acc << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(ALPHABET[((acc >> bits) & 31) as usize]));
        }
    }
    if bits > 0 {
        out.push(char::from(ALPHABET[((acc << (5 - bits)) & 31) as usize]));
    }
    Ok(out)
}

fn runtime(e: inkan_runtime::Error) -> ApiError {
    ApiError::internal(e.to_string())
}

/// A logged-in staff member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Staff {
    /// Login name.
    pub login: String,
    /// The one role this person holds (R-5.2-SEPARATION).
    pub role: String,
}

/// A product developer, confidential fields included (R-9.3-CONFIDENTIAL).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Developer {
    /// Six-digit developer number.
    pub number: String,
    /// Organisation or individual name.
    pub name: String,
    /// `A` or `B` (R-3.2-CLASSES).
    pub class: String,
    /// `full` or `provisional`.
    pub registration: String,
    /// Whether a provisional registrant may apply (R-4.1-ELIGIBLE).
    #[serde(default)]
    pub permitted: bool,
    /// Applicant manager.
    pub manager_name: String,
    /// Manager's address.
    pub manager_address: String,
    /// Manager's e-mail on file (R-3.2-EMAIL-MATCH).
    pub manager_email: String,
    /// Manager's telephone, for key-compromise confirmation (R-4.9-COMPROMISE).
    pub manager_phone: String,
    /// `listed` or `removed`; set by the RA, not by the request.
    #[serde(default, skip_deserializing)]
    pub status: String,
}

/// An application form's state.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Application {
    /// Id.
    pub id: i64,
    /// Developer number.
    pub developer: String,
    /// `received`, `examined`, `approved`, `rejected`.
    pub status: String,
    /// Who received it.
    pub received_by: String,
    /// Who examined it.
    pub examined_by: Option<String>,
    /// Who decided.
    pub decided_by: Option<String>,
    /// Named holders (person numbers).
    pub holders: Vec<String>,
}

/// A revocation request.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RevocationRequest {
    /// Id.
    pub id: i64,
    /// Certificate serial.
    pub serial: String,
    /// Developer number.
    pub developer: String,
    /// The policy's reason name.
    pub reason: String,
    /// `manager` or `ca`.
    pub requested_by: String,
    /// State.
    pub status: String,
    /// When accepted.
    pub accepted_at: String,
    /// Revocation deadline (R-4.9-DEADLINE).
    pub deadline_at: String,
}

/// The RA's records in the CA's database, beside the CA's tables.
pub struct Ra {
    db: Db,
    policy: &'static PolicyDefinition,
}

/// The RA's records, as handlers and jobs use them. [`Ra`] keeps them in SQLite or
/// PostgreSQL; another store could implement this trait without touching the handlers.
pub trait RaStore: Send {
    /// Audits one event on its own.
    fn audit(
        &mut self,
        at: Timestamp,
        actor: &str,
        event: &'static str,
        details: &[(&str, &str)],
    ) -> Result<(), ApiError>;

    // --- Staff and sessions (R-5.2-RA-ROLES, R-5.2-SEPARATION, R-5.2-OPERATOR-AUTH) ---

    /// Adds a staff account. A person holds one role: a second account for the same
    /// person is refused.
    fn add_staff(
        &mut self,
        login: &str,
        person: &str,
        role: &str,
        password: &str,
        now: Timestamp,
        actor: &str,
    ) -> Result<(), ApiError>;

    /// Checks a password; on success opens a session and returns its token. Every
    /// attempt is audited, never with the password.
    fn login(
        &mut self,
        login: &str,
        password: &str,
        now: Timestamp,
        ttl_minutes: i64,
    ) -> Result<(String, Staff), ApiError>;

    /// The staff member a session token belongs to, if it is valid now.
    fn session(&self, token: &str, now: Timestamp) -> Result<Option<Staff>, ApiError>;

    /// Ends a session.
    fn logout(&mut self, token: &str) -> Result<(), ApiError>;

    // --- Developers (R-3.2-CLASSES, R-4.1-ELIGIBLE, R-9.3-CONFIDENTIAL) ---

    /// Registers a developer.
    fn add_developer(&mut self, d: &Developer, now: Timestamp, actor: &str)
    -> Result<(), ApiError>;

    /// A developer by number.
    fn developer(&self, number: &str) -> Result<Option<Developer>, ApiError>;

    /// Marks a developer removed from the list.
    fn remove_developer(
        &mut self,
        number: &str,
        now: Timestamp,
        actor: &str,
    ) -> Result<(), ApiError>;

    // --- Applications (R-4.2-FLOW, R-5.2-DUAL-CHECK, R-3.2-EMAIL-MATCH) ---

    /// Records a received application form (R-5.4-RA-EVENTS: receipt of each form).
    fn receive_application(
        &mut self,
        developer: &str,
        form_email: &str,
        holders: &[String],
        now: Timestamp,
        actor: &str,
    ) -> Result<i64, ApiError>;

    /// An application.
    fn application(&self, id: i64) -> Result<Application, ApiError>;

    /// The examiner's check.
    fn examine(
        &mut self,
        id: i64,
        accept: bool,
        note: &str,
        now: Timestamp,
        actor: &str,
    ) -> Result<Application, ApiError>;

    /// The supervisor's final check: approval issues one password per holder, returned
    /// once and stored only as a hash. The supervisor must not be the examiner.
    fn decide(
        &mut self,
        id: i64,
        approve: bool,
        now: Timestamp,
        actor: &str,
        otp_days: i64,
    ) -> Result<Vec<(String, String)>, ApiError>;

    /// Redeems a one-time password (R-4.2-PASSWORD): single use, unexpired, not locked;
    /// a wrong one counts towards the lockout. Returns (holder id, developer, person).
    fn redeem(
        &mut self,
        password: &str,
        now: Timestamp,
        max_failures: i64,
    ) -> Result<(i64, String, String), ApiError>;

    /// Gives a claimed password back (issuance failed after the claim).
    fn release(&mut self, hid: i64) -> Result<(), ApiError>;

    /// Links an issued certificate to its holder; returns the download token.
    fn issued(&mut self, hid: i64, serial: &str) -> Result<String, ApiError>;

    /// [`RaStore::issued`] for a batch, in one durable commit; tokens in order.
    fn issued_many(&mut self, links: &[(i64, &str)]) -> Result<Vec<String>, ApiError> {
        links
            .iter()
            .map(|(hid, serial)| self.issued(*hid, serial))
            .collect()
    }

    /// Checks a download token; records the first download as receipt (R-4.4-RECEIPT).
    fn download(&mut self, serial: &str, token: &str, now: Timestamp) -> Result<(), ApiError>;

    /// When a certificate was received, if it was.
    fn received_at(&self, serial: &str) -> Result<Option<i64>, ApiError>;

    // --- Revocation (R-4.9-WHO, R-3.4-REVOKE-CONFIRM, R-4.9-DEADLINE, R-4.9-COMPROMISE) ---

    /// Records an accepted revocation form; returns (id, confirmation token if any).
    #[allow(clippy::too_many_arguments)] // One form's fields.
    fn request_revocation(
        &mut self,
        serial: &str,
        developer: &str,
        reason: &str,
        requested_by: &str,
        confirm: bool,
        deadline: Timestamp,
        now: Timestamp,
        actor: &str,
    ) -> Result<(i64, Option<String>), ApiError>;

    /// The request a confirmation token belongs to, if it still awaits confirmation.
    fn request_by_token(&self, token: &str) -> Result<Option<RevocationRequest>, ApiError>;

    /// A revocation request.
    fn revocation(&self, id: i64) -> Result<RevocationRequest, ApiError>;

    /// Who recorded the first telephone confirmation of a key-compromise request.
    fn phone_confirmed_by(&self, id: i64) -> Result<Option<String>, ApiError>;

    /// Records the first staff member's telephone confirmation.
    fn first_phone_confirmation(
        &mut self,
        id: i64,
        now: Timestamp,
        actor: &str,
    ) -> Result<(), ApiError>;

    /// Marks a request done.
    fn mark_revoked(&mut self, id: i64, now: Timestamp) -> Result<(), ApiError>;

    /// Requests still open past their deadline (R-4.9-DEADLINE).
    fn overdue(&self, now: Timestamp) -> Result<Vec<RevocationRequest>, ApiError>;

    // --- Outbox ---

    /// Queues an e-mail; a delivery task sends it.
    fn queue_mail(
        &mut self,
        to: &str,
        subject: &str,
        body: &str,
        now: Timestamp,
    ) -> Result<(), ApiError>;

    /// Unsent mail, oldest first.
    fn unsent(&self, limit: i64) -> Result<Vec<(i64, String, String, String)>, ApiError>;

    /// Records a delivery attempt.
    fn mail_attempt(
        &mut self,
        id: i64,
        result: Result<(), String>,
        now: Timestamp,
    ) -> Result<(), ApiError>;

    // --- Jobs ---

    /// Takes the lease of a job if it is due and nobody holds it; returns whether taken.
    fn lease_job(
        &mut self,
        name: &str,
        every_seconds: i64,
        owner: &str,
        now: Timestamp,
        lease_seconds: i64,
    ) -> Result<bool, ApiError>;

    /// Records a job run and releases its lease.
    fn finish_job(&mut self, name: &str, now: Timestamp) -> Result<(), ApiError>;

    /// Releases a job's lease without recording a run (it failed; retry soon).
    fn release_job(&mut self, name: &str) -> Result<(), ApiError>;

    /// Whether a setting-like marker exists (used by the renewal job: one notice per year).
    fn once(&mut self, key: &str) -> Result<bool, ApiError>;

    /// Managers of developers with certificates valid into the given fiscal year end.
    fn listed_managers(&self) -> Result<Vec<(String, String)>, ApiError>;

    /// Operator actions for the supervisor's review (R-5.2-DUAL-CHECK).
    fn operator_logins(&self) -> Result<Vec<String>, ApiError>;
}

/// The RA's schema, in both dialects.
pub const MIGRATIONS: &[Migration] = &[Migration {
    version: 1,
    name: "staff, sessions, developers, applications, holders, revocation requests, outbox, jobs",
    sqlite: include_str!("../migrations/sqlite/0001_ra.sql"),
    postgres: include_str!("../migrations/postgres/0001_ra.sql"),
}];

impl Ra {
    /// Opens the RA tables in the CA directory's store (SQLite or PostgreSQL, as the
    /// directory's configuration names it), bringing their schema up to date.
    pub fn open(dir: &Path, policy: &'static PolicyDefinition) -> Result<Self, ApiError> {
        let location = inkan_runtime::ca::store_location(dir).map_err(runtime)?;
        let db = Db::open(&location)?;
        db.migrate("ra", MIGRATIONS)?;
        Ok(Ra { db, policy })
    }

    fn audited(
        &self,
        at: Timestamp,
        actor: &str,
        event: &'static str,
        details: &[(&str, &str)],
    ) -> Audited {
        Audited::new(self.policy, Event::new(at, actor, event, details))
    }

    /// Runs `f` in a write transaction, auditing the events it returns in it.
    fn tx<T>(
        &mut self,
        f: impl FnOnce(&mut Tx<'_>) -> Result<(T, Vec<Audited>), ApiError>,
    ) -> Result<T, ApiError> {
        self.db.write(|tx| {
            let (value, events) = f(tx)?;
            append_audit(tx, &events).map_err(runtime)?;
            Ok(value)
        })
    }

    /// Runs one statement on its own.
    fn execute(&self, sql: &str, params: &[Param<'_>]) -> Result<u64, ApiError> {
        self.db.execute(sql, params).map_err(ApiError::from)
    }

    /// The first row of a query, if any.
    fn row(&self, sql: &str, params: &[Param<'_>]) -> Result<Option<Row>, ApiError> {
        self.db.query_opt(sql, params).map_err(ApiError::from)
    }

    /// Every row of a query, each converted by `f`.
    fn rows<T>(
        &self,
        sql: &str,
        params: &[Param<'_>],
        f: impl Fn(&Row) -> Result<T, SqlError>,
    ) -> Result<Vec<T>, ApiError> {
        self.db
            .query(sql, params)
            .map_err(ApiError::from)?
            .iter()
            .map(|r| f(r).map_err(ApiError::from))
            .collect()
    }

    /// A single value, if the row exists.
    fn value<T: FromValue>(&self, sql: &str, params: &[Param<'_>]) -> Result<Option<T>, ApiError> {
        self.row(sql, params)?
            .map(|r| r.get(0).map_err(ApiError::from))
            .transpose()
    }
}

impl RaStore for Ra {
    fn audit(
        &mut self,
        at: Timestamp,
        actor: &str,
        event: &'static str,
        details: &[(&str, &str)],
    ) -> Result<(), ApiError> {
        let a = self.audited(at, actor, event, details);
        self.tx(|_| Ok(((), vec![a])))
    }

    // --- Staff and sessions (R-5.2-RA-ROLES, R-5.2-SEPARATION, R-5.2-OPERATOR-AUTH) ---

    fn add_staff(
        &mut self,
        login: &str,
        person: &str,
        role: &str,
        password: &str,
        now: Timestamp,
        actor: &str,
    ) -> Result<(), ApiError> {
        if !self.policy.ra_roles.iter().any(|r| r.name == role) {
            let roles: Vec<&str> = self.policy.ra_roles.iter().map(|r| r.name).collect();
            return Err(ApiError::bad_request(format!(
                "unknown role `{role}`; the policy's roles are {}",
                roles.join(", ")
            )));
        }
        if password.chars().count() < 12 {
            return Err(ApiError::bad_request(
                "a staff password needs at least 12 characters",
            ));
        }
        let hash = crate::auth::hash_password(password)?;
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
                Err(SqlError::Constraint(m)) if m.contains("person") => Err(ApiError::conflict(format!(
                    "{person} already holds an RA role; one person holds one role (R-5.2-SEPARATION)"
                ))),
                Err(SqlError::Constraint(_)) => Err(ApiError::conflict(format!("login `{login}` exists"))),
                Err(e) => Err(e.into()),
            }
        })
    }

    fn login(
        &mut self,
        login: &str,
        password: &str,
        now: Timestamp,
        ttl_minutes: i64,
    ) -> Result<(String, Staff), ApiError> {
        let row: Option<(String, String)> = self
            .row(
                "SELECT role, password_hash FROM ra_staff WHERE login = ?1",
                args![login],
            )?
            .map(|r| Ok::<_, SqlError>((r.get(0)?, r.get(1)?)))
            .transpose()
            .map_err(ApiError::from)?;
        // Hash even for unknown logins, so timing does not tell which logins exist.
        let ok = match &row {
            Some((_, hash)) => crate::auth::verify_password(password, hash),
            None => {
                let _ = crate::auth::verify_password(password, crate::auth::dummy_hash());
                false
            }
        };
        let Some((role, _)) = row.filter(|_| ok) else {
            self.audit(now, login, "ra-login", &[("outcome", "failed")])?;
            return Err(ApiError::unauthorized("wrong login or password"));
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
            .map_err(ApiError::from)?;
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

    fn session(&self, token: &str, now: Timestamp) -> Result<Option<Staff>, ApiError> {
        self.row(
            "SELECT s.login, s.role FROM ra_sessions x JOIN ra_staff s ON s.login = x.login WHERE x.token_hash = ?1 AND x.expires_at > ?2",
            args![&token_hash(token), now.unix()],
        )?
        .map(|r| Ok::<_, SqlError>(Staff { login: r.get(0)?, role: r.get(1)? }))
        .transpose()
        .map_err(ApiError::from)
    }

    fn logout(&mut self, token: &str) -> Result<(), ApiError> {
        self.execute(
            "DELETE FROM ra_sessions WHERE token_hash = ?1",
            args![&token_hash(token)],
        )?;
        Ok(())
    }

    // --- Developers (R-3.2-CLASSES, R-4.1-ELIGIBLE, R-9.3-CONFIDENTIAL) ---

    fn add_developer(
        &mut self,
        d: &Developer,
        now: Timestamp,
        actor: &str,
    ) -> Result<(), ApiError> {
        if d.number.len() != 6 || !d.number.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ApiError::bad_request(
                "a developer number has exactly 6 digits (R-3.1-SUB-DN)",
            ));
        }
        if !matches!(d.class.as_str(), "A" | "B")
            || !matches!(d.registration.as_str(), "full" | "provisional")
        {
            return Err(ApiError::bad_request(
                "class is A or B (R-3.2-CLASSES); registration is full or provisional",
            ));
        }
        if !d.manager_email.contains('@') {
            return Err(ApiError::bad_request(
                "the manager's e-mail address is not an address",
            ));
        }
        let a = self.audited(
            now,
            actor,
            "ra-operation",
            &[
                ("operation", "add-developer"),
                ("developer", &d.number),
                ("class", &d.class),
                ("registration", &d.registration),
            ],
        );
        self.tx(|tx| {
            let r = tx.execute(
                "INSERT INTO developers (number, name, class, registration, permitted, manager_name, manager_address, manager_email, manager_phone, status, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'listed', ?10)",
                args![&d.number, &d.name, &d.class, &d.registration, d.permitted, &d.manager_name, &d.manager_address, &d.manager_email, &d.manager_phone, now.unix()],
            );
            match r {
                Ok(_) => Ok(((), vec![a])),
                Err(SqlError::Constraint(_)) => {
                    Err(ApiError::conflict(format!("developer {} is already registered", d.number)))
                }
                Err(e) => Err(e.into()),
            }
        })
    }

    fn developer(&self, number: &str) -> Result<Option<Developer>, ApiError> {
        self.row(
            "SELECT number, name, class, registration, permitted, manager_name, manager_address, manager_email, manager_phone, status FROM developers WHERE number = ?1",
            args![number],
        )?
        .map(|r| {
            Ok::<_, SqlError>(Developer {
                number: r.get(0)?,
                name: r.get(1)?,
                class: r.get(2)?,
                registration: r.get(3)?,
                permitted: r.get(4)?,
                manager_name: r.get(5)?,
                manager_address: r.get(6)?,
                manager_email: r.get(7)?,
                manager_phone: r.get(8)?,
                status: r.get(9)?,
            })
        })
        .transpose()
        .map_err(ApiError::from)
    }

    fn remove_developer(
        &mut self,
        number: &str,
        now: Timestamp,
        actor: &str,
    ) -> Result<(), ApiError> {
        let a = self.audited(
            now,
            actor,
            "ra-operation",
            &[("operation", "remove-developer"), ("developer", number)],
        );
        self.tx(|tx| {
            let n = tx.execute("UPDATE developers SET status = 'removed' WHERE number = ?1 AND status = 'listed'", args![number]).map_err(ApiError::from)?;
            if n == 0 {
                return Err(ApiError::not_found(format!("no listed developer {number}")));
            }
            Ok(((), vec![a]))
        })
    }

    // --- Applications (R-4.2-FLOW, R-5.2-DUAL-CHECK, R-3.2-EMAIL-MATCH) ---

    fn receive_application(
        &mut self,
        developer: &str,
        form_email: &str,
        holders: &[String],
        now: Timestamp,
        actor: &str,
    ) -> Result<i64, ApiError> {
        let d = self
            .developer(developer)?
            .ok_or_else(|| ApiError::not_found(format!("no developer {developer}")))?;
        if d.status != "listed" {
            return Err(ApiError::forbidden(format!(
                "developer {developer} has been removed from the list (R-4.1-ELIGIBLE)"
            )));
        }
        if d.registration == "provisional" && !d.permitted {
            return Err(ApiError::forbidden(format!(
                "developer {developer} is provisionally registered without permission to apply (R-4.1-ELIGIBLE)"
            )));
        }
        if !form_email
            .trim()
            .eq_ignore_ascii_case(d.manager_email.trim())
        {
            return Err(ApiError::unprocessable(
                "the e-mail on the form does not match the applicant manager's e-mail on file (R-3.2-EMAIL-MATCH)",
            ));
        }
        if holders.is_empty()
            || holders
                .iter()
                .any(|p| p.len() != 6 || !p.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(ApiError::bad_request(
                "name one or more certificate holders, each by a 6-digit person number",
            ));
        }
        let a = self.audited(
            now,
            actor,
            "form-received",
            &[
                ("developer", developer),
                ("holders", &holders.len().to_string()),
            ],
        );
        self.tx(|tx| {
            let id: i64 = tx
                .query_opt(
                    "INSERT INTO applications (developer, form_email, received_by, received_at, status) VALUES (?1, ?2, ?3, ?4, 'received') RETURNING id",
                    args![developer, form_email, actor, now.unix()],
                )
                .map_err(ApiError::from)?
                .ok_or_else(|| ApiError::internal("the application got no id"))?
                .get(0)
                .map_err(ApiError::from)?;
            for p in holders {
                tx.execute("INSERT INTO holders (application, person) VALUES (?1, ?2)", args![id, p]).map_err(ApiError::from)?;
            }
            Ok((id, vec![a]))
        })
    }

    fn application(&self, id: i64) -> Result<Application, ApiError> {
        let mut app = self
            .row(
                "SELECT id, developer, status, received_by, examined_by, decided_by FROM applications WHERE id = ?1",
                args![id],
            )?
            .map(|r| Ok::<_, SqlError>(Application { id: r.get(0)?, developer: r.get(1)?, status: r.get(2)?, received_by: r.get(3)?, examined_by: r.get(4)?, decided_by: r.get(5)?, holders: Vec::new() }))
            .transpose()
            .map_err(ApiError::from)?
            .ok_or_else(|| ApiError::not_found(format!("no application {id}")))?;
        app.holders = self.rows(
            "SELECT person FROM holders WHERE application = ?1 ORDER BY id",
            args![id],
            |r| r.get(0),
        )?;
        Ok(app)
    }

    fn examine(
        &mut self,
        id: i64,
        accept: bool,
        note: &str,
        now: Timestamp,
        actor: &str,
    ) -> Result<Application, ApiError> {
        let app = self.application(id)?;
        let not_awaiting = |status: &str| {
            ApiError::conflict(format!(
                "application {id} is {status}, not awaiting examination"
            ))
        };
        if app.status != "received" {
            return Err(not_awaiting(&app.status));
        }
        let status = if accept { "examined" } else { "rejected" };
        let a = self.audited(
            now,
            actor,
            "ra-operation",
            &[
                ("operation", "examine"),
                ("application", &id.to_string()),
                ("outcome", status),
            ],
        );
        self.tx(|tx| {
            // Conditional, so two examiners at once (two servers) cannot both record.
            let n = tx.execute("UPDATE applications SET status = ?2, examined_by = ?3, examined_at = ?4, note = ?5 WHERE id = ?1 AND status = 'received'", args![id, status, actor, now.unix(), note]).map_err(ApiError::from)?;
            if n != 1 {
                return Err(not_awaiting("no longer received"));
            }
            Ok(((), vec![a]))
        })?;
        self.application(id)
    }

    fn decide(
        &mut self,
        id: i64,
        approve: bool,
        now: Timestamp,
        actor: &str,
        otp_days: i64,
    ) -> Result<Vec<(String, String)>, ApiError> {
        let app = self.application(id)?;
        let not_examined = |status: &str| {
            ApiError::conflict(format!(
                "application {id} is {status}; the examiner checks it first (R-5.2-DUAL-CHECK)"
            ))
        };
        if app.status != "examined" {
            return Err(not_examined(&app.status));
        }
        if app.examined_by.as_deref() == Some(actor) {
            return Err(ApiError::forbidden(
                "the supervisor's check must be made by someone other than the examiner (R-5.2-DUAL-CHECK)",
            ));
        }
        let person_of = |login: &str| -> Result<Option<String>, ApiError> {
            self.value("SELECT person FROM ra_staff WHERE login = ?1", args![login])
        };
        let examiner_person = match &app.examined_by {
            Some(e) => person_of(e)?,
            None => None,
        };
        let my_person = person_of(actor)?;
        if examiner_person.is_some() && examiner_person == my_person {
            return Err(ApiError::forbidden(
                "the supervisor's check must be made by someone other than the examiner (R-5.2-DUAL-CHECK)",
            ));
        }
        let status = if approve { "approved" } else { "rejected" };
        let mut passwords = Vec::new();
        let holder_ids: Vec<(i64, String)> = self.rows(
            "SELECT id, person FROM holders WHERE application = ?1 ORDER BY id",
            args![id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        let expires = now.unix() + otp_days * 86_400;
        let mut hashes = Vec::new();
        if approve {
            for (hid, person) in &holder_ids {
                let password = format!("{hid}-{}", random_token(16)?);
                hashes.push((*hid, token_hash(&password)));
                passwords.push((person.clone(), password));
            }
        }
        let a = self.audited(
            now,
            actor,
            "ra-operation",
            &[
                ("operation", "decide"),
                ("application", &id.to_string()),
                ("outcome", status),
                ("passwords_issued", &hashes.len().to_string()),
            ],
        );
        self.tx(|tx| {
            // Conditional, so one decision stands even when two supervisors decide at once.
            let n = tx.execute("UPDATE applications SET status = ?2, decided_by = ?3, decided_at = ?4 WHERE id = ?1 AND status = 'examined'", args![id, status, actor, now.unix()]).map_err(ApiError::from)?;
            if n != 1 {
                return Err(not_examined("already decided"));
            }
            for (hid, hash) in &hashes {
                tx.execute("UPDATE holders SET password_hash = ?2, expires_at = ?3 WHERE id = ?1", args![*hid, hash, expires]).map_err(ApiError::from)?;
            }
            Ok(((), vec![a]))
        })?;
        Ok(passwords)
    }

    fn redeem(
        &mut self,
        password: &str,
        now: Timestamp,
        max_failures: i64,
    ) -> Result<(i64, String, String), ApiError> {
        let refused = || {
            ApiError::unauthorized(
                "the password is wrong, used, expired or locked (R-4.2-PASSWORD)",
            )
        };
        let hid: i64 = password
            .split_once('-')
            .and_then(|(id, _)| id.parse().ok())
            .ok_or_else(refused)?;
        let row: Option<HolderRow> = self
            .row(
                "SELECT h.password_hash, h.expires_at, h.failures, h.used_at, a.developer, h.person FROM holders h JOIN applications a ON a.id = h.application WHERE h.id = ?1",
                args![hid],
            )?
            .map(|r| Ok::<_, SqlError>((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)))
            .transpose()
            .map_err(ApiError::from)?;
        let Some((Some(hash), Some(expires), failures, used, developer, person)) = row else {
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
            let a = self.audited(
                now,
                &actor,
                "certificate-application",
                &[
                    ("outcome", "wrong password"),
                    ("failures", &(failures + 1).to_string()),
                ],
            );
            self.tx(|tx| {
                tx.execute(
                    "UPDATE holders SET failures = failures + 1 WHERE id = ?1",
                    args![hid],
                )
                .map_err(ApiError::from)?;
                Ok(((), vec![a]))
            })?;
            return Err(refused());
        }
        let why = if used.is_some() {
            Some("already used")
        } else if expires <= now.unix() {
            Some("expired")
        } else if failures >= max_failures {
            Some("locked after repeated failures")
        } else {
            None
        };
        if let Some(why) = why {
            self.audit(now, &actor, "certificate-application", &[("outcome", why)])?;
            return Err(refused());
        }
        let a = self.audited(
            now,
            &actor,
            "certificate-application",
            &[
                ("outcome", "password accepted"),
                ("developer", &developer),
                ("person", &person),
            ],
        );
        // The claim: exactly one caller, on any server, moves used_at from NULL. It need
        // not reach the disk on its own: the certificate's pending record commits
        // durably before anything is signed and carries this commit with it. A claim
        // (and its audit entry) lost to a power cut was followed by no signature; the
        // password is simply unused again.
        let claimed = self.db.write_relaxed(|tx| {
            let n = tx
                .execute("UPDATE holders SET used_at = ?2 WHERE id = ?1 AND used_at IS NULL AND failures < ?3 AND expires_at > ?2", args![hid, now.unix(), max_failures])
                .map_err(ApiError::from)?;
            if n == 1 {
                append_audit(tx, std::slice::from_ref(&a)).map_err(runtime)?;
            }
            Ok::<_, ApiError>(n == 1)
        })?;
        if !claimed {
            return Err(refused());
        }
        Ok((hid, developer, person))
    }

    fn release(&mut self, hid: i64) -> Result<(), ApiError> {
        self.execute(
            "UPDATE holders SET used_at = NULL WHERE id = ?1 AND serial IS NULL",
            args![hid],
        )?;
        Ok(())
    }

    fn issued(&mut self, hid: i64, serial: &str) -> Result<String, ApiError> {
        self.issued_many(&[(hid, serial)])?
            .pop()
            .ok_or_else(|| ApiError::internal("no download token was made"))
    }

    fn issued_many(&mut self, links: &[(i64, &str)]) -> Result<Vec<String>, ApiError> {
        self.tx(|tx| {
            let mut tokens = Vec::with_capacity(links.len());
            for (hid, serial) in links {
                let token = random_token(16)?;
                tx.execute(
                    "UPDATE holders SET serial = ?2, download_hash = ?3 WHERE id = ?1",
                    args![*hid, *serial, &token_hash(&token)],
                )
                .map_err(ApiError::from)?;
                tokens.push(token);
            }
            Ok((tokens, Vec::new()))
        })
    }

    fn download(&mut self, serial: &str, token: &str, now: Timestamp) -> Result<(), ApiError> {
        let row: Option<(i64, Option<i64>)> = self
            .row(
                "SELECT id, received_at FROM holders WHERE serial = ?1 AND download_hash = ?2",
                args![serial, &token_hash(token)],
            )?
            .map(|r| Ok::<_, SqlError>((r.get(0)?, r.get(1)?)))
            .transpose()
            .map_err(ApiError::from)?;
        let (hid, received) = row.ok_or_else(|| ApiError::not_found("no such download"))?;
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
                    .map_err(ApiError::from)?;
                Ok(((), if n == 1 { vec![a] } else { Vec::new() }))
            })?;
        }
        Ok(())
    }

    fn received_at(&self, serial: &str) -> Result<Option<i64>, ApiError> {
        Ok(self
            .value::<Option<i64>>(
                "SELECT received_at FROM holders WHERE serial = ?1",
                args![serial],
            )?
            .flatten())
    }

    // --- Revocation (R-4.9-WHO, R-3.4-REVOKE-CONFIRM, R-4.9-DEADLINE, R-4.9-COMPROMISE) ---

    #[allow(clippy::too_many_arguments)] // One form's fields.
    fn request_revocation(
        &mut self,
        serial: &str,
        developer: &str,
        reason: &str,
        requested_by: &str,
        confirm: bool,
        deadline: Timestamp,
        now: Timestamp,
        actor: &str,
    ) -> Result<(i64, Option<String>), ApiError> {
        let token = if confirm {
            Some(random_token(16)?)
        } else {
            None
        };
        let hash = token.as_deref().map(token_hash);
        let status = if confirm {
            "awaiting-confirmation"
        } else {
            "awaiting-phone-confirmation"
        };
        let a = self.audited(
            now,
            actor,
            "revocation-application",
            &[
                ("serial", serial),
                ("developer", developer),
                ("reason", reason),
                ("requested_by", requested_by),
            ],
        );
        let id = self.tx(|tx| {
            let id: i64 = tx
                .query_opt(
                    "INSERT INTO revocation_requests (serial, developer, reason, requested_by, recorded_by, accepted_at, deadline_at, confirm_hash, status) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) RETURNING id",
                    args![serial, developer, reason, requested_by, actor, now.unix(), deadline.unix(), hash.as_ref(), status],
                )
                .map_err(ApiError::from)?
                .ok_or_else(|| ApiError::internal("the request got no id"))?
                .get(0)
                .map_err(ApiError::from)?;
            Ok((id, vec![a]))
        })?;
        Ok((id, token))
    }

    fn request_by_token(&self, token: &str) -> Result<Option<RevocationRequest>, ApiError> {
        let id: Option<i64> = self.value(
            "SELECT id FROM revocation_requests WHERE confirm_hash = ?1 AND status = 'awaiting-confirmation'",
            args![&token_hash(token)],
        )?;
        id.map(|id| self.revocation(id)).transpose()
    }

    fn revocation(&self, id: i64) -> Result<RevocationRequest, ApiError> {
        let t = |v: i64| Timestamp::from_unix(v).map_or_else(String::new, |t| t.to_string());
        self.row(
            "SELECT id, serial, developer, reason, requested_by, status, accepted_at, deadline_at FROM revocation_requests WHERE id = ?1",
            args![id],
        )?
        .map(|r| {
            Ok::<_, SqlError>(RevocationRequest {
                id: r.get(0)?,
                serial: r.get(1)?,
                developer: r.get(2)?,
                reason: r.get(3)?,
                requested_by: r.get(4)?,
                status: r.get(5)?,
                accepted_at: t(r.get(6)?),
                deadline_at: t(r.get(7)?),
            })
        })
        .transpose()
        .map_err(ApiError::from)?
        .ok_or_else(|| ApiError::not_found(format!("no revocation request {id}")))
    }

    fn phone_confirmed_by(&self, id: i64) -> Result<Option<String>, ApiError> {
        Ok(self
            .value::<Option<String>>(
                "SELECT phone_confirmed_by FROM revocation_requests WHERE id = ?1",
                args![id],
            )?
            .flatten())
    }

    fn first_phone_confirmation(
        &mut self,
        id: i64,
        now: Timestamp,
        actor: &str,
    ) -> Result<(), ApiError> {
        let a = self.audited(
            now,
            actor,
            "ra-operation",
            &[
                ("operation", "phone-confirmation"),
                ("request", &id.to_string()),
            ],
        );
        self.tx(|tx| {
            let n = tx
                .execute("UPDATE revocation_requests SET phone_confirmed_by = ?2 WHERE id = ?1 AND phone_confirmed_by IS NULL AND status = 'awaiting-phone-confirmation'", args![id, actor])
                .map_err(ApiError::from)?;
            if n != 1 {
                return Err(ApiError::conflict(format!("request {id} does not await a first confirmation")));
            }
            Ok(((), vec![a]))
        })
    }

    fn mark_revoked(&mut self, id: i64, now: Timestamp) -> Result<(), ApiError> {
        self.execute(
            "UPDATE revocation_requests SET status = 'revoked', revoked_at = ?2 WHERE id = ?1",
            args![id, now.unix()],
        )?;
        Ok(())
    }

    fn overdue(&self, now: Timestamp) -> Result<Vec<RevocationRequest>, ApiError> {
        let ids: Vec<i64> = self.rows(
            "SELECT id FROM revocation_requests WHERE status != 'revoked' AND deadline_at < ?1 ORDER BY deadline_at",
            args![now.unix()],
            |r| r.get(0),
        )?;
        ids.into_iter().map(|id| self.revocation(id)).collect()
    }

    // --- Outbox ---

    fn queue_mail(
        &mut self,
        to: &str,
        subject: &str,
        body: &str,
        now: Timestamp,
    ) -> Result<(), ApiError> {
        self.execute(
            "INSERT INTO outbox (to_addr, subject, body, created_at) VALUES (?1, ?2, ?3, ?4)",
            args![to, subject, body, now.unix()],
        )?;
        Ok(())
    }

    fn unsent(&self, limit: i64) -> Result<Vec<(i64, String, String, String)>, ApiError> {
        self.rows(
            "SELECT id, to_addr, subject, body FROM outbox WHERE sent_at IS NULL AND attempts < 20 ORDER BY id LIMIT ?1",
            args![limit],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
    }

    fn mail_attempt(
        &mut self,
        id: i64,
        result: Result<(), String>,
        now: Timestamp,
    ) -> Result<(), ApiError> {
        match result {
            Ok(()) => self.execute(
                "UPDATE outbox SET sent_at = ?2, attempts = attempts + 1 WHERE id = ?1",
                args![id, now.unix()],
            ),
            Err(e) => self.execute(
                "UPDATE outbox SET attempts = attempts + 1, last_error = ?2 WHERE id = ?1",
                args![id, &e],
            ),
        }?;
        Ok(())
    }

    // --- Jobs ---

    fn lease_job(
        &mut self,
        name: &str,
        every_seconds: i64,
        owner: &str,
        now: Timestamp,
        lease_seconds: i64,
    ) -> Result<bool, ApiError> {
        // The conditional UPDATE holds the job's row lock: of several servers asking at
        // once, one takes the lease and the others see it taken.
        self.db.write(|tx| {
            tx.execute(
                "INSERT INTO jobs (name) VALUES (?1) ON CONFLICT (name) DO NOTHING",
                args![name],
            )
            .map_err(ApiError::from)?;
            let n = tx
                .execute(
                    "UPDATE jobs SET lease_until = ?3, lease_owner = ?4 WHERE name = ?1 AND (last_run IS NULL OR last_run + ?2 <= ?5) AND (lease_until IS NULL OR lease_until < ?5)",
                    args![name, every_seconds, now.unix() + lease_seconds, owner, now.unix()],
                )
                .map_err(ApiError::from)?;
            Ok(n == 1)
        })
    }

    fn finish_job(&mut self, name: &str, now: Timestamp) -> Result<(), ApiError> {
        self.execute(
            "UPDATE jobs SET last_run = ?2, lease_until = NULL, lease_owner = NULL WHERE name = ?1",
            args![name, now.unix()],
        )?;
        Ok(())
    }

    fn release_job(&mut self, name: &str) -> Result<(), ApiError> {
        self.execute(
            "UPDATE jobs SET lease_until = NULL, lease_owner = NULL WHERE name = ?1",
            args![name],
        )?;
        Ok(())
    }

    fn once(&mut self, key: &str) -> Result<bool, ApiError> {
        Ok(self.execute(
            "INSERT INTO ra_once (key) VALUES (?1) ON CONFLICT (key) DO NOTHING",
            args![key],
        )? == 1)
    }

    fn listed_managers(&self) -> Result<Vec<(String, String)>, ApiError> {
        self.rows(
            "SELECT number, manager_email FROM developers WHERE status = 'listed' ORDER BY number",
            args![],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
    }

    fn operator_logins(&self) -> Result<Vec<String>, ApiError> {
        self.rows(
            "SELECT login FROM ra_staff WHERE role = 'operator'",
            args![],
            |r| r.get(0),
        )
    }
}

/// A holder's password state: hash, expiry, failures, use, developer, person.
type HolderRow = (
    Option<Vec<u8>>,
    Option<i64>,
    i64,
    Option<i64>,
    String,
    String,
);

/// Compares two byte strings in time independent of where they differ.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
