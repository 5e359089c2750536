//! The registration authority's domain: its records and the workflows of the CPS that
//! run on them together with the CA, with no HTTP in sight. The HTTP layer
//! (`crate::http`), the jobs and the CLI call into it; it calls the runtime.
//!
//! The files, in reading order: [`error`] (what the RA refuses, by meaning),
//! [`model`] (the records' shapes), [`secrets`] (hashes and tokens), [`records`]
//! ([`Ra`], the records in the CA's database), [`permissions`] (the policy's table of
//! who may do what), then the workflows that need both the
//! CA and the records: [`enrollment`], [`revocation`] and [`renewal`].

pub mod enrollment;
pub mod error;
pub mod model;
pub mod permissions;
pub mod records;
pub mod renewal;
pub mod revocation;
pub mod secrets;

pub use error::RaError;
pub use model::{Application, Developer, RenewalNotice, RevocationRequest, Staff};
pub use records::{MIGRATIONS, Ra};
