//! The types a compiled inkan policy is made of.
//!
//! `cargo xtask codegen` turns each `policy/*.yaml` into a crate under `generated/`
//! whose items are `static` values of these types: certificate and CRL profiles that
//! read like the CPS tables ([`policy`]), subscriber names made and read by generated
//! functions over the helpers in [`name`], and validity rules as functions over the
//! UTC [`calendar`], deadlines in the CA's business days ([`business`]); the RA's staff actions a policy gives to roles are [`actions`], and the
//! state machines those actions drive are [`workflow`].
//! A generated crate depends on this crate alone, so it carries no database, HSM or
//! async runtime with it; the engine that issues from these tables
//! is `inkan-runtime`, which re-exports every module here under the same names.
//!
//! Everything here is plain data or pure arithmetic: no I/O, no clock other than
//! [`calendar::Timestamp::now`], nothing that can fail at start-up.

#![forbid(unsafe_code)]

/// Gives a closed set its policy spellings: `ALL`, `name` and `from_name`.
macro_rules! names {
    ($t:ty { $($v:ident = $s:literal),+ $(,)? }) => {
        impl $t {
            /// Every value.
            pub const ALL: &'static [$t] = &[$(<$t>::$v),+];
            /// The policy spelling.
            pub fn name(self) -> &'static str {
                match self { $(<$t>::$v => $s),+ }
            }
            /// Reads the policy spelling.
            pub fn from_name(s: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|v| v.name() == s)
            }
        }
    };
}

pub mod actions;
pub mod archive;
pub mod business;
pub mod calendar;
pub mod eligibility;
pub mod forms;
pub mod language;
pub mod lifecycle;
pub mod name;
pub mod policy;
pub mod renewal;
pub mod workflow;
