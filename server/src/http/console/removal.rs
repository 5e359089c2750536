//! Taking a developer off the list at the console (R-4.11-LEAVE): the page shows what
//! the removal will do before anyone confirms it (every unrevoked certificate of the
//! developer revoked for the policy's reason, in one transaction, when the workflow's
//! countersigning step is taken), then opens a case of the policy's removal workflow
//! by the same code as the API's; and the audit trail of one developer or one
//! certificate, read from the CA's hash-chained log.

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use inkan_runtime::actions::RaAction;
use inkan_runtime::workflow::{self, Subject};
use serde::Deserialize;

use super::Desk;
use super::queues::table;
use crate::http::extract::ApiForm;
use crate::http::pages::escape;
use crate::ra::RaError;
use crate::ra::records::trail::TrailEntry;
use crate::state::AppState;

/// `GET /ra/developers/{number}/removal`: the consequences, and the button.
pub(super) async fn confirm(
    State(state): State<AppState>,
    desk: Desk,
    Path(number): Path<String>,
) -> Response {
    let Some(flow) = workflow::of(
        state.policy().definition().workflows,
        Subject::DeveloperRemoval,
    ) else {
        return desk.fail(RaError::not_found("this policy has no removal workflow").into());
    };
    if let Err(e) = desk.session.require(flow.opens) {
        return desk.fail(e);
    }
    let n = number.clone();
    let serials = match state
        .with_both(move |ca, ra| {
            ra.developer(&n)?
                .ok_or_else(|| RaError::not_found(format!("no developer {n}")))?;
            crate::ra::revocation::certificates_of(ca, &n)
        })
        .await
    {
        Ok(s) => s,
        Err(e) => return desk.fail(e.into()),
    };
    let tr = &desk.lang.tr;
    let rows: Vec<Vec<String>> = serials
        .iter()
        .map(|s| vec![format!("<code>{}</code>", escape(s))])
        .collect();
    let countersign: Vec<String> = flow
        .steps
        .iter()
        .filter_map(|s| match s.by {
            workflow::By::Staff(a) => Some(tr.t(&format!("action-{}", a.name()))),
            workflow::By::ManagerLink => None,
        })
        .collect();
    let body = format!(
        "<p id=\"consequences\">{}</p>{}<form method=\"post\" action=\"/ra/developers/{}/removal\">{}<button type=\"submit\" id=\"propose\">{}</button></form>",
        escape(&tr.t_with(
            "removal-consequences",
            &[
                ("count", &serials.len().to_string()),
                ("reason", flow.reasons.first().copied().unwrap_or_default()),
                ("steps", &countersign.join(", ")),
            ]
        )),
        table(tr, "to-revoke", &["col-serial"], &rows),
        escape(&number),
        desk.token_field(),
        escape(&tr.t("removal-propose")),
    );
    desk.page(
        &tr.t_with("removal-title", &[("developer", &number)]),
        &body,
    )
    .into_response()
}

#[derive(Deserialize)]
pub(super) struct TokenForm {
    csrf: String,
}

/// `POST /ra/developers/{number}/removal`: opens the case, then shows it.
pub(super) async fn propose(
    State(state): State<AppState>,
    desk: Desk,
    headers: HeaderMap,
    Path(number): Path<String>,
    ApiForm(form): ApiForm<TokenForm>,
) -> Response {
    if let Err(e) = desk.check_form(&headers, &form.csrf) {
        return desk.fail(e);
    }
    let (now, staff) = (state.now(), desk.session.staff.clone());
    match state
        .with_both(move |ca, ra| {
            crate::ra::revocation::propose_removal(ca, ra, &staff, &number, now)
        })
        .await
    {
        Ok(opened) => Redirect::to(&format!("/ra/removals/{}", opened.case.id)).into_response(),
        Err(e) => desk.fail(e.into()),
    }
}

/// Who reads audit trails: the log names every person's actions, which the policy gives
/// to the role that reviews them (R-5.2-DUAL-CHECK's review, R-5.4-RA-EVENTS).
pub(super) const TRAIL: RaAction = RaAction::ReviewActions;

fn trail_page(desk: &Desk, title: &str, entries: &[TrailEntry]) -> Response {
    let rows: Vec<Vec<String>> = entries
        .iter()
        .map(|e| {
            vec![
                e.seq.to_string(),
                escape(&e.at),
                escape(&e.actor),
                format!("<code>{}</code>", escape(&e.event)),
                format!("<code class=\"details\">{}</code>", escape(&e.details)),
            ]
        })
        .collect();
    let tr = &desk.lang.tr;
    let body = format!(
        "<p>{}</p>{}",
        escape(&tr.t("trail-intro")),
        table(
            tr,
            "trail",
            &["col-seq", "col-at", "col-by", "col-event", "col-details"],
            &rows
        )
    );
    desk.page(title, &body).into_response()
}

/// `GET /ra/developers/{number}/trail`.
pub(super) async fn developer_trail(
    State(state): State<AppState>,
    desk: Desk,
    Path(number): Path<String>,
) -> Response {
    if let Err(e) = desk.session.require(TRAIL) {
        return desk.fail(e);
    }
    let n = number.clone();
    match state.with_ra(move |ra| ra.developer_trail(&n)).await {
        Ok(entries) => {
            let title = desk
                .lang
                .tr
                .t_with("trail-developer", &[("developer", &number)]);
            trail_page(&desk, &title, &entries)
        }
        Err(e) => desk.fail(e.into()),
    }
}

/// `GET /ra/certificates/{serial}/trail`.
pub(super) async fn certificate_trail(
    State(state): State<AppState>,
    desk: Desk,
    Path(serial): Path<String>,
) -> Response {
    if let Err(e) = desk.session.require(TRAIL) {
        return desk.fail(e);
    }
    let s = serial.clone();
    match state.with_ra(move |ra| ra.certificate_trail(&s)).await {
        Ok(entries) => {
            let title = desk
                .lang
                .tr
                .t_with("trail-certificate", &[("serial", &serial)]);
            trail_page(&desk, &title, &entries)
        }
        Err(e) => desk.fail(e.into()),
    }
}
