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
        assert_eq!(take_digits("123", 3), Some((123, "")));
        assert_eq!(take_letter("a-"), Some((0, "-")));
        assert_eq!(take_letter("z"), Some((25, "")));
        assert_eq!(take_letter(""), None);
        assert_eq!(sequence(0), Ok(0));
        assert_eq!(sequence(25), Ok(25));
    }

    /// Proves: R-3.1-SUB-DN.
    ///
    /// A name's numbers fit their widths: six digits take 999999 and refuse 1000000;
    /// a missing field is named; the fiscal year fits two digits only in 2000-2099,
    /// four digits in 0-9999.
    #[test]
    fn r_3_1_sub_dn_each_part_of_a_name_fits_its_width() {
        let parts = NameParts {
            fields: vec![("developer", 999_999), ("person", 1_000_000), ("zero", 0)],
            fiscal_year: 2026,
            sequence: 0,
        };
        assert_eq!(field(&parts, "developer", 6), Ok(999_999));
        assert_eq!(field(&parts, "zero", 1), Ok(0));
        assert!(matches!(
            field(&parts, "person", 6),
            Err(NameError::OutOfRange {
                field: "person",
                digits: 6,
                ..
            })
        ));
        assert_eq!(field(&parts, "person", 7), Ok(1_000_000));
        assert_eq!(field(&parts, "other", 6), Err(NameError::Missing("other")));
        for (year, digits, ok) in [
            (2000, 2, true),
            (2099, 2, true),
            (1999, 2, false),
            (2100, 2, false),
            (0, 4, true),
            (9999, 4, true),
            (-1, 4, false),
            (10_000, 4, false),
        ] {
            let got = fiscal_year(year, digits);
            if ok {
                assert_eq!(
                    got,
                    Ok(u16::try_from(year).unwrap_or_default()),
                    "{year}/{digits}"
                );
            } else {
                assert_eq!(got, Err(NameError::FiscalYear(year)), "{year}/{digits}");
            }
        }
    }
}
