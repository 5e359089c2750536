//! Changes to the RA's cases between two revisions: who may apply (3.2 classes, 4.1
//! registrations and the form's e-mail; R-3.2-CLASSES, R-4.1-ELIGIBLE), and the
//! workflows (R-4.2-FLOW, R-5.2-DUAL-CHECK, R-5.2-SEPARATION), matched by workflow
//! name, then each step by the state it leaves and who takes it, filed under the
//! section of the kind of case (4.2 applications, 4.9 revocations, 4.11 removals).

use super::change::Differ;
use crate::model::*;

fn section(subject: Subject) -> &'static str {
    match subject {
        Subject::Application => "4.2",
        Subject::Revocation => "4.9",
        Subject::DeveloperRemoval => "4.11",
    }
}

/// What a workflow says, field by field, keyed so two revisions line up.
fn fields(w: &Workflow) -> Vec<(String, String)> {
    let mut out = vec![
        ("kind of case".to_string(), w.subject.name().to_string()),
        (
            "requested by".to_string(),
            w.requested_by.map_or("-", |r| r.name()).to_string(),
        ),
        ("reasons".to_string(), w.reasons.join(", ")),
        ("emergency (CPS 5.2.4)".to_string(), w.emergency.to_string()),
        (
            "opens".to_string(),
            format!("by {} at {}", w.opens.name(), w.start),
        ),
        ("ends".to_string(), w.ends.join(", ")),
    ];
    for s in &w.steps {
        let mut v = format!("to {}", s.to);
        if let Some(r) = &s.refused {
            v.push_str(&format!(", refused to {r}"));
        }
        if !s.not_by.is_empty() {
            let names: Vec<&str> = s.not_by.iter().map(|a| a.name()).collect();
            v.push_str(&format!(", not by whoever took {}", names.join(" or ")));
        }
        if let Some(e) = s.then {
            v.push_str(&format!(", then {}", e.name()));
        }
        if let Some(d) = s.expires_days {
            v.push_str(&format!(", expires {d} days after it is mailed"));
        }
        out.push((format!("step from {} by {}", s.from, s.by.name()), v));
    }
    out
}

/// Who may apply (R-3.2-CLASSES, R-4.1-ELIGIBLE, R-3.2-EMAIL-MATCH): each class under
/// 3.2, each registration and the form's e-mail under 4.1.
pub(super) fn applicants(d: &mut Differ, old: Option<&Applicants>, new: Option<&Applicants>) {
    let cites = new.or(old).map(|a| a.cites.clone()).unwrap_or_default();
    let none: Vec<(String, String)> = Vec::new();
    let classes = |a: Option<&Applicants>| a.map_or(none.clone(), |a| a.classes.clone());
    let (ca, cb) = (classes(old), classes(new));
    let mut names: Vec<&String> = ca.iter().chain(&cb).map(|(n, _)| n).collect();
    names.sort();
    names.dedup();
    for n in names {
        let who = |v: &[(String, String)]| {
            v.iter()
                .find(|(k, _)| k == n)
                .map(|(_, w)| w.clone())
                .unwrap_or_default()
        };
        d.push(
            "3.2",
            &format!("class {n}"),
            "who",
            who(&ca),
            who(&cb),
            &cites,
            false,
        );
    }
    let regs = |a: Option<&Applicants>| {
        a.map_or(Vec::new(), |a| {
            a.registrations
                .iter()
                .map(|(n, m)| (n.clone(), m.name().to_string()))
                .collect::<Vec<_>>()
        })
    };
    let (ra, rb) = (regs(old), regs(new));
    let mut names: Vec<&String> = ra.iter().chain(&rb).map(|(n, _)| n).collect();
    names.sort();
    names.dedup();
    for n in names {
        let may = |v: &[(String, String)]| {
            v.iter()
                .find(|(k, _)| k == n)
                .map(|(_, m)| m.clone())
                .unwrap_or_default()
        };
        d.push(
            "4.1",
            &format!("registration {n}"),
            "may apply",
            may(&ra),
            may(&rb),
            &cites,
            false,
        );
    }
    let email =
        |a: Option<&Applicants>| a.map_or(String::new(), |a| a.form_email.name().to_string());
    d.push(
        "4.1",
        "application form",
        "e-mail",
        email(old),
        email(new),
        &cites,
        false,
    );
}

pub(super) fn workflows(d: &mut Differ, old: &[Workflow], new: &[Workflow]) {
    let mut names: Vec<&str> = old.iter().chain(new).map(|w| w.name.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    for name in names {
        let a = old.iter().find(|w| w.name == name);
        let b = new.iter().find(|w| w.name == name);
        let Some(kind) = b.or(a) else { continue };
        if a.is_none() || b.is_none() {
            // Added or removed whole: one line, the workflow in brief.
            let brief = |w: Option<&Workflow>| {
                w.map(|w| {
                    fields(w)
                        .into_iter()
                        .map(|(k, v)| format!("{k}: {v}"))
                        .collect::<Vec<_>>()
                        .join("; ")
                })
                .unwrap_or_default()
            };
            d.push(
                section(kind.subject),
                &format!("workflow {name}"),
                "workflow",
                brief(a),
                brief(b),
                &kind.cites,
                false,
            );
            continue;
        }
        let (fa, fb) = (
            a.map(fields).unwrap_or_default(),
            b.map(fields).unwrap_or_default(),
        );
        let mut keys: Vec<&String> = fa.iter().chain(&fb).map(|(k, _)| k).collect();
        keys.dedup();
        let mut seen = Vec::new();
        for key in keys {
            if seen.contains(&key) {
                continue;
            }
            seen.push(key);
            let value = |f: &[(String, String)]| {
                f.iter()
                    .find(|(k, _)| k == key)
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default()
            };
            d.push(
                section(kind.subject),
                &format!("workflow {name}"),
                key,
                value(&fa),
                value(&fb),
                &kind.cites,
                false,
            );
        }
    }
}
