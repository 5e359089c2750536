//! Who may do what: the compiled policy's permission table (R-5.2-RA-ROLES), asked
//! for every action of the RA's staff, by the HTTP layer before a request's body is
//! read and by the workflows again where the action depends on what the body says.
//! No role name is written in the server: the roles and what each may do are the
//! policy's.

use inkan_runtime::actions::RaAction;
use inkan_runtime::policy::Policy;

use super::error::{RaError, Result};
use super::model::Staff;

/// Refuses unless the policy gives `action` to the staff member's role.
pub fn check(policy: &dyn Policy, staff: &Staff, action: RaAction) -> Result<()> {
    check_any(policy, staff, &[action])
}

/// Refuses unless the policy gives the staff member's role one of `actions`.
pub fn check_any(policy: &dyn Policy, staff: &Staff, actions: &[RaAction]) -> Result<()> {
    if actions.iter().any(|a| policy.may(&staff.role, *a)) {
        return Ok(());
    }
    let mut roles: Vec<&str> = actions
        .iter()
        .flat_map(|a| policy.roles_that_may(*a))
        .collect();
    roles.sort_unstable();
    roles.dedup();
    let names: Vec<&str> = actions.iter().map(|a| a.name()).collect();
    let whose = if roles.is_empty() {
        "no role may do it".to_string()
    } else {
        format!("it is for the role {}", roles.join(" or "))
    };
    Err(RaError::forbidden(format!(
        "{}: under this policy {whose}; `{}` is {} (R-5.2-RA-ROLES)",
        names.join(" or "),
        staff.login,
        staff.role
    )))
}
