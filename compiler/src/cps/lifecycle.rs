//! The CPS sections of a certificate's life after its application, rendered from the
//! policy's `lifecycle`: 4.3 issuance, 4.4 acceptance, 4.8 modification, 4.12 key
//! escrow and 9.6 the relying party's checks (R-4.2-PROMPT, R-4.4-RECEIPT,
//! R-4.8-NO-MODIFY, R-4.12-NO-ESCROW, R-9.6-RP-CHECK).

use super::table::{Section, cites, t};
use crate::model::*;

fn section(
    number: &str,
    title: &str,
    intro: &str,
    what: &str,
    value: &str,
    rules: &str,
) -> Section {
    Section {
        number: number.into(),
        title: title.into(),
        intro: intro.into(),
        tables: vec![t(
            title,
            &["policy", "value", "CPS rules"],
            vec![vec![what.into(), value.into(), rules.into()]],
        )],
    }
}

/// The five sections, or none for a policy that does not say.
pub(super) fn sections(policy: &Policy) -> Vec<Section> {
    let Some(l) = &policy.lifecycle else {
        return Vec::new();
    };
    let rules = |hint: &str| {
        let picked: Vec<String> = l
            .cites
            .iter()
            .filter(|c| c.contains(hint))
            .cloned()
            .collect();
        cites(&picked)
    };
    let issued = match l.issued {
        Issued::OnPassword => {
            "A certificate is issued promptly when its holder enters the one-time password with a PKCS#10 request on the CA's site, and is then downloadable there with its chain."
        }
    };
    let received = match l.received {
        Received::OnDownload => {
            "A certificate counts as received when its holder downloads it; the download is recorded (`certificate-received`)."
        }
    };
    let modified = match l.modification {
        Modification::NewIssuance => {
            "No certificate is modified: its name carries no meaning, so any change is a new issuance under the full procedure of 4.1 and 4.2."
        }
    };
    let keys = match l.subscriber_keys {
        SubscriberKeys::HolderOnly => {
            "The holder makes the key pair and sends only a request; the CA never receives, makes or keeps a subscriber's private key, so there is no escrow and no recovery."
        }
    };
    let checks: Vec<&str> = l
        .relying_parties
        .iter()
        .map(|c| match c {
            RpCheck::ValidityPeriod => "the time is within the certificate's validity period",
            RpCheck::LatestCrl => {
                "the certificate is not on the issuing CA's latest CRL, which is itself current"
            }
        })
        .collect();
    vec![
        section("4.3", "Certificate issuance", issued, "issued", l.issued.name(), &rules("4.2-PROMPT")),
        section("4.4", "Certificate acceptance", received, "received", l.received.name(), &rules("4.4")),
        section("4.8", "Certificate modification", modified, "modification", l.modification.name(), &rules("4.8")),
        section("4.12", "Key escrow and recovery", keys, "subscriber keys", l.subscriber_keys.name(), &rules("4.12")),
        Section {
            number: "9.6".into(),
            title: "Representations and warranties: relying parties".into(),
            intro: "Before trusting a certificate, a relying party checks each of the following; `inkan verify` and the relying-party demo do so, and say which check a refusal failed.".into(),
            tables: vec![t(
                "What a relying party checks",
                &["check", "meaning", "CPS rules"],
                l.relying_parties
                    .iter()
                    .zip(checks)
                    .map(|(c, m)| vec![c.name().into(), m.into(), rules("9.6")])
                    .collect(),
            )],
        },
    ]
}
