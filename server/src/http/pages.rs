//! The server-rendered pages' frame: one small style sheet, a title, and HTML escaping
//! of everything that is not markup.

use axum::response::Html;

const STYLE: &str = "body{font-family:sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;line-height:1.5}textarea{width:100%;font-family:monospace}pre{background:#f4f4f4;padding:1rem;overflow-x:auto}.error{color:#a00}label{display:block;margin-top:1rem}";

/// A page with `title` as its title and heading, and `body` (HTML) below.
pub fn page(title: &str, body: &str) -> Html<String> {
    Html(format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title><style>{STYLE}</style></head><body><h1>{}</h1>{body}</body></html>",
        escape(title),
        escape(title)
    ))
}

/// HTML-escapes text.
pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}
