//! Object identifiers in dotted-decimal form: `1.2.392.200212.1.1.1`.
//!
//! X.660 rules are checked at parse time: at least two arcs, the first 0, 1 or 2,
//! the second below 40 under 0 and 1, no leading zeros, each arc fits 64 bits.

use std::fmt;

use nom::{bytes::complete::take_while1, character::complete::char};

use super::{LangError, end, step};

/// A checked object identifier.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Oid {
    arcs: Vec<u64>,
}

impl Oid {
    /// The arcs, first to last.
    pub fn arcs(&self) -> &[u64] {
        &self.arcs
    }
}

impl fmt::Display for Oid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for arc in &self.arcs {
            if !first {
                f.write_str(".")?;
            }
            first = false;
            write!(f, "{arc}")?;
        }
        Ok(())
    }
}

/// Parses a dotted-decimal OID.
pub fn parse(full: &str) -> Result<Oid, LangError> {
    let mut arcs = Vec::new();
    let mut rest = full;
    loop {
        let (after, digits) = step(
            full,
            rest,
            take_while1(|c: char| c.is_ascii_digit()),
            "a decimal arc",
        )?;
        if digits.len() > 1 && digits.starts_with('0') {
            return Err(LangError::at(full, rest, "an arc without leading zeros"));
        }
        let arc: u64 = digits
            .parse()
            .map_err(|_| LangError::at(full, rest, "an arc that fits in 64 bits"))?;
        match arcs.len() {
            0 if arc > 2 => return Err(LangError::at(full, rest, "a first arc of 0, 1 or 2")),
            1 if arcs[0] < 2 && arc >= 40 => {
                return Err(LangError::at(
                    full,
                    rest,
                    "a second arc below 40 under arc 0 or 1",
                ));
            }
            _ => {}
        }
        arcs.push(arc);
        match step(full, after, char('.'), "") {
            Ok((next, _)) => rest = next,
            Err(_) => {
                end(full, after).map_err(|e| LangError {
                    expected: "`.` or the end of the OID".into(),
                    ..e
                })?;
                break;
            }
        }
    }
    if arcs.len() < 2 {
        return Err(LangError::span(
            0,
            full.chars().count(),
            "at least two arcs (`1.2`)",
        ));
    }
    Ok(Oid { arcs })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn reads_the_cps_oid() {
        let oid = parse("1.2.392.200212.1.1.1").unwrap();
        assert_eq!(oid.arcs(), &[1, 2, 392, 200212, 1, 1, 1]);
        assert_eq!(oid.to_string(), "1.2.392.200212.1.1.1");
    }

    #[test]
    fn points_at_the_bad_arc() {
        let cases = [
            ("1.2.x", 4, "a decimal arc"),
            ("3.1", 0, "a first arc of 0, 1 or 2"),
            ("1.40", 2, "a second arc below 40 under arc 0 or 1"),
            ("1.02", 2, "an arc without leading zeros"),
            ("1", 0, "at least two arcs (`1.2`)"),
            ("1.2.", 4, "a decimal arc"),
            ("1.2 x", 4, "`.` or the end of the OID"),
            (
                "1.99999999999999999999999",
                2,
                "an arc that fits in 64 bits",
            ),
        ];
        for (input, offset, expected) in cases {
            let err = parse(input).unwrap_err();
            assert_eq!(
                (err.offset, err.expected.as_str()),
                (offset, expected),
                "{input}"
            );
        }
    }

    proptest! {
        #[test]
        fn round_trips(first in 0u64..3, second in 0u64..40, rest in prop::collection::vec(any::<u64>(), 0..8)) {
            let text = std::iter::once(first).chain([second]).chain(rest).map(|a| a.to_string()).collect::<Vec<_>>().join(".");
            prop_assert_eq!(parse(&text).unwrap().to_string(), text);
        }

        #[test]
        fn never_panics(s in "\\PC*") {
            let _ = parse(&s);
        }
    }
}
