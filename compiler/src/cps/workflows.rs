//! The RA's workflows rendered as CPS tables (R-4.2-FLOW, R-5.2-DUAL-CHECK,
//! R-3.4-REVOKE-CONFIRM, R-4.11-LEAVE): one table per workflow, one row per step,
//! saying who takes it (the roles the policy gives its action), who may not, and what
//! the service then does.

use super::table::{Table, cites, t};
use crate::model::*;

/// The tables of every workflow of `subject`, in the policy's order.
pub(super) fn tables(policy: &Policy, subject: Subject) -> Vec<Table> {
    let Some(ra) = &policy.ra else {
        return Vec::new();
    };
    ra.workflows
        .iter()
        .filter(|w| w.subject == subject)
        .map(|w| table(ra, w))
        .collect()
}

fn table(ra: &Ra, w: &Workflow) -> Table {
    let who = |by: By| match by {
        By::Staff(a) => {
            let roles: Vec<&str> = ra
                .roles
                .iter()
                .filter(|r| r.may.contains(&a))
                .map(|r| r.name.as_str())
                .collect();
            format!("{} ({})", a.name(), roles.join(", "))
        }
        By::ManagerLink => "the applicant manager, by the e-mailed link".into(),
    };
    let who_within = |s: &Step| match s.expires_days {
        Some(d) => format!("{}, within {d} days of its mailing", who(s.by)),
        None => who(s.by),
    };
    let mut rows = vec![vec![
        "(opens)".into(),
        format!("{} ({})", w.opens.name(), roles_of(ra, w.opens)),
        w.start.clone(),
        "-".into(),
        "-".into(),
        "-".into(),
    ]];
    rows.extend(w.steps.iter().map(|s| {
        vec![
            s.from.clone(),
            who_within(s),
            s.to.clone(),
            s.refused.clone().unwrap_or_else(|| "-".into()),
            if s.not_by.is_empty() {
                "-".into()
            } else {
                s.not_by
                    .iter()
                    .map(|a| a.name())
                    .collect::<Vec<_>>()
                    .join(", ")
            },
            s.then.map_or_else(|| "-".into(), |e| e.name().to_string()),
        ]
    }));
    let mut caption = format!("Workflow `{}`", w.name);
    if let Some(r) = w.requested_by {
        caption.push_str(&format!(", requested by {}", r.name()));
    }
    if !w.reasons.is_empty() {
        caption.push_str(&format!(", for {}", w.reasons.join(", ")));
    }
    if w.emergency {
        caption.push_str(
            " (an emergency of CPS 5.2.4: roles may be combined, two persons still check)",
        );
    }
    caption.push_str(&format!("; ends in {}", w.ends.join(" or ")));
    if !w.cites.is_empty() {
        caption.push_str(&format!(" [{}]", cites(&w.cites)));
    }
    t(
        &caption,
        &[
            "from",
            "step, by",
            "to",
            "refused: to",
            "not by whoever took",
            "then",
        ],
        rows,
    )
}

fn roles_of(ra: &Ra, action: RaAction) -> String {
    ra.roles
        .iter()
        .filter(|r| r.may.contains(&action))
        .map(|r| r.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}
