//! What handlers take from a request: JSON and form bodies whose rejections are
//! problem documents, and the staff [`Session`] every RA route starts with (401
//! without a valid session cookie; handlers then name the roles allowed, deny by
//! default).

use axum::extract::rejection::{FormRejection, JsonRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use inkan_runtime::calendar::Timestamp;

use super::problem::ApiError;
use crate::ra::{RaError, Staff};
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

/// The session token from the request's cookies.
pub fn session_token(headers: &axum::http::HeaderMap) -> Option<String> {
    headers
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
            Err(RaError::forbidden(format!(
                "this needs the role {}; `{}` is {} (R-5.2-RA-ROLES)",
                roles.join(" or "),
                self.0.login,
                self.0.role
            ))
            .into())
        }
    }
}

impl FromRequestParts<AppState> for Session {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = session_token(&parts.headers).ok_or_else(|| {
            RaError::unauthenticated("log in first: POST /api/ra/login (R-5.2-OPERATOR-AUTH)")
        })?;
        let staff = state
            .with_ra(move |ra| ra.session(&token, Timestamp::now()))
            .await?
            .ok_or_else(|| {
                RaError::unauthenticated("the session is unknown or has expired; log in again")
            })?;
        Ok(Session(staff))
    }
}
