//! Errors as HTTP answers: every failure is an RFC 9457 problem document
//! (`application/problem+json`) with a status, a title and a detail that says what
//! to do; internal failures are logged and answered without their internals.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

/// An error a handler returns.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{status}: {detail}")]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// What went wrong, for the client.
    pub detail: String,
}

impl ApiError {
    fn new(status: StatusCode, detail: impl Into<String>) -> Self {
        ApiError {
            status,
            detail: detail.into(),
        }
    }
    /// 400.
    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, detail)
    }
    /// 401.
    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, detail)
    }
    /// 403.
    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, detail)
    }
    /// 404.
    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, detail)
    }
    /// 409.
    pub fn conflict(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, detail)
    }
    /// 422.
    pub fn unprocessable(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, detail)
    }
    /// The status an extractor rejected the request with (400, 413, 415, 422...).
    pub fn rejected(status: StatusCode, detail: impl Into<String>) -> Self {
        Self::new(status, detail)
    }
    /// 503: the CA's database failed or could not be reached; what failed is logged,
    /// not sent. Nothing was issued that is not recorded, and the client may retry.
    pub fn store_unavailable(detail: impl std::fmt::Display) -> Self {
        tracing::error!(%detail, "the store failed");
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "the CA's database failed; nothing was issued that is not recorded; try again later",
        )
    }
    /// 500; the detail is logged, not sent.
    pub fn internal(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, detail)
    }
}

impl From<inkan_runtime::sql::SqlError> for ApiError {
    fn from(e: inkan_runtime::sql::SqlError) -> Self {
        match e {
            // Busy beyond the timeout, full, unreachable: the client may retry once it clears.
            inkan_runtime::sql::SqlError::Unavailable(_) => ApiError::store_unavailable(e),
            _ => ApiError::internal(e.to_string()),
        }
    }
}

impl From<inkan_runtime::Error> for ApiError {
    fn from(e: inkan_runtime::Error) -> Self {
        use inkan_runtime::Error as E;
        let status = match &e {
            E::BadRequest(_) | E::ProofOfPossession | E::KeyRefused(_) | E::Name(_) => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            E::DuplicateName(_) | E::AlreadyRevoked(_) => StatusCode::CONFLICT,
            E::UnknownSerial(_) => StatusCode::NOT_FOUND,
            E::Policy(_) | E::OutlivesIssuer { .. } | E::IssuerNotValid(_) | E::Validity { .. } => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            E::Locked { .. } => StatusCode::SERVICE_UNAVAILABLE,
            // The database failing: nothing was issued that is not recorded, and the
            // client may try again; what failed is logged, not sent.
            E::Store(detail) => return ApiError::store_unavailable(detail),
            E::Activation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        ApiError::new(status, e.to_string())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let detail = if self.status == StatusCode::INTERNAL_SERVER_ERROR {
            tracing::error!(detail = %self.detail, "internal error");
            "the server failed; nothing was issued or changed that is not recorded. The failure is logged.".to_string()
        } else {
            self.detail
        };
        let body = serde_json::json!({
            "type": "about:blank",
            "title": self.status.canonical_reason().unwrap_or("error"),
            "status": self.status.as_u16(),
            "detail": detail,
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
