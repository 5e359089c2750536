//! The CA's own operations over HTTP: M-of-N key activation through a staff session
//! (R-6.2-M-OF-N), RA room entries (R-5.4-RA-EVENTS), the CA events that happen
//! outside software (R-5.4-CA-EVENTS) and the operators' actions for the
//! supervisor's review (R-5.2-DUAL-CHECK).

use axum::extract::State;
use axum::http::StatusCode;
use inkan_runtime::actions::RaAction;
use serde::Deserialize;
use serde_json::{Value, json};

use super::extract::{ApiJson, Session};
use super::problem::ApiError;
use crate::ra::RaError;
use crate::state::AppState;

fn status_json(s: Option<inkan_runtime::custody::ActivationStatus>) -> Value {
    match s {
        Some(s) if !s.active => json!({ "active": false, "entered": s.have, "needed": s.need }),
        _ => json!({ "active": true }),
    }
}

pub(super) async fn activation_status(
    State(state): State<AppState>,
    session: Session,
) -> Result<axum::Json<Value>, ApiError> {
    session.require(RaAction::ReadActivation)?;
    Ok(axum::Json(
        state
            .with_both(|ca, _| Ok::<_, RaError>(status_json(ca.activation())))
            .await?,
    ))
}

#[derive(Deserialize)]
pub(super) struct ShareBody {
    share: String,
}

/// A custodian enters a share, through a staff session. The share is checked and kept
/// in memory only; the entry (never the value) is audited.
pub(super) async fn enter_share(
    State(state): State<AppState>,
    session: Session,
    body: Result<ApiJson<ShareBody>, ApiError>,
) -> Result<axum::Json<Value>, ApiError> {
    let actor = session
        .require(RaAction::EnterActivationShare)?
        .login
        .clone();
    let ApiJson(b) = body?;
    let status = state.enter_share(b.share, actor).await?;
    Ok(axum::Json(status_json(Some(status))))
}

#[derive(Deserialize)]
pub(super) struct RoomEntry {
    person: String,
}

pub(super) async fn room_entry(
    State(state): State<AppState>,
    session: Session,
    body: Result<ApiJson<RoomEntry>, ApiError>,
) -> Result<StatusCode, ApiError> {
    let now = state.now();
    let actor = session.require(RaAction::RecordRoomEntry)?.login.clone();
    let ApiJson(b) = body?;
    state
        .with_ra(move |ra| ra.audit(now, &actor, "ra-room-entry", &[("person", &b.person)]))
        .await?;
    Ok(StatusCode::CREATED)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct CaEventBody {
    /// An event the policy marks `entered` (`ca-room-entry`).
    event: String,
    /// Whom it is about.
    person: String,
    /// What happened, in a few words.
    #[serde(default)]
    note: String,
}

/// A CA event that happens outside software, recorded by whoever the policy lets
/// (R-5.4-CA-EVENTS): in the CA's audit log, with the staff member as its actor.
pub(super) async fn ca_event(
    State(state): State<AppState>,
    session: Session,
    body: Result<ApiJson<CaEventBody>, ApiError>,
) -> Result<StatusCode, ApiError> {
    let now = state.now();
    let actor = session.require(RaAction::RecordCaEvent)?.login.clone();
    let ApiJson(b) = body?;
    state
        .with_both(move |ca, _| {
            Ok::<_, RaError>(ca.record_entered_event(now, &actor, &b.event, &b.person, &b.note)?)
        })
        .await?;
    Ok(StatusCode::CREATED)
}

/// The actions of the roles under review (the operators'), for whoever may review them
/// (the supervisor, R-5.2-DUAL-CHECK).
pub(super) async fn operator_actions(
    State(state): State<AppState>,
    session: Session,
) -> Result<axum::Json<Value>, ApiError> {
    session.require(RaAction::ReviewActions)?;
    let list = state
        .with_both(|ca, ra| {
            let reviewed = ra.reviewed_logins()?;
            let entries = inkan_runtime::store::Store::audit_entries(ca.store())?;
            Ok::<_, RaError>(entries
                .into_iter()
                .filter(|e| reviewed.contains(&e.actor))
                .map(|e| json!({ "seq": e.seq, "at": e.at.to_string(), "actor": e.actor, "event": e.event, "details": serde_json::from_str::<Value>(&e.details).unwrap_or(Value::Null) }))
                .collect::<Vec<_>>())
        })
        .await?;
    Ok(axum::Json(json!({ "actions": list })))
}
