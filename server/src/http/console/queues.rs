//! The console's front page: what waits for this staff member. Application forms and
//! revocation requests in a state whose next step the policy gives to their role,
//! revocation requests past their deadline, the CA keys' activation; each section only
//! for a role the policy lets read it.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use inkan_runtime::actions::RaAction;
use inkan_runtime::workflow::Subject;

use super::Desk;
use crate::http::pages::escape;
use crate::i18n::Tr;
use crate::ra::RaError;
use crate::ra::records::lists::{self, ApplicationRow, RevocationRow};
use crate::state::AppState;

/// A table with `heads` (message ids) and rows of cells (HTML), or the empty notice.
pub(super) fn table(tr: &Tr<'_>, id: &str, heads: &[&str], rows: &[Vec<String>]) -> String {
    if rows.is_empty() {
        return format!(
            "<p id=\"{id}\" class=\"empty\">{}</p>",
            escape(&tr.t("queue-empty"))
        );
    }
    let head: String = heads
        .iter()
        .map(|h| format!("<th scope=\"col\">{}</th>", escape(&tr.t(h))))
        .collect();
    let body: String = rows
        .iter()
        .map(|r| {
            format!(
                "<tr>{}</tr>",
                r.iter()
                    .map(|c| format!("<td>{c}</td>"))
                    .collect::<String>()
            )
        })
        .collect();
    format!("<table id=\"{id}\"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
}

fn application_rows(rows: &[ApplicationRow]) -> Vec<Vec<String>> {
    rows.iter()
        .map(|a| {
            vec![
                format!("<a href=\"/ra/applications/{0}\">{0}</a>", a.id),
                escape(&a.developer),
                escape(&a.developer_name),
                format!("<code>{}</code>", escape(&a.status)),
                escape(&a.received_at),
                a.holders.to_string(),
            ]
        })
        .collect()
}

fn revocation_rows(tr: &Tr<'_>, rows: &[RevocationRow]) -> Vec<Vec<String>> {
    rows.iter()
        .map(|r| {
            let deadline = if r.overdue {
                format!(
                    "<strong class=\"error\">{} ({})</strong>",
                    escape(&r.deadline_at),
                    escape(&tr.t("overdue"))
                )
            } else {
                escape(&r.deadline_at)
            };
            vec![
                format!("<a href=\"/ra/revocations/{0}\">{0}</a>", r.id),
                format!("<code>{}</code>", escape(&r.serial)),
                escape(&r.developer),
                escape(&r.reason),
                format!("<code>{}</code>", escape(&r.status)),
                deadline,
            ]
        })
        .collect()
}

const REVOCATION_HEADS: &[&str] = &[
    "col-id",
    "col-serial",
    "col-developer",
    "col-reason",
    "col-state",
    "col-deadline",
];

/// `GET /ra`.
pub(super) async fn queues(State(state): State<AppState>, desk: Desk) -> Response {
    let policy = state.policy();
    let role = desk.session.staff.role.clone();
    let may = |a| policy.may(&role, a);
    // A queue for each kind of case in which the policy gives this role a step.
    let queue = |subject| {
        let waiting = lists::waiting_for(policy, subject, &role);
        waiting
            .0
            .as_ref()
            .is_some_and(|p| !p.is_empty())
            .then_some(waiting)
    };
    let removals = queue(Subject::DeveloperRemoval);
    let (apps, revs, overdue, activation) = (
        queue(Subject::Application),
        queue(Subject::Revocation),
        may(RaAction::ListOverdueRevocations),
        may(RaAction::ReadActivation),
    );
    let now = state.now();
    let read = state
        .with_both(move |ca, ra| {
            let apps = apps
                .map(|s| ra.list_applications(&s, 0, lists::MAX_PAGE))
                .transpose()?;
            let revs = revs
                .map(|s| ra.list_revocations(&s, 0, lists::MAX_PAGE, now))
                .transpose()?;
            // Every overdue request, as the API's list and the metrics count them
            // (including one whose workflow this policy no longer has).
            let overdue = if overdue {
                Some(
                    ra.overdue(now)?
                        .into_iter()
                        .map(|r| RevocationRow {
                            id: r.id,
                            serial: r.serial,
                            developer: r.developer,
                            reason: r.reason,
                            workflow: r.workflow,
                            status: r.status,
                            deadline_at: r.deadline_at,
                            overdue: true,
                        })
                        .collect::<Vec<_>>(),
                )
            } else {
                None
            };
            let activation = activation.then(|| ca.activation());
            let removals = removals
                .map(|s| ra.list_removals(&s, 0, lists::MAX_PAGE))
                .transpose()?;
            Ok::<_, RaError>((apps, revs, overdue, activation, removals))
        })
        .await;
    let (apps, revs, overdue, activation, removals) = match read {
        Ok(r) => r,
        Err(e) => return desk.fail(e.into()),
    };
    let tr = &desk.lang.tr;
    let mut body = String::new();
    let mut section = |title: &str, html: String| {
        body.push_str(&format!(
            "<section><h2>{}</h2>{html}</section>",
            escape(&tr.t(title))
        ));
    };
    if let Some(s) = activation {
        let text = match s {
            Some(s) if !s.active => tr.t_with(
                "activation-locked",
                &[
                    ("entered", &s.have.to_string()),
                    ("needed", &s.need.to_string()),
                ],
            ),
            _ => tr.t("activation-active"),
        };
        section(
            "activation-title",
            format!("<p id=\"activation\">{}</p>", escape(&text)),
        );
    }
    if let Some(rows) = apps {
        section(
            "queue-applications",
            table(
                tr,
                "applications",
                &[
                    "col-id",
                    "col-developer",
                    "col-name",
                    "col-state",
                    "col-received",
                    "col-holders",
                ],
                &application_rows(&rows),
            ),
        );
    }
    if let Some(rows) = revs {
        section(
            "queue-revocations",
            table(
                tr,
                "revocations",
                REVOCATION_HEADS,
                &revocation_rows(tr, &rows),
            ),
        );
    }
    if let Some(rows) = overdue {
        section(
            "queue-overdue",
            table(tr, "overdue", REVOCATION_HEADS, &revocation_rows(tr, &rows)),
        );
    }
    if let Some(rows) = removals {
        let cells: Vec<Vec<String>> = rows
            .iter()
            .map(|r| {
                vec![
                    format!("<a href=\"/ra/removals/{0}\">{0}</a>", r.id),
                    escape(&r.developer),
                    format!("<code>{}</code>", escape(&r.status)),
                    escape(&r.proposed_at),
                ]
            })
            .collect();
        section(
            "queue-removals",
            table(
                tr,
                "removals",
                &["col-id", "col-developer", "col-state", "col-at"],
                &cells,
            ),
        );
    }
    desk.page(&tr.t("console-title"), &body).into_response()
}
