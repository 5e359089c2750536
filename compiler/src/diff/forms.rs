//! Changes to the RA's forms between two revisions (R-3.2-FORM-A, R-3.2-FORM-B,
//! R-3.4-REVOKE-FORM, R-3.2-ORG-CHECK): each form matched by what it is for and its
//! class, each field by name; a field added, dropped or holding something else is a
//! change under 3.2 (applications, registrations) or 3.4 (revocations).

use super::change::Differ;
use crate::model::*;

/// Every field of every form of both revisions, old against new.
pub(super) fn forms(d: &mut Differ, old: &[Form], new: &[Form]) {
    let mut titles: Vec<(FormFor, Option<String>)> = old
        .iter()
        .chain(new)
        .map(|f| (f.form, f.class.clone()))
        .collect();
    titles.sort();
    titles.dedup();
    for (what, class) in titles {
        let find = |v: &'_ [Form]| {
            v.iter()
                .find(|f| f.form == what && f.class == class)
                .cloned()
        };
        let (a, b) = (find(old), find(new));
        let Some(any) = b.as_ref().or(a.as_ref()) else {
            continue;
        };
        let section = match what {
            FormFor::Revocation => "3.4",
            FormFor::Application | FormFor::Registration => "3.2",
        };
        let subject = format!("{} form", any.title());
        let mut names: Vec<&String> = a
            .iter()
            .chain(&b)
            .flat_map(|f| f.fields.iter().map(|(n, _)| n))
            .collect();
        names.sort();
        names.dedup();
        for n in names {
            let kind = |f: &Option<Form>| {
                f.as_ref()
                    .and_then(|f| f.fields.iter().find(|(k, _)| k == n))
                    .map_or(String::new(), |(_, k)| k.name().to_string())
            };
            d.push(section, &subject, n, kind(&a), kind(&b), &any.cites, false);
        }
    }
}
