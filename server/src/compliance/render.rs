//! A compliance report as an auditor's working paper (Markdown or printable HTML) or
//! as stable JSON for tools. Both papers open with the policy's SHA-256 and the audit
//! head the report was computed on, so that two people can reproduce it; then a
//! summary table (rule, CPS section, verdict), then each check with its evidence.

use super::{Report, Verdict};

/// The report as pretty JSON (the shape of [`Report`]).
pub fn json(r: &Report) -> String {
    serde_json::to_string_pretty(r).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

/// `12 met, 2 violated, 5 not applicable, 30 cannot be judged`.
fn counts(r: &Report) -> String {
    [
        Verdict::Met,
        Verdict::Violated,
        Verdict::NotApplicable,
        Verdict::CannotJudge,
    ]
    .iter()
    .map(|v| {
        let n = r.rules.iter().filter(|x| x.verdict == *v).count();
        format!("{n} {}", v.text().to_lowercase())
    })
    .collect::<Vec<_>>()
    .join(", ")
}

fn entries(seqs: &[u64]) -> String {
    let mut v = seqs.to_vec();
    v.sort_unstable();
    v.dedup();
    v.iter().map(u64::to_string).collect::<Vec<_>>().join(", ")
}

/// The report as Markdown.
pub fn markdown(r: &Report) -> String {
    let mut s = format!(
        "# Compliance report: {}\n\n- Period: {} to {} (end excluded)\n- Policy SHA-256: `{}`\n- Audit head: entry {} `{}`\n- Made at: {}\n- Overall: **{}** (rules: {})\n\n",
        r.policy,
        r.period.from,
        r.period.to,
        r.policy_sha256,
        r.head.seq,
        r.head.hash,
        r.made_at,
        r.overall().text(),
        counts(r)
    );
    s.push_str("## Rules\n\n| rule | CPS | kind | verdict | checks |\n|---|---|---|---|---|\n");
    for rule in &r.rules {
        let checks: Vec<String> = rule
            .findings
            .iter()
            .map(|i| format!("[{}](#check-{})", i + 1, i + 1))
            .collect();
        s.push_str(&format!(
            "| {} | {} | {} | {} | {} |\n",
            rule.id,
            rule.section,
            rule.kind,
            rule.verdict.text(),
            if checks.is_empty() {
                "-".to_string()
            } else {
                checks.join(" ")
            }
        ));
    }
    s.push_str("\n## Checks\n");
    for (i, f) in r.findings.iter().enumerate() {
        s.push_str(&format!(
            "\n### <a id=\"check-{}\"></a>{}. {}\n\n- Verdict: **{}**\n- Rules: {}\n- {}\n",
            i + 1,
            i + 1,
            f.check,
            f.verdict.text(),
            f.rules.join(", "),
            f.summary
        ));
        if let Some(w) = &f.worst {
            s.push_str(&format!("- {w}\n"));
        }
        if !f.entries.is_empty() {
            s.push_str(&format!("- Audit entries: {}\n", entries(&f.entries)));
        }
        for e in &f.evidence {
            s.push_str(&format!("  - {e}\n"));
        }
    }
    let unjudged: Vec<&str> = r
        .rules
        .iter()
        .filter(|x| x.why.is_some())
        .map(|x| x.id.as_str())
        .collect();
    if !unjudged.is_empty() {
        s.push_str(&format!(
            "\n## Not judged from the record\n\n{}: no check of the record reads these rules yet.\n",
            unjudged.join(", ")
        ));
    }
    if !r.notes.is_empty() {
        s.push_str("\n## Notes\n\n");
        for n in &r.notes {
            s.push_str(&format!("- {n}\n"));
        }
    }
    s
}

fn esc(t: &str) -> String {
    t.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Escaped, with `code` spans as <code>.
fn esc_code(t: &str) -> String {
    esc(t)
        .split('`')
        .enumerate()
        .map(|(i, part)| {
            if i % 2 == 1 {
                format!("<code>{part}</code>")
            } else {
                part.to_string()
            }
        })
        .collect()
}

fn class(v: Verdict) -> &'static str {
    match v {
        Verdict::Violated => "violated",
        Verdict::Met => "met",
        Verdict::NotApplicable => "na",
        Verdict::CannotJudge => "cj",
    }
}

/// The report as one printable HTML page.
pub fn html(r: &Report) -> String {
    let mut s = String::from(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>Compliance report</title>\n<style>\nbody{font:14px/1.45 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#111}\ntable{border-collapse:collapse;width:100%;margin:1rem 0}td,th{border:1px solid #bbb;padding:.25rem .5rem;text-align:left;vertical-align:top}\nth{background:#eee}.violated{background:#fdd;font-weight:bold}.met{background:#dfd}.na{color:#555}.cj{background:#ffd}\ncode{font-size:12px;word-break:break-all}section{break-inside:avoid;border-top:1px solid #ccc;margin-top:1rem}\n@media print{body{margin:0;max-width:none}a{color:inherit;text-decoration:none}}\n</style></head><body>\n",
    );
    s.push_str(&format!(
        "<h1>Compliance report: {}</h1>\n<table><tr><th>Period</th><td>{} to {} (end excluded)</td></tr><tr><th>Policy SHA-256</th><td><code>{}</code></td></tr><tr><th>Audit head</th><td>entry {} <code>{}</code></td></tr><tr><th>Made at</th><td>{}</td></tr><tr><th>Overall</th><td class=\"{}\">{}</td></tr><tr><th>Rules</th><td>{}</td></tr></table>\n",
        esc(&r.policy),
        r.period.from,
        r.period.to,
        esc(&r.policy_sha256),
        r.head.seq,
        esc(&r.head.hash),
        r.made_at,
        class(r.overall()),
        r.overall().text(),
        counts(r)
    ));
    s.push_str("<h2>Rules</h2>\n<table><tr><th>Rule</th><th>CPS</th><th>Kind</th><th>Verdict</th><th>Checks</th></tr>\n");
    for rule in &r.rules {
        let checks: Vec<String> = rule
            .findings
            .iter()
            .map(|i| format!("<a href=\"#check-{0}\">{0}</a>", i + 1))
            .collect();
        s.push_str(&format!(
            "<tr><td>{}<br><small>{}</small></td><td>{}</td><td>{}</td><td class=\"{}\">{}</td><td>{}</td></tr>\n",
            esc(&rule.id),
            esc(&rule.text),
            esc(&rule.section),
            esc(&rule.kind),
            class(rule.verdict),
            rule.verdict.text(),
            if checks.is_empty() { "-".to_string() } else { checks.join(" ") }
        ));
    }
    s.push_str("</table>\n<h2>Checks</h2>\n");
    for (i, f) in r.findings.iter().enumerate() {
        s.push_str(&format!(
            "<section id=\"check-{}\"><h3>{}. {}</h3>\n<p><span class=\"{}\">{}</span> &middot; {} &middot; {}</p>\n",
            i + 1,
            i + 1,
            esc_code(&f.check),
            class(f.verdict),
            f.verdict.text(),
            esc(&f.rules.join(", ")),
            esc(&f.summary)
        ));
        if let Some(w) = &f.worst {
            s.push_str(&format!("<p>{}</p>\n", esc(w)));
        }
        if !f.entries.is_empty() {
            s.push_str(&format!("<p>Audit entries: {}</p>\n", entries(&f.entries)));
        }
        if !f.evidence.is_empty() {
            s.push_str("<ul>\n");
            for e in &f.evidence {
                s.push_str(&format!("<li>{}</li>\n", esc_code(e)));
            }
            s.push_str("</ul>\n");
        }
        s.push_str("</section>\n");
    }
    if !r.notes.is_empty() {
        s.push_str("<h2>Notes</h2>\n<ul>\n");
        for n in &r.notes {
            s.push_str(&format!("<li>{}</li>\n", esc(n)));
        }
        s.push_str("</ul>\n");
    }
    s.push_str("</body></html>\n");
    s
}
