//! Distinguished names: attributes, string types and placeholders (R-3.1-DN-FORMAT).

use super::Cx;
use crate::diag::Diagnostic;
use crate::lang::{self, LangError};
use crate::model::*;
use crate::syntax::*;

impl Cx<'_> {
    pub(super) fn dn(
        &mut self,
        s: &S<String>,
        default: StringType,
        placeholders: &[&str],
    ) -> Option<Dn> {
        let dn = self.parse(s, "distinguished name", "bad-name", lang::dn::parse)?;
        for rdn in &dn.rdns {
            let value_err = |len: usize, off: usize| LangError {
                offset: rdn.value_offset + off,
                len,
                expected: String::new(),
            };
            let string_type = rdn
                .string_type
                .or(rdn.attribute.fixed_string_type())
                .unwrap_or(default);
            if let (Some(fixed), Some(given)) = (rdn.attribute.fixed_string_type(), rdn.string_type)
                && fixed != given
            {
                let span = self.inner(s, &value_err(rdn.value_len, 0));
                self.err(
                    Diagnostic::error(
                        "bad-name",
                        Some(span),
                        format!(
                            "{} must be a {}String",
                            rdn.attribute.long(),
                            fixed.keyword()
                        ),
                    )
                    .label("X.520 fixes this attribute's string type"),
                );
            }
            match &rdn.value {
                RdnValue::Literal(v) => {
                    if let Some(i) = string_type.first_invalid(v) {
                        let span = self.inner(s, &value_err(1, i));
                        self.err(
                            Diagnostic::error(
                                "bad-name",
                                Some(span),
                                format!(
                                    "{} cannot hold this character in a {} string",
                                    rdn.attribute.short(),
                                    string_type.keyword()
                                ),
                            )
                            .label(format!("not allowed in a {} string", string_type.keyword()))
                            .rules(["R-3.1-DN-FORMAT"]),
                        );
                    }
                    if v.chars().count() > rdn.attribute.max_len() {
                        let span = self.inner(s, &value_err(rdn.value_len, 0));
                        self.err(
                            Diagnostic::error(
                                "bad-name",
                                Some(span),
                                format!("{} is longer than X.520 allows", rdn.attribute.long()),
                            )
                            .label(format!(
                                "expected at most {} characters",
                                rdn.attribute.max_len()
                            )),
                        );
                    }
                }
                RdnValue::Placeholder(p) => {
                    if !placeholders.contains(&p.as_str()) {
                        let span = self.inner(s, &value_err(rdn.value_len, 0));
                        let label = if placeholders.is_empty() {
                            "no placeholder is filled here".to_string()
                        } else {
                            format!(
                                "expected one of {}",
                                placeholders
                                    .iter()
                                    .map(|p| format!("`{{{p}}}`"))
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            )
                        };
                        self.err(
                            Diagnostic::error(
                                "unknown-placeholder",
                                Some(span),
                                format!("unknown placeholder `{{{p}}}`"),
                            )
                            .label(label),
                        );
                    }
                }
            }
        }
        Some(dn)
    }
}
