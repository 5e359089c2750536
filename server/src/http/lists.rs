//! The RA's lists over JSON, for the console's pages and for scripts: application
//! forms, revocation requests and developers, filtered, in a stable order (by id or
//! number), `limit` (at most 100) at a time; `next` is the `after` of the next page,
//! absent on the last.
//!
//! Filters: `queue=mine` keeps the cases in a state whose next step the policy gives
//! the caller's role; `open=true` keeps the cases not at an end of their workflow;
//! `state=<name>` keeps one state; `q` searches developers by number prefix or name.

use axum::extract::{Query, State};
use inkan_runtime::actions::RaAction;
use inkan_runtime::workflow::Subject;
use serde::Deserialize;
use serde_json::{Value, json};

use super::extract::Session;
use super::problem::ApiError;
use crate::ra::RaError;
use crate::ra::records::lists::{self, MAX_PAGE, States};
use crate::state::AppState;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct CaseQuery {
    queue: Option<String>,
    open: Option<bool>,
    state: Option<String>,
    #[serde(default)]
    after: i64,
    limit: Option<i64>,
}

/// The (workflow, state) pairs a case query keeps.
fn states(
    state: &AppState,
    session: &Session,
    subject: Subject,
    q: &CaseQuery,
) -> Result<States, ApiError> {
    let policy = state.policy();
    let mut kept = match q.queue.as_deref() {
        None => States::default(),
        Some("mine") => lists::waiting_for(policy, subject, &session.staff.role),
        Some(other) => {
            return Err(RaError::malformed(format!(
                "unknown queue `{other}`; the one queue is `mine`"
            ))
            .into());
        }
    };
    if q.open == Some(true) {
        let open = lists::open(policy, subject).0.unwrap_or_default();
        kept = States(Some(match kept.0 {
            None => open,
            Some(pairs) => pairs.into_iter().filter(|p| open.contains(p)).collect(),
        }));
    }
    if let Some(name) = &q.state {
        let all = || {
            policy
                .definition()
                .workflows
                .iter()
                .filter(|w| w.subject == subject)
                .map(|w| (w.name, name.clone()))
                .collect::<Vec<_>>()
        };
        kept = States(Some(match kept.0 {
            None => all(),
            Some(pairs) => pairs.into_iter().filter(|(_, s)| s == name).collect(),
        }));
    }
    Ok(kept)
}

fn page<T: serde::Serialize>(items: &[T], limit: i64, key: impl Fn(&T) -> Value) -> Value {
    let full = i64::try_from(items.len()).unwrap_or(i64::MAX) >= limit.clamp(1, MAX_PAGE);
    let next = items.last().filter(|_| full).map(key);
    json!({ "items": items, "next": next })
}

/// `GET /api/ra/applications`.
pub(super) async fn applications(
    State(state): State<AppState>,
    session: Session,
    Query(q): Query<CaseQuery>,
) -> Result<axum::Json<Value>, ApiError> {
    session.require(RaAction::ReadApplication)?;
    let kept = states(&state, &session, Subject::Application, &q)?;
    let (after, limit) = (q.after, q.limit.unwrap_or(50));
    let rows = state
        .with_ra(move |ra| ra.list_applications(&kept, after, limit))
        .await?;
    Ok(axum::Json(page(&rows, limit, |r| json!(r.id))))
}

/// `GET /api/ra/revocations`.
pub(super) async fn revocations(
    State(state): State<AppState>,
    session: Session,
    Query(q): Query<CaseQuery>,
) -> Result<axum::Json<Value>, ApiError> {
    session.require(RaAction::ReadRevocation)?;
    let kept = states(&state, &session, Subject::Revocation, &q)?;
    let (after, limit, now) = (q.after, q.limit.unwrap_or(50), state.now());
    let rows = state
        .with_ra(move |ra| ra.list_revocations(&kept, after, limit, now))
        .await?;
    Ok(axum::Json(page(&rows, limit, |r| json!(r.id))))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct DeveloperQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    after: String,
    limit: Option<i64>,
}

/// `GET /api/ra/developers`.
pub(super) async fn developers(
    State(state): State<AppState>,
    session: Session,
    Query(q): Query<DeveloperQuery>,
) -> Result<axum::Json<Value>, ApiError> {
    session.require(RaAction::ReadDeveloper)?;
    let limit = q.limit.unwrap_or(50);
    let rows = state
        .with_ra(move |ra| ra.list_developers(q.q.trim(), &q.after, limit))
        .await?;
    Ok(axum::Json(page(&rows, limit, |r| json!(r.number))))
}
