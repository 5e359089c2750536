//! The RA console: server-rendered pages for the RA's staff (issue 17), forms that work
//! without JavaScript, in the policy's languages. Every page asks the same questions
//! as the JSON API (the staff [`Session`], the policy's permission for each action,
//! the workflow for each step) and shows each role only what the policy lets it do.
//!
//! - `queues.rs`: the front page, what waits for this person;
//! - `cases.rs`: an application form or a revocation request, its steps, the next
//!   step's buttons, and the passwords shown once;
//! - `developers.rs`: the developer registry, searched and read;
//! - `forms.rs`: recording a received application form; `revoke.rs`: recording a
//!   revocation request; `register.rs`: registering a developer; `paper.rs`: a paper
//!   form drawn from the policy's form;
//! - `removal.rs`: a developer's removal with its consequences shown first, and the
//!   audit trail of one developer or one certificate.
//!
//! Forms are protected against cross-site requests three ways: the session cookie is
//! `SameSite=Strict`; a POST whose `Origin` or `Sec-Fetch-Site` says another site sent
//! it is refused; and every form carries a synchronizer token derived from the session
//! token (SHA-256 under a fixed label), which another site cannot read or compute.

mod cases;
mod developers;
mod forms;
mod paper;
mod queues;
mod register;
mod removal;
mod revoke;

use axum::Router;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::extract::{ApiForm, Session, session_cookie, session_token};
use super::lang::Lang;
use super::pages::{escape, framed, page};
use super::problem::ApiError;
use crate::state::AppState;

/// The console's routes (the login form is in `limits.rs`, rate-limited).
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/ra", get(queues::queues))
        .route("/ra/logout", post(logout))
        .route("/ra/applications", post(forms::record))
        .route("/ra/applications/new", get(forms::new))
        .route("/ra/applications/{id}", get(cases::application))
        .route("/ra/applications/{id}/steps", post(cases::application_step))
        .route("/ra/revocations", post(revoke::record))
        .route("/ra/revocations/new", get(revoke::new))
        .route("/ra/revocations/{id}", get(cases::revocation))
        .route("/ra/revocations/{id}/steps", post(cases::revocation_step))
        .route(
            "/ra/developers",
            get(developers::list).post(register::register),
        )
        .route("/ra/developers/new", get(register::new))
        .route("/ra/developers/{number}", get(developers::detail))
        .route(
            "/ra/developers/{number}/removal",
            get(removal::confirm).post(removal::propose),
        )
        .route(
            "/ra/developers/{number}/registration",
            get(register::change_form).post(register::change),
        )
        .route(
            "/ra/developers/{number}/trail",
            get(removal::developer_trail),
        )
        .route(
            "/ra/certificates/{serial}/trail",
            get(removal::certificate_trail),
        )
        .route("/ra/removals/{id}", get(cases::removal))
        .route("/ra/removals/{id}/steps", post(cases::removal_step))
}

/// A staff member at the console: their session, the page's language and the form
/// token. Without a valid session the request goes to the login page.
pub(super) struct Desk {
    pub session: Session,
    pub lang: Lang,
    pub csrf: String,
    /// Whether the client reads HTML (a browser) rather than problem documents.
    pub html: bool,
    /// The origin people reach the service at (`public_url`'s scheme and authority).
    origin: String,
}

/// Whether the request's `Accept` prefers HTML: a browser at the console.
fn wants_html(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/html"))
}

impl FromRequestParts<AppState> for Desk {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let Ok(lang) = Lang::from_request_parts(parts, state).await;
        let html = wants_html(&parts.headers);
        let token = session_token(&parts.headers);
        match Session::from_request_parts(parts, state).await {
            Ok(session) => Ok(Desk {
                session,
                lang,
                csrf: csrf_for(token.as_deref().unwrap_or_default()),
                html,
                origin: origin_of(&state.config().public_url),
            }),
            // Not logged in, or the session expired: to the login form.
            Err(e) if e.status == StatusCode::UNAUTHORIZED && html => {
                Err(Redirect::to("/ra/login").into_response())
            }
            Err(e) => Err(e.into_response()),
        }
    }
}

/// The form token of the session whose cookie holds `token`.
fn csrf_for(token: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"inkan console form token\0");
    h.update(token.as_bytes());
    hex::encode(h.finalize())
}

/// The origin (scheme and authority) of a URL such as `public_url`.
fn origin_of(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => {
            let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
            format!(
                "{}://{}",
                scheme.to_ascii_lowercase(),
                authority.to_ascii_lowercase()
            )
        }
        None => String::new(),
    }
}

/// Refuses a form sent by another site: by its `Sec-Fetch-Site`, or by an `Origin`
/// that is neither the service's public origin (`public`, set behind a proxy) nor the
/// host the request names; and, for a logged-in form, by its token.
fn same_site(
    headers: &HeaderMap,
    public: &str,
    expected: Option<&str>,
    sent: &str,
) -> Result<(), ApiError> {
    let refuse = || ApiError::rejected(StatusCode::FORBIDDEN, "csrf-refused");
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok())
        && !matches!(site, "same-origin" | "none")
    {
        return Err(refuse());
    }
    if let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        let host = headers
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_ascii_lowercase();
        let origin = origin_of(origin);
        let names_host = origin.split_once("://").is_some_and(|(_, h)| h == host);
        if origin != public && !names_host {
            return Err(refuse());
        }
    }
    if let Some(expected) = expected {
        let (a, b) = (expected.as_bytes(), sent.as_bytes());
        let differ = a.len() != b.len() || a.iter().zip(b).fold(0u8, |d, (x, y)| d | (x ^ y)) != 0;
        if differ {
            return Err(refuse());
        }
    }
    Ok(())
}

impl Desk {
    /// Refuses this form unless this console's page sent it.
    pub fn check_form(&self, headers: &HeaderMap, sent: &str) -> Result<(), ApiError> {
        same_site(headers, &self.origin, Some(&self.csrf), sent)
    }

    /// The hidden field every form of the console carries.
    pub fn token_field(&self) -> String {
        format!(
            "<input type=\"hidden\" name=\"csrf\" value=\"{}\">",
            escape(&self.csrf)
        )
    }

    /// A console page: the staff member and the way out above `body`.
    pub fn page(&self, title: &str, body: &str) -> Html<String> {
        let tr = &self.lang.tr;
        let staff = &self.session.staff;
        let header = format!(
            "<header class=\"desk\"><span id=\"who\">{}</span> · <a href=\"/ra\">{}</a> · <a href=\"/ra/developers\">{}</a> <form class=\"inline\" method=\"post\" action=\"/ra/logout\">{}<button type=\"submit\" id=\"logout\">{}</button></form></header>",
            escape(&tr.t_with(
                "logged-in-as",
                &[("person", &staff.login), ("role", &staff.role)]
            )),
            escape(&tr.t("nav-queues")),
            escape(&tr.t("nav-developers")),
            self.token_field(),
            escape(&tr.t("logout")),
        );
        framed(&self.lang, &header, title, body)
    }

    /// What a failed step or read answers: a page for a browser, a problem document
    /// for any other client.
    pub fn fail(&self, e: ApiError) -> Response {
        if !self.html {
            return e.into_response();
        }
        let tr = &self.lang.tr;
        let detail = if e.detail == "csrf-refused" {
            tr.t("csrf-refused")
        } else {
            e.detail.clone()
        };
        (
            e.status,
            self.page(
                &tr.t("error-title"),
                &format!(
                    "<p class=\"error\" id=\"error\">{}</p><p><a href=\"/ra\">{}</a></p>",
                    escape(&detail),
                    escape(&tr.t("back-to-queues"))
                ),
            ),
        )
            .into_response()
    }
}

/// The login form.
fn login_form(lang: &Lang, error: Option<&str>) -> Html<String> {
    let tr = &lang.tr;
    let t = |id: &str| escape(&tr.t(id));
    let error = error.map_or_else(String::new, |e| {
        format!(
            "<p class=\"error\" id=\"error\" role=\"alert\">{}</p>",
            escape(e)
        )
    });
    page(
        lang,
        &tr.t("login-title"),
        &format!(
            "{error}<form method=\"post\" action=\"/ra/login\"><label for=\"login\">{}</label><input id=\"login\" name=\"login\" autocomplete=\"username\" required><label for=\"password\">{}</label><input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"current-password\" required><p><button type=\"submit\" id=\"submit\">{}</button></p></form>",
            t("login-login"),
            t("login-password"),
            t("login-submit"),
        ),
    )
}

pub(super) async fn login_page(lang: Lang) -> Html<String> {
    login_form(&lang, None)
}

#[derive(Deserialize)]
pub(super) struct LoginForm {
    login: String,
    password: String,
}

/// `POST /ra/login` (R-5.2-OPERATOR-AUTH): the session cookie, then the queues.
pub(super) async fn login(
    State(state): State<AppState>,
    lang: Lang,
    headers: HeaderMap,
    ApiForm(form): ApiForm<LoginForm>,
) -> Response {
    if let Err(e) = same_site(&headers, &origin_of(&state.config().public_url), None, "") {
        return (
            e.status,
            login_form(&lang, Some(&lang.tr.t("csrf-refused"))),
        )
            .into_response();
    }
    let now = state.now();
    let minutes = state.config().session_minutes;
    let answer = state
        .with_ra(move |ra| ra.login(&form.login, &form.password, now, minutes))
        .await;
    match answer {
        Ok((token, _)) => {
            let cookie = session_cookie(&token, minutes, &state.config().public_url);
            ([(header::SET_COOKIE, cookie)], Redirect::to("/ra")).into_response()
        }
        Err(e) => {
            let e = ApiError::from(e);
            let said = if e.status == StatusCode::UNAUTHORIZED {
                lang.tr.t("login-failed")
            } else {
                e.detail.clone()
            };
            (e.status, login_form(&lang, Some(&said))).into_response()
        }
    }
}

#[derive(Deserialize)]
pub(super) struct TokenForm {
    csrf: String,
}

/// `POST /ra/logout`: the session ends at once, here and in the database.
pub(super) async fn logout(
    State(state): State<AppState>,
    desk: Desk,
    headers: HeaderMap,
    ApiForm(form): ApiForm<TokenForm>,
) -> Response {
    if let Err(e) = desk.check_form(&headers, &form.csrf) {
        return desk.fail(e);
    }
    if let Some(t) = session_token(&headers)
        && let Err(e) = state.with_ra(move |ra| ra.logout(&t)).await
    {
        return desk.fail(e.into());
    }
    let gone = session_cookie("", 0, &state.config().public_url);
    ([(header::SET_COOKIE, gone)], Redirect::to("/ra/login")).into_response()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().unwrap());
        }
        h
    }

    #[test]
    fn a_form_from_another_site_or_without_the_token_is_refused() {
        let ok = headers(&[
            ("host", "ra.example:8443"),
            ("origin", "https://ra.example:8443"),
        ]);
        let token = csrf_for("session");
        assert!(same_site(&ok, "", Some(&token), &token).is_ok());
        assert!(same_site(&ok, "", Some(&token), "").is_err());
        assert!(same_site(&ok, "", Some(&token), &csrf_for("another session")).is_err());
        let other = headers(&[
            ("host", "ra.example:8443"),
            ("origin", "https://evil.example"),
        ]);
        assert!(same_site(&other, "", Some(&token), &token).is_err());
        assert!(same_site(&other, "", None, "").is_err());
        let cross = headers(&[
            ("host", "ra.example:8443"),
            ("sec-fetch-site", "cross-site"),
        ]);
        assert!(same_site(&cross, "", None, "").is_err());
        // Behind a proxy: the browser's origin is the public one, the host is not.
        let proxied = headers(&[("host", "127.0.0.1:8443"), ("origin", "https://RA.example")]);
        assert!(same_site(&proxied, "https://ra.example", Some(&token), &token).is_ok());
        assert!(same_site(&proxied, "http://ra.example", Some(&token), &token).is_err());
        assert_eq!(
            origin_of("https://ra.example:8443/path?q"),
            "https://ra.example:8443"
        );
        let typed = headers(&[("host", "ra.example:8443"), ("sec-fetch-site", "none")]);
        assert!(same_site(&typed, "", None, "").is_ok());
    }
}
