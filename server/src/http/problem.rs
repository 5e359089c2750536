//! Errors as HTTP answers: every failure is an RFC 9457 problem document
//! (`application/problem+json`) with a status, a title and a detail that says what to
//! do. This is the one place where an error's meaning becomes a status:
//!
//! | meaning | status |
//! |---|---|
//! | malformed request | 400 |
//! | not authenticated | 401 (R-5.2-OPERATOR-AUTH, R-4.2-PASSWORD) |
//! | forbidden by role, separation or eligibility | 403 |
//! | not found | 404 |
//! | conflict with the records (a constraint included) | 409 |
//! | refused by a rule of the CPS or the policy | 422 |
//! | unavailable (database, locked keys, a racing server) | 503 with Retry-After |
//! | corrupt records, internal failure | 500, a fixed detail; the cause is logged |
//!
//! Internals (SQL, file paths, the database's own words) never reach the client: a
//! 409 from a constraint, a 503 from the database and every 500 carry a fixed detail
//! and log the whole chain of causes.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use inkan_runtime::error::{ErrorKind, report};

use crate::ra::RaError;

/// An error a handler answers with.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{status}: {detail}")]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// What went wrong, for the client.
    pub detail: String,
}

/// What a client is told when the database failed.
const STORE_UNAVAILABLE: &str =
    "the CA's database failed; nothing was issued that is not recorded; try again later";
/// What a client is told when a constraint of the records refused a change.
const STORE_CONFLICT: &str = "the change conflicts with the records (something with the same key exists, or what it refers to does not); nothing was changed";
/// What a client is told when the records are damaged.
const CORRUPT: &str = "the CA's records hold data this server cannot read: they were damaged or edited. Nothing was changed; an operator must look (the failure is logged).";
/// What a client is told when this server failed.
const INTERNAL: &str =
    "the server failed; nothing was issued or changed that is not recorded. The failure is logged.";

impl ApiError {
    fn new(status: StatusCode, detail: impl Into<String>) -> Self {
        ApiError {
            status,
            detail: detail.into(),
        }
    }
    /// 404.
    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, detail)
    }
    /// The status an extractor or a layer rejected the request with (400, 408, 413,
    /// 415, 422...), with its words.
    pub fn rejected(status: StatusCode, detail: impl Into<String>) -> Self {
        Self::new(status, detail)
    }

    /// The answer for an error of this meaning: `said` is what the client may read
    /// (used for the kinds whose words are the client's business); the rest get a
    /// fixed detail, and `error`'s whole chain goes to the log.
    fn of_kind(kind: ErrorKind, said: &str, error: &dyn std::error::Error, store: bool) -> Self {
        match kind {
            ErrorKind::Invalid => Self::new(StatusCode::UNPROCESSABLE_ENTITY, said),
            ErrorKind::NotFound => Self::new(StatusCode::NOT_FOUND, said),
            ErrorKind::Conflict if store => {
                tracing::warn!(error = %report(error), "a constraint refused a change");
                Self::new(StatusCode::CONFLICT, STORE_CONFLICT)
            }
            ErrorKind::Conflict => Self::new(StatusCode::CONFLICT, said),
            ErrorKind::Unavailable if store => {
                tracing::warn!(error = %report(error), "the store is unavailable");
                Self::new(StatusCode::SERVICE_UNAVAILABLE, STORE_UNAVAILABLE)
            }
            ErrorKind::Unavailable => Self::new(StatusCode::SERVICE_UNAVAILABLE, said),
            ErrorKind::Corrupt => {
                tracing::error!(error = %report(error), "the records are damaged");
                Self::new(StatusCode::INTERNAL_SERVER_ERROR, CORRUPT)
            }
            _ => {
                tracing::error!(error = %report(error), "internal error");
                Self::new(StatusCode::INTERNAL_SERVER_ERROR, INTERNAL)
            }
        }
    }
}

impl From<&RaError> for ApiError {
    fn from(e: &RaError) -> Self {
        let status = match e {
            RaError::Malformed(_) => StatusCode::BAD_REQUEST,
            RaError::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
            RaError::Forbidden(_) => StatusCode::FORBIDDEN,
            RaError::NotFound(_) => StatusCode::NOT_FOUND,
            RaError::Conflict(_) => StatusCode::CONFLICT,
            RaError::Refused(_) => StatusCode::UNPROCESSABLE_ENTITY,
            RaError::Store(s) => return Self::of_kind(s.kind(), "", e, true),
            RaError::Ca(c) => {
                let store = matches!(
                    c,
                    inkan_runtime::Error::Store(_) | inkan_runtime::Error::Unrecorded { .. }
                );
                return Self::of_kind(c.kind(), &c.to_string(), e, store);
            }
            RaError::Shared(inner) => return Self::from(&**inner),
            _ => return Self::of_kind(ErrorKind::Internal, "", e, false),
        };
        Self::new(status, e.to_string())
    }
}

impl From<RaError> for ApiError {
    fn from(e: RaError) -> Self {
        Self::from(&e)
    }
}

impl From<inkan_runtime::Error> for ApiError {
    fn from(e: inkan_runtime::Error) -> Self {
        Self::from(&RaError::Ca(e))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({
            "type": "about:blank",
            "title": self.status.canonical_reason().unwrap_or("error"),
            "status": self.status.as_u16(),
            "detail": self.detail,
        });
        let mut response = (
            self.status,
            [(header::CONTENT_TYPE, "application/problem+json")],
            body.to_string(),
        )
            .into_response();
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            // The store or the keys are out for now: a client may try again shortly.
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from_static("5"));
        }
        response
    }
}
