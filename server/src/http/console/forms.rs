//! Recording a received application form at the console (R-3.2-FORM-A, R-3.2-FORM-B,
//! R-5.4-RA-EVENTS): the page is the policy's form for the developer's class
//! ([`super::paper`]) and the holders. What the operator enters is checked by the same
//! code as the API's; a refusal comes back with the values kept.

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use inkan_runtime::forms::{Form, FormFor};
use inkan_runtime::workflow::{self, Subject};
use serde::Deserialize;

use super::Desk;
use super::paper::{self, Refusal, Sent, entered, form_of, lines, sent};
use crate::http::extract::ApiForm;
use crate::http::pages::escape;
use crate::ra::RaError;
use crate::state::AppState;

/// The policy's application form for `developer`'s class; a policy without one for it
/// refuses.
async fn application_form(state: &AppState, developer: &str) -> Result<&'static Form, RaError> {
    form_of(state, developer, FormFor::Application)
        .await?
        .ok_or_else(|| {
            RaError::refused("this policy has no application form for the developer's class")
        })
}

/// The page: the developer, the policy's fields, the holders; a refusal beside the
/// field it names.
fn page(
    desk: &Desk,
    developer: &str,
    form: &Form,
    s: &Sent,
    error: Option<Refusal<'_>>,
) -> Response {
    let tr = &desk.lang.tr;
    let fields = paper::fields(desk, form, s, error.as_ref());
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let error = paper::summary(error.as_ref());
    let body = format!(
        "{error}<p>{}</p><form method=\"post\" action=\"/ra/applications\">{}<input type=\"hidden\" name=\"developer\" value=\"{dev}\">{fields}<label for=\"holders\">{}</label><textarea id=\"holders\" name=\"holders\" rows=\"3\" required>{}</textarea><p><button type=\"submit\" id=\"record\">{}</button></p></form>",
        escape(&tr.t_with(
            "form-for",
            &[("developer", developer), ("rules", &form.rules.join(", "))]
        )),
        desk.token_field(),
        escape(&tr.t("form-holders")),
        escape(sent(s, "holders").unwrap_or_default()),
        escape(&tr.t("form-record")),
        dev = escape(developer),
    );
    (status, desk.page(&tr.t("form-title"), &body)).into_response()
}

#[derive(Deserialize)]
pub(super) struct NewQuery {
    developer: String,
}

/// `GET /ra/applications/new?developer=`: the blank form.
pub(super) async fn new(
    State(state): State<AppState>,
    desk: Desk,
    Query(q): Query<NewQuery>,
) -> Response {
    if let Err(e) = opens(&state, &desk) {
        return desk.fail(e.into());
    }
    match application_form(&state, q.developer.trim()).await {
        Ok(form) => page(&desk, q.developer.trim(), form, &Vec::new(), None),
        Err(e) => desk.fail(e.into()),
    }
}

/// Refuses a role the policy does not let open an application.
fn opens(state: &AppState, desk: &Desk) -> Result<(), RaError> {
    let flow = workflow::of(state.policy().definition().workflows, Subject::Application)
        .ok_or_else(|| RaError::internal("the policy has no application workflow"))?;
    desk.session
        .require(flow.opens)
        .map(|_| ())
        .map_err(|e| RaError::forbidden(e.detail))
}

/// `POST /ra/applications`: records the form, then shows the new case.
pub(super) async fn record(
    State(state): State<AppState>,
    desk: Desk,
    headers: HeaderMap,
    ApiForm(s): ApiForm<Sent>,
) -> Response {
    if let Err(e) = desk.check_form(&headers, sent(&s, "csrf").unwrap_or_default()) {
        return desk.fail(e);
    }
    if let Err(e) = opens(&state, &desk) {
        return desk.fail(e.into());
    }
    let developer = sent(&s, "developer").unwrap_or_default().trim().to_string();
    let form = match application_form(&state, &developer).await {
        Ok(f) => f,
        Err(e) => return desk.fail(e.into()),
    };
    let entered = entered(form, &s);
    // The policy's check, here first, so its refusal stands beside its field.
    if let Some(refused) = paper::refusal(&desk, form, &entered) {
        return page(&desk, &developer, form, &s, Some(refused));
    }
    let holders = lines(sent(&s, "holders").unwrap_or_default());
    let (now, actor, dev) = (
        state.now(),
        desk.session.staff.login.clone(),
        developer.clone(),
    );
    match state
        .with_ra(move |ra| ra.receive_application(&dev, &entered, &holders, now, &actor))
        .await
    {
        Ok(id) => Redirect::to(&format!("/ra/applications/{id}")).into_response(),
        Err(e) => match paper::refused(e.into()) {
            Ok(refusal) => page(&desk, &developer, form, &s, Some(refusal)),
            Err(e) => desk.fail(e),
        },
    }
}
