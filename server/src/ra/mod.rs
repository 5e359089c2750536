//! The registration authority's domain: its records and the workflows of the CPS that
//! run on them together with the CA, with no HTTP in sight. The HTTP layer
//! (`crate::http`), the jobs and the CLI call into it; it calls the runtime.
//!
//! The files, in reading order: [`error`] (what the RA refuses, by meaning),
//! [`model`] (the records' shapes), [`secrets`] (hashes and tokens), [`records`]
//! ([`Ra`], the records in the CA's database), [`permissions`] (the policy's table of
//! who may do what), [`workflow`] (the policy's state machines: may this person take
//! this step now?), then what needs both the CA and the records: [`cases`] (a step
//! taken, with its effect), [`enrollment`], [`revocation`] and [`renewal`].

pub mod cases;
pub mod enrollment;
pub mod error;
pub mod forms;
pub mod model;
pub mod permissions;
pub mod records;
pub mod renewal;
pub mod revocation;
pub mod secrets;
pub mod workflow;

pub use error::RaError;
pub use model::{
    Application, Developer, DeveloperRemoval, RegistrationChange, RenewalNotice, RevocationRequest,
    Staff,
};
pub use records::archive::ArchivePurge;
pub use records::{MIGRATIONS, Ra};
