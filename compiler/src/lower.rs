//! Lowering: the raw document ([`crate::syntax`]) becomes the typed model
//! ([`crate::model`]), or a list of diagnostics.
//!
//! Every mini-language is parsed here, every name resolved, every citation checked
//! against the rule catalogue, and every contradiction the compiler knows of is
//! rejected: `cA=false` with keyCertSign, a child that can outlive its issuer, a
//! pathLenConstraint the hierarchy breaks, a CRL whose nextUpdate comes before the
//! next scheduled CRL, duplicate or malformed OIDs, unknown rule IDs. Errors are
//! collected, not thrown, so one run reports everything wrong with a file.

use std::collections::{BTreeMap, HashSet};

use crate::catalogue;
use crate::diag::{Diagnostic, Span, did_you_mean};
use crate::lang::{self, LangError};
use crate::model::*;
use crate::syntax::*;

/// Lowers a parsed document. `stem` is the file name without `.yaml`, which the
/// policy's `id` must equal (the CLI finds policies by it).
pub fn lower(raw: RawPolicy, stem: &str, source: &str) -> Result<Policy, Vec<Diagnostic>> {
    let mut cx = Cx {
        source,
        diags: Vec::new(),
        rules: HashSet::new(),
        rule_ids: Vec::new(),
    };
    let policy = cx.policy(raw, stem);
    if cx.diags.is_empty() {
        Ok(policy)
    } else {
        Err(cx.diags)
    }
}

struct Cx<'s> {
    source: &'s str,
    diags: Vec<Diagnostic>,
    rules: HashSet<&'static str>,
    rule_ids: Vec<&'static str>,
}

/// Span of a spanned value.
pub(crate) fn span_of<T>(s: &S<T>) -> Span {
    let loc = s.referenced;
    Span {
        line: usize::try_from(loc.line()).unwrap_or(0),
        column: usize::try_from(loc.column()).unwrap_or(0),
        len: usize::try_from(loc.span().len()).unwrap_or(1).max(1),
    }
}

impl Cx<'_> {
    fn err(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }

    /// The span of a position inside a scalar, allowing for an opening quote.
    fn inner(&self, s: &S<String>, e: &LangError) -> Span {
        let base = span_of(s);
        let quoted = self
            .source
            .lines()
            .nth(base.line.saturating_sub(1))
            .and_then(|l| l.chars().nth(base.column.saturating_sub(1)))
            .is_some_and(|c| c == '"' || c == '\'');
        base.narrow(e.offset + usize::from(quoted), e.len)
    }

    /// Runs a mini-language parser on a scalar; reports its error at the exact character.
    fn parse<T>(
        &mut self,
        s: &S<String>,
        what: &str,
        code: &'static str,
        f: impl Fn(&str) -> Result<T, LangError>,
    ) -> Option<T> {
        match f(&s.value) {
            Ok(v) => Some(v),
            Err(e) => {
                let span = self.inner(s, &e);
                self.err(
                    Diagnostic::error(code, Some(span), format!("invalid {what} `{}`", s.value))
                        .label(format!("expected {}", e.expected)),
                );
                None
            }
        }
    }

    /// Reads a keyword, with "expected one of" and "did you mean".
    fn keyword<T>(
        &mut self,
        s: &S<String>,
        what: &str,
        from: impl Fn(&str) -> Option<T>,
        all: &[&'static str],
    ) -> Option<T> {
        if let Some(v) = from(&s.value) {
            return Some(v);
        }
        let mut d = Diagnostic::error(
            "unknown-value",
            Some(span_of(s)),
            format!("unknown {what} `{}`", s.value),
        )
        .label(format!("expected one of {}", quote_list(all)));
        if let Some(m) = did_you_mean(&s.value, all) {
            d = d.help(format!("did you mean `{m}`?"));
        }
        self.err(d);
        None
    }

    /// Reads a keyword of type `T`.
    fn kw<T: Keyword>(&mut self, s: &S<String>, what: &str) -> Option<T> {
        self.keyword(s, what, T::parse_keyword, &T::all_keywords())
    }

    /// Checks cited rule IDs against the catalogue.
    fn cites(&mut self, cites: &Cites) -> Vec<String> {
        let mut out = Vec::new();
        for c in cites {
            if !self.rules.is_empty() && !self.rules.contains(c.value.as_str()) {
                let ids = self.rule_ids.clone();
                let mut d = Diagnostic::error(
                    "unknown-rule",
                    Some(span_of(c)),
                    format!("unknown CPS rule `{}`", c.value),
                )
                .label("not in the policy's rule catalogue");
                if let Some(m) = did_you_mean(&c.value, &ids) {
                    d = d.help(format!("did you mean `{m}`?"));
                }
                self.err(d);
            }
            out.push(c.value.clone());
        }
        out
    }

    fn policy(&mut self, raw: RawPolicy, stem: &str) -> Policy {
        let header = raw.policy;
        match catalogue::rules(&header.rules.value) {
            Some(rules) => {
                for r in rules {
                    self.rules.insert(r.id);
                    self.rule_ids.push(r.id);
                }
            }
            None => {
                let names = catalogue::names();
                self.err(
                    Diagnostic::error(
                        "unknown-catalogue",
                        Some(span_of(&header.rules)),
                        format!("unknown rule catalogue `{}`", header.rules.value),
                    )
                    .label(format!("expected one of {}", quote_list(&names))),
                );
            }
        }
        if header.id.value != stem {
            self.err(
                Diagnostic::error("id-mismatch", Some(span_of(&header.id)), format!("policy id `{}` differs from its file name", header.id.value))
                    .label(format!("expected `{stem}`"))
                    .help("the CLI and the generated crate find a policy by its file stem; rename one of them"),
            );
        }
        let cites = self.cites(&header.cps);
        let oids = self.oids(&raw.oids);
        let usage = raw.usage.map(|u| Usage {
            purpose: u.purpose.value.clone(),
            relying_party: u.relying_party.map(|r| r.value),
            cites: self.cites(&u.cps),
        });
        let repository = raw.repository.map(|r| {
            for url in [Some(&r.cps_url), Some(&r.crl_url), r.notices_url.as_ref()]
                .into_iter()
                .flatten()
            {
                self.uri(url);
            }
            Repository {
                cps_url: r.cps_url.value.clone(),
                crl_url: r.crl_url.value.clone(),
                notices_url: r.notices_url.map(|n| n.value),
                public_read: r.public_read.value,
                cites: self.cites(&r.cps),
            }
        });
        let schedules = self.schedules(&raw.schedules);
        let certificates = self.certificates(&raw.certificates, &oids);
        let crls = self.crls(&raw.crls, &certificates, &schedules);
        let ca_keys = raw.ca_keys.and_then(|k| self.ca_keys(&k));
        let revocation = raw.revocation.map(|r| self.revocation(&r));
        let ra = raw.ra.map(|r| self.ra(&r));
        let audit = raw.audit.map(|a| self.audit(&a));
        let waivers = self.waivers(&raw.waivers);
        Policy {
            id: header.id.value,
            title: header.title.value,
            rules: header.rules.value,
            cites,
            oids,
            usage,
            repository,
            certificates,
            crls,
            ca_keys,
            revocation,
            schedules,
            ra,
            audit,
            waivers,
        }
    }

    fn uri(&mut self, s: &S<String>) {
        let ok = ["http://", "https://", "ldap://"]
            .iter()
            .any(|p| s.value.starts_with(p) && s.value.len() > p.len())
            && !s.value.contains(char::is_whitespace);
        if !ok {
            self.err(
                Diagnostic::error(
                    "bad-uri",
                    Some(span_of(s)),
                    format!("`{}` is not a URI", s.value),
                )
                .label("expected an http://, https:// or ldap:// URI without spaces"),
            );
        }
    }

    fn oids(&mut self, raw: &[RawOid]) -> Vec<NamedOid> {
        let mut out: Vec<NamedOid> = Vec::new();
        let mut first_at: BTreeMap<String, (String, Span)> = BTreeMap::new();
        for o in raw {
            let cites = self.cites(&o.cps);
            let Some(oid) = self.parse(&o.oid, "OID", "bad-oid", lang::oid::parse) else {
                continue;
            };
            if out.iter().any(|n| n.name == o.name.value) {
                self.err(
                    Diagnostic::error(
                        "duplicate-oid",
                        Some(span_of(&o.name)),
                        format!("OID name `{}` is defined twice", o.name.value),
                    )
                    .label("already defined above"),
                );
            }
            if let Some((name, at)) = first_at.get(&oid.to_string()) {
                self.err(
                    Diagnostic::error(
                        "duplicate-oid",
                        Some(span_of(&o.oid)),
                        format!("OID {oid} is assigned twice"),
                    )
                    .label(format!("already assigned to `{name}`"))
                    .note(format!("first assigned at line {}", at.line)),
                );
            } else {
                first_at.insert(oid.to_string(), (o.name.value.clone(), span_of(&o.oid)));
            }
            out.push(NamedOid {
                name: o.name.value.clone(),
                oid,
                cites,
            });
        }
        out
    }

    fn dn(&mut self, s: &S<String>, default: StringType, placeholders: &[&str]) -> Option<Dn> {
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

    fn certificates(
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
                    self.err(
                        Diagnostic::error(
                            "bad-issuer",
                            Some(span_of(&c.name)),
                            format!("profile `{}` has no issuer", c.name.value),
                        )
                        .label("expected `issuer: <a CA profile defined above>`")
                        .rules(["R-1.3-HIERARCHY"]),
                    );
                    None
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
                            let mut d = Diagnostic::error(
                                "bad-issuer",
                                Some(span_of(i)),
                                format!("unknown issuer `{}`", i.value),
                            );
                            d = if later {
                                d.label("defined below; list each issuer before what it issues")
                            } else {
                                d.label(format!("expected one of {}", quote_list(&names)))
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
    fn hierarchy(
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
        // Number of CA certificates that can follow a profile in a path, below it.
        fn depth(p: &CertificateProfile, all: &[CertificateProfile], guard: usize) -> usize {
            if guard > all.len() {
                return 0;
            }
            all.iter()
                .filter(|c| {
                    c.role == Role::IssuingCa && c.issuer.as_deref() == Some(p.name.as_str())
                })
                .map(|c| 1 + depth(c, all, guard + 1))
                .max()
                .unwrap_or(0)
        }
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
                let needed = depth(p, profiles, 0);
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
                        .rules(
                            p.validity
                                .cites
                                .iter()
                                .chain(&p.cites)
                                .cloned()
                                .collect::<Vec<_>>(),
                        ),
                    );
                }
            }
        }
    }

    fn extensions(
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
            if matches!(extension, Extension::AuthorityKeyIdentifier(_)) && role == Some(Role::Root)
            {
                // Allowed (RFC 5280 lets self-signed certificates carry it), nothing to check.
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

    fn list<T: PartialEq>(
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

    fn schedules(&mut self, raw: &[RawSchedule]) -> Vec<Schedule> {
        let mut out = Vec::new();
        for s in raw {
            let cites = self.cites(&s.cps);
            let timing = match (&s.every, &s.before, &s.lead, &s.within) {
                (Some(e), None, None, None) => self
                    .parse(e, "duration", "bad-duration", lang::duration::parse)
                    .map(Timing::Every),
                (None, Some(b), Some(l), None) => {
                    let date = self.parse(
                        b,
                        "date",
                        "bad-duration",
                        lang::template::parse_fiscal_year_start,
                    );
                    let lead = self.parse(l, "duration", "bad-duration", lang::duration::parse);
                    date.zip(lead)
                        .map(|(date, lead)| Timing::Before { date, lead })
                }
                (None, None, None, Some(w)) => self
                    .parse(
                        w,
                        "deadline",
                        "bad-duration",
                        lang::duration::parse_business_days,
                    )
                    .map(Timing::Within),
                _ => {
                    self.err(
                        Diagnostic::error(
                            "bad-schedule",
                            Some(span_of(&s.name)),
                            format!("schedule `{}` needs exactly one timing", s.name.value),
                        )
                        .label("expected `every`, `before` with `lead`, or `within`"),
                    );
                    None
                }
            };
            if let Some(timing) = timing {
                out.push(Schedule {
                    name: s.name.value.clone(),
                    timing,
                    cites,
                });
            }
        }
        out
    }

    fn crls(
        &mut self,
        raw: &[S<RawCrl>],
        certs: &[CertificateProfile],
        schedules: &[Schedule],
    ) -> Vec<CrlProfile> {
        let mut out: Vec<CrlProfile> = Vec::new();
        let interval = schedules
            .iter()
            .find_map(|s| match (&s.name[..], &s.timing) {
                ("crl", Timing::Every(d)) => Some((*d, s.cites.clone())),
                _ => None,
            });
        for rc in raw {
            let c = &rc.value;
            let cites = self.cites(&c.cps);
            match certs.iter().find(|p| p.name == c.issuer.value) {
                Some(p) if p.is_ca() => {}
                Some(_) => self.err(
                    Diagnostic::error(
                        "bad-issuer",
                        Some(span_of(&c.issuer)),
                        format!("`{}` is not a CA and cannot issue CRLs", c.issuer.value),
                    )
                    .label("expected a root or issuing-ca profile"),
                ),
                None => {
                    let names: Vec<&str> = certs
                        .iter()
                        .filter(|p| p.is_ca())
                        .map(|p| p.name.as_str())
                        .collect();
                    self.err(
                        Diagnostic::error(
                            "bad-issuer",
                            Some(span_of(&c.issuer)),
                            format!("unknown CRL issuer `{}`", c.issuer.value),
                        )
                        .label(format!("expected one of {}", quote_list(&names))),
                    );
                }
            }
            if out.iter().any(|o| o.issuer == c.issuer.value) {
                self.err(
                    Diagnostic::error(
                        "duplicate-profile",
                        Some(span_of(&c.issuer)),
                        format!("`{}` has two CRL profiles", c.issuer.value),
                    )
                    .label("one CRL profile per CA"),
                );
            }
            let signature = self.kw::<SignatureAlgorithm>(&c.signature, "signature algorithm");
            let times = self.kw::<TimeEncoding>(&c.times, "time encoding");
            let next_update = self.parse(
                &c.next_update,
                "duration",
                "bad-duration",
                lang::duration::parse,
            );
            if let (Some(next), Some((every, every_cites))) = (next_update, &interval)
                && next.min_seconds() < every.max_seconds()
            {
                self.err(
                    Diagnostic::error(
                        "crl-next-update",
                        Some(span_of(&c.next_update)),
                        format!(
                            "nextUpdate {next} is shorter than the CRL publication interval {every}"
                        ),
                    )
                    .label(format!(
                        "the next CRL may come {every} later, after this one has expired"
                    ))
                    .help(format!("make nextUpdate at least {every}"))
                    .rules(cites.iter().chain(every_cites).cloned().collect::<Vec<_>>()),
                );
            }
            let mut extensions = Vec::new();
            for e in &c.extensions {
                if let Some(x) = self.kw::<CrlExtension>(e, "CRL extension") {
                    extensions.push(x);
                }
            }
            if !extensions.contains(&CrlExtension::CrlNumber) {
                self.err(
                    Diagnostic::error(
                        "crl-number",
                        Some(span_of(&c.issuer)),
                        "the CRL profile has no cRLNumber",
                    )
                    .label("RFC 5280 5.2.3: conforming CRL issuers MUST include cRLNumber")
                    .help("add `crl_number` to `extensions`"),
                );
            }
            let mut entry_extensions = Vec::new();
            for e in &c.entry_extensions {
                if let Some(x) = self.kw::<EntryExtension>(e, "CRL entry extension") {
                    entry_extensions.push(x);
                }
            }
            let unspecified_reason = match &c.unspecified_reason {
                Some(u) => self.kw::<UnspecifiedReason>(u, "unspecified_reason"),
                None => Some(UnspecifiedReason::Omit),
            };
            if let (Some(signature), Some(times), Some(next_update), Some(unspecified_reason)) =
                (signature, times, next_update, unspecified_reason)
            {
                out.push(CrlProfile {
                    issuer: c.issuer.value.clone(),
                    signature,
                    next_update,
                    times,
                    extensions,
                    entry_extensions,
                    unspecified_reason,
                    cites,
                    span: span_of(&c.issuer),
                });
            }
        }
        out
    }

    fn ca_keys(&mut self, k: &RawCaKeys) -> Option<CaKeys> {
        let cites = self.cites(&k.cps);
        let storage = self.kw::<KeyStorage>(&k.storage, "key storage")?;
        let (n, m) = (k.activation.shares.value, k.activation.threshold.value);
        if m < 2 || m > n {
            self.err(
                Diagnostic::error(
                    "bad-activation",
                    Some(span_of(&k.activation.threshold)),
                    format!("threshold {m} of {n} shares cannot split a secret"),
                )
                .label(format!("expected a threshold from 2 to {n}"))
                .note("one share must never be enough, and the threshold cannot exceed the shares")
                .rules(["R-6.2-M-OF-N"]),
            );
            return None;
        }
        Some(CaKeys {
            storage,
            shares: n,
            threshold: m,
            cites,
        })
    }

    fn revocation(&mut self, r: &RawRevocation) -> Revocation {
        let cites = self.cites(&r.cps);
        let mut reasons: Vec<Reason> = Vec::new();
        for reason in &r.reasons {
            let rc = self.cites(&reason.cps);
            if reasons.iter().any(|x| x.name == reason.name.value) {
                self.err(
                    Diagnostic::error(
                        "duplicate-value",
                        Some(span_of(&reason.name)),
                        format!("reason `{}` is defined twice", reason.name.value),
                    )
                    .label("already defined above"),
                );
            }
            let Some(code) = self.kw::<ReasonCode>(&reason.code, "RFC 5280 reason code") else {
                continue;
            };
            if !r.hold.value
                && matches!(
                    code,
                    ReasonCode::CertificateHold | ReasonCode::RemoveFromCrl
                )
            {
                self.err(
                    Diagnostic::error(
                        "hold",
                        Some(span_of(&reason.code)),
                        format!(
                            "reason `{}` maps to {} but the policy forbids suspension",
                            reason.name.value,
                            code.keyword()
                        ),
                    )
                    .label("`hold: false` rules out certificateHold and removeFromCRL")
                    .rules(["R-4.9-NO-HOLD"]),
                );
            }
            reasons.push(Reason {
                name: reason.name.value.clone(),
                code,
                urgent: reason.urgent.as_ref().is_some_and(|u| u.value),
                cites: rc,
            });
        }
        if reasons.is_empty() {
            self.err(
                Diagnostic::error("empty-list", None, "the policy lists no revocation reasons")
                    .rules(["R-4.9-REASONS"]),
            );
        }
        let deadline = r.deadline.as_ref().and_then(|d| {
            self.parse(
                d,
                "deadline",
                "bad-duration",
                lang::duration::parse_business_days,
            )
        });
        Revocation {
            reasons,
            requesters: r.requesters.iter().map(|s| s.value.clone()).collect(),
            confirm_by: r.confirm_by.as_ref().map(|s| s.value.clone()),
            deadline,
            hold: r.hold.value,
            ocsp: r.ocsp.value,
            cites,
        }
    }

    fn ra(&mut self, r: &RawRa) -> Ra {
        let cites = self.cites(&r.cps);
        let roles: Vec<RaRole> = r
            .roles
            .iter()
            .map(|x| RaRole {
                name: x.name.value.clone(),
                duties: x.duties.value.clone(),
            })
            .collect();
        for d in &r.dual_check {
            if !roles.iter().any(|x| x.name == d.value) {
                let names: Vec<&str> = roles.iter().map(|x| x.name.as_str()).collect();
                self.err(
                    Diagnostic::error(
                        "unknown-value",
                        Some(span_of(d)),
                        format!("unknown RA role `{}`", d.value),
                    )
                    .label(format!("expected one of {}", quote_list(&names)))
                    .rules(["R-5.2-DUAL-CHECK"]),
                );
            }
        }
        Ra {
            roles,
            separation: r.separation.value.clone(),
            dual_check: r.dual_check.iter().map(|s| s.value.clone()).collect(),
            cites,
        }
    }

    fn audit(&mut self, a: &RawAudit) -> Audit {
        let cites = self.cites(&a.cps);
        let events = a
            .events
            .iter()
            .map(|e| AuditEvent {
                name: e.name.value.clone(),
                source: e.source.value.clone(),
                category: e.category.value.clone(),
                cites: self.cites(&e.cps),
            })
            .collect();
        let mut retention = Vec::new();
        for r in &a.retention {
            let c = self.cites(&r.cps);
            if let Some(keep) =
                self.parse(&r.keep, "duration", "bad-duration", lang::duration::parse)
            {
                retention.push(Retention {
                    category: r.category.value.clone(),
                    keep,
                    cites: c,
                });
            }
        }
        Audit {
            events,
            retention,
            cites,
        }
    }

    fn waivers(&mut self, raw: &[S<RawWaiver>]) -> Vec<Waiver> {
        let mut out: Vec<Waiver> = Vec::new();
        let names: Vec<&str> = crate::lints::LINTS.iter().map(|l| l.name).collect();
        for w in raw {
            let cites = self.cites(&w.value.cps);
            let lint = &w.value.lint;
            if !names.contains(&lint.value.as_str()) {
                let mut d = Diagnostic::error(
                    "unknown-lint",
                    Some(span_of(lint)),
                    format!("unknown lint `{}`", lint.value),
                )
                .label(format!("expected one of {}", quote_list(&names)));
                if let Some(m) = did_you_mean(&lint.value, &names) {
                    d = d.help(format!("did you mean `{m}`?"));
                }
                self.err(d);
                continue;
            }
            if out.iter().any(|x| x.lint == lint.value) {
                self.err(
                    Diagnostic::error(
                        "duplicate-waiver",
                        Some(span_of(lint)),
                        format!("lint `{}` is waived twice", lint.value),
                    )
                    .label("merge the two waivers"),
                );
                continue;
            }
            if w.value.reason.value.trim().len() < 20 {
                self.err(
                    Diagnostic::error(
                        "waiver-reason",
                        Some(span_of(&w.value.reason)),
                        "a waiver needs a reason an auditor can read",
                    )
                    .label("expected at least a sentence"),
                );
            }
            out.push(Waiver {
                lint: lint.value.clone(),
                reason: w.value.reason.value.trim().to_string(),
                cites,
                span: span_of(lint),
            });
        }
        out
    }
}

/// `a`, `b` and `c` for messages.
pub(crate) fn quote_list(items: &[&str]) -> String {
    items
        .iter()
        .map(|i| format!("`{i}`"))
        .collect::<Vec<_>>()
        .join(", ")
}
