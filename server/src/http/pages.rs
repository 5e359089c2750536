//! The server-rendered pages' frame: one small style sheet, the page's language with a
//! switch to the others the policy offers, a title, and HTML escaping of everything
//! that is not markup.

use axum::response::Html;

pub use crate::i18n::escape;

use super::lang::Lang;

const STYLE: &str = "body{font-family:sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;line-height:1.5}textarea{width:100%;font-family:monospace}pre{background:#f4f4f4;padding:1rem;overflow-x:auto}.error{color:#a00}label{display:block;margin-top:1rem}nav.lang{float:right;font-size:.9rem}header.desk{background:#f0f3f7;border-bottom:1px solid #ccd;padding:.5rem .75rem;margin-bottom:1rem}form.inline{display:inline;margin-left:.5rem}table{border-collapse:collapse;margin:.5rem 0;max-width:100%}th,td{border:1px solid #ccd;padding:.3rem .6rem;text-align:left;vertical-align:top}th{background:#f0f3f7}input:not([type=checkbox]){width:100%;max-width:30rem;padding:.3rem}button{padding:.35rem .9rem;margin:.25rem .25rem .25rem 0}.field-error{display:block}form.step{border:1px solid #ccd;padding:.5rem .75rem;margin:.5rem 0}code.password{font-size:1.2rem;letter-spacing:.05em}@media print{header.desk,nav.lang,button{display:none}}";

/// A page in `lang` with `title` as its title and heading, and `body` (HTML) below.
pub fn page(lang: &Lang, title: &str, body: &str) -> Html<String> {
    framed(lang, "", title, body)
}

/// As [`page`], with `header` (HTML) above the heading.
pub fn framed(lang: &Lang, header: &str, title: &str, body: &str) -> Html<String> {
    let here = lang.tr.lang();
    let others: Vec<String> = lang
        .offered
        .iter()
        .filter(|l| **l != here)
        .map(|l| {
            let query =
                serde_urlencoded::to_string([("to", l.name()), ("back", lang.here.as_str())])
                    .unwrap_or_default();
            format!(
                "<a href=\"/language?{}\" hreflang=\"{}\" lang=\"{}\">{}</a>",
                escape(&query),
                l.name(),
                l.name(),
                escape(&lang.tr.t(&format!("language-name-{}", l.name())))
            )
        })
        .collect();
    let switch = if others.is_empty() {
        String::new()
    } else {
        format!(
            "<nav class=\"lang\" aria-label=\"{}\">{}</nav>",
            escape(&lang.tr.t("language-switch")),
            others.join(" · ")
        )
    };
    Html(format!(
        "<!doctype html><html lang=\"{}\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{}</title><style>{STYLE}</style></head><body>{switch}{header}<h1>{}</h1>{body}</body></html>",
        here.name(),
        escape(title),
        escape(title)
    ))
}
