//! The view the templates render: a compiled policy flattened into plain strings and
//! lists, each Rust expression already written (by [`super::exprs`]), in policy order.

use serde::Serialize;

use super::exprs::*;
use crate::Compiled;
use crate::model::*;

/// The package name of a policy's crate.
pub fn crate_name(id: &str) -> String {
    format!("inkan-policy-{id}")
}

#[derive(Serialize)]
pub(super) struct IndexView {
    /// The index crate's package name.
    pub(super) name: String,
    pub(super) description: String,
    /// Where its policies come from (`policy`).
    pub(super) source: String,
    pub(super) policy_count: usize,
    pub(super) policies: Vec<PolicyEntry>,
}

#[derive(Serialize)]
pub(super) struct PolicyEntry {
    pub(super) id: String,
    pub(super) crate_name: String,
    pub(super) crate_ident: String,
}

#[derive(Serialize)]
pub(super) struct PolicyView {
    pub(super) id: String,
    pub(super) title: String,
    pub(super) source_path: String,
    sha256: String,
    pub(super) source_literal: String,
    pub(super) cps_html_literal: String,
    pub(super) crate_name: String,
    pub(super) type_name: String,
    pub(super) crl_url: String,
    pub(super) cps_url: String,
    pub(super) notices_url: String,
    /// `&[Language::Ja, ...]`.
    pub(super) languages: String,
    pub(super) ra_roles: Vec<RoleView>,
    pub(super) dual_check: Vec<String>,
    pub(super) reviewed_roles: Vec<String>,
    /// `Some(PasswordRules { .. })` or `None`.
    pub(super) passwords: String,
    /// The RA's workflows, a `&[Workflow]` expression.
    pub(super) workflows: String,
    /// Who may apply, an `Option<Eligibility>` expression.
    pub(super) eligibility: String,
    /// The forms the RA receives, a `&[Form]` expression.
    pub(super) forms: String,
    /// The certificate life cycle, an `Option<Lifecycle>` expression.
    pub(super) lifecycle: String,
    pub(super) audit_events: Vec<EventView>,
    pub(super) retention: Vec<RetentionView>,
    /// What is archived, an `&[Archived]` expression.
    pub(super) archive: String,
    pub(super) schedules: Vec<ScheduleView>,
    pub(super) deadline: String,
    pub(super) calendar: String,
    pub(super) renewal: String,
    pub(super) ca_keys: String,
    pub(super) waivers: Vec<WaiverView>,
    /// The audit section's rules.
    pub(super) audit_cps: Vec<String>,
    /// Every catalogue rule the policy cites.
    pub(super) rules: Vec<RuleView>,
    pub(super) certificates: Vec<CertificateView>,
    pub(super) crls: Vec<CrlView>,
    pub(super) reason_count: usize,
    pub(super) reasons: Vec<ReasonView>,
}

#[derive(Serialize)]
pub(super) struct RoleView {
    pub(super) name: String,
    pub(super) duties: String,
    /// `RaAction::...` expressions.
    pub(super) may: Vec<String>,
}

#[derive(Serialize)]
pub(super) struct EventView {
    pub(super) name: String,
    pub(super) source: String,
    pub(super) category: String,
    pub(super) entered: bool,
    pub(super) cps: Vec<String>,
}

#[derive(Serialize)]
pub(super) struct RetentionView {
    pub(super) category: String,
    pub(super) keep: String,
    pub(super) cps: Vec<String>,
}

#[derive(Serialize)]
pub(super) struct ScheduleView {
    pub(super) name: String,
    pub(super) timing: String,
    pub(super) cps: Vec<String>,
}

#[derive(Serialize)]
pub(super) struct RuleView {
    pub(super) id: String,
    pub(super) kind: String,
    pub(super) section: String,
    /// The text as a Rust string literal.
    pub(super) text: String,
}

#[derive(Serialize)]
pub(super) struct WaiverView {
    pub(super) lint: String,
    pub(super) reason: String,
    pub(super) reason_literal: String,
}

#[derive(Serialize)]
pub(super) struct CertificateView {
    pub(super) name: String,
    pub(super) const_name: String,
    pub(super) fn_prefix: String,
    pub(super) role: &'static str,
    pub(super) role_text: &'static str,
    pub(super) issuer: String,
    pub(super) subject: Vec<String>,
    pub(super) key_bits: u32,
    pub(super) signature: &'static str,
    pub(super) times: &'static str,
    pub(super) not_before_text: String,
    pub(super) not_after_text: String,
    pub(super) not_before_body: String,
    pub(super) not_after_body: String,
    pub(super) extensions: Vec<ExtensionView>,
    pub(super) name_codec: String,
    pub(super) subscriber_name: Option<NameView>,
    pub(super) cps: Vec<String>,
    pub(super) cps_text: String,
}

#[derive(Serialize)]
pub(super) struct CrlView {
    pub(super) issuer: String,
    pub(super) const_name: String,
    pub(super) fn_prefix: String,
    pub(super) signature: &'static str,
    pub(super) next_update: String,
    pub(super) span: String,
    pub(super) times: &'static str,
    pub(super) authority_key_identifier: bool,
    pub(super) reason_code: bool,
    pub(super) unspecified_reason_code: bool,
    pub(super) cps: Vec<String>,
    pub(super) cps_text: String,
}

#[derive(Serialize)]
pub(super) struct ReasonView {
    pub(super) name: String,
    pub(super) code: u8,
    pub(super) code_name: &'static str,
    pub(super) urgent: bool,
    pub(super) cps: Vec<String>,
}

impl PolicyView {
    pub(super) fn new(c: &Compiled, source_path: &str) -> Self {
        let p = &c.policy;
        let certificates = p
            .certificates
            .iter()
            .map(|cp| {
                let subscriber_name = cp.subscriber_name.as_ref().map(|n| name_view(cp, n));
                CertificateView {
                    name: cp.name.clone(),
                    const_name: upper_snake(&cp.name),
                    fn_prefix: snake(&cp.name),
                    role: match cp.role {
                        Role::Root => "Root",
                        Role::IssuingCa => "IssuingCa",
                        Role::Subscriber => "Subscriber",
                    },
                    role_text: cp.role.keyword(),
                    issuer: cp
                        .issuer
                        .as_ref()
                        .map_or("None".into(), |i| format!("Some({i:?})")),
                    subject: name_attributes(&cp.subject, cp.string_type),
                    key_bits: cp.key_bits,
                    signature: signature(cp.signature),
                    times: times(cp.times),
                    not_before_text: cp.validity.not_before.to_string(),
                    not_after_text: cp.validity.not_after.to_string(),
                    not_before_body: not_before_body(&cp.validity.not_before),
                    not_after_body: not_after_body(&cp.validity.not_after),
                    extensions: cp
                        .extensions
                        .iter()
                        .map(|e| extension_view(e, cp.string_type))
                        .collect(),
                    name_codec: subscriber_name
                        .as_ref()
                        .map_or("None".into(), |n| format!("Some(&{})", n.codec_name)),
                    subscriber_name,
                    cps: cp.cites.clone(),
                    cps_text: cps_text(&cp.cites),
                }
            })
            .collect();
        let crls = p
            .crls
            .iter()
            .map(|crl| CrlView {
                issuer: crl.issuer.clone(),
                const_name: format!("{}_CRL", upper_snake(&crl.issuer)),
                fn_prefix: format!("{}_crl", snake(&crl.issuer)),
                signature: signature(crl.signature),
                next_update: crl.next_update.to_string(),
                span: span_expr(&crl.next_update),
                times: times(crl.times),
                authority_key_identifier: crl
                    .extensions
                    .contains(&CrlExtension::AuthorityKeyIdentifier),
                reason_code: crl.entry_extensions.contains(&EntryExtension::ReasonCode),
                unspecified_reason_code: crl.unspecified_reason == UnspecifiedReason::Include,
                cps: crl.cites.clone(),
                cps_text: cps_text(&crl.cites),
            })
            .collect();
        let reasons: Vec<ReasonView> = p
            .revocation
            .iter()
            .flat_map(|r| &r.reasons)
            .map(|r| ReasonView {
                name: r.name.clone(),
                code: r.code.value(),
                code_name: r.code.keyword(),
                urgent: r.urgent,
                cps: r.cites.clone(),
            })
            .collect();
        PolicyView {
            id: p.id.clone(),
            title: p.title.clone(),
            source_path: source_path.to_string(),
            sha256: c.sha256.clone(),
            source_literal: raw_literal(&c.canonical),
            // A template failure here is reported again, as an error, when the docs render.
            cps_html_literal: raw_literal(
                &crate::cps::html(&crate::cps::document(p, &c.sha256))
                    .unwrap_or_else(|e| format!("<p>CPS rendering failed: {e}</p>")),
            ),
            crate_name: crate_name(&p.id),
            type_name: camel(&p.id),
            crl_url: p
                .repository
                .as_ref()
                .map_or("None".into(), |r| format!("Some({:?})", r.crl_url)),
            cps_url: p
                .repository
                .as_ref()
                .map_or("None".into(), |r| format!("Some({:?})", r.cps_url)),
            notices_url: p
                .repository
                .as_ref()
                .and_then(|r| r.notices_url.as_ref())
                .map_or("None".into(), |u| format!("Some({u:?})")),
            languages: format!(
                "&[{}]",
                p.repository
                    .iter()
                    .flat_map(|r| &r.languages)
                    .map(|l| format!("inkan_policy_types::language::Language::{l:?}, "))
                    .collect::<String>()
            ),
            ra_roles: p
                .ra
                .iter()
                .flat_map(|r| &r.roles)
                .map(|r| RoleView {
                    name: r.name.clone(),
                    duties: format!("{:?}", r.duties),
                    may: r.may.iter().map(|a| format!("RaAction::{a:?}")).collect(),
                })
                .collect(),
            dual_check: p.ra.iter().flat_map(|r| r.dual_check.clone()).collect(),
            reviewed_roles: p.ra.iter().flat_map(|r| r.reviewed.clone()).collect(),
            workflows: workflows_expr(p.ra.as_ref().map_or(&[], |r| &r.workflows)),
            eligibility: eligibility_expr(p.ra.as_ref().and_then(|r| r.applicants.as_ref())),
            forms: forms_expr(p.ra.as_ref().map_or(&[], |r| &r.forms)),
            lifecycle: lifecycle_expr(p.lifecycle.as_ref()),
            passwords: p.ra.as_ref().and_then(|r| r.passwords.as_ref()).map_or("None".into(), |w| {
                format!(
                    "Some(inkan_policy_types::policy::PasswordRules {{ delivery: {:?}, lifetime_days: {}, attempts: {}, void_when_developer_removed: {}, cps: &{:?} }})",
                    w.delivery.keyword(),
                    w.lifetime_days,
                    w.attempts,
                    w.void_when.contains(&VoidWhen::DeveloperRemoved),
                    w.cites,
                )
            }),
            audit_events: p
                .audit
                .iter()
                .flat_map(|a| &a.events)
                .map(|e| EventView {
                    name: e.name.clone(),
                    source: e.source.clone(),
                    category: e.category.clone(),
                    entered: e.entered,
                    cps: e.cites.clone(),
                })
                .collect(),
            retention: p
                .audit
                .iter()
                .flat_map(|a| &a.retention)
                .map(|r| RetentionView {
                    category: r.category.clone(),
                    keep: span_expr(&r.keep),
                    cps: r.cites.clone(),
                })
                .collect(),
            archive: {
                let items: Vec<String> = p
                    .audit
                    .iter()
                    .flat_map(|a| &a.archive)
                    .map(|a| {
                        format!(
                            "inkan_policy_types::archive::Archived {{ records: inkan_policy_types::archive::Records::{:?}, keep: {}, cps: &{:?} }}",
                            a.records,
                            span_expr(&a.keep),
                            a.cites,
                        )
                    })
                    .collect();
                format!("&[{}]", items.join(", "))
            },
            schedules: p
                .schedules
                .iter()
                .map(|s| ScheduleView {
                    name: s.name.clone(),
                    cps: s.cites.clone(),
                    timing: match &s.timing {
                        Timing::Every(d) => {
                            format!("inkan_policy_types::policy::Timing::Every({})", span_expr(d))
                        }
                        Timing::Before { date, lead } => format!(
                            "inkan_policy_types::policy::Timing::Before {{ date: ({}, {}), lead: {} }}",
                            date.0,
                            date.1,
                            span_expr(lead)
                        ),
                        Timing::Within(b) => {
                            format!("inkan_policy_types::policy::Timing::WithinBusinessDays({})", b.0)
                        }
                    },
                })
                .collect(),
            deadline: p
                .revocation
                .as_ref()
                .and_then(|r| r.deadline)
                .map_or("None".into(), |d| format!("Some({})", d.0)),
            calendar: p.calendar.as_ref().map_or("None".into(), |c| {
                let weekend: Vec<String> = c
                    .weekend
                    .iter()
                    .map(|d| format!("inkan_policy_types::business::Weekday::{d:?}"))
                    .collect();
                let holidays: Vec<String> =
                    c.holidays.iter().map(|(y, m, d)| format!("({y}, {m}, {d})")).collect();
                format!(
                    "Some(inkan_policy_types::business::BusinessCalendar {{ utc_offset_minutes: {}, weekend: &[{}], holidays: &[{}], covers: ({}, {}) }})",
                    c.utc_offset_minutes,
                    weekend.join(", "),
                    holidays.join(", "),
                    c.covers.0,
                    c.covers.1
                )
            }),
            renewal: p.renewal.as_ref().map_or("None".into(), |r| {
                format!(
                    "Some(inkan_policy_types::renewal::RenewalRules {{ expiry: ({}, {}), delivery: inkan_policy_types::renewal::NoticeDelivery::{:?}, notice_by_days: {}, opens_days: {}, to: inkan_policy_types::renewal::Recipients::{:?}, cps: &{:?} }})",
                    r.expiry.0, r.expiry.1, r.delivery, r.notice_by_days, r.opens_days, r.to, r.cites
                )
            }),
            ca_keys: p.ca_keys.as_ref().map_or("None".into(), |k| {
                format!(
                    "Some(inkan_policy_types::policy::CaKeys {{ hsm: {}, shares: {}, threshold: {}, backup: {}, cps: &{:?} }})",
                    k.storage == KeyStorage::Hsm,
                    k.shares,
                    k.threshold,
                    k.backup.map_or("None".into(), |(n, m)| format!(
                        "Some(inkan_policy_types::policy::KeyBackup {{ shares: {n}, threshold: {m} }})"
                    )),
                    k.cites,
                )
            }),
            waivers: p
                .waivers
                .iter()
                .map(|w| WaiverView {
                    lint: w.lint.clone(),
                    reason: w.reason.replace('\n', " "),
                    reason_literal: format!("{:?}", w.reason),
                })
                .collect(),
            audit_cps: p.audit.as_ref().map_or_else(Vec::new, |a| a.cites.clone()),
            rules: crate::catalogue::rules(&p.rules)
                .unwrap_or_default()
                .into_iter()
                .filter(|r| p.cited.iter().any(|c| c == r.id))
                .map(|r| RuleView {
                    id: r.id.to_string(),
                    kind: r.kind.to_string(),
                    section: r.section.to_string(),
                    text: format!("{:?}", r.text),
                })
                .collect(),
            certificates,
            crls,
            reason_count: reasons.len(),
            reasons,
        }
    }
}
