//! RA authentication: argon2id password hashes, session cookies, and role checks.
//! Every RA route takes a [`Session`], which answers 401 without a valid session;
//! handlers then name the roles allowed (deny by default).

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use inkan_runtime::calendar::Timestamp;

use crate::error::ApiError;
use crate::ra::Staff;
use crate::state::AppState;

/// The session cookie's name.
pub const COOKIE: &str = "inkan_session";

/// A real argon2id hash of a random string, made once, checked against for unknown
/// logins so that their timing matches known ones.
pub fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| hash_password("no such login, no such password").unwrap_or_default())
}

/// Hashes a staff password with argon2id and a random salt.
pub fn hash_password(password: &str) -> Result<String, ApiError> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| ApiError::internal(format!("no randomness: {e}")))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| ApiError::internal(e.to_string()))?;
    Ok(Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| ApiError::internal(e.to_string()))?
        .to_string())
}

/// Checks a password against its hash.
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

/// The session token from the request's cookies.
pub fn session_token(parts: &Parts) -> Option<String> {
    parts
        .headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == COOKIE)
        .map(|(_, v)| v.to_string())
}

/// A logged-in staff member.
pub struct Session(pub Staff);

impl Session {
    /// Refuses unless the staff member holds one of `roles`.
    pub fn require(&self, roles: &[&str]) -> Result<&Staff, ApiError> {
        if roles.contains(&self.0.role.as_str()) {
            Ok(&self.0)
        } else {
            Err(ApiError::forbidden(format!(
                "this needs the role {}; `{}` is {} (R-5.2-RA-ROLES)",
                roles.join(" or "),
                self.0.login,
                self.0.role
            )))
        }
    }
}

impl FromRequestParts<AppState> for Session {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = session_token(parts).ok_or_else(|| {
            ApiError::unauthorized("log in first: POST /api/ra/login (R-5.2-OPERATOR-AUTH)")
        })?;
        let staff = state
            .with_ra(move |ra| ra.session(&token, Timestamp::now()))
            .await?
            .ok_or_else(|| {
                ApiError::unauthorized("the session is unknown or has expired; log in again")
            })?;
        Ok(Session(staff))
    }
}
