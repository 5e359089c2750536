//! Revocation over HTTP (R-4.9-WHO, R-3.4-REVOKE-CONFIRM, R-4.9-DEADLINE,
//! R-4.9-COMPROMISE): staff record forms and telephone confirmations, the manager
//! confirms through the mailed link; the workflow itself is
//! [`crate::ra::revocation`].

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use inkan_runtime::actions::RaAction;
use serde::Deserialize;
use serde_json::{Value, json};

use super::extract::{ApiForm, ApiJson, Session};
use super::pages::{escape, page};
use super::problem::ApiError;
use crate::ra::revocation::{self, Accepted, PhoneConfirmation, RevocationForm};
use crate::ra::{RaError, RevocationRequest};
use crate::state::AppState;

#[derive(Deserialize)]
pub(super) struct RevocationBody {
    serial: String,
    developer: String,
    reason: String,
    /// `manager` (a form from the applicant manager) or `ca`.
    requested_by: String,
}

pub(super) async fn request_revocation(
    State(state): State<AppState>,
    session: Session,
    body: Result<ApiJson<RevocationBody>, ApiError>,
) -> Result<Response, ApiError> {
    let now = state.now();
    let staff = session
        .require_any(&[RaAction::RecordRevocationForm, RaAction::RevokeAsCa])?
        .clone();
    let ApiJson(b) = body?;
    let form = RevocationForm {
        serial: b.serial,
        developer: b.developer,
        reason: b.reason,
        requested_by: b.requested_by,
    };
    let public_url = state.config().public_url.clone();
    let accepted = state
        .with_both(move |ca, ra| revocation::request(ca, ra, &staff, &form, &public_url, now))
        .await?;
    state.wake();
    let answer = match accepted {
        Accepted::AwaitingConfirmation { id, deadline } => {
            json!({ "id": id, "status": "awaiting-confirmation", "deadline": deadline.to_string() })
        }
        Accepted::AwaitingPhoneConfirmation { id, deadline } => {
            json!({ "id": id, "status": "awaiting-phone-confirmation", "deadline": deadline.to_string(), "next": "two staff each record the telephone confirmation (R-4.9-COMPROMISE)" })
        }
        Accepted::Revoked { id } => json!({ "id": id, "status": "revoked" }),
    };
    Ok((StatusCode::CREATED, axum::Json(answer)).into_response())
}

pub(super) async fn get_revocation(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
) -> Result<axum::Json<RevocationRequest>, ApiError> {
    session.require(RaAction::ReadRevocation)?;
    Ok(axum::Json(
        state.with_ra(move |ra| ra.revocation(id)).await?,
    ))
}

/// R-4.9-COMPROMISE, R-5.7-COMPROMISE: two different staff each record the telephone
/// confirmation; the second revokes at once and republishes the CRL.
pub(super) async fn phone_confirmation(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
) -> Result<axum::Json<Value>, ApiError> {
    let now = state.now();
    let staff = session.require(RaAction::ConfirmRevocationByPhone)?.clone();
    let confirmed = state
        .with_both(move |ca, ra| revocation::confirm_by_phone(ca, ra, &staff, id, now))
        .await?;
    Ok(axum::Json(match confirmed {
        PhoneConfirmation::First => {
            json!({ "id": id, "status": "awaiting-phone-confirmation", "confirmations": 1 })
        }
        PhoneConfirmation::Revoked => json!({ "id": id, "status": "revoked", "confirmations": 2 }),
    }))
}

pub(super) async fn overdue(
    State(state): State<AppState>,
    session: Session,
) -> Result<axum::Json<Value>, ApiError> {
    let now = state.now();
    session.require(RaAction::ListOverdueRevocations)?;
    let list = state.with_ra(move |ra| ra.overdue(now)).await?;
    Ok(axum::Json(json!({ "overdue": list })))
}

#[derive(Deserialize)]
pub(super) struct ConfirmQuery {
    token: String,
}

pub(super) async fn confirm_page(
    State(state): State<AppState>,
    Query(q): Query<ConfirmQuery>,
) -> Result<Html<String>, ApiError> {
    let token = q.token.clone();
    let req = state
        .with_ra(move |ra| ra.request_by_token(&token))
        .await?
        .ok_or_else(|| RaError::not_found("this confirmation link is unknown or already used"))?;
    Ok(page(
        "Confirm revocation",
        &format!(
            "<p>Revoke certificate <code>{}</code> of developer {}, reason {}?</p><form method=\"post\" action=\"/revocation/confirm\"><input type=\"hidden\" name=\"token\" value=\"{}\"><button type=\"submit\" id=\"confirm\">Revoke it</button></form>",
            escape(&req.serial),
            escape(&req.developer),
            escape(&req.reason),
            escape(&q.token)
        ),
    ))
}

/// The manager's confirmation (R-3.4-REVOKE-CONFIRM): only now is the certificate
/// revoked, and the CRL republished at once (R-4.9-CRL-24H).
pub(super) async fn confirm_submit(
    State(state): State<AppState>,
    ApiForm(q): ApiForm<ConfirmQuery>,
) -> Result<Html<String>, ApiError> {
    let now = state.now();
    let serial = state
        .with_both(move |ca, ra| revocation::confirm_by_link(ca, ra, &q.token, now))
        .await?;
    Ok(page(
        "Revoked",
        &format!(
            "<p id=\"revoked\">Certificate <code>{}</code> is revoked, and the CRL is republished.</p>",
            escape(&serial)
        ),
    ))
}
