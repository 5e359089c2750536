//! A paper form at the console, drawn from the policy's form for the developer's class
//! (R-3.2-FORM-A, R-3.2-FORM-B, R-3.4-REVOKE-FORM): a text box per text or e-mail field,
//! one name per line for a list of names, a check box for what the operator saw on the
//! paper. A revision that changes the form changes the page. The policy's own check
//! runs here first, so its refusal stands beside the field it names.

use inkan_runtime::forms::{FieldKind, Form, FormError, FormFor};

use super::Desk;
use crate::http::pages::escape;
use crate::ra::RaError;
use crate::ra::forms::Entered;
use crate::state::AppState;

/// What the page's form sends: every field by name, as pairs.
pub(super) type Sent = Vec<(String, String)>;

pub(super) fn sent<'a>(s: &'a Sent, name: &str) -> Option<&'a str> {
    s.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

pub(super) fn lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect()
}

/// The form as the policy's fields hold it.
pub(super) fn entered(form: &Form, s: &Sent) -> Entered {
    let mut out = Entered::new();
    for f in form.fields {
        let v = match f.kind {
            FieldKind::Text | FieldKind::Email => {
                serde_json::Value::String(sent(s, f.name).unwrap_or_default().trim().to_string())
            }
            FieldKind::Names => serde_json::json!(lines(sent(s, f.name).unwrap_or_default())),
            FieldKind::Seen => serde_json::Value::Bool(sent(s, f.name) == Some("on")),
        };
        out.insert(f.name.to_string(), v);
    }
    out
}

/// A refusal to show: the field it is about (none for the form as a whole), and why.
pub(super) struct Refusal<'a> {
    pub field: Option<&'a str>,
    pub why: String,
}

/// The policy's refusal of `entered`, if it refuses it, in the page's language.
pub(super) fn refusal(desk: &Desk, form: &Form, entered: &Entered) -> Option<Refusal<'static>> {
    let e = crate::ra::forms::refusal(form, entered)?;
    let tr = &desk.lang.tr;
    let rules = form.rules.join(", ");
    let (field, why) = match &e {
        FormError::Missing { field, .. } => (
            Some(*field),
            tr.t_with("form-missing", &[("field", field), ("rules", &rules)]),
        ),
        FormError::Invalid { field, .. } => {
            let kind = form
                .fields
                .iter()
                .find(|f| f.name == *field)
                .map_or("text", |f| f.kind.name());
            (
                Some(*field),
                tr.t_with(
                    &format!("form-invalid-{kind}"),
                    &[("field", field), ("rules", &rules)],
                ),
            )
        }
        FormError::Unknown { field, .. } => (
            None,
            tr.t_with("form-unknown", &[("field", field), ("rules", &rules)]),
        ),
    };
    Some(Refusal { field, why })
}

/// The inputs of the policy's `form`, filled from `s`, the refusal beside its field.
pub(super) fn fields(desk: &Desk, form: &Form, s: &Sent, error: Option<&Refusal<'_>>) -> String {
    let tr = &desk.lang.tr;
    let mut fields = String::new();
    for f in form.fields {
        let id = format!("field-{}", f.name);
        let here = error.filter(|e| e.field == Some(f.name));
        let described = if here.is_some() {
            format!(" aria-invalid=\"true\" aria-describedby=\"{id}-error\"")
        } else {
            String::new()
        };
        let value = escape(sent(s, f.name).unwrap_or_default());
        let name = escape(f.name);
        let input = match f.kind {
            FieldKind::Text => {
                format!("<input id=\"{id}\" name=\"{name}\" value=\"{value}\" required{described}>")
            }
            FieldKind::Email => format!(
                "<input id=\"{id}\" name=\"{name}\" type=\"email\" value=\"{value}\" required{described}>"
            ),
            FieldKind::Names => format!(
                "<textarea id=\"{id}\" name=\"{name}\" rows=\"3\" required{described}>{value}</textarea>"
            ),
            FieldKind::Seen => format!(
                "<input id=\"{id}\" name=\"{name}\" type=\"checkbox\"{}{described}>",
                if sent(s, f.name) == Some("on") {
                    " checked"
                } else {
                    ""
                }
            ),
        };
        let hint = match f.kind {
            FieldKind::Names => format!(" <small>{}</small>", escape(&tr.t("form-one-per-line"))),
            FieldKind::Seen => format!(" <small>{}</small>", escape(&tr.t("form-seen"))),
            _ => String::new(),
        };
        let beside = here.map_or_else(String::new, |e| {
            format!(
                "<span class=\"error field-error\" id=\"{id}-error\">{}</span>",
                escape(&e.why)
            )
        });
        fields.push_str(&format!(
            "<label for=\"{id}\"><code>{name}</code>{hint}</label>{input}{beside}"
        ));
    }
    fields
}

/// The policy's `form` as a fieldset under the legend message `legend` (which takes
/// the form's `rules`), if there is a form.
pub(super) fn fieldset(
    desk: &Desk,
    legend: &str,
    form: Option<&Form>,
    s: &Sent,
    error: Option<&Refusal<'_>>,
) -> String {
    form.map_or_else(String::new, |f| {
        format!(
            "<fieldset><legend>{}</legend>{}</fieldset>",
            escape(
                &desk
                    .lang
                    .tr
                    .t_with(legend, &[("rules", &f.rules.join(", "))])
            ),
            fields(desk, f, s, error)
        )
    })
}

/// A page's status: 422 when it shows a refusal.
pub(super) fn status(error: Option<&Refusal<'_>>) -> axum::http::StatusCode {
    if error.is_some() {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    } else {
        axum::http::StatusCode::OK
    }
}

/// What a recording the RA refused shows: the refusal above the form, the values
/// kept; a failure of the service stays an error, for the console's error page.
pub(super) fn refused(e: crate::http::ApiError) -> Result<Refusal<'static>, crate::http::ApiError> {
    if e.status.is_server_error() {
        return Err(e);
    }
    Ok(Refusal {
        field: None,
        why: e.detail,
    })
}

/// The error above a form, if there is one.
pub(super) fn summary(error: Option<&Refusal<'_>>) -> String {
    error.map_or_else(String::new, |e| {
        format!(
            "<p class=\"error\" id=\"error\" role=\"alert\">{}</p>",
            escape(&e.why)
        )
    })
}

/// The policy's `what` form for `developer`'s class, if it has one.
pub(super) async fn form_of(
    state: &AppState,
    developer: &str,
    what: FormFor,
) -> Result<Option<&'static Form>, RaError> {
    let number = developer.to_string();
    let class = state
        .with_ra(move |ra| {
            ra.developer(&number)?
                .map(|d| d.class)
                .ok_or_else(|| RaError::not_found(format!("no developer {number}")))
        })
        .await?;
    Ok(inkan_runtime::forms::find(
        state.policy().definition().forms,
        what,
        &class,
    ))
}
