//! The Rust the generated crates are made of, one expression at a time: names and
//! literals, time spans, distinguished names, extensions, validity functions and
//! subscriber name codecs. Each function returns source text for the templates.

use serde::Serialize;

use crate::model::*;

#[derive(Serialize)]
pub(super) struct ExtensionView {
    pub(super) comment: String,
    pub(super) critical: bool,
    pub(super) value: String,
}

#[derive(Serialize)]
pub(super) struct NameView {
    pub(super) type_name: String,
    pub(super) codec_name: String,
    pub(super) template: String,
    pub(super) start_text: String,
    pub(super) start_month: u8,
    pub(super) start_day: u8,
    pub(super) fiscal_digits: u8,
    pub(super) fields: Vec<FieldView>,
    pub(super) parse_steps: Vec<String>,
    pub(super) format_string: String,
    pub(super) format_args: String,
    pub(super) cps_text: String,
}

#[derive(Serialize)]
pub(super) struct FieldView {
    pub(super) name: String,
    pub(super) digits: u8,
    pub(super) placeholder: String,
}

pub(super) fn snake(name: &str) -> String {
    name.replace('-', "_")
}

pub(super) fn upper_snake(name: &str) -> String {
    snake(name).to_uppercase()
}

pub(super) fn camel(name: &str) -> String {
    name.split(['-', '_'])
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// A Rust string literal for any text: a raw string with enough `#`s.
pub(super) fn raw_literal(text: &str) -> String {
    let mut hashes = 1;
    while text.contains(&format!("\"{}", "#".repeat(hashes))) {
        hashes += 1;
    }
    let h = "#".repeat(hashes);
    format!("r{h}\"{text}\"{h}")
}

pub(super) fn cps_text(cites: &[String]) -> String {
    if cites.is_empty() {
        "none cited".into()
    } else {
        cites.join(", ")
    }
}

pub(super) fn span_expr(d: &Duration) -> String {
    format!(
        "Span {{ years: {}, months: {}, days: {}, hours: {} }}",
        d.years,
        d.months,
        d.weeks * 7 + d.days,
        d.hours
    )
}

pub(super) fn string_type(t: StringType) -> &'static str {
    match t {
        StringType::Printable => "Printable",
        StringType::Utf8 => "Utf8",
        StringType::Ia5 => "Ia5",
    }
}

pub(super) fn name_attributes(dn: &Dn, default: StringType) -> Vec<String> {
    dn.rdns
        .iter()
        .map(|r| {
            let t = r.string_type.or(r.attribute.fixed_string_type()).unwrap_or(default);
            let value = match &r.value {
                RdnValue::Literal(v) => format!("AttributeValue::Literal({v:?})"),
                RdnValue::Placeholder(p) => format!("AttributeValue::Placeholder({p:?})"),
            };
            format!(
                "NameAttribute {{ short: \"{}\", oid: \"{}\", string_type: StringType::{}, value: {value} }}",
                r.attribute.short(),
                r.attribute.oid(),
                string_type(t)
            )
        })
        .collect()
}

pub(super) fn signature(s: SignatureAlgorithm) -> &'static str {
    match s {
        SignatureAlgorithm::Sha1WithRsa => "Sha1WithRsa",
        SignatureAlgorithm::Sha256WithRsa => "Sha256WithRsa",
        SignatureAlgorithm::Sha384WithRsa => "Sha384WithRsa",
        SignatureAlgorithm::Sha512WithRsa => "Sha512WithRsa",
    }
}

pub(super) fn times(t: TimeEncoding) -> &'static str {
    match t {
        TimeEncoding::UtcTime => "UtcTime",
        TimeEncoding::Rfc5280 => "Rfc5280",
    }
}

pub(super) fn extension_view(rule: &ExtensionRule, default: StringType) -> ExtensionView {
    let e = &rule.extension;
    let value = match e {
        Extension::BasicConstraints { ca, path_len } => {
            format!("Extension::BasicConstraints {{ ca: {ca}, path_len: {path_len:?} }}")
        }
        Extension::KeyUsage(bits) => {
            format!(
                "Extension::KeyUsage(&[{}])",
                bits.iter()
                    .map(|b| b.bit().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
        Extension::ExtendedKeyUsage(p) => {
            format!(
                "Extension::ExtendedKeyUsage(&[{}])",
                p.iter()
                    .map(|p| format!("\"{}\"", p.oid()))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
        Extension::NetscapeCertType(t) => {
            format!(
                "Extension::NetscapeCertType(&[{}])",
                t.iter()
                    .map(|t| t.bit().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
        Extension::SubjectAltName(dn) => format!(
            "Extension::SubjectAltName(&[{}])",
            name_attributes(dn, default).join(", ")
        ),
        Extension::CrlDistributionPoints(uris) => {
            format!(
                "Extension::CrlDistributionPoints(&[{}])",
                uris.iter()
                    .map(|u| format!("{u:?}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
        Extension::CertificatePolicies(infos) => format!(
            "Extension::CertificatePolicies(&[{}])",
            infos
                .iter()
                .map(|i| format!(
                    "PolicyInformation {{ oid: \"{}\", cps_uri: {:?} }}",
                    i.oid, i.cps_uri
                ))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Extension::AuthorityKeyIdentifier(_) => "Extension::AuthorityKeyIdentifier".into(),
        Extension::SubjectKeyIdentifier(_) => "Extension::SubjectKeyIdentifier".into(),
    };
    let detail = match e {
        Extension::KeyUsage(bits) => format!(
            ": {}",
            bits.iter()
                .map(|b| b.keyword())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Extension::ExtendedKeyUsage(p) => format!(
            ": {}",
            p.iter().map(|p| p.keyword()).collect::<Vec<_>>().join(", ")
        ),
        Extension::NetscapeCertType(t) => format!(
            ": {}",
            t.iter().map(|t| t.keyword()).collect::<Vec<_>>().join(", ")
        ),
        Extension::CertificatePolicies(infos) => format!(
            ": {}",
            infos
                .iter()
                .map(|i| i.name.clone().unwrap_or_else(|| i.oid.to_string()))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        _ => String::new(),
    };
    let cites = if rule.cites.is_empty() {
        String::new()
    } else {
        format!(" [{}]", rule.cites.join(", "))
    };
    ExtensionView {
        comment: format!(
            "{} ({}), {}{detail}{cites}",
            e.asn1_name(),
            e.oid(),
            if rule.critical {
                "critical"
            } else {
                "non-critical"
            }
        ),
        critical: rule.critical,
        value,
    }
}

pub(super) fn not_before_body(rule: &NotBefore) -> String {
    match rule {
        NotBefore::IssueDateAt(t) => {
            format!("issued.date_at({}, {}, {})", t.hour, t.minute, t.second)
        }
        NotBefore::IssueInstant => "Some(issued)".into(),
    }
}

pub(super) fn not_after_body(rule: &NotAfter) -> String {
    match rule {
        NotAfter::IssueDatePlus { span, at } => {
            format!(
                "not_before.checked_add({})?.date_at({}, {}, {})",
                span_expr(span),
                at.hour,
                at.minute,
                at.second
            )
        }
        NotAfter::NotBeforePlus(span) => format!("not_before.checked_add({})", span_expr(span)),
        NotAfter::LastDateNotLaterThan {
            month,
            day,
            at,
            span,
        } => format!(
            "not_before.checked_add({})?.last_date_not_after({month}, {day}, ({}, {}, {}))",
            span_expr(span),
            at.hour,
            at.minute,
            at.second
        ),
    }
}

pub(super) fn name_view(profile: &CertificateProfile, name: &SubscriberName) -> NameView {
    let type_name = format!("{}Name", camel(&profile.name));
    let mut fields = Vec::new();
    let mut steps = Vec::new();
    let mut format_string = String::new();
    let mut format_args = Vec::new();
    let mut fiscal_digits = 4;
    for piece in &name.template.pieces {
        match piece {
            Piece::Literal(s) => {
                steps.push(format!(
                    "let rest = rest.strip_prefix({s:?}).ok_or_else(mismatch)?;"
                ));
                format_string.push_str(&s.replace('{', "{{").replace('}', "}}"));
            }
            Piece::Number { field, digits } => {
                steps.push(format!(
                    "let ({field}, rest) = inkan_policy_types::name::take_digits(rest, {digits}).ok_or_else(mismatch)?;"
                ));
                steps.push(format!(
                    "let {field} = u32::try_from({field}).map_err(|_| mismatch())?;"
                ));
                format_string.push_str(&format!("{{:0{digits}}}"));
                format_args.push(format!("self.{field}"));
                fields.push(FieldView {
                    name: field.clone(),
                    digits: *digits,
                    placeholder: format!("{{{field}:{digits}}}"),
                });
            }
            Piece::FiscalYear { digits } => {
                fiscal_digits = *digits;
                steps.push(format!("let (fiscal_year, rest) = inkan_policy_types::name::take_digits(rest, {digits}).ok_or_else(mismatch)?;"));
                steps.push(
                    "let fiscal_year = u16::try_from(fiscal_year).map_err(|_| mismatch())?;".into(),
                );
                format_string.push_str(&format!("{{:0{digits}}}"));
                format_args.push(if *digits == 2 {
                    "self.fiscal_year % 100".into()
                } else {
                    "self.fiscal_year".into()
                });
            }
            Piece::Sequence => {
                steps.push("let (sequence, rest) = inkan_policy_types::name::take_letter(rest).ok_or_else(mismatch)?;".into());
                format_string.push_str("{}");
                format_args.push("char::from(b'a' + self.sequence)".into());
            }
        }
    }
    let has_fy = name
        .template
        .pieces
        .iter()
        .any(|p| matches!(p, Piece::FiscalYear { .. }));
    if !has_fy {
        steps.push("let fiscal_year = 0;".into());
    }
    if !name
        .template
        .pieces
        .iter()
        .any(|p| matches!(p, Piece::Sequence))
    {
        steps.push("let sequence = 0;".into());
    }
    let (m, d) = name.fiscal_year_starts;
    NameView {
        codec_name: format!("{}_NAME", upper_snake(&profile.name)),
        type_name,
        template: name.template.to_string(),
        start_text: format!("{} {d}", crate::lang::MONTHS[usize::from(m - 1)]),
        start_month: m,
        start_day: d,
        fiscal_digits,
        fields,
        parse_steps: steps,
        format_string,
        format_args: format_args.join(", "),
        cps_text: cps_text(&name.cites),
    }
}

/// The RA's workflows as a `&[Workflow]` expression.
pub(super) fn workflows_expr(flows: &[Workflow]) -> String {
    const W: &str = "inkan_policy_types::workflow";
    let action = |a: &RaAction| format!("RaAction::{a:?}");
    let workflows: Vec<String> = flows
        .iter()
        .map(|w| {
            let steps: Vec<String> = w
                .steps
                .iter()
                .map(|s| {
                    let by = match s.by {
                        By::Staff(a) => format!("{W}::By::Staff({})", action(&a)),
                        By::ManagerLink => format!("{W}::By::ManagerLink"),
                    };
                    let not_by: Vec<String> = s.not_by.iter().map(action).collect();
                    format!(
                        "{W}::Step {{ by: {by}, from: {:?}, to: {:?}, refused: {:?}, not_by: &[{}], then: {}, expires_days: {:?} }}",
                        s.from,
                        s.to,
                        s.refused,
                        not_by.join(", "),
                        s.then
                            .map_or("None".into(), |e| format!("Some({W}::Effect::{e:?})")),
                        s.expires_days,
                    )
                })
                .collect();
            format!(
                "{W}::Workflow {{ name: {:?}, subject: {W}::Subject::{:?}, requested_by: {}, reasons: &{:?}, opens: {}, start: {:?}, ends: &{:?}, steps: &[{}], cps: &{:?} }}",
                w.name,
                w.subject,
                w.requested_by
                    .map_or("None".into(), |r| format!("Some({W}::Requester::{r:?})")),
                w.reasons,
                action(&w.opens),
                w.start,
                w.ends,
                steps.join(", "),
                w.cites,
            )
        })
        .collect();
    format!("&[{}]", workflows.join(", "))
}

/// Who may apply, as an `Option<Eligibility>` expression.
pub(super) fn eligibility_expr(a: Option<&Applicants>) -> String {
    const E: &str = "inkan_policy_types::eligibility";
    let Some(a) = a else {
        return "None".into();
    };
    let classes: Vec<String> = a
        .classes
        .iter()
        .map(|(n, w)| format!("{E}::DeveloperClass {{ name: {n:?}, who: {w:?} }}"))
        .collect();
    let registrations: Vec<String> = a
        .registrations
        .iter()
        .map(|(n, m)| {
            format!("{E}::Registration {{ name: {n:?}, may_apply: {E}::MayApply::{m:?} }}")
        })
        .collect();
    format!(
        "Some({E}::Eligibility {{ classes: &[{}], registrations: &[{}], form_email: {E}::FormEmail::{:?} }})",
        classes.join(", "),
        registrations.join(", "),
        a.form_email
    )
}

/// The certificate life cycle, as an `Option<Lifecycle>` expression.
pub(super) fn lifecycle_expr(l: Option<&Lifecycle>) -> String {
    const L: &str = "inkan_policy_types::lifecycle";
    let Some(l) = l else {
        return "None".into();
    };
    let checks: Vec<String> = l
        .relying_parties
        .iter()
        .map(|c| format!("{L}::RpCheck::{c:?}"))
        .collect();
    format!(
        "Some({L}::Lifecycle {{ issued: {L}::Issued::{:?}, received: {L}::Received::{:?}, modification: {L}::Modification::{:?}, subscriber_keys: {L}::SubscriberKeys::{:?}, relying_parties: &[{}] }})",
        l.issued,
        l.received,
        l.modification,
        l.subscriber_keys,
        checks.join(", ")
    )
}

/// The forms the RA receives, as a `&[Form]` expression.
pub(super) fn forms_expr(forms: &[Form]) -> String {
    const F: &str = "inkan_policy_types::forms";
    let forms: Vec<String> = forms
        .iter()
        .map(|f| {
            let fields: Vec<String> = f
                .fields
                .iter()
                .map(|(n, k)| format!("{F}::Field {{ name: {n:?}, kind: {F}::FieldKind::{k:?} }}"))
                .collect();
            format!(
                "{F}::Form {{ form: {F}::FormFor::{:?}, class: {:?}, fields: &[{}], rules: &{:?} }}",
                f.form,
                f.class,
                fields.join(", "),
                f.cites
            )
        })
        .collect();
    format!("&[{}]", forms.join(", "))
}

#[cfg(test)]
mod tests {
    #[test]
    fn raw_literal_survives_quotes_and_hashes() {
        assert_eq!(super::raw_literal("a \"# b"), "r##\"a \"# b\"##");
        assert_eq!(
            super::camel("jpcert-ssl-client-2026"),
            "JpcertSslClient2026"
        );
    }
}
