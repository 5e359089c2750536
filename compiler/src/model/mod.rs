//! The typed policy: what a checked policy file means, with every mini-language
//! already parsed and every cross-reference resolved.
//!
//! Values of these types are only made by [`crate::lower`], which rejects every
//! contradiction it knows of first; the structs are `#[non_exhaustive]`, so code
//! outside this crate can read a policy but cannot assemble an unchecked one.
//! Nodes keep the [`Span`](crate::diag::Span) of their source so lints can point back at the file.
//!
//! The files: [`keyword`] (closed sets of policy keywords), [`vocabulary`] (the ASN.1
//! vocabulary: string types, algorithms, key usages, purposes), [`profiles`]
//! (certificate and CRL profiles, extensions, names), [`operations`] (key custody,
//! revocation, schedules, the RA, audit) and [`policy`] (the whole policy).

#[macro_use]
pub mod keyword;
pub mod operations;
pub mod policy;
pub mod profiles;
pub mod vocabulary;

pub use crate::lang::dn::{Attribute, Dn, Rdn, StringType, Value as RdnValue};
pub use crate::lang::duration::{BusinessDays, Duration};
pub use crate::lang::oid::Oid;
pub use crate::lang::template::{Piece, Template};
pub use crate::lang::validity::{NotAfter, NotBefore, TimeOfDay};
pub use keyword::Keyword;
pub use operations::*;
pub use policy::*;
pub use profiles::*;
pub use vocabulary::*;
