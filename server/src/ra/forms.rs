//! The paper forms as the operator enters them (R-3.2-FORM-A, R-3.2-FORM-B,
//! R-3.4-REVOKE-FORM, R-3.2-ORG-CHECK): checked against the policy's form for the
//! developer's class before anything is stored, then kept as JSON with the record it
//! belongs to. Which fields a form has, and what each holds, is the policy's alone.

use inkan_runtime::forms::{self, Form, FormFor, Value};
use inkan_runtime::policy::PolicyDefinition;

use super::error::{RaError, Result};

/// A form as entered: its fields by name.
pub type Entered = serde_json::Map<String, serde_json::Value>;

/// A form that passed the policy's check.
#[derive(Debug, Clone, Copy)]
pub struct Checked<'a> {
    /// The policy's form; `None` where the policy has none for this case.
    pub form: Option<&'static Form>,
    /// The fields as entered.
    pub entered: &'a Entered,
}

impl Checked<'_> {
    /// The form as stored: `None` where there is none.
    pub fn json(&self) -> Option<String> {
        self.form
            .map(|_| serde_json::Value::Object(self.entered.clone()).to_string())
    }

    /// The e-mail address the form gives, from its `email` field.
    pub fn email(&self) -> Option<&str> {
        let field = self.form?.email_field()?;
        self.entered.get(field)?.as_str()
    }
}

fn value(v: &serde_json::Value) -> Value<'_> {
    match v {
        serde_json::Value::String(s) => Value::Text(s),
        serde_json::Value::Bool(b) => Value::Flag(*b),
        serde_json::Value::Array(items) => items
            .iter()
            .map(serde_json::Value::as_str)
            .collect::<Option<Vec<&str>>>()
            .map_or(Value::Other, Value::List),
        _ => Value::Other,
    }
}

/// Checks `entered` against the policy's `what` form for a developer of `class`: every
/// field there and holding what it should, nothing else. Where the policy has no such
/// form, nothing may be entered.
pub fn check<'a>(
    policy: &PolicyDefinition,
    what: FormFor,
    class: &str,
    entered: &'a Entered,
) -> Result<Checked<'a>> {
    let Some(form) = forms::find(policy.forms, what, class) else {
        if entered.is_empty() {
            return Ok(Checked {
                form: None,
                entered,
            });
        }
        return Err(RaError::refused(format!(
            "this policy has no {what} form for a developer of class {class}: enter none"
        )));
    };
    form.check(entered.iter().map(|(k, v)| (k.as_str(), value(v))))
        .map_err(|e| RaError::refused(format!("{e} ({})", form.rules.join(", "))))?;
    Ok(Checked {
        form: Some(form),
        entered,
    })
}

/// Why the policy's `form` refuses `entered`, if it does: the field and the reason,
/// for a page that shows the refusal next to the field.
pub fn refusal(form: &Form, entered: &Entered) -> Option<forms::FormError> {
    form.check(entered.iter().map(|(k, v)| (k.as_str(), value(v))))
        .err()
}

/// Reads a stored form back; a stored form that is not a JSON object is corrupt.
pub fn stored(text: Option<String>) -> Result<Option<Entered>> {
    text.map(|t| match serde_json::from_str(&t) {
        Ok(serde_json::Value::Object(m)) => Ok(m),
        _ => Err(RaError::internal("a stored form is not a JSON object")),
    })
    .transpose()
}
