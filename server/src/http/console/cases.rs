//! An application form or a revocation request at the console: the record, the form
//! as entered, the steps taken, and what comes next, with a button for each step the
//! policy gives this person's role (R-4.2-FLOW, R-5.2-DUAL-CHECK). A step is taken by
//! the same code as the API's; the approving step's passwords are shown here once, for
//! printing (R-4.2-PASSWORD), and stored only as hashes.

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use inkan_runtime::workflow::Subject;
use serde::Deserialize;

use super::Desk;
use super::queues::table;
use crate::http::extract::ApiForm;
use crate::http::pages::escape;
use crate::ra::RaError;
use crate::ra::forms::Entered;
use crate::ra::records::steps::StepRecord;
use crate::ra::workflow::{self, Case};
use crate::state::AppState;

/// The action's name as the console shows it.
fn action_name(desk: &Desk, action: &str) -> String {
    desk.lang.tr.t(&format!("action-{action}"))
}

fn form_table(desk: &Desk, form: Option<&Entered>) -> String {
    let Some(form) = form else {
        return String::new();
    };
    let rows: Vec<Vec<String>> = form
        .iter()
        .map(|(k, v)| {
            let value = match v {
                serde_json::Value::String(s) => s.clone(),
                serde_json::Value::Array(items) => items
                    .iter()
                    .map(|i| i.as_str().map_or_else(|| i.to_string(), String::from))
                    .collect::<Vec<_>>()
                    .join(", "),
                other => other.to_string(),
            };
            vec![format!("<code>{}</code>", escape(k)), escape(&value)]
        })
        .collect();
    format!(
        "<h2>{}</h2>{}",
        escape(&desk.lang.tr.t("case-form")),
        table(&desk.lang.tr, "form", &["col-field", "col-value"], &rows)
    )
}

fn steps_table(desk: &Desk, steps: &[StepRecord]) -> String {
    let rows: Vec<Vec<String>> = steps
        .iter()
        .map(|s| {
            vec![
                escape(&action_name(desk, &s.action)),
                format!("<code>{}</code>", escape(&s.to)),
                escape(&s.by),
                escape(&s.at),
            ]
        })
        .collect();
    format!(
        "<h2>{}</h2>{}",
        escape(&desk.lang.tr.t("case-steps")),
        table(
            &desk.lang.tr,
            "steps",
            &["col-action", "col-state", "col-by", "col-at"],
            &rows
        )
    )
}

/// What comes next: a form with the buttons for each step this person's role may
/// take and the separation of duties lets them (no step of `not_by` taken by them on
/// this case, R-5.2-SEPARATION), the others named with the roles that take them.
fn next_steps(
    desk: &Desk,
    state: &AppState,
    case: &Case,
    steps_url: &str,
    taken: &[StepRecord],
) -> String {
    let tr = &desk.lang.tr;
    let mut out = format!("<h2>{}</h2>", escape(&tr.t("case-next")));
    if case.is_over() {
        out.push_str(&format!(
            "<p id=\"over\">{}</p>",
            escape(&tr.t("case-over"))
        ));
        return out;
    }
    let role = &desk.session.staff.role;
    let login = &desk.session.staff.login;
    for n in workflow::next(state.policy(), case) {
        let barred = taken
            .iter()
            .find(|s| &s.by == login && n.not_by.contains(&s.action.as_str()));
        if let Some(s) = barred {
            out.push_str(&format!(
                "<p class=\"separation\">{}</p>",
                escape(&tr.t_with(
                    "case-next-not-you",
                    &[
                        ("action", &action_name(desk, n.by)),
                        ("took", &action_name(desk, &s.action)),
                    ]
                ))
            ));
            continue;
        }
        let mine = n.roles.iter().any(|r| r == role);
        let name = action_name(desk, n.by);
        if mine {
            let refuse = if n.refusable {
                format!(
                    "<button type=\"submit\" name=\"accept\" value=\"no\" id=\"refuse-{0}\">{1}</button>",
                    n.by,
                    escape(&tr.t("step-refuse"))
                )
            } else {
                String::new()
            };
            out.push_str(&format!(
                "<form method=\"post\" action=\"{steps_url}\" class=\"step\"><p>{}</p>{}<input type=\"hidden\" name=\"action\" value=\"{}\"><button type=\"submit\" name=\"accept\" value=\"yes\" id=\"accept-{}\">{}</button> {refuse}</form>",
                escape(&tr.t_with("case-next-yours", &[("action", &name)])),
                desk.token_field(),
                escape(n.by),
                n.by,
                escape(&tr.t("step-accept")),
            ));
        } else if n.roles.is_empty() {
            out.push_str(&format!("<p>{}</p>", escape(&tr.t("case-next-manager"))));
        } else {
            out.push_str(&format!(
                "<p>{}</p>",
                escape(&tr.t_with(
                    "case-next-others",
                    &[("action", &name), ("roles", &n.roles.join(", "))]
                ))
            ));
        }
    }
    out
}

/// The console's page of case `id` of `subject`.
fn case_url(subject: Subject, id: i64) -> String {
    let kind = match subject {
        Subject::Revocation => "revocations",
        Subject::DeveloperRemoval => "removals",
        _ => "applications",
    };
    format!("/ra/{kind}/{id}")
}

/// A link to a developer's record.
fn developer_link(number: &str) -> String {
    format!(
        "<p><a href=\"/ra/developers/{0}\">{0}</a></p>",
        escape(number)
    )
}

/// A case's page: `before` (HTML), where the case stands, `middle` (HTML), the steps
/// taken and what comes next.
fn case_page(
    desk: &Desk,
    state: &AppState,
    case: &Case,
    title: &str,
    before: &str,
    middle: &str,
    steps: &[StepRecord],
) -> Response {
    let standing = desk.lang.tr.t_with(
        "case-workflow",
        &[("workflow", case.workflow.name), ("state", &case.state)],
    );
    let url = format!("{}/steps", case_url(case.subject, case.id));
    let body = format!(
        "{before}<p id=\"state\">{}</p>{middle}{}{}",
        escape(&standing),
        steps_table(desk, steps),
        next_steps(desk, state, case, &url, steps),
    );
    desk.page(title, &body).into_response()
}

/// Reads case `id` of `subject` with `fetch`, for a person who may see it: one whose
/// role the policy lets `read` such cases (asked before anything is read).
async fn load<T: Send + 'static>(
    state: &AppState,
    desk: &Desk,
    subject: Subject,
    id: i64,
    fetch: fn(&crate::ra::Ra, i64) -> Result<T, RaError>,
) -> Result<(T, Case), Response> {
    // A role that may not read such cases learns nothing, not even whether this one
    // exists. Every role that takes a step of a case may read it (the compiler's
    // `step-without-read`).
    desk.session
        .require(subject.read_action())
        .map_err(|e| desk.fail(e))?;
    let (record, case) = state
        .with_both(move |ca, ra| {
            let record = fetch(ra, id)?;
            let case = Case::load(ca.policy(), ra, subject, id)?;
            Ok::<_, RaError>((record, case))
        })
        .await
        .map_err(|e| desk.fail(e.into()))?;
    Ok((record, case))
}

/// `GET /ra/applications/{id}`.
pub(super) async fn application(
    State(state): State<AppState>,
    desk: Desk,
    Path(id): Path<i64>,
) -> Response {
    let read = load(&state, &desk, Subject::Application, id, |ra, id| {
        ra.application(id)
    });
    let (app, case) = match read.await {
        Ok(r) => r,
        Err(answer) => return answer,
    };
    let tr = &desk.lang.tr;
    let holders: Vec<Vec<String>> = app.holders.iter().map(|h| vec![escape(h)]).collect();
    let middle = format!(
        "{}<h2>{}</h2>{}",
        form_table(&desk, app.form.as_ref()),
        escape(&tr.t("case-holders")),
        table(tr, "holders", &["col-person"], &holders),
    );
    let title = tr.t_with("application-title", &[("id", &id.to_string())]);
    case_page(
        &desk,
        &state,
        &case,
        &title,
        &developer_link(&app.developer),
        &middle,
        &app.steps,
    )
}

/// `GET /ra/revocations/{id}`.
pub(super) async fn revocation(
    State(state): State<AppState>,
    desk: Desk,
    Path(id): Path<i64>,
) -> Response {
    let read = load(&state, &desk, Subject::Revocation, id, |ra, id| {
        ra.revocation(id)
    });
    let (req, case) = match read.await {
        Ok(r) => r,
        Err(answer) => return answer,
    };
    let tr = &desk.lang.tr;
    let facts = vec![
        vec![
            escape(&tr.t("col-serial")),
            format!("<code>{}</code>", escape(&req.serial)),
        ],
        vec![
            escape(&tr.t("col-developer")),
            format!(
                "<a href=\"/ra/developers/{0}\">{0}</a>",
                escape(&req.developer)
            ),
        ],
        vec![escape(&tr.t("col-reason")), escape(&req.reason)],
        vec![escape(&tr.t("col-deadline")), escape(&req.deadline_at)],
    ];
    let middle = format!(
        "{}{}",
        table(tr, "facts", &["col-field", "col-value"], &facts),
        form_table(&desk, req.form.as_ref()),
    );
    let title = tr.t_with("revocation-title", &[("id", &id.to_string())]);
    case_page(&desk, &state, &case, &title, "", &middle, &req.steps)
}

#[derive(Deserialize)]
pub(super) struct StepForm {
    csrf: String,
    action: String,
    accept: String,
}

async fn step(
    state: AppState,
    desk: Desk,
    headers: HeaderMap,
    subject: Subject,
    id: i64,
    form: StepForm,
) -> Response {
    if let Err(e) = desk.check_form(&headers, &form.csrf) {
        return desk.fail(e);
    }
    let accept = form.accept == "yes";
    let taken = match crate::http::cases::take_step(
        &state,
        &desk.session,
        subject,
        id,
        &form.action,
        accept,
    )
    .await
    {
        Ok(t) => t,
        Err(e) => return desk.fail(e),
    };
    let back = case_url(subject, id);
    if taken.passwords.is_empty() {
        // Post/Redirect/Get: reloading the case's page does not take the step again.
        return Redirect::to(&back).into_response();
    }
    // The passwords exist only in this answer: shown once, for printing.
    let tr = &desk.lang.tr;
    let rules = state.policy().definition().passwords;
    let rows: Vec<Vec<String>> = taken
        .passwords
        .iter()
        .map(|(person, password)| {
            vec![
                escape(person),
                format!("<code class=\"password\">{}</code>", escape(password)),
            ]
        })
        .collect();
    let body = format!(
        "<p>{}</p>{}<p><button type=\"button\" onclick=\"window.print()\">{}</button> <a href=\"{back}\">{}</a></p>",
        escape(&tr.t_with(
            "passwords-once",
            &[
                ("delivery", rules.map_or("", |p| p.delivery)),
                ("days", &rules.map_or(0, |p| p.lifetime_days).to_string()),
            ]
        )),
        table(tr, "passwords", &["col-person", "col-password"], &rows),
        escape(&tr.t("passwords-print")),
        escape(&tr.t_with("application-title", &[("id", &id.to_string())])),
    );
    let mut response = desk.page(&tr.t("passwords-title"), &body).into_response();
    // Not kept by the browser's cache or history.
    response.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    response
}

/// `POST /ra/applications/{id}/steps`.
pub(super) async fn application_step(
    State(state): State<AppState>,
    desk: Desk,
    headers: HeaderMap,
    Path(id): Path<i64>,
    ApiForm(form): ApiForm<StepForm>,
) -> Response {
    step(state, desk, headers, Subject::Application, id, form).await
}

/// `POST /ra/revocations/{id}/steps`.
pub(super) async fn revocation_step(
    State(state): State<AppState>,
    desk: Desk,
    headers: HeaderMap,
    Path(id): Path<i64>,
    ApiForm(form): ApiForm<StepForm>,
) -> Response {
    step(state, desk, headers, Subject::Revocation, id, form).await
}

/// `GET /ra/removals/{id}`: a developer's removal, its steps, the countersigning
/// button for the role the workflow gives it (R-4.11-LEAVE, R-5.2-SEPARATION).
pub(super) async fn removal(
    State(state): State<AppState>,
    desk: Desk,
    Path(id): Path<i64>,
) -> Response {
    let read = load(&state, &desk, Subject::DeveloperRemoval, id, |ra, id| {
        ra.removal(id)
    });
    let (removal, case) = match read.await {
        Ok(r) => r,
        Err(answer) => return answer,
    };
    let tr = &desk.lang.tr;
    let title = tr.t_with("removal-case-title", &[("id", &id.to_string())]);
    case_page(
        &desk,
        &state,
        &case,
        &title,
        &developer_link(&removal.developer),
        "",
        &removal.steps,
    )
}

/// `POST /ra/removals/{id}/steps`.
pub(super) async fn removal_step(
    State(state): State<AppState>,
    desk: Desk,
    headers: HeaderMap,
    Path(id): Path<i64>,
    ApiForm(form): ApiForm<StepForm>,
) -> Response {
    step(state, desk, headers, Subject::DeveloperRemoval, id, form).await
}
