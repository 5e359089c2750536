//! Rule catalogues: the CPS rules a policy may cite, with their kind and section.
//!
//! A policy names its catalogue in `policy.rules`; the compiler checks every cited ID
//! against it. Catalogues are the project's own copies (`policy/rules/*.tsv`), built
//! into the compiler so a compiled policy never depends on files beside it.

/// One rule of a catalogue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rule {
    /// Stable ID (`R-7.1-SUB-VALIDITY`).
    pub id: &'static str,
    /// enforce, emit, record, schedule, report or doc.
    pub kind: &'static str,
    /// CPS section (`7.1`).
    pub section: &'static str,
    /// The rule, in English.
    pub text: &'static str,
}

const CATALOGUES: [(&str, &str); 1] = [(
    "jpcert-cps",
    include_str!("../../policy/rules/jpcert-cps.tsv"),
)];

/// Names of the built-in catalogues.
pub fn names() -> Vec<&'static str> {
    CATALOGUES.iter().map(|c| c.0).collect()
}

/// The rules of the catalogue of that name.
pub fn rules(name: &str) -> Option<Vec<Rule>> {
    let (_, text) = CATALOGUES.iter().find(|c| c.0 == name)?;
    Some(
        text.lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .filter_map(|l| {
                let mut f = l.splitn(4, '\t');
                Some(Rule {
                    id: f.next()?,
                    kind: f.next()?,
                    section: f.next()?,
                    text: f.next()?,
                })
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_jpcert_catalogue_has_its_77_rules() {
        let rules = super::rules("jpcert-cps").unwrap_or_default();
        assert_eq!(rules.len(), 77);
        assert!(
            rules
                .iter()
                .any(|r| r.id == "R-7.1-SUB-VALIDITY" && r.kind == "emit" && r.section == "7.1")
        );
    }
}
