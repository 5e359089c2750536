//! Two revisions of the dated parts of a policy: the calendar of business days
//! (R-4.9-DEADLINE: zone, weekend, each year's public holidays, filed under 4.9 where
//! the deadlines are) and the yearly renewal notice (R-4.6-RENEWAL, under 4.6).

use super::NOT_STATED;
use super::change::Differ;
use crate::model::{Calendar, Renewal};

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

pub(super) fn renewal(d: &mut Differ, old: Option<&Renewal>, new: Option<&Renewal>) {
    let cites = new.or(old).map(|r| r.cites.clone()).unwrap_or_default();
    let fields = |r: Option<&Renewal>| -> [String; 5] {
        match r {
            Some(r) => [
                format!(
                    "{} {}",
                    crate::lang::MONTHS[usize::from(r.expiry.0 - 1)],
                    r.expiry.1
                ),
                r.delivery.name().to_string(),
                format!("{} days before expiry", r.notice_by_days),
                format!("{} days before expiry", r.opens_days),
                r.to.name().to_string(),
            ],
            None => std::array::from_fn(|_| NOT_STATED.to_string()),
        }
    };
    let names = [
        "expiry",
        "delivery",
        "sent at least",
        "list opens",
        "recipients",
    ];
    for (field, (a, b)) in names.iter().zip(fields(old).into_iter().zip(fields(new))) {
        d.push("4.6", "renewal notice", field, a, b, &cites, false);
    }
}
