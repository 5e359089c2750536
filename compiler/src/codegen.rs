//! Code generation: a compiled policy becomes a crate under `generated/`.
//!
//! The model is first flattened into a view (plain strings and lists, built here in
//! Rust where each Rust expression is decided), then rendered by the handlebars
//! templates in `compiler/templates/` with HTML escaping off, then formatted by
//! rustfmt. Output is deterministic: no timestamps, no absolute paths, lists in
//! policy order, policies in file-name order. [`generate`] returns every file, so
//! the same function serves `cargo xtask codegen` (write) and `cargo xtask check`
//! (compare byte for byte).

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use handlebars::Handlebars;
use serde::Serialize;

use crate::model::*;
use crate::{Compiled, render};

/// What went wrong while generating code.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CodegenError {
    /// A policy did not compile; the text is the rendered diagnostics.
    #[error("{0}")]
    Policy(String),
    /// Reading a policy file failed.
    #[error("cannot read {path}: {source}")]
    Read {
        /// File.
        path: PathBuf,
        /// Cause.
        source: std::io::Error,
    },
    /// A template failed to render.
    #[error("the template `{template}` failed to render")]
    Template {
        /// Which template.
        template: &'static str,
        /// What handlebars said.
        #[source]
        source: handlebars::RenderError,
    },
    /// A CPS page failed to render.
    #[error(transparent)]
    Cps(#[from] crate::cps::RenderError),
    /// The JSON Schema could not be written.
    #[error("the policy JSON Schema could not be written")]
    Schema(#[source] serde_json::Error),
    /// rustfmt could not be run or rejected the output.
    #[error("rustfmt failed: {0}")]
    Rustfmt(String),
}

/// One generated file: path relative to the repository root, and contents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedFile {
    /// Relative path, `/`-separated.
    pub path: String,
    /// Contents.
    pub contents: String,
}

const POLICY_TEMPLATE: (&str, &str) = ("policy.rs.hbs", include_str!("../templates/policy.rs.hbs"));
const CARGO_TEMPLATE: (&str, &str) = (
    "Cargo.toml.hbs",
    include_str!("../templates/Cargo.toml.hbs"),
);
const POLICIES_TEMPLATE: (&str, &str) = (
    "policies.rs.hbs",
    include_str!("../templates/policies.rs.hbs"),
);
const POLICIES_CARGO_TEMPLATE: (&str, &str) = (
    "policies.Cargo.toml.hbs",
    include_str!("../templates/policies.Cargo.toml.hbs"),
);

/// Compiles every `*.yaml` in `root/policy/` and returns the files of `generated/`.
pub fn generate(root: &Path) -> Result<Vec<GeneratedFile>, CodegenError> {
    let dir = root.join("policy");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map_err(|source| CodegenError::Read {
            path: dir.clone(),
            source,
        })?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    paths.sort();
    let mut files = Vec::new();
    let mut index = Vec::new();
    for path in paths {
        let source = std::fs::read_to_string(&path).map_err(|source| CodegenError::Read {
            path: path.clone(),
            source,
        })?;
        let name = format!(
            "policy/{}",
            path.file_name()
                .and_then(|f| f.to_str())
                .unwrap_or_default()
        );
        let compiled = crate::compile(&name, &source)
            .map_err(|e| CodegenError::Policy(render(&e.file, &source, &e.diagnostics)))?;
        let id = compiled.policy.id.clone();
        files.extend(policy_crate(&compiled, &name)?);
        let doc = crate::cps::document(&compiled.policy, &compiled.sha256);
        files.push(GeneratedFile {
            path: format!("docs/cps/{id}.md"),
            contents: crate::cps::markdown(&doc)?,
        });
        files.push(GeneratedFile {
            path: format!("docs/cps/{id}.html"),
            contents: crate::cps::html(&doc)?,
        });
        index.push(PolicyEntry {
            crate_name: crate_name(&id),
            crate_ident: crate_name(&id).replace('-', "_"),
            id,
        });
    }
    let schema =
        serde_json::to_string_pretty(&crate::schema::document()).map_err(CodegenError::Schema)?;
    files.push(GeneratedFile {
        path: "docs/policy.schema.json".into(),
        contents: schema + "\n",
    });
    let view = IndexView {
        policy_count: index.len(),
        policies: index,
    };
    files.push(GeneratedFile {
        path: "generated/policies/Cargo.toml".into(),
        contents: render_template(POLICIES_CARGO_TEMPLATE, &view)?,
    });
    files.push(GeneratedFile {
        path: "generated/policies/src/lib.rs".into(),
        contents: rustfmt(&render_template(POLICIES_TEMPLATE, &view)?)?,
    });
    Ok(files)
}

/// The files of one policy's crate.
pub fn policy_crate(
    compiled: &Compiled,
    source_path: &str,
) -> Result<Vec<GeneratedFile>, CodegenError> {
    let view = PolicyView::new(compiled, source_path);
    let dir = format!("generated/{}", compiled.policy.id);
    Ok(vec![
        GeneratedFile {
            path: format!("{dir}/Cargo.toml"),
            contents: render_template(CARGO_TEMPLATE, &view)?,
        },
        GeneratedFile {
            path: format!("{dir}/src/lib.rs"),
            contents: rustfmt(&render_template(POLICY_TEMPLATE, &view)?)?,
        },
    ])
}

/// The package name of a policy's crate.
pub fn crate_name(id: &str) -> String {
    format!("inkan-policy-{id}")
}

fn render_template<T: Serialize>(
    (name, template): (&'static str, &str),
    data: &T,
) -> Result<String, CodegenError> {
    let mut hb = Handlebars::new();
    hb.register_escape_fn(handlebars::no_escape);
    hb.set_strict_mode(true);
    hb.render_template(template, data)
        .map_err(|source| CodegenError::Template {
            template: name,
            source,
        })
}

/// Formats Rust source with the toolchain's rustfmt (edition 2024, default style).
pub fn rustfmt(source: &str) -> Result<String, CodegenError> {
    let mut child = Command::new("rustfmt")
        .args(["--edition", "2024", "--emit", "stdout", "--quiet"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| CodegenError::Rustfmt(format!("cannot run rustfmt: {e}")))?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(source.as_bytes())
            .map_err(|e| CodegenError::Rustfmt(e.to_string()))?;
    }
    let out = child
        .wait_with_output()
        .map_err(|e| CodegenError::Rustfmt(e.to_string()))?;
    if !out.status.success() {
        return Err(CodegenError::Rustfmt(
            String::from_utf8_lossy(&out.stderr).into_owned(),
        ));
    }
    String::from_utf8(out.stdout).map_err(|e| CodegenError::Rustfmt(e.to_string()))
}

#[derive(Serialize)]
struct IndexView {
    policy_count: usize,
    policies: Vec<PolicyEntry>,
}

#[derive(Serialize)]
struct PolicyEntry {
    id: String,
    crate_name: String,
    crate_ident: String,
}

#[derive(Serialize)]
struct PolicyView {
    id: String,
    title: String,
    source_path: String,
    sha256: String,
    source_literal: String,
    cps_html_literal: String,
    crate_name: String,
    type_name: String,
    crl_url: String,
    cps_url: String,
    notices_url: String,
    ra_roles: Vec<RoleView>,
    dual_check: Vec<String>,
    audit_events: Vec<EventView>,
    retention: Vec<RetentionView>,
    schedules: Vec<ScheduleView>,
    deadline: String,
    ca_keys: String,
    waivers: Vec<WaiverView>,
    certificates: Vec<CertificateView>,
    crls: Vec<CrlView>,
    reason_count: usize,
    reasons: Vec<ReasonView>,
}

#[derive(Serialize)]
struct RoleView {
    name: String,
    duties: String,
}

#[derive(Serialize)]
struct EventView {
    name: String,
    source: String,
    category: String,
}

#[derive(Serialize)]
struct RetentionView {
    category: String,
    keep: String,
}

#[derive(Serialize)]
struct ScheduleView {
    name: String,
    timing: String,
}

#[derive(Serialize)]
struct WaiverView {
    lint: String,
    reason: String,
    reason_literal: String,
}

#[derive(Serialize)]
struct CertificateView {
    name: String,
    const_name: String,
    fn_prefix: String,
    role: &'static str,
    role_text: &'static str,
    issuer: String,
    subject: Vec<String>,
    key_bits: u32,
    signature: &'static str,
    times: &'static str,
    not_before_text: String,
    not_after_text: String,
    not_before_body: String,
    not_after_body: String,
    extensions: Vec<ExtensionView>,
    name_codec: String,
    subscriber_name: Option<NameView>,
    cps: Vec<String>,
    cps_text: String,
}

#[derive(Serialize)]
struct ExtensionView {
    comment: String,
    critical: bool,
    value: String,
}

#[derive(Serialize)]
struct NameView {
    type_name: String,
    codec_name: String,
    template: String,
    start_text: String,
    start_month: u8,
    start_day: u8,
    fiscal_digits: u8,
    fields: Vec<FieldView>,
    parse_steps: Vec<String>,
    format_string: String,
    format_args: String,
    cps_text: String,
}

#[derive(Serialize)]
struct FieldView {
    name: String,
    digits: u8,
    placeholder: String,
}

#[derive(Serialize)]
struct CrlView {
    issuer: String,
    const_name: String,
    fn_prefix: String,
    signature: &'static str,
    next_update: String,
    span: String,
    times: &'static str,
    authority_key_identifier: bool,
    reason_code: bool,
    unspecified_reason_code: bool,
    cps: Vec<String>,
    cps_text: String,
}

#[derive(Serialize)]
struct ReasonView {
    name: String,
    code: u8,
    code_name: &'static str,
    urgent: bool,
    cps: Vec<String>,
}

fn snake(name: &str) -> String {
    name.replace('-', "_")
}

fn upper_snake(name: &str) -> String {
    snake(name).to_uppercase()
}

fn camel(name: &str) -> String {
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
fn raw_literal(text: &str) -> String {
    let mut hashes = 1;
    while text.contains(&format!("\"{}", "#".repeat(hashes))) {
        hashes += 1;
    }
    let h = "#".repeat(hashes);
    format!("r{h}\"{text}\"{h}")
}

fn cps_text(cites: &[String]) -> String {
    if cites.is_empty() {
        "none cited".into()
    } else {
        cites.join(", ")
    }
}

fn span_expr(d: &Duration) -> String {
    format!(
        "Span {{ years: {}, months: {}, days: {}, hours: {} }}",
        d.years,
        d.months,
        d.weeks * 7 + d.days,
        d.hours
    )
}

fn string_type(t: StringType) -> &'static str {
    match t {
        StringType::Printable => "Printable",
        StringType::Utf8 => "Utf8",
        StringType::Ia5 => "Ia5",
    }
}

fn name_attributes(dn: &Dn, default: StringType) -> Vec<String> {
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

fn signature(s: SignatureAlgorithm) -> &'static str {
    match s {
        SignatureAlgorithm::Sha1WithRsa => "Sha1WithRsa",
        SignatureAlgorithm::Sha256WithRsa => "Sha256WithRsa",
        SignatureAlgorithm::Sha384WithRsa => "Sha384WithRsa",
        SignatureAlgorithm::Sha512WithRsa => "Sha512WithRsa",
    }
}

fn times(t: TimeEncoding) -> &'static str {
    match t {
        TimeEncoding::UtcTime => "UtcTime",
        TimeEncoding::Rfc5280 => "Rfc5280",
    }
}

fn extension_view(rule: &ExtensionRule, default: StringType) -> ExtensionView {
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

fn not_before_body(rule: &NotBefore) -> String {
    match rule {
        NotBefore::IssueDateAt(t) => {
            format!("issued.date_at({}, {}, {})", t.hour, t.minute, t.second)
        }
        NotBefore::IssueInstant => "Some(issued)".into(),
    }
}

fn not_after_body(rule: &NotAfter) -> String {
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

fn name_view(profile: &CertificateProfile, name: &SubscriberName) -> NameView {
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

impl PolicyView {
    fn new(c: &Compiled, source_path: &str) -> Self {
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
            ra_roles: p
                .ra
                .iter()
                .flat_map(|r| &r.roles)
                .map(|r| RoleView {
                    name: r.name.clone(),
                    duties: format!("{:?}", r.duties),
                })
                .collect(),
            dual_check: p.ra.iter().flat_map(|r| r.dual_check.clone()).collect(),
            audit_events: p
                .audit
                .iter()
                .flat_map(|a| &a.events)
                .map(|e| EventView {
                    name: e.name.clone(),
                    source: e.source.clone(),
                    category: e.category.clone(),
                })
                .collect(),
            retention: p
                .audit
                .iter()
                .flat_map(|a| &a.retention)
                .map(|r| RetentionView {
                    category: r.category.clone(),
                    keep: span_expr(&r.keep),
                })
                .collect(),
            schedules: p
                .schedules
                .iter()
                .map(|s| ScheduleView {
                    name: s.name.clone(),
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
            ca_keys: p.ca_keys.as_ref().map_or("None".into(), |k| {
                format!(
                    "Some(inkan_policy_types::policy::CaKeys {{ hsm: {}, shares: {}, threshold: {} }})",
                    k.storage == KeyStorage::Hsm,
                    k.shares,
                    k.threshold
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
            certificates,
            crls,
            reason_count: reasons.len(),
            reasons,
        }
    }
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
