//! The two shapes every raw policy struct is made of: a scalar with the span it was
//! read from, and a list of cited CPS rule IDs.

use serde_saphyr::Spanned;

/// A value and where in the YAML it was.
pub type S<T> = Spanned<T>;
/// Cited CPS rule IDs, each with its span.
pub type Cites = Vec<S<String>>;
