//! The forms the RA receives (R-3.2-FORM-A, R-3.2-FORM-B, R-3.4-REVOKE-FORM,
//! R-3.2-ORG-CHECK): each for a known class or for every class, declared once, its
//! fields named once; every class has an application form, an applicant manager's
//! revocation has its form, and where the form's e-mail must match the manager's, the
//! application form has the e-mail field that check reads.

use super::{Cx, span_of};
use crate::diag::{Diagnostic, Span, did_you_mean};
use crate::model::*;
use crate::syntax::*;

/// What the forms are checked against.
pub(super) struct Context<'a> {
    /// Who may apply, when the policy says.
    pub applicants: Option<&'a Applicants>,
    /// The workflows, to see who files a revocation form.
    pub workflows: &'a [Workflow],
    /// Where each class is declared, to point at one that lacks its form.
    pub class_spans: &'a [(String, Span)],
}

impl Cx<'_> {
    pub(super) fn forms(&mut self, raw: &[RawForm], cx: &Context<'_>) -> Vec<Form> {
        let classes: Vec<String> = cx
            .applicants
            .map(|a| a.classes.iter().map(|(n, _)| n.clone()).collect())
            .unwrap_or_default();
        let mut forms: Vec<Form> = Vec::new();
        // Where each lowered form was declared, for the checks across forms.
        let mut at: Vec<&S<String>> = Vec::new();
        for f in raw {
            let Some(what) = self.kw::<FormFor>(&f.form, "form") else {
                continue;
            };
            let class = f.class.as_ref().map(|c| c.value.clone());
            if let Some(c) = &f.class
                && cx.applicants.is_some()
                && !classes.contains(&c.value)
            {
                let mut d = Diagnostic::error(
                    "unknown-class",
                    Some(span_of(c)),
                    format!(
                        "the form is for class `{}`, which `applicants` does not declare",
                        c.value
                    ),
                )
                .label("not a developer class of this policy")
                .rules(["R-3.2-CLASSES"]);
                let names: Vec<&str> = classes.iter().map(String::as_str).collect();
                if let Some(m) = did_you_mean(&c.value, &names) {
                    d = d.help(format!("did you mean `{m}`?"));
                }
                self.err(d);
            }
            let mut fields: Vec<(String, FieldKind)> = Vec::new();
            for field in &f.fields {
                if fields.iter().any(|(n, _)| *n == field.name.value) {
                    self.err(
                        Diagnostic::error(
                            "duplicate-field",
                            Some(span_of(&field.name)),
                            format!(
                                "the field `{}` is declared twice on this form",
                                field.name.value
                            ),
                        )
                        .label("already declared above"),
                    );
                }
                if let Some(kind) = self.kw::<FieldKind>(&field.kind, "field kind") {
                    fields.push((field.name.value.clone(), kind));
                }
            }
            let form = Form {
                form: what,
                class,
                fields,
                cites: self.cites(&f.cps),
            };
            if forms
                .iter()
                .any(|g| g.form == form.form && g.class == form.class)
            {
                self.err(
                    Diagnostic::error(
                        "duplicate-form",
                        Some(span_of(&f.form)),
                        format!("the {} form is declared twice", form.title()),
                    )
                    .label("the RA could not tell which to check"),
                );
            }
            forms.push(form);
            at.push(&f.form);
        }
        self.every_class_has_its_forms(&forms, &at, &classes, cx);
        forms
    }

    /// Every class has an application form, with the e-mail field R-3.2-EMAIL-MATCH
    /// reads where it applies; a manager's revocation has its form.
    fn every_class_has_its_forms(
        &mut self,
        forms: &[Form],
        at: &[&S<String>],
        classes: &[String],
        cx: &Context<'_>,
    ) {
        let find = |what: FormFor, class: &str| {
            forms
                .iter()
                .position(|f| f.form == what && f.class.as_deref() == Some(class))
                .or_else(|| {
                    forms
                        .iter()
                        .position(|f| f.form == what && f.class.is_none())
                })
        };
        let first = at.first().map(|s| span_of(s));
        let must_match = cx
            .applicants
            .is_some_and(|a| a.form_email == FormEmail::MustMatchManager);
        for class in classes {
            match find(FormFor::Application, class) {
                None => self.err(
                    Diagnostic::error(
                        "missing-form",
                        cx.class_spans
                            .iter()
                            .find(|(name, _)| name == class)
                            .map(|(_, span)| *span)
                            .or(first),
                        format!("class `{class}` has no application form"),
                    )
                    .label("add a `form: application` for this class, or one without `class`")
                    .rules(["R-3.2-FORM-A", "R-3.2-FORM-B"]),
                ),
                Some(i) if must_match && forms[i].email_field().is_none() => self.err(
                    Diagnostic::error(
                        "form-email-unchecked",
                        at.get(i).map(|s| span_of(s)),
                        format!(
                            "the {} form has no `email` field, so `form_email: must-match-manager` has nothing to check",
                            forms[i].title()
                        ),
                    )
                    .label("give this form a field of `kind: email`")
                    .rules(["R-3.2-EMAIL-MATCH"]),
                ),
                Some(_) => {}
            }
        }
        let by_manager = cx
            .workflows
            .iter()
            .any(|w| w.requested_by == Some(Requester::ApplicantManager));
        let without: Vec<&str> = classes
            .iter()
            .filter(|c| find(FormFor::Revocation, c).is_none())
            .map(String::as_str)
            .collect();
        if by_manager && !without.is_empty() {
            self.err(
                Diagnostic::error(
                    "missing-form",
                    first,
                    format!(
                        "no revocation form for class {}, and an applicant manager may ask for a revocation",
                        without.join(", ")
                    ),
                )
                .label("add a `form: revocation`")
                .rules(["R-3.4-REVOKE-FORM"]),
            );
        }
    }
}

impl Form {
    fn email_field(&self) -> Option<&str> {
        self.fields
            .iter()
            .find(|(_, k)| *k == FieldKind::Email)
            .map(|(n, _)| n.as_str())
    }
}
