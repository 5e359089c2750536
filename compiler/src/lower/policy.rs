//! The document as a whole: its header and rule catalogue, the repository URIs, the
//! named OIDs (R-1.2-OID-ORG, R-1.2-OID-CPS) and the certificate life cycle
//! (R-4.2-PROMPT, R-4.8-NO-MODIFY, R-4.12-NO-ESCROW, R-9.6-RP-CHECK).

use std::collections::BTreeMap;

use super::{Cx, quote_list, span_of};
use crate::catalogue;
use crate::diag::{Diagnostic, Span};
use crate::lang;
use crate::model::*;
use crate::syntax::*;

impl Cx<'_> {
    pub(super) fn policy(&mut self, raw: RawPolicy, stem: &str) -> Policy {
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
                languages: self.languages(&r.languages),
                cites: self.cites(&r.cps),
            }
        });
        self.no_dated_schedules(&raw.schedules);
        let schedules = self.schedules(&raw.schedules);
        let certificates = self.certificates(&raw.certificates, &oids);
        let crls = self.crls(&raw.crls, &certificates, &schedules);
        let ca_keys = raw.ca_keys.and_then(|k| self.ca_keys(&k));
        let calendar = raw.calendar.as_ref().and_then(|c| self.calendar(c));
        let renewal = raw
            .renewal
            .as_ref()
            .and_then(|r| self.renewal(r, &certificates));
        self.deadlines_need_a_calendar(raw.revocation.as_ref(), calendar.as_ref());
        let revocation = raw.revocation.map(|r| self.revocation(&r));
        let ra = raw.ra.map(|r| self.ra(&r, revocation.as_ref()));
        let audit = raw.audit.map(|a| self.audit(&a));
        let lifecycle = match &raw.lifecycle {
            Some(l) => self.lifecycle(l),
            None => {
                self.grown(
                    Diagnostic::error(
                        "missing-lifecycle",
                        Some(span_of(&header.id)),
                        "the policy does not say how a certificate reaches its holder",
                    )
                    .label("add `lifecycle:` (issued, received, modification, subscriber_keys, relying_parties)")
                    .rules(["R-4.2-PROMPT", "R-4.8-NO-MODIFY", "R-9.6-RP-CHECK"]),
                );
                None
            }
        };
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
            calendar,
            renewal,
            lifecycle,
            waivers,
            cited: self.cited.iter().cloned().collect(),
        }
    }

    /// The service's languages, in the policy's order (its default first), each once.
    fn languages(&mut self, raw: &[S<String>]) -> Vec<inkan_policy_types::language::Language> {
        let mut out = Vec::new();
        for l in raw {
            if let Some(lang) = self.kw::<inkan_policy_types::language::Language>(l, "language") {
                if out.contains(&lang) {
                    self.err(
                        Diagnostic::error(
                            "duplicate-value",
                            Some(span_of(l)),
                            format!("`{}` is listed twice", l.value),
                        )
                        .label("already among the languages"),
                    );
                    continue;
                }
                out.push(lang);
            }
        }
        out
    }

    pub(super) fn uri(&mut self, s: &S<String>) {
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

    pub(super) fn oids(&mut self, raw: &[RawOid]) -> Vec<NamedOid> {
        let mut out: Vec<NamedOid> = Vec::new();
        let mut first_at: BTreeMap<String, (String, Span)> = BTreeMap::new();
        for o in raw {
            let cites = self.cites(&o.cps);
            let Some(oid) = self.parse(&o.oid, "OID", "bad-oid", lang::oid::parse) else {
                self.unread_oids.push(o.name.value.clone());
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
}

impl Cx<'_> {
    /// The certificate life cycle: each keyword one inkan has, each relying-party
    /// check named once, at least one.
    fn lifecycle(&mut self, l: &RawLifecycle) -> Option<Lifecycle> {
        let cites = self.cites(&l.cps);
        let issued = self.kw::<Issued>(&l.issued, "issuance");
        let received = self.kw::<Received>(&l.received, "receipt");
        let modification = self.kw::<Modification>(&l.modification, "modification");
        let subscriber_keys = self.kw::<SubscriberKeys>(&l.subscriber_keys, "subscriber keys");
        let mut relying_parties = Vec::new();
        for c in &l.relying_parties {
            let Some(check) = self.kw::<RpCheck>(c, "relying-party check") else {
                continue;
            };
            if relying_parties.contains(&check) {
                self.err(
                    Diagnostic::error(
                        "duplicate-value",
                        Some(span_of(c)),
                        format!("the check `{}` is listed twice", c.value),
                    )
                    .label("already listed"),
                );
            }
            relying_parties.push(check);
        }
        if l.relying_parties.is_empty() {
            self.err(
                Diagnostic::error(
                    "no-relying-party-check",
                    Some(span_of(&l.issued)),
                    "the policy asks relying parties to check nothing",
                )
                .label("list what a relying party checks: validity-period, latest-crl")
                .rules(["R-9.6-RP-CHECK"]),
            );
        }
        Some(Lifecycle {
            issued: issued?,
            received: received?,
            modification: modification?,
            subscriber_keys: subscriber_keys?,
            relying_parties,
            cites,
        })
    }
}
