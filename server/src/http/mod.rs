//! The HTTP surface of `inkan serve` (axum): the router with its limits, and one file
//! per group of routes. Handlers parse the request, check the session's role, call the
//! RA domain (`crate::ra`) or the CA on a blocking thread through
//! [`crate::state::AppState`], and shape the answer; every error leaves as
//! `application/problem+json` ([`problem`]).
//!
//! - `repository.rs`: the public repository, `/healthz`, `/openapi.json` (R-2.4-ACCESS);
//! - `portal.rs`: the subscriber portal and its JSON twin (R-4.2-PASSWORD,
//!   R-4.4-RECEIPT); `assets.rs`: the scripts its pages load (PKI.js), with their
//!   licences;
//! - `registry.rs`: staff sessions, developers and application forms;
//! - `revocations.rs`: revocation forms and confirmations;
//! - `renewals.rs`: the renewal notices to post, and their postings;
//! - `operations.rs`: key activation, room entries, the operators' actions;
//! - `console/`: the RA console, pages for the staff; `lists.rs`: the lists it and
//!   scripts read over JSON;
//! - [`extract`], `pages.rs`, `lang.rs` (the page's language and its switch),
//!   [`problem`], `openapi.rs`: what the handlers share;
//! - `watch.rs`: `/metrics` for the operator's monitoring, and the layer timing every
//!   request by route;
//! - `limits.rs`: the routes a stranger can reach with a guess, rate-limited per client;
//! - `surface.rs`: the errors made below the handlers as problem documents, and the
//!   bound on request headers.

mod assets;
mod cases;
mod console;
pub mod extract;
mod lang;
mod limits;
mod lists;
mod openapi;
mod operations;
mod pages;
mod portal;
pub mod problem;
mod registry;
mod renewals;
mod repository;
mod revocations;
mod surface;
mod watch;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::routing::{get, post};

pub use problem::ApiError;
pub(crate) use surface::HYPER_MAX_HEADERS as HEADER_FIELDS_HYPER_REFUSES;

use crate::state::AppState;

/// Logs a failed answer at the level it deserves: a 503 (the CA locked until its
/// custodians come, the database away for a moment) is expected and the client is
/// told to retry, so it is a warning; any other server error is an error an operator
/// must look at. Refusals of the client's request (4xx) are not failures at all.
fn log_failure(
    class: tower_http::classify::ServerErrorsFailureClass,
    latency: std::time::Duration,
    _span: &tracing::Span,
) {
    use tower_http::classify::ServerErrorsFailureClass::{Error, StatusCode as Status};
    let ms = latency.as_millis();
    match class {
        Status(s) if s == StatusCode::SERVICE_UNAVAILABLE => {
            tracing::warn!(status = %s, latency_ms = ms, "answered 503: unavailable for now");
        }
        Status(s) => tracing::error!(status = %s, latency_ms = ms, "answered a server error"),
        Error(e) => tracing::error!(error = %e, latency_ms = ms, "the answer failed"),
    }
}

/// Builds the router with its limits and logging.
pub fn router(state: AppState) -> Router {
    let crl = repository::crl_path(&state);
    let limit = state.config().max_body_bytes;
    let timeout = std::time::Duration::from_secs(state.config().request_timeout_seconds);
    Router::new()
        .route("/healthz", get(repository::healthz))
        .route("/openapi.json", get(repository::openapi))
        .route("/metrics", get(watch::metrics))
        .route("/language", get(lang::switch))
        .route("/assets/{*name}", get(assets::asset))
        .route("/", get(repository::home))
        .route("/repository", get(repository::repository))
        .route("/repository/ca-certs.pem", get(repository::ca_certs))
        .route("/repository/cps", get(repository::cps))
        .route("/repository/crl", get(repository::latest_crl))
        .route("/repository/notices", get(repository::notices))
        .route("/repository/audit-head", get(repository::audit_head))
        .route(&crl, get(repository::latest_crl))
        .route("/download/{serial}", get(portal::download))
        .route("/api/ra/logout", post(registry::logout))
        .route("/api/ra/me", get(registry::me))
        .route(
            "/api/ra/developers",
            get(lists::developers).post(registry::add_developer),
        )
        .route("/api/ra/developers/{number}", get(registry::get_developer))
        .route(
            "/api/ra/developers/{number}/removal",
            post(registry::remove_developer),
        )
        .route(
            "/api/ra/developers/{number}/registration",
            post(registry::change_registration),
        )
        .route(
            "/api/ra/applications",
            get(lists::applications).post(registry::receive_application),
        )
        .route("/api/ra/applications/{id}", get(registry::get_application))
        .route(
            "/api/ra/applications/{id}/steps",
            post(cases::application_step),
        )
        .route(
            "/api/ra/revocations",
            get(lists::revocations).post(revocations::request_revocation),
        )
        .route("/api/ra/revocations/overdue", get(revocations::overdue))
        .route("/api/ra/revocations/{id}", get(revocations::get_revocation))
        .route(
            "/api/ra/revocations/{id}/steps",
            post(cases::revocation_step),
        )
        .route("/api/ra/developer-removals/{id}", get(cases::get_removal))
        .route(
            "/api/ra/developer-removals/{id}/steps",
            post(cases::removal_step),
        )
        .route("/api/ra/renewal-notices", get(renewals::unsent))
        .route(
            "/api/ra/renewal-notices/{id}/sent",
            post(renewals::record_sent),
        )
        .route("/api/ra/room-entries", post(operations::room_entry))
        .route("/api/ra/ca-events", post(operations::ca_event))
        .route(
            "/api/ra/operator-actions",
            get(operations::operator_actions),
        )
        .merge(console::routes())
        .merge(limits::guessable(&state))
        .fallback(|| async { ApiError::not_found("no such resource") })
        .layer(DefaultBodyLimit::max(limit))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            timeout,
        ))
        .layer(axum::middleware::from_fn(surface::guard))
        .layer(tower_http::trace::TraceLayer::new_for_http().on_failure(log_failure))
        // Outermost, so a request's time includes every layer's; inside the router, so
        // the route's template is known.
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            watch::track,
        ))
        .with_state(state)
}
