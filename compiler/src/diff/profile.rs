//! Two revisions of a certificate profile compared field by field: key, signature,
//! validity, subject, subscriber names and every extension (their order included:
//! it is their encoding order).

use std::collections::BTreeSet;

use super::change::{Differ, pick};
use crate::model::*;

fn extension_value(e: &Extension) -> String {
    match e {
        Extension::BasicConstraints { ca, path_len } => match path_len {
            Some(p) => format!("cA={ca}, pathLen={p}"),
            None => format!("cA={ca}"),
        },
        Extension::KeyUsage(b) => b.iter().map(|b| b.keyword()).collect::<Vec<_>>().join(", "),
        Extension::ExtendedKeyUsage(p) => {
            p.iter().map(|p| p.keyword()).collect::<Vec<_>>().join(", ")
        }
        Extension::NetscapeCertType(t) => {
            t.iter().map(|t| t.keyword()).collect::<Vec<_>>().join(", ")
        }
        Extension::SubjectAltName(dn) => format!("directoryName {dn}"),
        Extension::CrlDistributionPoints(u) => u.join(", "),
        Extension::CertificatePolicies(p) => p
            .iter()
            .map(|i| match &i.cps_uri {
                Some(u) => format!("{} (CPS {u})", i.oid),
                None => i.oid.to_string(),
            })
            .collect::<Vec<_>>()
            .join(", "),
        Extension::AuthorityKeyIdentifier(f) => f.keyword().to_string(),
        Extension::SubjectKeyIdentifier(m) => m.keyword().to_string(),
    }
}

fn extension_text(r: &ExtensionRule) -> String {
    format!(
        "{} ({})",
        extension_value(&r.extension),
        if r.critical {
            "critical"
        } else {
            "non-critical"
        }
    )
}

pub(super) fn profile(d: &mut Differ, a: &CertificateProfile, b: &CertificateProfile) {
    let n = b.name.as_str();
    let c = &pick(&b.cites, "R-7.1");
    d.push(
        "7.1",
        n,
        "role",
        a.role.keyword().into(),
        b.role.keyword().into(),
        c,
        true,
    );
    let all = &b.cites;
    d.push(
        "7.1",
        n,
        "issuer",
        a.issuer.clone().unwrap_or_default(),
        b.issuer.clone().unwrap_or_default(),
        &pick(all, "HIERARCHY"),
        true,
    );
    d.push(
        "7.1",
        n,
        "subject",
        a.subject.to_string(),
        b.subject.to_string(),
        &pick(all, "DN"),
        true,
    );
    d.push(
        "7.1",
        n,
        "string type",
        a.string_type.keyword().into(),
        b.string_type.keyword().into(),
        &pick(all, "DN"),
        true,
    );
    d.push(
        "6.1",
        n,
        "key size",
        a.key_bits.to_string(),
        b.key_bits.to_string(),
        &pick(all, "KEY-SIZE"),
        true,
    );
    d.push(
        "6.1",
        n,
        "key algorithm",
        a.key_algorithm.keyword().into(),
        b.key_algorithm.keyword().into(),
        &pick(all, "KEY-SIZE"),
        true,
    );
    d.push(
        "7.1",
        n,
        "signature",
        a.signature.keyword().into(),
        b.signature.keyword().into(),
        c,
        true,
    );
    let vc = if b.validity.cites.is_empty() {
        c.clone()
    } else {
        b.validity.cites.clone()
    };
    d.push(
        "7.1",
        n,
        "notBefore",
        a.validity.not_before.to_string(),
        b.validity.not_before.to_string(),
        &vc,
        true,
    );
    d.push(
        "7.1",
        n,
        "notAfter",
        a.validity.not_after.to_string(),
        b.validity.not_after.to_string(),
        &vc,
        true,
    );
    d.push(
        "7.1",
        n,
        "times",
        a.times.keyword().into(),
        b.times.keyword().into(),
        c,
        true,
    );
    let tmpl = |p: &CertificateProfile| {
        p.subscriber_name
            .as_ref()
            .map(|s| s.template.to_string())
            .unwrap_or_default()
    };
    let fy = |p: &CertificateProfile| {
        p.subscriber_name
            .as_ref()
            .map(|s| {
                format!(
                    "{} {}",
                    crate::lang::MONTHS[usize::from(s.fiscal_year_starts.0 - 1)],
                    s.fiscal_year_starts.1
                )
            })
            .unwrap_or_default()
    };
    d.push(
        "7.1",
        n,
        "subscriber name",
        tmpl(a),
        tmpl(b),
        &pick(all, "SUB-DN"),
        true,
    );
    d.push(
        "7.1",
        n,
        "fiscal year starts",
        fy(a),
        fy(b),
        &pick(all, "SUB-DN"),
        true,
    );
    // Extensions, matched by kind; their order is their encoding order.
    let keys: BTreeSet<&str> = a
        .extensions
        .iter()
        .chain(&b.extensions)
        .map(|e| e.extension.key())
        .collect();
    for key in keys {
        let (x, y) = (a.extension(key), b.extension(key));
        let name = x.or(y).map(|e| e.extension.asn1_name()).unwrap_or(key);
        let cites = y
            .or(x)
            .map(|e| {
                if e.cites.is_empty() {
                    c.clone()
                } else {
                    e.cites.clone()
                }
            })
            .unwrap_or_default();
        d.push(
            "7.1",
            n,
            name,
            x.map(extension_text).unwrap_or_default(),
            y.map(extension_text).unwrap_or_default(),
            &cites,
            true,
        );
    }
    let order = |p: &CertificateProfile| {
        p.extensions
            .iter()
            .filter(|e| {
                a.extension(e.extension.key()).is_some() && b.extension(e.extension.key()).is_some()
            })
            .map(|e| e.extension.asn1_name())
            .collect::<Vec<_>>()
            .join(", ")
    };
    d.push("7.1", n, "extension order", order(a), order(b), c, true);
}
