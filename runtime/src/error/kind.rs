//! What an error means for whoever must act on it, whatever its cause: the one
//! classification the layers above map to their own answers (the server to an HTTP
//! status, the CLI to its message), so no caller sorts errors by their text.

/// The meaning of an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The request is refused as it stands: bad input, or a rule of the policy says no.
    /// Asking again unchanged will fail again.
    Invalid,
    /// What was named does not exist.
    NotFound,
    /// The request collides with the state: already done, already taken, changed
    /// meanwhile. The state must change first.
    Conflict,
    /// A resource is out for now (the database is busy or unreachable, the CA keys are
    /// locked, another server got there first). Nothing was lost; try again later.
    Unavailable,
    /// Stored data is not what this code wrote: damaged or edited behind the CA's back.
    /// An operator must look; retrying will not help.
    Corrupt,
    /// A failure of the software or its environment that the caller cannot fix.
    Internal,
}

impl ErrorKind {
    /// A short name for logs and metrics (`unavailable`).
    pub fn name(self) -> &'static str {
        match self {
            ErrorKind::Invalid => "invalid",
            ErrorKind::NotFound => "not-found",
            ErrorKind::Conflict => "conflict",
            ErrorKind::Unavailable => "unavailable",
            ErrorKind::Corrupt => "corrupt",
            ErrorKind::Internal => "internal",
        }
    }
}

/// An error and its sources, joined with `: `, for a log line.
pub fn report(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut next = error.source();
    while let Some(e) = next {
        let part = e.to_string();
        // A wrapper that already says its source's words adds nothing.
        if !text.ends_with(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        next = e.source();
    }
    text
}
