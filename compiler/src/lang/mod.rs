//! The policy's mini-languages, each parsed with nom into a typed value: OIDs
//! ([`oid`]), durations ([`duration`]), distinguished names ([`dn`]), validity rules
//! ([`validity`]) and the subscriber name template ([`template`]).
//!
//! Every parser reads one whole YAML scalar and either returns its value or a
//! [`LangError`] pointing at the character where reading stopped and saying what was
//! expected there; the lowering pass turns that into a file:line:column diagnostic.

pub mod dn;
pub mod duration;
pub mod oid;
pub mod template;
pub mod validity;

use nom::Parser;

/// Where in a scalar a mini-language parser stopped, and what it expected there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LangError {
    /// Characters from the start of the scalar to the offending text.
    pub offset: usize,
    /// Characters of offending text (at least 1).
    pub len: usize,
    /// What was expected, for the caret label.
    pub expected: String,
}

impl LangError {
    /// An error at `rest`, a suffix of `full`; the caret covers the next word.
    pub(crate) fn at(full: &str, rest: &str, expected: impl Into<String>) -> Self {
        let consumed = full.len().saturating_sub(rest.len());
        let offset = full.get(..consumed).map_or(0, |s| s.chars().count());
        let len = rest
            .chars()
            .take_while(|c| !c.is_whitespace() && *c != ',')
            .count()
            .max(1);
        LangError {
            offset,
            len,
            expected: expected.into(),
        }
    }

    /// An error covering `len` characters at `offset`.
    pub(crate) fn span(offset: usize, len: usize, expected: impl Into<String>) -> Self {
        LangError {
            offset,
            len: len.max(1),
            expected: expected.into(),
        }
    }
}

/// The nom error type all mini-languages use.
pub(crate) type NomError<'a> = nom::error::Error<&'a str>;

/// Runs one nom step; on failure reports `expected` at the point it stopped.
pub(crate) fn step<'a, O, P>(
    full: &str,
    input: &'a str,
    mut parser: P,
    expected: &str,
) -> Result<(&'a str, O), LangError>
where
    P: Parser<&'a str, Output = O, Error = NomError<'a>>,
{
    parser.parse(input).map_err(|e| match e {
        nom::Err::Error(e) | nom::Err::Failure(e) => LangError::at(full, e.input, expected),
        nom::Err::Incomplete(_) => LangError::at(full, "", expected),
    })
}

/// Fails unless all of `full` was read.
pub(crate) fn end(full: &str, rest: &str) -> Result<(), LangError> {
    if rest.trim().is_empty() {
        Ok(())
    } else {
        Err(LangError::at(full, rest.trim_start(), "end of value"))
    }
}

/// English month names, January = 1.
pub const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// Days in a month of a common year; February has 28 so a rule never names a day
/// that some years lack.
pub(crate) const DAYS_IN_MONTH: [u8; 12] = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/// Parses `April 30` into (4, 30), checking the day exists every year.
pub(crate) fn month_day<'a>(full: &str, i: &'a str) -> Result<(&'a str, (u8, u8)), LangError> {
    use nom::character::complete::{alpha1, digit1, space1};
    let (rest, word) = step(full, i, alpha1, "a month name (January .. December)")?;
    let month = MONTHS
        .iter()
        .position(|m| *m == word)
        .ok_or_else(|| LangError::at(full, i, "a month name (January .. December)"))?;
    let (rest, _) = step(full, rest, space1, "a space, then a day of the month")?;
    let (after, digits) = step(full, rest, digit1, "a day of the month")?;
    let day: u8 = digits
        .parse()
        .map_err(|_| LangError::at(full, rest, "a day of the month"))?;
    if day == 0 || day > DAYS_IN_MONTH[month] {
        return Err(LangError::at(
            full,
            rest,
            format!(
                "a day from 1 to {} that {} has every year",
                DAYS_IN_MONTH[month], MONTHS[month]
            ),
        ));
    }
    Ok((after, (month as u8 + 1, day)))
}
