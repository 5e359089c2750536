//! Which language a page speaks: the one the visitor chose with the switch (a cookie),
//! else the best of their browser's `Accept-Language` among the policy's languages
//! (fluent-langneg), else the policy's default, its first (`repository.languages`); a
//! policy that names none speaks English. `GET /language` is the switch.

use axum::extract::{FromRequestParts, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use inkan_runtime::language::Language;
use serde::Deserialize;

use super::extract::cookie;
use crate::i18n::Tr;
use crate::state::AppState;

/// The cookie that keeps the visitor's choice.
const COOKIE: &str = "inkan_lang";

/// The language of this request's page, and what its switch needs.
pub struct Lang {
    /// Its messages.
    pub tr: Tr<'static>,
    /// Every language the policy offers, its default first.
    pub offered: &'static [Language],
    /// The path and query asked for, for the switch to come back to.
    pub here: String,
}

/// The languages the policy offers, its default first.
pub fn offered(state: &AppState) -> &'static [Language] {
    crate::i18n::offered(state.policy())
}

/// The best of `accept` (an `Accept-Language` value) among `offered`, else its first.
pub fn negotiate(accept: Option<&str>, offered: &'static [Language]) -> Language {
    let available: Vec<unic_langid::LanguageIdentifier> = offered
        .iter()
        .filter_map(|l| l.name().parse().ok())
        .collect();
    let requested = fluent_langneg::accepted_languages::parse(accept.unwrap_or(""));
    fluent_langneg::negotiate_languages(
        &requested,
        &available,
        None,
        fluent_langneg::NegotiationStrategy::Lookup,
    )
    .first()
    .and_then(|id| Language::from_name(id.language.as_str()))
    .or(offered.first().copied())
    .unwrap_or(Language::En)
}

impl FromRequestParts<AppState> for Lang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let offered = offered(state);
        let chosen = cookie(&parts.headers, COOKIE)
            .and_then(|c| Language::from_name(&c))
            .filter(|l| offered.contains(l));
        let lang = chosen.unwrap_or_else(|| {
            let accept = parts
                .headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok());
            negotiate(accept, offered)
        });
        Ok(Lang {
            tr: crate::i18n::catalogues().tr(lang),
            offered,
            here: parts
                .uri
                .path_and_query()
                .map_or_else(|| "/".to_string(), |p| p.as_str().to_string()),
        })
    }
}

#[derive(Deserialize)]
pub(super) struct Switch {
    to: String,
    back: Option<String>,
}

/// `GET /language?to=ja&back=/enroll`: keeps the choice in a cookie and goes back to
/// the page, which must be one of this site's (no open redirect).
pub(super) async fn switch(State(state): State<AppState>, Query(q): Query<Switch>) -> Response {
    let back = q
        .back
        // A path of this site: no scheme-relative `//`, no backslash, and nothing a
        // browser strips from a URL before reading it (tab, CR, LF turn `/\t/x` into
        // `//x`), nor anything else but visible ASCII.
        .filter(|b| {
            b.starts_with('/')
                && !b.starts_with("//")
                && b.bytes().all(|c| c.is_ascii_graphic() && c != b'\\')
        })
        .unwrap_or_else(|| "/".into());
    let mut response = (StatusCode::SEE_OTHER, [(header::LOCATION, back)]).into_response();
    if let Some(lang) = Language::from_name(&q.to).filter(|l| offered(&state).contains(l))
        && let Ok(v) = HeaderValue::from_str(&format!(
            "{COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly",
            lang.name()
        ))
    {
        response.headers_mut().insert(header::SET_COOKIE, v);
    }
    response
}
