//! A diff written for people and tools: text, Markdown grouped by section, JSON.

use std::fmt::Write as _;

use super::change::{Change, SECTIONS};

/// Whether any change alters what the CA issues.
pub fn affects_artefacts(changes: &[Change]) -> bool {
    changes.iter().any(|c| c.affects_artefacts)
}

fn describe(c: &Change) -> String {
    let what = match (c.old.is_empty(), c.new.is_empty()) {
        (true, false) => format!("{} added: {}", c.field, c.new),
        (false, true) => format!("{} removed (was {})", c.field, c.old),
        _ => format!("{} {} -> {}", c.field, c.old, c.new),
    };
    let rules = if c.rules.is_empty() {
        String::new()
    } else {
        format!(" [{}]", c.rules.join(", "))
    };
    format!("{}: {what}{rules}", c.subject)
}

/// Plain text, grouped by section.
pub fn to_text(changes: &[Change]) -> String {
    let mut out = String::new();
    for (key, title) in SECTIONS {
        let here: Vec<&Change> = changes.iter().filter(|c| c.section == key).collect();
        if here.is_empty() {
            continue;
        }
        let _ = writeln!(out, "{key} {title}");
        for c in here {
            let _ = writeln!(
                out,
                "  {}{}",
                describe(c),
                if c.affects_artefacts {
                    ""
                } else {
                    "  (no effect on issued artefacts)"
                }
            );
        }
    }
    if changes.is_empty() {
        out.push_str("no differences in meaning\n");
    }
    out
}

/// Markdown, a table per section.
pub fn to_markdown(changes: &[Change]) -> String {
    let mut out = String::new();
    for (key, title) in SECTIONS {
        let here: Vec<&Change> = changes.iter().filter(|c| c.section == key).collect();
        if here.is_empty() {
            continue;
        }
        let _ = writeln!(
            out,
            "## {key} {title}\n\n| entry | field | old | new | rules | changes artefacts |\n|---|---|---|---|---|---|"
        );
        for c in here {
            let cell = |s: &str| s.replace('|', "\\|");
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} |",
                cell(&c.subject),
                cell(&c.field),
                cell(&c.old),
                cell(&c.new),
                c.rules.join(", "),
                if c.affects_artefacts { "yes" } else { "no" }
            );
        }
        out.push('\n');
    }
    if changes.is_empty() {
        out.push_str("No differences in meaning.\n");
    }
    out
}

/// JSON, for tools.
pub fn to_json(changes: &[Change]) -> serde_json::Value {
    serde_json::json!({
        "affects_artefacts": affects_artefacts(changes),
        "changes": changes.iter().map(|c| serde_json::json!({
            "section": c.section, "subject": c.subject, "field": c.field, "old": c.old, "new": c.new,
            "rules": c.rules, "affects_artefacts": c.affects_artefacts,
        })).collect::<Vec<_>>(),
    })
}
