//! Workflow steps over HTTP (R-4.2-FLOW, R-5.2-DUAL-CHECK, R-5.2-SEPARATION): one
//! route per kind of case, `POST .../{id}/steps` with the action the policy's workflow
//! names next and whether the staff member accepts or refuses; the answer says where
//! the case stands and what the policy lets come next, by whom. Which actions exist in
//! which state is the policy's ([`crate::ra::workflow`]), never this file's.

use axum::extract::{Path, State};
use inkan_runtime::actions::RaAction;
use inkan_runtime::workflow::{By, Subject};
use serde::Deserialize;
use serde_json::{Value, json};

use super::extract::{ApiJson, Session};
use super::problem::ApiError;
use crate::ra::cases::{self, StepRequest, Taken};
use crate::ra::workflow::{self, Case};
use crate::ra::{DeveloperRemoval, RaError};
use crate::state::AppState;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct StepBody {
    /// The action, as the policy names it (`examine-application`).
    action: String,
    /// False to refuse, where the step can be refused.
    #[serde(default = "yes")]
    accept: bool,
}

fn yes() -> bool {
    true
}

/// A case and what comes next, as answers show it.
pub(super) fn case_json(state: &AppState, case: &Case, deadline: Option<String>) -> Value {
    let mut v = json!({
        "id": case.id,
        "subject": case.subject.name(),
        "workflow": case.workflow.name,
        "status": case.state,
        "over": case.is_over(),
        "next": workflow::next(state.policy(), case),
    });
    if let Some(d) = deadline {
        v["deadline"] = json!(d);
    }
    v
}

/// Counts the revocations a step made.
pub(super) fn count_revoked(state: &AppState, taken: &Taken) {
    if let Some(reason) = taken.reason {
        state.metrics().revoked(reason, taken.revoked.len());
    }
}

/// Takes the step `action` of a case as `session`'s staff member, and does what comes
/// with it: the API's and the console's steps are this one.
pub(super) async fn take_step(
    state: &AppState,
    session: &Session,
    subject: Subject,
    id: i64,
    action: &str,
    accept: bool,
) -> Result<Taken, ApiError> {
    let now = state.now();
    let action = RaAction::from_name(action)
        .ok_or_else(|| RaError::malformed(format!("unknown action `{action}`")))?;
    let staff = session.require(action)?.clone();
    let public_url = state.config().public_url.clone();
    let taken: Taken = state
        .with_both(move |ca, ra| {
            let r = StepRequest {
                subject,
                id,
                by: By::Staff(action),
                staff: Some(&staff),
                accept,
                public_url: &public_url,
                now,
            };
            cases::take(ca, ra, &r)
        })
        .await?;
    if taken.mailed {
        // The outbox has a message: deliver it now, not at the next tick.
        state.wake();
    }
    count_revoked(state, &taken);
    Ok(taken)
}

async fn step(
    state: AppState,
    session: Session,
    subject: Subject,
    id: i64,
    body: Result<ApiJson<StepBody>, ApiError>,
) -> Result<axum::Json<Value>, ApiError> {
    let ApiJson(b) = body?;
    let taken = take_step(&state, &session, subject, id, &b.action, b.accept).await?;
    let mut answer = case_json(&state, &taken.case, None);
    if !taken.revoked.is_empty() {
        answer["revoked_serials"] = json!(taken.revoked);
    }
    if taken.mailed {
        answer["mailed"] = json!(
            "a confirmation link, to the applicant manager's address on file (R-3.4-REVOKE-CONFIRM)"
        );
    }
    if !taken.passwords.is_empty() {
        // The policy's delivery and lifetime travel with the passwords, so the staff
        // deliver them the way the CPS says (R-4.2-PASSWORD). They are in this answer
        // and nowhere else: only their hashes are stored.
        let rules = state.policy().definition().passwords;
        let list: Vec<Value> = taken
            .passwords
            .iter()
            .map(|(person, password)| json!({ "person": person, "password": password }))
            .collect();
        answer["passwords"] = json!(list);
        answer["valid_days"] = json!(rules.map_or(0, |p| p.lifetime_days));
        answer["delivery"] = json!(rules.map_or("", |p| p.delivery));
    }
    Ok(axum::Json(answer))
}

pub(super) async fn application_step(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    body: Result<ApiJson<StepBody>, ApiError>,
) -> Result<axum::Json<Value>, ApiError> {
    step(state, session, Subject::Application, id, body).await
}

pub(super) async fn revocation_step(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    body: Result<ApiJson<StepBody>, ApiError>,
) -> Result<axum::Json<Value>, ApiError> {
    step(state, session, Subject::Revocation, id, body).await
}

pub(super) async fn removal_step(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    body: Result<ApiJson<StepBody>, ApiError>,
) -> Result<axum::Json<Value>, ApiError> {
    step(state, session, Subject::DeveloperRemoval, id, body).await
}

/// Reads case `id` of `subject` with `fetch`, for a role the policy lets read such
/// cases (`Subject::read_action`, checked before anything is read). Every role that
/// takes a step of a case may read it: the compiler refuses a policy where one may not
/// (`step-without-read`).
pub(super) async fn read_case<T: Send + 'static>(
    state: &AppState,
    session: &Session,
    subject: Subject,
    id: i64,
    fetch: fn(&crate::ra::Ra, i64) -> Result<T, RaError>,
) -> Result<T, ApiError> {
    session.require(subject.read_action())?;
    Ok(state.with_ra(move |ra| fetch(ra, id)).await?)
}

pub(super) async fn get_removal(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
) -> Result<axum::Json<DeveloperRemoval>, ApiError> {
    Ok(axum::Json(
        read_case(&state, &session, Subject::DeveloperRemoval, id, |ra, id| {
            ra.removal(id)
        })
        .await?,
    ))
}
