//! The developer registry at the console (R-3.2-CLASSES, R-9.3-CONFIDENTIAL): search by
//! number or name, a page at a time, and one developer's record with its applicant
//! manager, for the roles the policy lets read developers.

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use inkan_runtime::actions::RaAction;
use serde::Deserialize;

use super::Desk;
use super::queues::table;
use crate::http::pages::escape;
use crate::ra::RaError;
use crate::ra::records::lists::MAX_PAGE;
use crate::state::AppState;

#[derive(Deserialize)]
pub(super) struct Search {
    #[serde(default)]
    q: String,
    #[serde(default)]
    after: String,
}

/// `GET /ra/developers?q=&after=`.
pub(super) async fn list(
    State(state): State<AppState>,
    desk: Desk,
    Query(s): Query<Search>,
) -> Response {
    if let Err(e) = desk.session.require(RaAction::ReadDeveloper) {
        return desk.fail(e);
    }
    let (q, after) = (s.q.trim().to_string(), s.after.clone());
    let rows = match state
        .with_ra(move |ra| ra.list_developers(&q, &after, MAX_PAGE))
        .await
    {
        Ok(r) => r,
        Err(e) => return desk.fail(e.into()),
    };
    let tr = &desk.lang.tr;
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|d| {
            vec![
                format!("<a href=\"/ra/developers/{0}\">{0}</a>", escape(&d.number)),
                escape(&d.name),
                escape(&d.class),
                escape(&d.registration),
                escape(&d.status),
            ]
        })
        .collect();
    let more = match rows.last() {
        Some(last) if rows.len() == usize::try_from(MAX_PAGE).unwrap_or(usize::MAX) => format!(
            "<p><a id=\"more\" href=\"/ra/developers?{}\">{}</a></p>",
            escape(
                &serde_urlencoded::to_string([
                    ("q", s.q.as_str()),
                    ("after", last.number.as_str())
                ])
                .unwrap_or_default()
            ),
            escape(&tr.t("developers-more"))
        ),
        _ => String::new(),
    };
    let new = if desk.session.require(RaAction::RegisterDeveloper).is_ok() {
        format!(
            "<p><a id=\"new-developer\" href=\"/ra/developers/new\">{}</a></p>",
            escape(&tr.t("developers-new"))
        )
    } else {
        String::new()
    };
    let body = format!(
        "{new}<form method=\"get\" action=\"/ra/developers\" role=\"search\"><label for=\"q\">{}</label><input id=\"q\" name=\"q\" value=\"{}\"> <button type=\"submit\" id=\"search\">{}</button></form>{}{more}",
        escape(&tr.t("developers-search")),
        escape(&s.q),
        escape(&tr.t("developers-search-submit")),
        table(
            tr,
            "developers",
            &[
                "col-developer",
                "col-name",
                "col-class",
                "col-registration",
                "col-status"
            ],
            &cells
        ),
    );
    desk.page(&tr.t("developers-title"), &body).into_response()
}

/// `GET /ra/developers/{number}`: the record, confidential fields included.
pub(super) async fn detail(
    State(state): State<AppState>,
    desk: Desk,
    Path(number): Path<String>,
) -> Response {
    if let Err(e) = desk.session.require(RaAction::ReadDeveloper) {
        return desk.fail(e);
    }
    let n = number.clone();
    let (d, serials) = match state
        .with_both(move |ca, ra| {
            let d = ra
                .developer(&n)?
                .ok_or_else(|| RaError::not_found(format!("no developer {n}")))?;
            let serials = crate::ra::revocation::certificates_of(ca, &n)?;
            Ok::<_, RaError>((d, serials))
        })
        .await
    {
        Ok(d) => d,
        Err(e) => return desk.fail(e.into()),
    };
    let tr = &desk.lang.tr;
    let row = |id: &str, v: &str| vec![escape(&tr.t(id)), escape(v)];
    let facts = vec![
        row("col-name", &d.name),
        row("col-class", &d.class),
        row("col-registration", &d.registration),
        row("col-status", &d.status),
        row(
            "developer-manager",
            &format!(
                "{} <{}> {}",
                d.manager_name, d.manager_email, d.manager_phone
            ),
        ),
    ];
    let opens = inkan_runtime::workflow::of(
        state.policy().definition().workflows,
        inkan_runtime::workflow::Subject::Application,
    )
    .is_some_and(|w| desk.session.require(w.opens).is_ok());
    // A link (after `before`), or nothing where this person may not follow it.
    let link = |shown: bool, before: &str, attr: &str, href: String, message: &str| {
        if shown {
            format!(
                "{before}<a {attr} href=\"{href}\">{}</a>",
                escape(&tr.t(message))
            )
        } else {
            String::new()
        }
    };
    let number = escape(&d.number);
    let new = link(
        opens,
        "",
        "id=\"new-application\"",
        format!("/ra/applications/new?developer={number}"),
        "developer-new-application",
    );
    let new = if new.is_empty() {
        new
    } else {
        format!("<p>{new}</p>")
    };
    let reads_trails = desk.session.require(super::removal::TRAIL).is_ok();
    let certificates: Vec<Vec<String>> = serials
        .iter()
        .map(|s| {
            vec![
                format!("<code>{}</code>", escape(s)),
                format!(
                    "<a class=\"revoke\" href=\"/ra/revocations/new?developer={}&amp;serial={}\">{}</a>{}",
                    escape(&d.number),
                    escape(s),
                    escape(&tr.t("developer-revoke")),
                    link(
                        reads_trails,
                        " · ",
                        "class=\"trail\"",
                        format!("/ra/certificates/{}/trail", escape(s)),
                        "developer-trail",
                    )
                ),
            ]
        })
        .collect();
    let removes = inkan_runtime::workflow::of(
        state.policy().definition().workflows,
        inkan_runtime::workflow::Subject::DeveloperRemoval,
    )
    .is_some_and(|w| desk.session.require(w.opens).is_ok())
        && d.status == "listed";
    let remove = link(
        removes,
        " · ",
        "id=\"remove\"",
        format!("/ra/developers/{number}/removal"),
        "developer-remove",
    );
    let change = link(
        desk.session.require(RaAction::RegisterDeveloper).is_ok() && d.status == "listed",
        " · ",
        "id=\"change\"",
        format!("/ra/developers/{number}/registration"),
        "developer-change",
    );
    let trail = link(
        reads_trails,
        "",
        "id=\"trail\"",
        format!("/ra/developers/{number}/trail"),
        "developer-trail",
    );
    let links = format!("<p>{trail}{change}{remove}</p>");
    let body = format!(
        "{}{links}{new}<h2>{}</h2>{}",
        table(tr, "developer", &["col-field", "col-value"], &facts),
        escape(&tr.t("developer-certificates")),
        table(
            tr,
            "certificates",
            &["col-serial", "col-action"],
            &certificates
        ),
    );
    desk.page(&tr.t_with("developer-title", &[("number", &number)]), &body)
        .into_response()
}
