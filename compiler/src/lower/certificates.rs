//! Certificate profiles and the hierarchy they form: roles, issuers, keys, validity
//! rules, subscriber names, and the cross-profile checks (CA flags, pathLenConstraint
//! against depth, validity nesting).

use std::collections::BTreeMap;

use super::{Cx, quote_list, span_of};
use crate::diag::{Diagnostic, Span, did_you_mean};
use crate::lang;
use crate::model::*;
use crate::syntax::*;

impl Cx<'_> {
    pub(super) fn certificates(
        &mut self,
        raw: &[S<RawCertificate>],
        oids: &[NamedOid],
    ) -> Vec<CertificateProfile> {
        let mut out: Vec<CertificateProfile> = Vec::new();
        let mut failed: Vec<String> = Vec::new();
        // Spans of path_len values, for the hierarchy check below.
        let mut path_len_spans: BTreeMap<String, Span> = BTreeMap::new();
        for rc in raw {
            let c = &rc.value;
            let cites = self.cites(&c.cps);
            if out.iter().any(|p| p.name == c.name.value) {
                self.err(
                    Diagnostic::error(
                        "duplicate-profile",
                        Some(span_of(&c.name)),
                        format!("profile `{}` is defined twice", c.name.value),
                    )
                    .label("already defined above"),
                );
            }
            let role = self.kw::<Role>(&c.role, "role");
            let string_type = self.keyword(
                &c.string_type,
                "string type",
                StringType::from_keyword,
                &["printable", "utf8", "ia5"],
            );
            let placeholders: &[&str] = if role == Some(Role::Subscriber) {
                &["name"]
            } else {
                &[]
            };
            let subject = self.dn(
                &c.subject,
                string_type.unwrap_or(StringType::Utf8),
                placeholders,
            );
            let key_algorithm = self.kw::<KeyAlgorithm>(&c.key.algorithm, "key algorithm");
            let bits = c.key.bits.value;
            if !(1024..=8192).contains(&bits) || bits % 8 != 0 {
                self.err(
                    Diagnostic::error(
                        "bad-key-size",
                        Some(span_of(&c.key.bits)),
                        format!("unsupported RSA key size {bits}"),
                    )
                    .label("expected a multiple of 8 from 1024 to 8192")
                    .rules(["R-6.1-KEY-SIZE"]),
                );
            }
            let signature = self.kw::<SignatureAlgorithm>(&c.signature, "signature algorithm");
            let times = self.kw::<TimeEncoding>(&c.times, "time encoding");
            let not_before = self.parse(
                &c.validity.not_before,
                "notBefore rule",
                "bad-validity",
                lang::validity::parse_not_before,
            );
            let not_after = self.parse(
                &c.validity.not_after,
                "notAfter rule",
                "bad-validity",
                lang::validity::parse_not_after,
            );
            let validity_cites = self.cites(&c.validity.cps);

            // Issuer: a CA defined earlier; roots have none.
            let issuer = match (role, &c.issuer) {
                (Some(Role::Root), Some(i)) => {
                    self.err(
                        Diagnostic::error(
                            "bad-issuer",
                            Some(span_of(i)),
                            "a root is its own issuer",
                        )
                        .label("remove `issuer` from a root profile")
                        .rules(["R-1.3-HIERARCHY"]),
                    );
                    None
                }
                (Some(Role::Root), None) | (None, _) => None,
                (Some(_), None) => {
                    let mut d = Diagnostic::error(
                        "bad-issuer",
                        Some(span_of(&c.name)),
                        format!("profile `{}` has no issuer", c.name.value),
                    )
                    .label("expected `issuer: <a CA profile defined above>`")
                    .rules(["R-1.3-HIERARCHY"]);
                    if !out.iter().any(CertificateProfile::is_ca) {
                        d = d.help(
                            "no CA profile comes before it: if it is the root, say `role: root`",
                        );
                    }
                    self.err(d);
                    None
                }
                (Some(_), Some(i)) if i.value == c.name.value => {
                    self.err(
                        Diagnostic::error(
                            "bad-issuer",
                            Some(span_of(i)),
                            format!("`{}` names itself as its issuer", i.value),
                        )
                        .label("only a root issues its own certificate")
                        .help("name the CA profile, defined above, that issues it")
                        .rules(["R-1.3-HIERARCHY"]),
                    );
                    Some(i.value.clone())
                }
                (Some(_), Some(i)) => {
                    match out.iter().find(|p| p.name == i.value) {
                        Some(p) if p.is_ca() => {}
                        Some(_) => self.err(
                            Diagnostic::error(
                                "bad-issuer",
                                Some(span_of(i)),
                                format!("`{}` is a subscriber profile and cannot issue", i.value),
                            )
                            .label("expected a root or issuing-ca profile")
                            .rules(["R-1.3-HIERARCHY"]),
                        ),
                        None if failed.contains(&i.value) => {}
                        None => {
                            let later = raw.iter().any(|r| r.value.name.value == i.value);
                            let names: Vec<&str> = out
                                .iter()
                                .filter(|p| p.is_ca())
                                .map(|p| p.name.as_str())
                                .collect();
                            let mut d = if later {
                                Diagnostic::error(
                                    "bad-issuer",
                                    Some(span_of(i)),
                                    format!(
                                        "issuer `{}` is defined below `{}`",
                                        i.value, c.name.value
                                    ),
                                )
                                .label("list each issuer before what it issues")
                            } else {
                                Diagnostic::error(
                                    "bad-issuer",
                                    Some(span_of(i)),
                                    format!("unknown issuer `{}`", i.value),
                                )
                                .label(format!("expected one of {}", quote_list(&names)))
                            };
                            if let Some(m) = did_you_mean(&i.value, &names) {
                                d = d.help(format!("did you mean `{m}`?"));
                            }
                            self.err(d.rules(["R-1.3-HIERARCHY"]));
                        }
                    }
                    Some(i.value.clone())
                }
            };

            let subscriber_name = match (&c.subscriber_name, role) {
                (Some(n), Some(Role::Subscriber)) => {
                    let template = self.parse(
                        &n.template,
                        "name template",
                        "bad-template",
                        lang::template::parse,
                    );
                    let start = self.parse(
                        &n.fiscal_year_starts,
                        "fiscal year start",
                        "bad-template",
                        lang::template::parse_fiscal_year_start,
                    );
                    let cites = self.cites(&n.cps);
                    template
                        .zip(start)
                        .map(|(template, fiscal_year_starts)| SubscriberName {
                            template,
                            fiscal_year_starts,
                            cites,
                        })
                }
                (Some(n), Some(_)) => {
                    self.err(
                        Diagnostic::error(
                            "bad-template",
                            Some(span_of(&n.template)),
                            "only subscriber profiles have a subscriber name",
                        )
                        .label("remove `subscriber_name` from a CA profile"),
                    );
                    None
                }
                (None, Some(Role::Subscriber)) => {
                    self.err(
                        Diagnostic::error(
                            "bad-template",
                            Some(span_of(&c.name)),
                            format!(
                                "subscriber profile `{}` has no `subscriber_name`",
                                c.name.value
                            ),
                        )
                        .label("expected a `subscriber_name` with a template")
                        .rules(["R-3.1-SUB-DN"]),
                    );
                    None
                }
                _ => None,
            };
            if let (Some(sub), Some(Role::Subscriber)) = (&subject, role) {
                let has_name = sub
                    .rdns
                    .iter()
                    .any(|r| r.value == RdnValue::Placeholder("name".into()));
                if !has_name {
                    self.err(
                        Diagnostic::error(
                            "bad-name",
                            Some(span_of(&c.subject)),
                            "a subscriber subject must contain `{name}`",
                        )
                        .label("expected an attribute such as `CN={name}`")
                        .rules(["R-3.1-SUB-DN"]),
                    );
                }
            }

            let extensions = self.extensions(
                &c.extensions,
                role,
                oids,
                &mut path_len_spans,
                &c.name.value,
            );
            let (
                Some(role),
                Some(string_type),
                Some(subject),
                Some(key_algorithm),
                Some(signature),
                Some(times),
                Some(not_before),
                Some(not_after),
            ) = (
                role,
                string_type,
                subject,
                key_algorithm,
                signature,
                times,
                not_before,
                not_after,
            )
            else {
                failed.push(c.name.value.clone());
                continue;
            };
            out.push(CertificateProfile {
                name: c.name.value.clone(),
                role,
                issuer,
                subject,
                string_type,
                subscriber_name,
                key_algorithm,
                key_bits: bits,
                signature,
                validity: Validity {
                    not_before,
                    not_after,
                    cites: validity_cites,
                },
                times,
                extensions,
                cites,
                span: span_of(&c.name),
            });
        }
        self.hierarchy(&out, raw, &path_len_spans);
        out
    }

    /// Cross-profile checks: CA flags, pathLenConstraint against depth, validity nesting.
    pub(super) fn hierarchy(
        &mut self,
        profiles: &[CertificateProfile],
        raw: &[S<RawCertificate>],
        path_len_spans: &BTreeMap<String, Span>,
    ) {
        // A root that failed to lower has been reported already.
        let root_failed = raw.iter().any(|r| {
            r.value.role.value == "root" && !profiles.iter().any(|p| p.name == r.value.name.value)
        });
        if !profiles.iter().any(|p| p.role == Role::Root) && !profiles.is_empty() && !root_failed {
            self.err(
                Diagnostic::error("bad-issuer", None, "the policy has no root profile")
                    .help("add a profile with `role: root`")
                    .rules(["R-1.3-HIERARCHY"]),
            );
        }
        let depths = path_depths(profiles);
        for p in profiles {
            let bc = p.extensions.iter().find_map(|e| match &e.extension {
                Extension::BasicConstraints { ca, path_len } => Some((*ca, *path_len, e.span)),
                _ => None,
            });
            let key_cert_sign = p.extensions.iter().find_map(|e| match &e.extension {
                Extension::KeyUsage(bits) if bits.contains(&KeyUsageBit::KeyCertSign) => {
                    Some(e.span)
                }
                _ => None,
            });
            match (p.is_ca(), bc) {
                (true, None) => self.err(
                    Diagnostic::error(
                        "ca-flag",
                        Some(p.span),
                        format!("CA profile `{}` has no basicConstraints", p.name),
                    )
                    .label("expected `basic_constraints: { ca: true }`")
                    .rules(p.cites.clone()),
                ),
                (true, Some((false, _, at))) => self.err(
                    Diagnostic::error(
                        "ca-flag",
                        Some(at),
                        format!("CA profile `{}` sets cA=false", p.name),
                    )
                    .label("expected `ca: true`")
                    .rules(p.cites.clone()),
                ),
                (false, Some((true, _, at))) => self.err(
                    Diagnostic::error(
                        "ca-flag",
                        Some(at),
                        format!("subscriber profile `{}` sets cA=true", p.name),
                    )
                    .label("expected `ca: false`")
                    .rules(p.cites.clone()),
                ),
                _ => {}
            }
            let is_ca_cert = bc.is_some_and(|b| b.0);
            if let (Some(at), false) = (key_cert_sign, is_ca_cert) {
                self.err(
                    Diagnostic::error("key-cert-sign-without-ca", Some(at), format!("profile `{}` asserts keyCertSign without cA=TRUE", p.name))
                        .label("keyCertSign needs basicConstraints cA=TRUE")
                        .note("RFC 5280 4.2.1.3: if keyCertSign is asserted, the cA bit in basicConstraints MUST also be asserted")
                        .rules(p.cites.clone()),
                );
            }
            if let Some((_, Some(path_len), _)) = bc {
                let needed = depths.get(p.name.as_str()).copied().unwrap_or(0);
                if needed > usize::from(path_len) {
                    let at = path_len_spans.get(&p.name).copied().unwrap_or(p.span);
                    self.err(
                        Diagnostic::error(
                            "path-len",
                            Some(at),
                            format!(
                                "pathLenConstraint {path_len} of `{}` is broken by the hierarchy",
                                p.name
                            ),
                        )
                        .label(format!(
                            "{needed} CA certificate(s) follow `{}` in a path",
                            p.name
                        ))
                        .help(format!(
                            "set `path_len: {needed}` or remove the subordinate CA"
                        ))
                        .rules(["R-1.3-HIERARCHY"]),
                    );
                }
            }
            if let Some(issuer) = p.issuer.as_deref().and_then(|i| {
                profiles
                    .iter()
                    .find(|c| c.name == i && c.name != p.name && c.is_ca())
            }) {
                let child = p.validity.not_after.max_seconds();
                let parent = issuer.validity.not_after.min_seconds();
                if child > parent {
                    let at = raw
                        .iter()
                        .find(|r| r.value.name.value == p.name)
                        .map_or(p.span, |r| span_of(&r.value.validity.not_after));
                    self.err(
                        Diagnostic::error(
                            "outlives-issuer",
                            Some(at),
                            format!("`{}` can outlive its issuer `{}`", p.name, issuer.name),
                        )
                        .label(format!(
                            "up to {} days, but `{}` may last only {} days",
                            child / 86_400,
                            issuer.name,
                            parent / 86_400
                        ))
                        .note("RFC 5280 6.1: a certificate is not valid past its issuer's notAfter")
                        .rules(hierarchy_rules(p)),
                    );
                }
            }
        }
    }
}

/// How many CA certificates can follow each profile in a path, below it. `certificates`
/// accepts an issuer only if it is defined above what it issues, so one pass from the
/// last profile up has each child's depth before its issuer's: no recursion, and no
/// cycle to guard against. (A policy already in error may name an issuer below; its
/// child then counts as a leaf, which can only hide a second error, never invent one.)
fn path_depths(profiles: &[CertificateProfile]) -> BTreeMap<&str, usize> {
    let mut depths = BTreeMap::new();
    for p in profiles.iter().rev() {
        let below = profiles
            .iter()
            .filter(|c| {
                c.role == Role::IssuingCa
                    && c.issuer.as_deref() == Some(p.name.as_str())
                    && c.name != p.name
            })
            .map(|c| 1 + depths.get(c.name.as_str()).copied().unwrap_or(0))
            .max()
            .unwrap_or(0);
        depths.insert(p.name.as_str(), below);
    }
    depths
}

/// The rules a hierarchy finding on `p` cites: its validity's, its own, and
/// R-1.3-HIERARCHY.
fn hierarchy_rules(p: &CertificateProfile) -> Vec<String> {
    let mut rules: Vec<String> = p.validity.cites.iter().chain(&p.cites).cloned().collect();
    if !rules.iter().any(|r| r == "R-1.3-HIERARCHY") {
        rules.push("R-1.3-HIERARCHY".to_string());
    }
    rules
}
