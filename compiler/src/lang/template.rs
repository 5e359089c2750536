//! The subscriber name template: `SSL-{developer:6}-{person:6}-{fiscal_year:4}{sequence}`.
//!
//! Literal text is copied; `{field:N}` is an N-digit number supplied with each
//! request (zero-padded); `{fiscal_year:N}` is the fiscal year of issuance (N = 2
//! or 4); `{sequence}` is one letter, `a` for the person's first certificate of the
//! fiscal year, `b` for the second, and so on to `z`. Every piece has a fixed width,
//! so a name parses back into its fields without ambiguity.

use std::fmt;

use nom::{
    bytes::complete::take_while1,
    character::complete::{char, digit1},
};

use super::{LangError, end, month_day, step};

/// One piece of the template.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Piece {
    /// Copied as is.
    Literal(String),
    /// A request field, `digits` decimal digits wide.
    Number {
        /// Field name (`developer`).
        field: String,
        /// Width.
        digits: u8,
    },
    /// The fiscal year of issuance, 2 or 4 digits.
    FiscalYear {
        /// Width.
        digits: u8,
    },
    /// The per-person, per-fiscal-year sequence letter `a`..`z`.
    Sequence,
}

/// A parsed template.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Template {
    /// Pieces in order.
    pub pieces: Vec<Piece>,
}

impl fmt::Display for Template {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for p in &self.pieces {
            match p {
                Piece::Literal(s) => f.write_str(s)?,
                Piece::Number { field, digits } => write!(f, "{{{field}:{digits}}}")?,
                Piece::FiscalYear { digits } => write!(f, "{{fiscal_year:{digits}}}")?,
                Piece::Sequence => f.write_str("{sequence}")?,
            }
        }
        Ok(())
    }
}

/// Characters a literal piece may hold: those PrintableString allows, less braces.
fn literal_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || " '()+,-./:=?".contains(c)
}

/// Parses a template.
pub fn parse(full: &str) -> Result<Template, LangError> {
    let mut pieces = Vec::new();
    let mut rest = full;
    let mut seen: Vec<String> = Vec::new();
    while !rest.is_empty() {
        if let Ok((after, lit)) = step(full, rest, take_while1(literal_char), "") {
            pieces.push(Piece::Literal(lit.to_string()));
            rest = after;
            continue;
        }
        let start = rest;
        let (r, _) = step(full, rest, char('{'), "literal text or `{field:N}`")?;
        let (r, name) = step(
            full,
            r,
            take_while1(|c: char| c.is_ascii_lowercase() || c == '_'),
            "a field name of lower-case letters and `_`",
        )?;
        if seen.iter().any(|s| s == name) {
            return Err(LangError::at(
                full,
                start,
                format!("`{{{name}}}` only once"),
            ));
        }
        seen.push(name.to_string());
        let (r, digits) = match step(full, r, char(':'), "") {
            Ok((r, _)) => {
                let (after, d) = step(full, r, digit1, "a width in digits")?;
                let n: u8 = d
                    .parse()
                    .ok()
                    .filter(|n| (1..=9).contains(n))
                    .ok_or_else(|| LangError::at(full, r, "a width from 1 to 9"))?;
                (after, Some((n, r)))
            }
            Err(_) => (r, None),
        };
        let (r, _) = step(full, r, char('}'), "`}`")?;
        let piece = match (name, digits) {
            ("sequence", None) => Piece::Sequence,
            ("sequence", Some((_, at))) => {
                return Err(LangError::at(
                    full,
                    at,
                    "`{sequence}` without a width: it is always one letter",
                ));
            }
            ("fiscal_year", Some((n @ (2 | 4), _))) => Piece::FiscalYear { digits: n },
            ("fiscal_year", Some((_, at))) => {
                return Err(LangError::at(full, at, "a fiscal year width of 2 or 4"));
            }
            ("fiscal_year", None) => {
                return Err(LangError::at(
                    full,
                    start,
                    "`{fiscal_year:4}` or `{fiscal_year:2}`",
                ));
            }
            (field, Some((n, _))) => Piece::Number {
                field: field.to_string(),
                digits: n,
            },
            (field, None) => {
                return Err(LangError::at(
                    full,
                    start,
                    format!("a width: `{{{field}:N}}`"),
                ));
            }
        };
        pieces.push(piece);
        rest = r;
    }
    if pieces.is_empty() {
        return Err(LangError::span(
            0,
            1,
            "a template such as `SSL-{developer:6}-{sequence}`",
        ));
    }
    Ok(Template { pieces })
}

/// Parses the start of the fiscal year: `April 1`.
pub fn parse_fiscal_year_start(full: &str) -> Result<(u8, u8), LangError> {
    let (rest, md) = month_day(full, full)?;
    end(full, rest)?;
    Ok(md)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn reads_the_cps_template() {
        let t = parse("SSL-{developer:6}-{person:6}-{fiscal_year:4}{sequence}").unwrap();
        assert_eq!(
            t.pieces,
            vec![
                Piece::Literal("SSL-".into()),
                Piece::Number {
                    field: "developer".into(),
                    digits: 6
                },
                Piece::Literal("-".into()),
                Piece::Number {
                    field: "person".into(),
                    digits: 6
                },
                Piece::Literal("-".into()),
                Piece::FiscalYear { digits: 4 },
                Piece::Sequence,
            ]
        );
        assert_eq!(parse_fiscal_year_start("April 1").unwrap(), (4, 1));
    }

    #[test]
    fn points_at_the_bad_part() {
        let cases = [
            ("SSL-{developer}", 4, "a width: `{developer:N}`"),
            ("SSL-{developer:0}", 15, "a width from 1 to 9"),
            (
                "SSL-{sequence:2}",
                14,
                "`{sequence}` without a width: it is always one letter",
            ),
            ("{fiscal_year:3}", 13, "a fiscal year width of 2 or 4"),
            ("{a:1}{a:1}", 5, "`{a}` only once"),
            ("SSL_{x:1}", 3, "literal text or `{field:N}`"),
            ("{x:1", 4, "`}`"),
        ];
        for (input, offset, expected) in cases {
            let e = parse(input).unwrap_err();
            assert_eq!(
                (e.offset, e.expected.as_str()),
                (offset, expected),
                "{input}"
            );
        }
    }

    proptest! {
        #[test]
        fn round_trips(prefix in "[A-Z]{1,4}-", w1 in 1u8..10, w2 in 1u8..10, fy in prop::sample::select(vec![2u8, 4])) {
            let text = format!("{prefix}{{developer:{w1}}}-{{person:{w2}}}-{{fiscal_year:{fy}}}{{sequence}}");
            prop_assert_eq!(parse(&text).unwrap().to_string(), text);
        }

        #[test]
        fn never_panics(s in "\\PC*") {
            let _ = parse(&s);
        }
    }
}
