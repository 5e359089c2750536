//! Revocation over HTTP (R-4.9-WHO, R-3.4-REVOKE-CONFIRM, R-4.9-DEADLINE): staff open
//! a request, the manager confirms through the mailed link, the overdue list; the
//! steps between (checks, telephone confirmations) go through
//! [`super::cases`], as the policy's workflow says.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use inkan_runtime::actions::RaAction;
use inkan_runtime::workflow::Subject;
use serde::Deserialize;
use serde_json::{Value, json};

use super::cases::case_json;
use super::extract::{ApiForm, ApiJson, Session};
use super::lang::Lang;
use super::pages::{escape, page};
use super::problem::ApiError;
use crate::ra::cases;
use crate::ra::revocation::{self, RevocationForm};
use crate::ra::workflow::opening_actions;
use crate::ra::{RaError, RevocationRequest};
use crate::state::AppState;

#[derive(Deserialize)]
pub(super) struct RevocationBody {
    serial: String,
    developer: String,
    reason: String,
    /// Who asks, as the policy names them (`applicant-manager`, `ca`).
    requested_by: String,
    /// The applicant manager's paper form as entered (R-3.4-REVOKE-FORM); none when
    /// the CA asks.
    #[serde(default)]
    form: crate::ra::forms::Entered,
}

pub(super) async fn request_revocation(
    State(state): State<AppState>,
    session: Session,
    body: Result<ApiJson<RevocationBody>, ApiError>,
) -> Result<Response, ApiError> {
    let now = state.now();
    // Every action that opens a revocation case under this policy; the domain checks
    // the one the form's requester and reason call for.
    let opening = opening_actions(state.policy(), Subject::Revocation);
    let staff = session.require_any(&opening)?.clone();
    let ApiJson(b) = body?;
    let form = RevocationForm {
        serial: b.serial,
        developer: b.developer,
        reason: b.reason,
        requested_by: b.requested_by,
        form: b.form,
    };
    let opened = state
        .with_both(move |ca, ra| revocation::request(ca, ra, &staff, &form, now))
        .await?;
    let answer = case_json(&state, &opened.case, opened.deadline.map(|d| d.to_string()));
    Ok((StatusCode::CREATED, axum::Json(answer)).into_response())
}

pub(super) async fn get_revocation(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
) -> Result<axum::Json<RevocationRequest>, ApiError> {
    Ok(axum::Json(
        super::cases::read_case(&state, &session, Subject::Revocation, id, |ra, id| {
            ra.revocation(id)
        })
        .await?,
    ))
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
    lang: Lang,
    Query(q): Query<ConfirmQuery>,
) -> Result<Html<String>, ApiError> {
    let token = q.token.clone();
    let now = state.now();
    let req = state
        .with_both(move |ca, ra| {
            let req = ra.request_by_token(&token)?;
            match req {
                Some(r) if cases::awaits_link(ca, ra, &r, now)? => Ok(r),
                _ => Err(RaError::not_found(
                    "this confirmation link is unknown or already used",
                )),
            }
        })
        .await?;
    let tr = &lang.tr;
    Ok(page(
        &lang,
        &tr.t("confirm-title"),
        &format!(
            "<p>{}</p><form method=\"post\" action=\"/revocation/confirm\"><input type=\"hidden\" name=\"token\" value=\"{}\"><button type=\"submit\" id=\"confirm\">{}</button></form>",
            tr.html(
                "confirm-question",
                &[
                    ("serial", &format!("<code>{}</code>", escape(&req.serial))),
                    ("developer", &escape(&req.developer)),
                    ("reason", &escape(&req.reason)),
                ]
            ),
            escape(&q.token),
            escape(&tr.t("confirm-submit"))
        ),
    ))
}

/// The manager's confirmation (R-3.4-REVOKE-CONFIRM): only now is the certificate
/// revoked, and the CRL republished at once (R-4.9-CRL-24H).
pub(super) async fn confirm_submit(
    State(state): State<AppState>,
    lang: Lang,
    ApiForm(q): ApiForm<ConfirmQuery>,
) -> Result<Html<String>, ApiError> {
    let now = state.now();
    let public_url = state.config().public_url.clone();
    let taken = state
        .with_both(move |ca, ra| {
            crate::ra::cases::confirm_by_link(ca, ra, &q.token, &public_url, now)
        })
        .await?;
    super::cases::count_revoked(&state, &taken);
    let tr = &lang.tr;
    if taken.revoked.is_empty() {
        // A workflow whose link step only confirms: the revoking step is the RA's.
        return Ok(page(
            &lang,
            &tr.t("confirmed-title"),
            &format!(
                "<p id=\"confirmed\">{}</p>",
                escape(&tr.t("confirmed-text"))
            ),
        ));
    }
    Ok(page(
        &lang,
        &tr.t("revoked-title"),
        &format!(
            "<p id=\"revoked\">{}</p>",
            tr.html(
                "revoked-text",
                &[(
                    "serial",
                    &format!("<code>{}</code>", escape(&taken.revoked.join(" ")))
                )]
            )
        ),
    ))
}
