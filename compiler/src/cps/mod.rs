//! The CPS sections a policy determines, rendered from the policy itself: 1.2 OIDs,
//! 3.1 names, 4.2 one-time passwords, 4.6 renewal, 4.9 revocation reasons, schedules
//! and business days, 5.2 RA roles, 5.4 audit events and retention, 6.1 key sizes,
//! 6.2 key activation, 7.1 certificate profiles in the shape of the CPS's Tables 6-8,
//! and 7.2 the CRL table (Table 9).
//!
//! The view is built here as tables of strings; handlebars templates turn it into
//! Markdown and HTML (`compiler/templates/cps.*.hbs`). `cargo xtask docs` writes both
//! into `docs/cps/`, and codegen embeds the HTML in the policy's crate, so the
//! repository serves exactly what the auditor reads.

use serde::Serialize;

use crate::model::*;

mod forms;
mod lifecycle;
mod operations;
mod profiles;
mod table;
mod workflows;

use profiles::{name_cell, profile_tables, string_type_note, time_cell};
pub use table::{Section, Table};
use table::{cites, pick, t};

/// The whole rendering's data.
#[derive(Debug, Clone, Serialize)]
pub struct Document {
    /// Policy id.
    pub id: String,
    /// Title.
    pub title: String,
    /// SHA-256 of the policy text.
    pub sha256: String,
    /// Sections in order.
    pub sections: Vec<Section>,
}

/// Builds the document for a compiled policy.
pub fn document(policy: &Policy, sha256: &str) -> Document {
    let mut sections = Vec::new();
    sections.push(Section {
        number: "1.2".into(),
        title: "Document name and identification".into(),
        intro: "Object identifiers assigned to this CA and this CPS.".into(),
        tables: vec![t(
            "OIDs",
            &["name", "OID", "CPS rules"],
            policy
                .oids
                .iter()
                .map(|o| vec![o.name.clone(), o.oid.to_string(), cites(&o.cites)])
                .collect(),
        )],
    });
    sections.push(Section {
        number: "3.1".into(),
        title: "Naming".into(),
        intro: "Issuer and subscriber names are X.500 distinguished names, attribute by attribute as below.".into(),
        tables: vec![t(
            "Names",
            &["profile", "name", "string type", "CPS rules"],
            policy.certificates.iter().map(|p| vec![p.name.clone(), name_cell(&p.subject), string_type_note(p), cites(&pick(&p.cites, "3.1"))]).collect(),
        )],
    });
    sections.extend(operations::before_keys(policy));
    sections.push(Section {
        number: "6.1".into(),
        title: "Key pair generation and key sizes".into(),
        intro: "Subscribers generate their own key pairs and send PKCS#10 requests; CA key pairs are generated inside the cryptographic module.".into(),
        tables: vec![t("Key sizes", &["profile", "algorithm", "size", "CPS rules"], policy.certificates.iter().map(|p| vec![p.name.clone(), "RSA".into(), format!("{} bit", p.key_bits), cites(&pick(&p.cites, "KEY-SIZE"))]).collect())],
    });
    sections.extend(operations::custody(policy));
    let mut tables = Vec::new();
    for p in &policy.certificates {
        tables.extend(profile_tables(policy, p));
    }
    sections.push(Section {
        number: "7.1".into(),
        title: "Certificate profiles".into(),
        intro: "In the shape of the CPS's Tables 6 to 8.".into(),
        tables,
    });
    let crl_tables = policy
        .crls
        .iter()
        .flat_map(|c| {
            let issuer = policy.certificate(&c.issuer);
            let times = |pattern: &str| time_cell(c.times, pattern);
            let exts: Vec<Vec<String>> = c
                .extensions
                .iter()
                .map(|e| {
                    vec![
                        match e {
                            CrlExtension::CrlNumber => "cRLNumber".to_string(),
                            CrlExtension::AuthorityKeyIdentifier => {
                                "authorityKeyIdentifier".to_string()
                            }
                        },
                        "FALSE".into(),
                        match e {
                            CrlExtension::CrlNumber => {
                                "one more than the previous CRL's".to_string()
                            }
                            CrlExtension::AuthorityKeyIdentifier => {
                                "keyIdentifier of the issuer".to_string()
                            }
                        },
                    ]
                })
                .collect();
            vec![
                t(
                    &format!("CRL of `{}` (Table 9)", c.issuer),
                    &["field", "value", "note"],
                    vec![
                        vec!["version".into(), "1".into(), "version 2".into()],
                        vec![
                            "signature".into(),
                            c.signature.oid().into(),
                            c.signature.keyword().into(),
                        ],
                        vec![
                            "issuer".into(),
                            issuer.map(|i| name_cell(&i.subject)).unwrap_or_default(),
                            issuer.map(string_type_note).unwrap_or_default(),
                        ],
                        vec!["thisUpdate".into(), times("YYMMDDhhmmssZ"), String::new()],
                        vec![
                            "nextUpdate".into(),
                            times("YYMMDDhhmmssZ"),
                            format!("thisUpdate + {}", c.next_update),
                        ],
                        vec![
                            "revokedCertificates userCertificate".into(),
                            "…".into(),
                            "serial number".into(),
                        ],
                        vec![
                            "revokedCertificates revocationDate".into(),
                            times("YYMMDDhhmmssZ"),
                            String::new(),
                        ],
                        vec![
                            "revokedCertificates reasonCode".into(),
                            "…".into(),
                            if c.entry_extensions.contains(&EntryExtension::ReasonCode) {
                                format!(
                                    "ENUMERATED; for unspecified(0): {}",
                                    c.unspecified_reason.keyword()
                                )
                            } else {
                                "absent".into()
                            },
                        ],
                    ],
                ),
                t(
                    &format!("CRL extensions of `{}`", c.issuer),
                    &["extension", "critical", "value"],
                    exts,
                ),
            ]
        })
        .collect();
    sections.push(Section {
        number: "7.2".into(),
        title: "CRL profile".into(),
        intro: "In the shape of the CPS's Table 9.".into(),
        tables: crl_tables,
    });
    sections.extend(lifecycle::sections(policy));
    // RFC 3647 order: 4.3 after 4.2, 4.12 after 4.11, 9.6 last.
    let key = |s: &Section| -> Vec<u32> {
        s.number
            .split('.')
            .map(|n| n.parse().unwrap_or(u32::MAX))
            .collect()
    };
    sections.sort_by_key(key);
    Document {
        id: policy.id.clone(),
        title: policy.title.clone(),
        sha256: sha256.to_string(),
        sections,
    }
}

const MARKDOWN: &str = include_str!("../../templates/cps.md.hbs");
const HTML: &str = include_str!("../../templates/cps.html.hbs");

/// A CPS template failed to render (a template bug: the document is always complete).
#[derive(Debug, thiserror::Error)]
#[error("the CPS template `{template}` failed to render")]
pub struct RenderError {
    /// Which template.
    pub template: &'static str,
    /// What handlebars said.
    #[source]
    pub source: handlebars::RenderError,
}

/// Renders the document as Markdown.
pub fn markdown(doc: &Document) -> Result<String, RenderError> {
    let mut hb = handlebars::Handlebars::new();
    hb.register_escape_fn(|s| s.replace('|', "\\|"));
    hb.set_strict_mode(true);
    hb.render_template(MARKDOWN, doc)
        .map_err(|source| RenderError {
            template: "cps.md.hbs",
            source,
        })
}

/// Renders the document as a standalone HTML page (no external assets).
pub fn html(doc: &Document) -> Result<String, RenderError> {
    let mut hb = handlebars::Handlebars::new();
    // HTML-escape, but keep the line breaks the cells use.
    hb.register_escape_fn(|s| handlebars::html_escape(s).replace("&lt;br&gt;", "<br>"));
    hb.set_strict_mode(true);
    hb.render_template(HTML, doc).map_err(|source| RenderError {
        template: "cps.html.hbs",
        source,
    })
}
