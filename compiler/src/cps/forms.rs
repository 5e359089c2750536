//! The forms of CPS 3.2 and 3.4, rendered from the policy: one table per form, its
//! fields in the paper's order and what each must hold (R-3.2-FORM-A, R-3.2-FORM-B,
//! R-3.4-REVOKE-FORM, R-3.2-ORG-CHECK).

use super::table::{Table, cites, t};
use crate::model::*;

fn holds(kind: FieldKind) -> &'static str {
    match kind {
        FieldKind::Text => "text",
        FieldKind::Email => "an e-mail address",
        FieldKind::Names => "one or more names",
        FieldKind::Seen => "seen on the paper by the operator",
    }
}

fn caption(f: &Form) -> String {
    let what = match f.form {
        FormFor::Application => "Application form",
        FormFor::Revocation => "Revocation form",
        FormFor::Registration => "Registration check",
    };
    match &f.class {
        Some(c) => format!("{what}, class {c}"),
        None => what.to_string(),
    }
}

/// The tables of the policy's forms for `what`, in the policy's order.
pub(super) fn tables(policy: &Policy, what: FormFor) -> Vec<Table> {
    policy
        .ra
        .iter()
        .flat_map(|ra| &ra.forms)
        .filter(|f| f.form == what)
        .map(|f| {
            t(
                &caption(f),
                &["field", "holds", "CPS rules"],
                f.fields
                    .iter()
                    .map(|(n, k)| vec![n.clone(), holds(*k).into(), cites(&f.cites)])
                    .collect(),
            )
        })
        .collect()
}
