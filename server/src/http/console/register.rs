//! Registering a product developer at the console (R-3.2-CLASSES, R-4.1-ELIGIBLE,
//! R-3.2-ORG-CHECK): first the class, from the policy's classes; then the developer's
//! record, a registration from the policy's list, and the policy's registration form
//! for that class (the evidence of the RA's check), recorded by the same code as the
//! API's.

use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use inkan_runtime::actions::RaAction;
use inkan_runtime::forms::{Form, FormFor};
use serde::Deserialize;

use super::Desk;
use super::paper::{self, Refusal, Sent, entered, sent};
use crate::http::extract::ApiForm;
use crate::http::pages::escape;
use crate::ra::Developer;
use crate::state::AppState;

/// The developer's own fields, each with its message id and input type.
const FIELDS: &[(&str, &str, &str)] = &[
    ("number", "dev-number", "text"),
    ("name", "col-name", "text"),
    ("manager_name", "dev-manager-name", "text"),
    ("manager_address", "dev-manager-address", "text"),
    ("manager_email", "dev-manager-email", "email"),
    ("manager_phone", "dev-manager-phone", "tel"),
];

fn form_for(state: &AppState, class: &str) -> Option<&'static Form> {
    inkan_runtime::forms::find(
        state.policy().definition().forms,
        FormFor::Registration,
        class,
    )
}

fn page(
    state: &AppState,
    desk: &Desk,
    class: &str,
    s: &Sent,
    error: Option<Refusal<'_>>,
) -> Response {
    let tr = &desk.lang.tr;
    let eligibility = state.policy().definition().eligibility;
    let mut own = String::new();
    for (name, label, kind) in FIELDS {
        own.push_str(&format!(
            "<label for=\"{name}\">{}</label><input id=\"{name}\" name=\"{name}\" type=\"{kind}\" value=\"{}\" required>",
            escape(&tr.t(label)),
            escape(sent(s, name).unwrap_or_default())
        ));
    }
    let registrations: String = eligibility
        .iter()
        .flat_map(|e| e.registrations)
        .map(|r| {
            let chosen = if sent(s, "registration") == Some(r.name) {
                " selected"
            } else {
                ""
            };
            format!("<option value=\"{0}\"{chosen}>{0}</option>", escape(r.name))
        })
        .collect();
    let evidence = paper::fieldset(
        desk,
        "dev-evidence",
        form_for(state, class),
        s,
        error.as_ref(),
    );
    let status = paper::status(error.as_ref());
    let body = format!(
        "{}<form method=\"post\" action=\"/ra/developers\">{}<input type=\"hidden\" name=\"class\" value=\"{}\">{own}<label for=\"registration\">{}</label><select id=\"registration\" name=\"registration\">{registrations}</select><label for=\"permitted\"><input id=\"permitted\" name=\"permitted\" type=\"checkbox\"{}> {}</label>{evidence}<p><button type=\"submit\" id=\"register\">{}</button></p></form>",
        paper::summary(error.as_ref()),
        desk.token_field(),
        escape(class),
        escape(&tr.t("col-registration")),
        if sent(s, "permitted") == Some("on") {
            " checked"
        } else {
            ""
        },
        escape(&tr.t("dev-permitted")),
        escape(&tr.t("dev-register")),
    );
    (
        status,
        desk.page(&tr.t_with("dev-new-title", &[("class", class)]), &body),
    )
        .into_response()
}

#[derive(Deserialize)]
pub(super) struct NewQuery {
    class: Option<String>,
}

/// `GET /ra/developers/new[?class=]`: the policy's classes, then the class's form.
pub(super) async fn new(
    State(state): State<AppState>,
    desk: Desk,
    Query(q): Query<NewQuery>,
) -> Response {
    if let Err(e) = desk.session.require(RaAction::RegisterDeveloper) {
        return desk.fail(e);
    }
    let tr = &desk.lang.tr;
    let classes = state
        .policy()
        .definition()
        .eligibility
        .map_or(&[][..], |e| e.classes);
    match q.class.filter(|c| classes.iter().any(|k| k.name == c)) {
        Some(class) => page(&state, &desk, &class, &Vec::new(), None),
        None => {
            let links: String = classes
                .iter()
                .map(|c| {
                    format!(
                        "<li><a id=\"class-{0}\" href=\"/ra/developers/new?class={0}\">{1}</a></li>",
                        escape(c.name),
                        escape(&tr.t_with("dev-class", &[("class", c.name), ("who", c.who)]))
                    )
                })
                .collect();
            desk.page(&tr.t("dev-new-choose"), &format!("<ul>{links}</ul>"))
                .into_response()
        }
    }
}

/// `POST /ra/developers`: registers, then shows the record.
pub(super) async fn register(
    State(state): State<AppState>,
    desk: Desk,
    headers: HeaderMap,
    ApiForm(s): ApiForm<Sent>,
) -> Response {
    if let Err(e) = desk.check_form(&headers, sent(&s, "csrf").unwrap_or_default()) {
        return desk.fail(e);
    }
    let actor = match desk.session.require(RaAction::RegisterDeveloper) {
        Ok(staff) => staff.login.clone(),
        Err(e) => return desk.fail(e),
    };
    let class = sent(&s, "class").unwrap_or_default().to_string();
    let evidence = match form_for(&state, &class) {
        Some(f) => {
            let entered = entered(f, &s);
            if let Some(refused) = paper::refusal(&desk, f, &entered) {
                return page(&state, &desk, &class, &s, Some(refused));
            }
            entered
        }
        None => Default::default(),
    };
    let field = |name: &str| sent(&s, name).unwrap_or_default().trim().to_string();
    let developer = Developer {
        number: field("number"),
        name: field("name"),
        class: class.clone(),
        registration: field("registration"),
        permitted: sent(&s, "permitted") == Some("on"),
        manager_name: field("manager_name"),
        manager_address: field("manager_address"),
        manager_email: field("manager_email"),
        manager_phone: field("manager_phone"),
        registration_form: evidence,
        status: String::new(),
    };
    let (now, number) = (state.now(), developer.number.clone());
    match state
        .with_ra(move |ra| ra.add_developer(&developer, now, &actor))
        .await
    {
        Ok(()) => Redirect::to(&format!("/ra/developers/{number}")).into_response(),
        Err(e) => match paper::refused(e.into()) {
            Ok(refusal) => page(&state, &desk, &class, &s, Some(refusal)),
            Err(e) => desk.fail(e),
        },
    }
}

/// The change form: the class's links, then its registration, the permission, and
/// the policy's registration form for the class.
fn change_page(
    state: &AppState,
    desk: &Desk,
    d: &Developer,
    class: &str,
    s: &Sent,
    error: Option<Refusal<'_>>,
) -> Response {
    let tr = &desk.lang.tr;
    let def = state.policy().definition();
    let classes: String = def
        .eligibility
        .iter()
        .flat_map(|e| e.classes)
        .map(|c| {
            format!(
                "<a class=\"class\" id=\"to-class-{0}\" href=\"/ra/developers/{1}/registration?class={0}\">{2}</a> ",
                escape(c.name),
                escape(&d.number),
                escape(&tr.t_with("dev-class", &[("class", c.name), ("who", c.who)]))
            )
        })
        .collect();
    let chosen = sent(s, "registration").unwrap_or(&d.registration);
    let registrations: String = def
        .eligibility
        .iter()
        .flat_map(|e| e.registrations)
        .map(|r| {
            let selected = if chosen == r.name { " selected" } else { "" };
            format!(
                "<option value=\"{0}\"{selected}>{0}</option>",
                escape(r.name)
            )
        })
        .collect();
    let permitted = sent(s, "permitted").map_or(d.permitted, |v| v == "on");
    let evidence = paper::fieldset(
        desk,
        "dev-evidence",
        form_for(state, class),
        s,
        error.as_ref(),
    );
    let status = paper::status(error.as_ref());
    let body = format!(
        "{}<p>{classes}</p><form method=\"post\" action=\"/ra/developers/{}/registration\">{}<input type=\"hidden\" name=\"class\" value=\"{}\"><p>{}</p><label for=\"registration\">{}</label><select id=\"registration\" name=\"registration\">{registrations}</select><label for=\"permitted\"><input id=\"permitted\" name=\"permitted\" type=\"checkbox\"{}> {}</label>{evidence}<p><button type=\"submit\" id=\"change\">{}</button></p></form>",
        paper::summary(error.as_ref()),
        escape(&d.number),
        desk.token_field(),
        escape(class),
        escape(&tr.t_with("dev-class-only", &[("class", class)])),
        escape(&tr.t("col-registration")),
        if permitted { " checked" } else { "" },
        escape(&tr.t("dev-permitted")),
        escape(&tr.t("dev-change")),
    );
    (
        status,
        desk.page(
            &tr.t_with("dev-change-title", &[("developer", &d.number)]),
            &body,
        ),
    )
        .into_response()
}

/// The developer, for a person who may register developers.
async fn registered(state: &AppState, desk: &Desk, number: &str) -> Result<Developer, Response> {
    desk.session
        .require(RaAction::RegisterDeveloper)
        .map_err(|e| desk.fail(e))?;
    let n = number.to_string();
    state
        .with_ra(move |ra| {
            ra.developer(&n)?
                .filter(|d| d.status == "listed")
                .ok_or_else(|| crate::ra::RaError::not_found(format!("no listed developer {n}")))
        })
        .await
        .map_err(|e| desk.fail(e.into()))
}

/// `GET /ra/developers/{number}/registration[?class=]`.
pub(super) async fn change_form(
    State(state): State<AppState>,
    desk: Desk,
    axum::extract::Path(number): axum::extract::Path<String>,
    Query(q): Query<NewQuery>,
) -> Response {
    let d = match registered(&state, &desk, &number).await {
        Ok(d) => d,
        Err(answer) => return answer,
    };
    let class = q.class.unwrap_or_else(|| d.class.clone());
    // The evidence on file, for the class it was entered for.
    let s: Sent = if class == d.class {
        d.registration_form
            .iter()
            .map(|(k, v)| {
                (
                    k.clone(),
                    v.as_str().map_or_else(|| v.to_string(), String::from),
                )
            })
            .collect()
    } else {
        Vec::new()
    };
    change_page(&state, &desk, &d, &class, &s, None)
}

/// `POST /ra/developers/{number}/registration`.
pub(super) async fn change(
    State(state): State<AppState>,
    desk: Desk,
    headers: HeaderMap,
    axum::extract::Path(number): axum::extract::Path<String>,
    ApiForm(s): ApiForm<Sent>,
) -> Response {
    if let Err(e) = desk.check_form(&headers, sent(&s, "csrf").unwrap_or_default()) {
        return desk.fail(e);
    }
    let d = match registered(&state, &desk, &number).await {
        Ok(d) => d,
        Err(answer) => return answer,
    };
    let class = sent(&s, "class").unwrap_or_default().to_string();
    let evidence = match form_for(&state, &class) {
        Some(f) => {
            let entered = entered(f, &s);
            if let Some(refused) = paper::refusal(&desk, f, &entered) {
                return change_page(&state, &desk, &d, &class, &s, Some(refused));
            }
            entered
        }
        None => Default::default(),
    };
    let change = crate::ra::RegistrationChange {
        class: class.clone(),
        registration: sent(&s, "registration").unwrap_or_default().to_string(),
        permitted: sent(&s, "permitted") == Some("on"),
        registration_form: evidence,
    };
    let (now, actor) = (state.now(), desk.session.staff.login.clone());
    match state
        .with_ra(move |ra| ra.change_registration(&number, &change, now, &actor))
        .await
    {
        Ok(()) => Redirect::to(&format!("/ra/developers/{}", d.number)).into_response(),
        Err(e) => match paper::refused(e.into()) {
            Ok(refusal) => change_page(&state, &desk, &d, &class, &s, Some(refusal)),
            Err(e) => desk.fail(e),
        },
    }
}
