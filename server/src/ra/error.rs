//! What the RA refuses or fails at, by meaning, with the cause kept as a typed source:
//! the HTTP layer maps each variant to its status in one place
//! (`crate::http::problem`), the CLI prints it, the jobs log it.

use inkan_runtime::error::ErrorKind;
use inkan_runtime::sql::SqlError;

/// Everything the RA can refuse or fail at.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RaError {
    /// The request does not have the expected shape: a field missing, a number that is
    /// not one. Asking again unchanged will fail again.
    #[error("{0}")]
    Malformed(String),
    /// Who asks could not be authenticated: a wrong login or password, an unknown or
    /// expired session, a one-time password that is wrong, used, expired or locked.
    #[error("{0}")]
    Unauthenticated(String),
    /// Who asks may not do this: their role, the separation of duties, the developer's
    /// eligibility.
    #[error("{0}")]
    Forbidden(String),
    /// What was named does not exist.
    #[error("{0}")]
    NotFound(String),
    /// The record is not in a state that allows this (already examined, already
    /// decided, already registered).
    #[error("{0}")]
    Conflict(String),
    /// Well formed, but a rule of the CPS refuses it (the form's e-mail does not match
    /// the manager's on file).
    #[error("{0}")]
    Refused(String),
    /// The RA's records failed: unavailable, a constraint, damaged data (its source
    /// says which).
    #[error("the RA's records failed")]
    Store(#[from] SqlError),
    /// The CA refused or failed (its kind says how).
    #[error(transparent)]
    Ca(#[from] inkan_runtime::Error),
    /// One failure shared by every request of a batch (an enrollment batch that could
    /// not be recorded answers each subscriber with it).
    #[error(transparent)]
    Shared(std::sync::Arc<RaError>),
    /// A failure of this software or its environment: no randomness, a poisoned lock,
    /// a task that did not finish.
    #[error("internal error: {0}")]
    Internal(String),
}

impl RaError {
    /// [`RaError::Malformed`].
    pub fn malformed(detail: impl Into<String>) -> Self {
        RaError::Malformed(detail.into())
    }
    /// [`RaError::Unauthenticated`].
    pub fn unauthenticated(detail: impl Into<String>) -> Self {
        RaError::Unauthenticated(detail.into())
    }
    /// [`RaError::Forbidden`].
    pub fn forbidden(detail: impl Into<String>) -> Self {
        RaError::Forbidden(detail.into())
    }
    /// [`RaError::NotFound`].
    pub fn not_found(detail: impl Into<String>) -> Self {
        RaError::NotFound(detail.into())
    }
    /// [`RaError::Conflict`].
    pub fn conflict(detail: impl Into<String>) -> Self {
        RaError::Conflict(detail.into())
    }
    /// [`RaError::Refused`].
    pub fn refused(detail: impl Into<String>) -> Self {
        RaError::Refused(detail.into())
    }
    /// [`RaError::Internal`].
    pub fn internal(detail: impl Into<String>) -> Self {
        RaError::Internal(detail.into())
    }

    /// The runtime's classification of what went wrong below the RA, if it did.
    pub fn kind_below(&self) -> Option<ErrorKind> {
        match self {
            RaError::Store(e) => Some(e.kind()),
            RaError::Ca(e) => Some(e.kind()),
            RaError::Shared(e) => e.kind_below(),
            _ => None,
        }
    }

    /// This error, to hand to every request of a batch: the first holder gets it whole,
    /// each copy points at it.
    pub fn shared(self) -> std::sync::Arc<RaError> {
        match self {
            RaError::Shared(e) => e,
            e => std::sync::Arc::new(e),
        }
    }
}

/// The RA's result type.
pub type Result<T, E = RaError> = std::result::Result<T, E>;
