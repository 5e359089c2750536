//! One difference between two revisions, the RFC 3647 sections they are filed under,
//! and the collector that keeps only what changed.

use std::collections::BTreeSet;

/// One difference between two revisions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// RFC 3647 section (`7.1`).
    pub section: &'static str,
    /// What it is about (`ssl-client`, `CRL of ssl-clients`, `reason key-loss`).
    pub subject: String,
    /// The field (`key size`).
    pub field: String,
    /// The old value; empty when added.
    pub old: String,
    /// The new value; empty when removed.
    pub new: String,
    /// CPS rules involved.
    pub rules: Vec<String>,
    /// True when certificates or CRLs issued under the new revision differ.
    pub affects_artefacts: bool,
}

/// Section titles, in RFC 3647 order.
pub const SECTIONS: [(&str, &str); 23] = [
    ("1.2", "Document name and identification"),
    ("1.4", "Certificate usage"),
    ("2", "Repository"),
    ("3.2", "Initial identity validation"),
    (
        "3.4",
        "Identification and authentication for revocation request",
    ),
    ("4.1", "Certificate application"),
    ("4.2", "Certificate application processing"),
    ("4.3", "Certificate issuance"),
    ("4.4", "Certificate acceptance"),
    ("4.6", "Certificate renewal"),
    ("4.8", "Certificate modification"),
    ("4.9", "Revocation"),
    ("4.11", "End of subscription"),
    ("4.12", "Key escrow and recovery"),
    ("5.2", "Procedural controls"),
    ("5.4", "Audit logging"),
    ("5.5", "Records archival"),
    ("6.1", "Key pair generation and installation"),
    ("6.2", "Private key protection"),
    ("7.1", "Certificate profiles"),
    ("7.2", "CRL profile"),
    ("9.6", "Relying party representations and warranties"),
    ("waivers", "Waived departures from RFC 5280 and practice"),
];

pub(super) struct Differ {
    pub(super) changes: Vec<Change>,
}

impl Differ {
    #[allow(clippy::too_many_arguments)] // One change's fields.
    pub(super) fn push(
        &mut self,
        section: &'static str,
        subject: &str,
        field: &str,
        old: String,
        new: String,
        rules: &[String],
        artefacts: bool,
    ) {
        // A section the renderers do not list would be dropped from every report.
        debug_assert!(
            SECTIONS.iter().any(|(k, _)| *k == section),
            "diff section {section} is not in SECTIONS"
        );
        if old != new {
            self.changes.push(Change {
                section,
                subject: subject.to_string(),
                field: field.to_string(),
                old,
                new,
                rules: rules.to_vec(),
                affects_artefacts: artefacts,
            });
        }
    }
}

/// Rules of `cites` that mention `hint`, or all of them when none does.
pub(super) fn pick(cites: &[String], hint: &str) -> Vec<String> {
    let picked: Vec<String> = cites.iter().filter(|c| c.contains(hint)).cloned().collect();
    if picked.is_empty() {
        cites.to_vec()
    } else {
        picked
    }
}

pub(super) fn names<T>(items: &[T], name: impl Fn(&T) -> &str) -> BTreeSet<String> {
    items.iter().map(|i| name(i).to_string()).collect()
}
