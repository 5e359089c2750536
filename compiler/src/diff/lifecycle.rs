//! Changes to the certificate life cycle between two revisions, each under its CPS
//! section: 4.3 issuance, 4.4 receipt, 4.8 modification, 4.12 subscriber keys, 9.6 the
//! relying party's checks.

use super::change::{Differ, pick};
use crate::model::*;

/// A section, the field's name, a hint picking its rules, and how to read it.
type Row = (
    &'static str,
    &'static str,
    &'static str,
    fn(&Lifecycle) -> String,
);

pub(super) fn lifecycle(d: &mut Differ, old: Option<&Lifecycle>, new: Option<&Lifecycle>) {
    let cites = new.or(old).map(|l| l.cites.clone()).unwrap_or_default();
    let field = |l: Option<&Lifecycle>, f: fn(&Lifecycle) -> String| l.map(f).unwrap_or_default();
    let rows: [Row; 5] = [
        ("4.3", "issued", "4.2-PROMPT", |l| l.issued.name().into()),
        ("4.4", "received", "4.4", |l| l.received.name().into()),
        ("4.8", "modification", "4.8", |l| {
            l.modification.name().into()
        }),
        ("4.12", "subscriber keys", "4.12", |l| {
            l.subscriber_keys.name().into()
        }),
        ("9.6", "relying parties check", "9.6", |l| {
            let c: Vec<&str> = l.relying_parties.iter().map(|c| c.name()).collect();
            c.join(", ")
        }),
    ];
    for (section, name, hint, f) in rows {
        d.push(
            section,
            "lifecycle",
            name,
            field(old, f),
            field(new, f),
            &pick(&cites, hint),
            false,
        );
    }
}
