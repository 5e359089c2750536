//! The paper forms the RA receives and what each must carry (R-3.2-FORM-A,
//! R-3.2-FORM-B, R-3.4-REVOKE-FORM, R-3.2-ORG-CHECK): an application form per
//! developer class, the revocation form an applicant manager sends, and the evidence
//! of the organisation check the RA records when it registers a developer. The
//! operator enters a form as received; the RA refuses one that lacks a field the
//! policy names, or carries one it does not, and keeps it with its case.

/// What a form is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FormFor {
    /// A certificate application (CPS 3.2.2, 4.1).
    Application,
    /// A revocation request from an applicant manager (CPS 3.4, 4.9.3).
    Revocation,
    /// The RA's registration of a product developer: the evidence of its checks
    /// (CPS 3.2.2).
    Registration,
}

/// What one field holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FieldKind {
    /// Non-empty text.
    Text,
    /// An e-mail address; on an application form, the one R-3.2-EMAIL-MATCH checks.
    Email,
    /// One or more names.
    Names,
    /// The operator saw it on the paper (a seal or a signature): must be `true`.
    Seen,
}

names!(FormFor { Application = "application", Revocation = "revocation", Registration = "registration" });
names!(FieldKind { Text = "text", Email = "email", Names = "names", Seen = "seen" });

/// One field of a form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    /// Its name, the key it is entered under.
    pub name: &'static str,
    /// What it holds.
    pub kind: FieldKind,
}

/// A form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Form {
    /// What it is for.
    pub form: FormFor,
    /// The developer class it belongs to; `None` for every class.
    pub class: Option<&'static str>,
    /// Its fields, in the paper's order.
    pub fields: &'static [Field],
    /// The CPS rules it comes from, for the RA's refusals.
    pub rules: &'static [&'static str],
}

/// A field's value as entered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value<'a> {
    /// A string.
    Text(&'a str),
    /// A list of strings.
    List(Vec<&'a str>),
    /// Yes or no.
    Flag(bool),
    /// Anything else (a number, an object, null).
    Other,
}

/// Why a form as entered is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormError {
    /// A field the policy names is not there.
    #[error("the {form} form lacks `{field}`")]
    Missing {
        /// The form.
        form: FormFor,
        /// The field.
        field: &'static str,
    },
    /// A field the policy does not name.
    #[error("the {form} form has no field `{field}`")]
    Unknown {
        /// The form.
        form: FormFor,
        /// The field as entered.
        field: String,
    },
    /// A value that is not what its field holds.
    #[error("`{field}` on the {form} form must be {expected}")]
    Invalid {
        /// The form.
        form: FormFor,
        /// The field.
        field: &'static str,
        /// What it should be.
        expected: &'static str,
    },
}

impl std::fmt::Display for FormFor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Longest text a field takes: a paper form's line, with room to spare.
pub const MAX_TEXT: usize = 1024;

impl FieldKind {
    /// Whether `value` is one of these; what it should be if not.
    pub fn check(self, value: &Value<'_>) -> Result<(), &'static str> {
        let text = |s: &str| !s.trim().is_empty() && s.len() <= MAX_TEXT;
        let ok = match (self, value) {
            (FieldKind::Text, Value::Text(s)) => text(s),
            (FieldKind::Email, Value::Text(s)) => {
                text(s)
                    && s.trim()
                        .split_once('@')
                        .is_some_and(|(l, d)| !l.is_empty() && d.contains('.') && !d.contains('@'))
            }
            (FieldKind::Names, Value::List(names)) => {
                !names.is_empty() && names.iter().all(|n| text(n))
            }
            (FieldKind::Seen, Value::Flag(seen)) => *seen,
            _ => false,
        };
        if ok {
            Ok(())
        } else {
            Err(match self {
                FieldKind::Text => "non-empty text",
                FieldKind::Email => "an e-mail address",
                FieldKind::Names => "a list of one or more names",
                FieldKind::Seen => "`true`: the operator saw it on the paper",
            })
        }
    }
}

impl Form {
    /// Checks a form as entered, given as its fields' names and values: every field
    /// of the policy's form there and holding what it should, nothing else.
    pub fn check<'a>(
        &self,
        entered: impl IntoIterator<Item = (&'a str, Value<'a>)> + Clone,
    ) -> Result<(), FormError> {
        for (name, _) in entered.clone() {
            if !self.fields.iter().any(|f| f.name == name) {
                return Err(FormError::Unknown {
                    form: self.form,
                    field: name.to_string(),
                });
            }
        }
        for field in self.fields {
            let value = entered
                .clone()
                .into_iter()
                .find(|(n, _)| *n == field.name)
                .map(|(_, v)| v)
                .ok_or(FormError::Missing {
                    form: self.form,
                    field: field.name,
                })?;
            field
                .kind
                .check(&value)
                .map_err(|expected| FormError::Invalid {
                    form: self.form,
                    field: field.name,
                    expected,
                })?;
        }
        Ok(())
    }

    /// The field holding the form's e-mail address, if it has one.
    pub fn email_field(&self) -> Option<&'static str> {
        self.fields
            .iter()
            .find(|f| f.kind == FieldKind::Email)
            .map(|f| f.name)
    }
}

/// The form for `what` from a developer of `class`: the class's own before one for
/// every class.
pub fn find(forms: &'static [Form], what: FormFor, class: &str) -> Option<&'static Form> {
    let mut of_what = forms.iter().filter(|f| f.form == what);
    of_what
        .clone()
        .find(|f| f.class == Some(class))
        .or_else(|| of_what.find(|f| f.class.is_none()))
}

#[cfg(test)]
mod tests {
    use super::*;

    static FORMS: &[Form] = &[
        Form {
            form: FormFor::Application,
            class: Some("A"),
            fields: &[
                Field {
                    name: "organisation",
                    kind: FieldKind::Text,
                },
                Field {
                    name: "manager-email",
                    kind: FieldKind::Email,
                },
                Field {
                    name: "holders",
                    kind: FieldKind::Names,
                },
                Field {
                    name: "seal-or-signature",
                    kind: FieldKind::Seen,
                },
            ],
            rules: &["R-3.2-FORM-A"],
        },
        Form {
            form: FormFor::Application,
            class: None,
            fields: &[Field {
                name: "name",
                kind: FieldKind::Text,
            }],
            rules: &[],
        },
    ];

    fn class_a<'a>() -> Vec<(&'a str, Value<'a>)> {
        vec![
            ("organisation", Value::Text("Example KK")),
            ("manager-email", Value::Text("boss@dev.example")),
            ("holders", Value::List(vec!["Sato", "Suzuki"])),
            ("seal-or-signature", Value::Flag(true)),
        ]
    }

    #[test]
    fn a_complete_form_passes_and_each_defect_is_named() {
        let form = find(FORMS, FormFor::Application, "A").unwrap();
        assert_eq!(form.check(class_a()), Ok(()));
        assert_eq!(form.email_field(), Some("manager-email"));
        let without = |name: &str| {
            let mut v = class_a();
            v.retain(|(n, _)| *n != name);
            v
        };
        assert_eq!(
            form.check(without("holders")),
            Err(FormError::Missing {
                form: FormFor::Application,
                field: "holders"
            })
        );
        let mut extra = class_a();
        extra.push(("title", Value::Text("CEO")));
        assert!(
            matches!(form.check(extra), Err(FormError::Unknown { field, .. }) if field == "title")
        );
        for (field, bad) in [
            ("organisation", Value::Text("  ")),
            ("organisation", Value::Flag(true)),
            ("manager-email", Value::Text("boss")),
            ("manager-email", Value::Text("@dev.example")),
            ("manager-email", Value::Text("boss@localhost")),
            ("holders", Value::List(vec![])),
            ("holders", Value::List(vec!["Sato", ""])),
            ("seal-or-signature", Value::Flag(false)),
            ("seal-or-signature", Value::Other),
        ] {
            let mut v = without(field);
            v.push((field, bad.clone()));
            assert!(
                matches!(form.check(v), Err(FormError::Invalid { field: f, .. }) if f == field),
                "{field} = {bad:?}"
            );
        }
        let long = "x".repeat(MAX_TEXT + 1);
        let mut v = without("organisation");
        v.push(("organisation", Value::Text(&long)));
        assert!(form.check(v).is_err());
    }

    #[test]
    fn a_class_without_its_own_form_gets_the_common_one() {
        assert_eq!(
            find(FORMS, FormFor::Application, "B").map(|f| f.fields[0].name),
            Some("name")
        );
        assert_eq!(find(FORMS, FormFor::Revocation, "A"), None);
        assert_eq!(
            find(FORMS, FormFor::Application, "A").unwrap().class,
            Some("A")
        );
        assert_eq!(
            FormFor::from_name("registration"),
            Some(FormFor::Registration)
        );
        assert_eq!(FieldKind::Seen.name(), "seen");
    }
}
