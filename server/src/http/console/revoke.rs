//! Recording a revocation request at the console (R-4.9-WHO, R-3.4-REVOKE-FORM,
//! R-4.9-DEADLINE): the certificate, the policy's reason, who asks (the applicant
//! manager by the policy's form for the developer's class, or the CA itself), opened
//! by the same code as the API's in the workflow the policy gives that requester and
//! reason. The reasons and requesters offered are the policy's, each only where a
//! workflow takes it and this person's role may open it.

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use inkan_runtime::forms::{Form, FormFor};
use inkan_runtime::workflow::{self, Requester};
use serde::Deserialize;

use super::Desk;
use super::paper::{self, Refusal, Sent, entered, form_of, sent};
use crate::http::extract::ApiForm;
use crate::http::pages::escape;
use crate::ra::revocation::{self, RevocationForm};
use crate::state::AppState;

/// The (requester, reason) pairs the policy has a workflow for that `desk`'s role may
/// open.
fn choices(state: &AppState, desk: &Desk) -> Vec<(Requester, &'static str)> {
    let def = state.policy().definition();
    let mut out = Vec::new();
    for requester in Requester::ALL {
        for reason in def.reasons {
            if let Some(flow) = workflow::for_revocation(def.workflows, *requester, reason.name)
                && desk.session.require(flow.opens).is_ok()
            {
                out.push((*requester, reason.name));
            }
        }
    }
    out
}

/// The refusal of a role that may open no revocation case.
fn may_not() -> crate::http::ApiError {
    crate::ra::RaError::forbidden(
        "under this policy your role opens no revocation request (R-4.9-WHO)",
    )
    .into()
}

fn select(id: &str, options: &[&str], chosen: Option<&str>) -> String {
    let options: String = options
        .iter()
        .map(|o| {
            let selected = if chosen == Some(*o) { " selected" } else { "" };
            format!("<option value=\"{0}\"{selected}>{0}</option>", escape(o))
        })
        .collect();
    format!("<select id=\"{id}\" name=\"{id}\">{options}</select>")
}

fn page(
    state: &AppState,
    desk: &Desk,
    developer: &str,
    form: Option<&Form>,
    s: &Sent,
    error: Option<Refusal<'_>>,
) -> Response {
    let tr = &desk.lang.tr;
    let choices = choices(state, desk);
    let mut requesters: Vec<&str> = choices.iter().map(|(r, _)| r.name()).collect();
    requesters.dedup();
    let mut reasons: Vec<&str> = choices.iter().map(|(_, r)| *r).collect();
    reasons.sort_unstable();
    reasons.dedup();
    let paper = paper::fieldset(desk, "revoke-manager-form", form, s, error.as_ref());
    let status = paper::status(error.as_ref());
    let body = format!(
        "{}<form method=\"post\" action=\"/ra/revocations\">{}<input type=\"hidden\" name=\"developer\" value=\"{dev}\"><label for=\"serial\">{}</label><input id=\"serial\" name=\"serial\" value=\"{}\" required><label for=\"reason\">{}</label>{}<label for=\"requested_by\">{}</label>{}{paper}<p><button type=\"submit\" id=\"record\">{}</button></p></form>",
        paper::summary(error.as_ref()),
        desk.token_field(),
        escape(&tr.t("col-serial")),
        escape(sent(s, "serial").unwrap_or_default()),
        escape(&tr.t("col-reason")),
        select("reason", &reasons, sent(s, "reason")),
        escape(&tr.t("revoke-requested-by")),
        select("requested_by", &requesters, sent(s, "requested_by")),
        escape(&tr.t("form-record")),
        dev = escape(developer),
    );
    (
        status,
        desk.page(
            &tr.t_with("revoke-title", &[("developer", developer)]),
            &body,
        ),
    )
        .into_response()
}

#[derive(Deserialize)]
pub(super) struct NewQuery {
    developer: String,
    #[serde(default)]
    serial: String,
}

/// `GET /ra/revocations/new?developer=&serial=`.
pub(super) async fn new(
    State(state): State<AppState>,
    desk: Desk,
    Query(q): Query<NewQuery>,
) -> Response {
    if choices(&state, &desk).is_empty() {
        return desk.fail(may_not());
    }
    let developer = q.developer.trim();
    match form_of(&state, developer, FormFor::Revocation).await {
        Ok(form) => {
            let s = vec![("serial".to_string(), q.serial.clone())];
            page(&state, &desk, developer, form, &s, None)
        }
        Err(e) => desk.fail(e.into()),
    }
}

/// `POST /ra/revocations`: opens the request, then shows the new case.
pub(super) async fn record(
    State(state): State<AppState>,
    desk: Desk,
    headers: HeaderMap,
    ApiForm(s): ApiForm<Sent>,
) -> Response {
    if let Err(e) = desk.check_form(&headers, sent(&s, "csrf").unwrap_or_default()) {
        return desk.fail(e);
    }
    if choices(&state, &desk).is_empty() {
        return desk.fail(may_not());
    }
    let developer = sent(&s, "developer").unwrap_or_default().trim().to_string();
    let form = match form_of(&state, &developer, FormFor::Revocation).await {
        Ok(f) => f,
        Err(e) => return desk.fail(e.into()),
    };
    let requested_by = sent(&s, "requested_by").unwrap_or_default().to_string();
    // The manager's paper is entered; the CA's own request has none.
    let by_manager = requested_by == Requester::ApplicantManager.name();
    let entered = match form.filter(|_| by_manager) {
        Some(f) => {
            let entered = entered(f, &s);
            if let Some(refused) = paper::refusal(&desk, f, &entered) {
                return page(&state, &desk, &developer, form, &s, Some(refused));
            }
            entered
        }
        None => Default::default(),
    };
    let request = RevocationForm {
        serial: sent(&s, "serial").unwrap_or_default().trim().to_string(),
        developer: developer.clone(),
        reason: sent(&s, "reason").unwrap_or_default().to_string(),
        requested_by,
        form: entered,
    };
    let (now, staff) = (state.now(), desk.session.staff.clone());
    match state
        .with_both(move |ca, ra| revocation::request(ca, ra, &staff, &request, now))
        .await
    {
        Ok(opened) => Redirect::to(&format!("/ra/revocations/{}", opened.case.id)).into_response(),
        Err(e) => {
            // The person may not open this request: the console's error page.
            let e = crate::http::ApiError::from(e);
            if e.status == StatusCode::FORBIDDEN {
                return desk.fail(e);
            }
            match paper::refused(e) {
                Ok(refusal) => page(&state, &desk, &developer, form, &s, Some(refusal)),
                Err(e) => desk.fail(e),
            }
        }
    }
}
