//! What handlers take from a request: JSON and form bodies whose rejections are
//! problem documents, and the staff [`Session`] every RA route starts with (401
//! without a valid session cookie; handlers then name the action they perform, and
//! the compiled policy says which roles may: deny by default, R-5.2-RA-ROLES).

use axum::extract::rejection::{FormRejection, JsonRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use inkan_runtime::actions::RaAction;
use inkan_runtime::policy::Policy;

use super::problem::ApiError;
use crate::ra::{RaError, Staff, permissions};
use crate::state::AppState;

/// The session cookie's name.
pub const COOKIE: &str = "inkan_session";

/// A JSON body whose rejection is a problem document.
pub struct ApiJson<T>(pub T);

impl<T: serde::de::DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;
    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        axum::Json::<T>::from_request(req, state)
            .await
            .map(|j| ApiJson(j.0))
            .map_err(|e: JsonRejection| ApiError::rejected(e.status(), e.body_text()))
    }
}

/// A form body whose rejection is a problem document.
pub struct ApiForm<T>(pub T);

impl<T: serde::de::DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiForm<T> {
    type Rejection = ApiError;
    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        axum::Form::<T>::from_request(req, state)
            .await
            .map(|f| ApiForm(f.0))
            .map_err(|e: FormRejection| ApiError::rejected(e.status(), e.body_text()))
    }
}

/// The `Set-Cookie` value of a staff session holding `token` for `minutes` (0 ends
/// it): never readable by scripts, never sent by another site, and `Secure` when
/// people reach the service over TLS (`public_url` https), so no plain-HTTP request
/// ever carries it.
pub fn session_cookie(token: &str, minutes: i64, public_url: &str) -> String {
    let secure = if public_url.starts_with("https://") {
        "; Secure"
    } else {
        ""
    };
    format!(
        "{COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/; Max-Age={}{secure}",
        minutes * 60
    )
}

/// The session token from the request's cookies.
pub fn session_token(headers: &axum::http::HeaderMap) -> Option<String> {
    cookie(headers, COOKIE)
}

/// The value of the cookie `name`, if the request carries it.
pub fn cookie(headers: &axum::http::HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// A logged-in staff member, and the policy that says what their role may do.
pub struct Session {
    /// Who.
    pub staff: Staff,
    policy: &'static dyn Policy,
}

impl Session {
    /// Refuses unless the policy gives `action` to the staff member's role.
    pub fn require(&self, action: RaAction) -> Result<&Staff, ApiError> {
        self.require_any(&[action])
    }

    /// Refuses unless the policy gives the staff member's role one of `actions` (for a
    /// route whose action is known only from its body; the domain checks again).
    pub fn require_any(&self, actions: &[RaAction]) -> Result<&Staff, ApiError> {
        permissions::check_any(self.policy, &self.staff, actions)?;
        Ok(&self.staff)
    }
}

impl FromRequestParts<AppState> for Session {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let now = state.now();
        let token = session_token(&parts.headers).ok_or_else(|| {
            RaError::unauthenticated("log in first: POST /api/ra/login (R-5.2-OPERATOR-AUTH)")
        })?;
        let staff = state
            .with_ra(move |ra| ra.session(&token, now))
            .await?
            .ok_or_else(|| {
                RaError::unauthenticated("the session is unknown or has expired; log in again")
            })?;
        Ok(Session {
            staff,
            policy: state.policy(),
        })
    }
}
