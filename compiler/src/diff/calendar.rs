//! Two revisions of the calendar of business days (R-4.9-DEADLINE): its zone, its
//! weekend and each year's public holidays, filed under 4.9 where the deadlines are.

use super::NOT_STATED;
use super::change::Differ;
use crate::model::Calendar;

pub(super) fn calendar(d: &mut Differ, old: Option<&Calendar>, new: Option<&Calendar>) {
    if old.is_none() && new.is_none() {
        return;
    }
    let cites = new.or(old).map(|c| c.cites.clone()).unwrap_or_default();
    let stated = |c: Option<&Calendar>, f: &dyn Fn(&Calendar) -> String| {
        c.map_or_else(|| NOT_STATED.to_string(), f)
    };
    d.push(
        "4.9",
        "business days",
        "zone",
        stated(old, &|c| format!("UTC{}", c.zone())),
        stated(new, &|c| format!("UTC{}", c.zone())),
        &cites,
        false,
    );
    let weekend = |c: &Calendar| {
        c.weekend
            .iter()
            .map(|w| w.name())
            .collect::<Vec<_>>()
            .join(", ")
    };
    d.push(
        "4.9",
        "business days",
        "weekend",
        stated(old, &weekend),
        stated(new, &weekend),
        &cites,
        false,
    );
    let years =
        |c: Option<&Calendar>| c.map_or(Vec::new(), |c| (c.covers.0..=c.covers.1).collect());
    let mut all: Vec<i64> = years(old);
    all.extend(years(new));
    all.sort_unstable();
    all.dedup();
    // Each year's holidays as what one revision lists and the other does not, so a
    // moved equinox reads `03-21 -> 03-22`, not two lists of eighteen dates.
    for y in all {
        let of = |c: Option<&Calendar>| -> Vec<String> {
            c.map_or(Vec::new(), |c| {
                c.holidays
                    .iter()
                    .filter(|h| h.0 == y)
                    .map(|h| format!("{:02}-{:02}", h.1, h.2))
                    .collect()
            })
        };
        let (a, b) = (of(old), of(new));
        let only = |x: &[String], y: &[String]| {
            x.iter()
                .filter(|h| !y.contains(h))
                .cloned()
                .collect::<Vec<_>>()
                .join(", ")
        };
        d.push(
            "4.9",
            "business days",
            &format!("holidays of {y}"),
            only(&a, &b),
            only(&b, &a),
            &cites,
            false,
        );
    }
}
