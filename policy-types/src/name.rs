//! Helpers that generated subscriber-name code calls: reading fixed-width digits
//! and sequence letters, and range-checking the parts of a name.
//!
//! The template itself lives in the generated crate (R-3.1-SUB-DN); this module only
//! holds what every template shares, so generated code stays short.

use crate::policy::{NameError, NameParts};

/// Reads exactly `n` ASCII digits from the front of `s`.
pub fn take_digits(s: &str, n: u8) -> Option<(u64, &str)> {
    let n = usize::from(n);
    let digits = s.get(..n)?;
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((digits.parse().ok()?, &s[n..]))
}

/// Reads one sequence letter `a`..`z` from the front of `s`, as an index (a = 0).
pub fn take_letter(s: &str) -> Option<(u8, &str)> {
    let b = *s.as_bytes().first()?;
    b.is_ascii_lowercase().then(|| (b - b'a', &s[1..]))
}

/// The value of request field `name`, checked to fit `digits` digits.
pub fn field(parts: &NameParts, name: &'static str, digits: u8) -> Result<u32, NameError> {
    let value = parts
        .fields
        .iter()
        .find(|(f, _)| *f == name)
        .map(|(_, v)| *v)
        .ok_or(NameError::Missing(name))?;
    let max = 10u64.pow(u32::from(digits)) - 1;
    if value > max {
        return Err(NameError::OutOfRange {
            field: name,
            digits,
            value: value.to_string(),
        });
    }
    u32::try_from(value).map_err(|_| NameError::OutOfRange {
        field: name,
        digits,
        value: value.to_string(),
    })
}

/// The fiscal year, checked to fit the template (2 digits are written modulo 100).
pub fn fiscal_year(year: i64, digits: u8) -> Result<u16, NameError> {
    let ok = match digits {
        2 => (2000..=2099).contains(&year),
        _ => (0..=9999).contains(&year),
    };
    if !ok {
        return Err(NameError::FiscalYear(year));
    }
    u16::try_from(year).map_err(|_| NameError::FiscalYear(year))
}

/// The sequence index, checked to be a letter `a`..`z`.
pub fn sequence(index: u8) -> Result<u8, NameError> {
    if index < 26 {
        Ok(index)
    } else {
        Err(NameError::SequenceExhausted(index))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_fixed_width_parts() {
        assert_eq!(take_digits("012345-x", 6), Some((12_345, "-x")));
        assert_eq!(take_digits("01234", 6), None);
        assert_eq!(take_digits("01a345", 6), None);
        assert_eq!(take_letter("b"), Some((1, "")));
        assert_eq!(take_letter("B"), None);
        assert_eq!(sequence(26), Err(NameError::SequenceExhausted(26)));
    }
}
