//! The commands, one file per group: [`ca`] makes and runs a CA directory, [`check`]
//! holds certificates and CRLs to a policy, [`verify`] is the relying party, [`serve`]
//! the service, [`audit`] the log and [`report`] its compliance report, [`policy`] the policy files, [`ra`] the RA's staff.

pub mod audit;
pub mod backup;
pub mod ca;
pub mod check;
pub mod keys;
pub mod policy;
pub mod ra;
pub mod report;
pub mod serve;
pub mod verify;
