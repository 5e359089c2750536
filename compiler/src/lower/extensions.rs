//! Certificate extensions, with their criticality, checked against the profile's role.

use std::collections::BTreeMap;

use super::{Cx, quote_list, span_of};
use crate::diag::{Diagnostic, Span, did_you_mean};
use crate::lang;
use crate::model::*;
use crate::syntax::*;

impl Cx<'_> {
    pub(super) fn extensions(
        &mut self,
        raw: &[S<RawExtension>],
        role: Option<Role>,
        oids: &[NamedOid],
        path_len_spans: &mut BTreeMap<String, Span>,
        profile: &str,
    ) -> Vec<ExtensionRule> {
        let mut out: Vec<ExtensionRule> = Vec::new();
        for re in raw {
            let e = &re.value;
            let at = span_of(re);
            let cites = self.cites(&e.cps);
            let present: Vec<&str> = [
                ("basic_constraints", e.basic_constraints.is_some()),
                ("key_usage", e.key_usage.is_some()),
                ("extended_key_usage", e.extended_key_usage.is_some()),
                ("netscape_cert_type", e.netscape_cert_type.is_some()),
                ("subject_alt_name", e.subject_alt_name.is_some()),
                (
                    "crl_distribution_points",
                    e.crl_distribution_points.is_some(),
                ),
                ("certificate_policies", e.certificate_policies.is_some()),
                (
                    "authority_key_identifier",
                    e.authority_key_identifier.is_some(),
                ),
                ("subject_key_identifier", e.subject_key_identifier.is_some()),
            ]
            .into_iter()
            .filter(|(_, p)| *p)
            .map(|(k, _)| k)
            .collect();
            if present.len() != 1 {
                self.err(
                    Diagnostic::error(
                        "extension-entry",
                        Some(at),
                        format!("an extension entry names {} extensions", present.len()),
                    )
                    .label(
                        "expected exactly one extension key, with `critical` and optional `cps`",
                    ),
                );
                continue;
            }
            let Some(critical) = &e.critical else {
                self.err(
                    Diagnostic::error(
                        "extension-entry",
                        Some(at),
                        format!("`{}` does not say whether it is critical", present[0]),
                    )
                    .label("expected `critical: true` or `critical: false`")
                    .help("the CPS tables give every extension's criticality; write it explicitly"),
                );
                continue;
            };
            let extension = if let Some(bc) = &e.basic_constraints {
                if let Some(p) = &bc.value.path_len {
                    path_len_spans.insert(profile.to_string(), span_of(p));
                    if !bc.value.ca.value {
                        self.err(
                            Diagnostic::error(
                                "ca-flag",
                                Some(span_of(p)),
                                "pathLenConstraint without cA=TRUE",
                            )
                            .label("RFC 5280 4.2.1.9: only CA certificates carry a path length"),
                        );
                    }
                }
                Some(Extension::BasicConstraints {
                    ca: bc.value.ca.value,
                    path_len: bc.value.path_len.as_ref().map(|p| p.value),
                })
            } else if let Some(ku) = &e.key_usage {
                self.list(
                    ku,
                    "keyUsage bit",
                    KeyUsageBit::from_keyword,
                    &KeyUsageBit::keywords(),
                )
                .map(Extension::KeyUsage)
            } else if let Some(eku) = &e.extended_key_usage {
                self.list(
                    eku,
                    "extendedKeyUsage purpose",
                    Purpose::from_keyword,
                    &Purpose::keywords(),
                )
                .map(Extension::ExtendedKeyUsage)
            } else if let Some(ns) = &e.netscape_cert_type {
                self.list(
                    ns,
                    "netscapeCertType bit",
                    NetscapeType::from_keyword,
                    &NetscapeType::keywords(),
                )
                .map(Extension::NetscapeCertType)
            } else if let Some(san) = &e.subject_alt_name {
                let placeholders: &[&str] = if role.is_some_and(|r| r != Role::Subscriber) {
                    &["hsm_token"]
                } else {
                    &[]
                };
                self.dn(
                    &san.value.directory_name,
                    StringType::Printable,
                    placeholders,
                )
                .map(Extension::SubjectAltName)
            } else if let Some(dp) = &e.crl_distribution_points {
                for u in &dp.value {
                    self.uri(u);
                }
                Some(Extension::CrlDistributionPoints(
                    dp.value.iter().map(|u| u.value.clone()).collect(),
                ))
            } else if let Some(cp) = &e.certificate_policies {
                let mut infos = Vec::new();
                for info in &cp.value {
                    let (oid, name) = match oids.iter().find(|o| o.name == info.policy.value) {
                        Some(o) => (Some(o.oid.clone()), Some(o.name.clone())),
                        None if self.unread_oids.contains(&info.policy.value) => (None, None),
                        None if info.policy.value.starts_with(|c: char| c.is_ascii_digit()) => (
                            self.parse(&info.policy, "OID", "bad-oid", lang::oid::parse),
                            None,
                        ),
                        None => {
                            let names: Vec<&str> = oids.iter().map(|o| o.name.as_str()).collect();
                            let mut d = Diagnostic::error(
                                "unknown-oid",
                                Some(span_of(&info.policy)),
                                format!("unknown OID name `{}`", info.policy.value),
                            )
                            .label(format!(
                                "expected a dotted OID or one of {}",
                                quote_list(&names)
                            ));
                            if let Some(m) = did_you_mean(&info.policy.value, &names) {
                                d = d.help(format!("did you mean `{m}`?"));
                            }
                            self.err(d);
                            (None, None)
                        }
                    };
                    if let Some(u) = &info.cps_uri {
                        self.uri(u);
                    }
                    if let Some(oid) = oid {
                        infos.push(PolicyInformation {
                            oid,
                            name,
                            cps_uri: info.cps_uri.as_ref().map(|u| u.value.clone()),
                        });
                    }
                }
                Some(Extension::CertificatePolicies(infos))
            } else if let Some(aki) = &e.authority_key_identifier {
                self.kw::<AuthorityKeyIdForm>(aki, "authorityKeyIdentifier form")
                    .map(Extension::AuthorityKeyIdentifier)
            } else if let Some(ski) = &e.subject_key_identifier {
                self.kw::<KeyIdMethod>(ski, "subjectKeyIdentifier method")
                    .map(Extension::SubjectKeyIdentifier)
            } else {
                None
            };
            let Some(extension) = extension else { continue };
            if out.iter().any(|o| o.extension.key() == extension.key()) {
                self.err(Diagnostic::error("duplicate-extension", Some(at), format!("`{}` appears twice in profile `{profile}`", extension.key())).label("RFC 5280 4.2: a certificate MUST NOT include more than one instance of an extension"));
                continue;
            }
            out.push(ExtensionRule {
                extension,
                critical: critical.value,
                cites,
                span: at,
            });
        }
        out
    }

    pub(super) fn list<T: PartialEq>(
        &mut self,
        s: &S<Vec<S<String>>>,
        what: &str,
        from: impl Fn(&str) -> Option<T> + Copy,
        all: &[&'static str],
    ) -> Option<Vec<T>> {
        let mut out = Vec::new();
        let mut ok = true;
        for item in &s.value {
            match self.keyword(item, what, from, all) {
                Some(v) if out.contains(&v) => {
                    self.err(
                        Diagnostic::error(
                            "duplicate-value",
                            Some(span_of(item)),
                            format!("`{}` is listed twice", item.value),
                        )
                        .label("remove the repeat"),
                    );
                    ok = false;
                }
                Some(v) => out.push(v),
                None => ok = false,
            }
        }
        if out.is_empty() && ok {
            self.err(
                Diagnostic::error("empty-list", Some(span_of(s)), format!("no {what} listed"))
                    .label(format!("expected at least one of {}", quote_list(all))),
            );
            return None;
        }
        ok.then_some(out)
    }
}
