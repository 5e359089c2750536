//! Renewal notices over HTTP (R-4.6-RENEWAL, R-3.3-RENEW-NOTICE): the RA lists the
//! notices still to post, with each manager's registered address and the day it is
//! due by, and records each posting. The notices themselves are opened by the
//! scheduler ([`crate::ra::renewal`]).

use axum::extract::{Path, State};
use inkan_runtime::actions::RaAction;
use serde::Deserialize;
use serde_json::{Value, json};

use super::extract::{ApiJson, Session};
use super::problem::ApiError;
use crate::ra::RenewalNotice;
use crate::state::AppState;

fn notice_json(n: &RenewalNotice, now: inkan_runtime::calendar::Timestamp) -> Value {
    json!({
        "id": n.id,
        "expiry": n.expiry,
        "developer": n.developer,
        "manager_name": n.manager_name,
        "manager_address": n.manager_address,
        "opened_at": n.opened_at.to_string(),
        "due_by": n.due_by.to_string(),
        "sent_at": n.sent_at.map(|t| t.to_string()),
        "late": n.late,
        "overdue": n.sent_at.is_none() && now >= n.due_by,
    })
}

/// The notices not yet sent, the earliest due first.
pub(super) async fn unsent(
    State(state): State<AppState>,
    session: Session,
) -> Result<axum::Json<Value>, ApiError> {
    let now = state.now();
    session.require(RaAction::ListRenewalNotices)?;
    let list = state.with_ra(|ra| ra.unsent_renewal_notices()).await?;
    let notices: Vec<Value> = list.iter().map(|n| notice_json(n, now)).collect();
    Ok(axum::Json(json!({ "notices": notices })))
}

#[derive(Deserialize)]
pub(super) struct Sent {
    /// The posting's reference, e.g. the registered mail's number.
    reference: String,
}

/// Records a notice posted: late, and audited so, after its due date.
pub(super) async fn record_sent(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    body: Result<ApiJson<Sent>, ApiError>,
) -> Result<axum::Json<Value>, ApiError> {
    let now = state.now();
    let actor = session
        .require(RaAction::RecordRenewalNotice)?
        .login
        .clone();
    let ApiJson(b) = body?;
    if b.reference.trim().is_empty() || b.reference.len() > 200 {
        return Err(crate::ra::RaError::malformed(
            "a reference of 1 to 200 characters: the posting's number",
        )
        .into());
    }
    let n = state
        .with_ra(move |ra| ra.record_renewal_sent(id, b.reference.trim(), &actor, now))
        .await?;
    Ok(axum::Json(notice_json(&n, now)))
}
