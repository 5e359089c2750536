//! The RA's staff at work: logging in and out (R-5.2-OPERATOR-AUTH), the developer
//! registry (R-3.2-CLASSES, R-4.1-ELIGIBLE, R-9.3-CONFIDENTIAL, R-4.11-LEAVE) and
//! application forms from receipt to the supervisor's decision (R-4.2-FLOW,
//! R-5.2-DUAL-CHECK). Every route takes a [`Session`] and names the roles allowed.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use inkan_runtime::actions::RaAction;
use inkan_runtime::workflow::{self, Subject};
use serde::Deserialize;
use serde_json::{Value, json};

use super::cases::case_json;
use super::extract::{ApiJson, Session, session_cookie, session_token};
use super::problem::ApiError;
use crate::ra::workflow::Case;
use crate::ra::{Application, Developer, RaError, revocation};
use crate::state::AppState;

#[derive(Deserialize)]
pub(super) struct LoginBody {
    login: String,
    password: String,
}

pub(super) async fn login(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<LoginBody>,
) -> Result<Response, ApiError> {
    let now = state.now();
    let minutes = state.config().session_minutes;
    let (token, staff) = state
        .with_ra(move |ra| ra.login(&body.login, &body.password, now, minutes))
        .await?;
    let cookie = session_cookie(&token, minutes, &state.config().public_url);
    Ok((
        [(header::SET_COOKIE, cookie)],
        axum::Json(json!({ "login": staff.login, "role": staff.role })),
    )
        .into_response())
}

pub(super) async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<StatusCode, ApiError> {
    if let Some(t) = session_token(&headers) {
        state.with_ra(move |ra| ra.logout(&t)).await?;
    }
    Ok(StatusCode::NO_CONTENT)
}

pub(super) async fn me(session: Session) -> axum::Json<Value> {
    axum::Json(json!({ "login": session.staff.login, "role": session.staff.role }))
}

pub(super) async fn add_developer(
    State(state): State<AppState>,
    session: Session,
    body: Result<ApiJson<Developer>, ApiError>,
) -> Result<StatusCode, ApiError> {
    let now = state.now();
    let actor = session.require(RaAction::RegisterDeveloper)?.login.clone();
    let ApiJson(d) = body?;
    state
        .with_ra(move |ra| ra.add_developer(&d, now, &actor))
        .await?;
    Ok(StatusCode::CREATED)
}

pub(super) async fn get_developer(
    State(state): State<AppState>,
    session: Session,
    Path(number): Path<String>,
) -> Result<axum::Json<Developer>, ApiError> {
    session.require(RaAction::ReadDeveloper)?;
    let d = state
        .with_ra(move |ra| ra.developer(&number))
        .await?
        .ok_or_else(|| ApiError::not_found("no such developer"))?;
    Ok(axum::Json(d))
}

/// Changes a developer's class, registration or permission to apply (R-3.2-CLASSES,
/// R-4.1-ELIGIBLE), by the role that registers developers.
pub(super) async fn change_registration(
    State(state): State<AppState>,
    session: Session,
    Path(number): Path<String>,
    body: Result<ApiJson<crate::ra::RegistrationChange>, ApiError>,
) -> Result<StatusCode, ApiError> {
    let now = state.now();
    let actor = session.require(RaAction::RegisterDeveloper)?.login.clone();
    let ApiJson(change) = body?;
    state
        .with_ra(move |ra| ra.change_registration(&number, &change, now, &actor))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// R-4.11-LEAVE: proposes removing a developer from the list, opening a case of the
/// policy's removal workflow; the countersigning step revokes the certificates.
pub(super) async fn remove_developer(
    State(state): State<AppState>,
    session: Session,
    Path(number): Path<String>,
) -> Result<Response, ApiError> {
    let now = state.now();
    let staff = session.require(RaAction::RemoveDeveloper)?.clone();
    let opened = state
        .with_both(move |ca, ra| revocation::propose_removal(ca, ra, &staff, &number, now))
        .await?;
    let answer = case_json(&state, &opened.case, None);
    Ok((StatusCode::CREATED, axum::Json(answer)).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ApplicationBody {
    developer: String,
    /// The paper form as entered: the policy's fields for the developer's class.
    #[serde(default)]
    form: crate::ra::forms::Entered,
    /// The holders' person numbers, one per certificate.
    holders: Vec<String>,
}

pub(super) async fn receive_application(
    State(state): State<AppState>,
    session: Session,
    body: Result<ApiJson<ApplicationBody>, ApiError>,
) -> Result<Response, ApiError> {
    let now = state.now();
    let policy = state.policy();
    let flow =
        workflow::of(policy.definition().workflows, Subject::Application).ok_or_else(|| {
            ApiError::from(RaError::internal("the policy has no application workflow"))
        })?;
    let actor = session.require(flow.opens)?.login.clone();
    let ApiJson(b) = body?;
    let case = state
        .with_ra(move |ra| {
            let id = ra.receive_application(&b.developer, &b.form, &b.holders, now, &actor)?;
            Case::load(policy, ra, Subject::Application, id)
        })
        .await?;
    let answer = case_json(&state, &case, None);
    Ok((StatusCode::CREATED, axum::Json(answer)).into_response())
}

pub(super) async fn get_application(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
) -> Result<axum::Json<Application>, ApiError> {
    Ok(axum::Json(
        super::cases::read_case(&state, &session, Subject::Application, id, |ra, id| {
            ra.application(id)
        })
        .await?,
    ))
}
