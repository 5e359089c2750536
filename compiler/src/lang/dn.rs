//! Distinguished names, written most significant first as in the CPS tables:
//! `C=jp, O=Japan Computer Emergency Response Team Coordination Center, CN=JPCERT/CC Root CA`.
//!
//! Each attribute may name its ASN.1 string type in brackets (`CN[utf8]=...`);
//! without one it takes the profile's `string_type`. A value may be a placeholder
//! filled at issuance (`CN={name}`, `CN={hsm_token}`). `\,` and `\\` escape.
//! This is deliberately not RFC 4514, whose reversed order reads backwards next to
//! the CPS tables.

use std::fmt;

use nom::{
    bytes::complete::take_while1,
    character::complete::{char, space0},
};

use super::{LangError, step};

/// ASN.1 string types a name attribute can be written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StringType {
    /// PrintableString: `A-Z a-z 0-9 '()+,-./:=?` and space.
    Printable,
    /// UTF8String.
    Utf8,
    /// IA5String (ASCII).
    Ia5,
}

impl StringType {
    /// The policy spelling.
    pub fn keyword(self) -> &'static str {
        match self {
            StringType::Printable => "printable",
            StringType::Utf8 => "utf8",
            StringType::Ia5 => "ia5",
        }
    }

    /// Reads the policy spelling.
    pub fn from_keyword(s: &str) -> Option<Self> {
        [StringType::Printable, StringType::Utf8, StringType::Ia5]
            .into_iter()
            .find(|t| t.keyword() == s)
    }

    /// Index of the first character this type cannot hold, if any.
    pub fn first_invalid(self, value: &str) -> Option<usize> {
        value.chars().position(|c| match self {
            StringType::Printable => !(c.is_ascii_alphanumeric() || " '()+,-./:=?".contains(c)),
            StringType::Ia5 => !c.is_ascii(),
            StringType::Utf8 => false,
        })
    }
}

/// Name attributes the policy language knows, with their X.520 OIDs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Attribute {
    /// countryName (2.5.4.6); always PrintableString.
    Country,
    /// stateOrProvinceName (2.5.4.8).
    StateOrProvince,
    /// localityName (2.5.4.7).
    Locality,
    /// organizationName (2.5.4.10).
    Organization,
    /// organizationalUnitName (2.5.4.11).
    OrganizationalUnit,
    /// commonName (2.5.4.3).
    CommonName,
    /// serialNumber (2.5.4.5); always PrintableString.
    SerialNumber,
}

/// Short names, OIDs and spellings of every attribute.
pub const ATTRIBUTES: [(Attribute, &str, &str, &str); 7] = [
    (Attribute::Country, "C", "2.5.4.6", "countryName"),
    (
        Attribute::StateOrProvince,
        "ST",
        "2.5.4.8",
        "stateOrProvinceName",
    ),
    (Attribute::Locality, "L", "2.5.4.7", "localityName"),
    (Attribute::Organization, "O", "2.5.4.10", "organizationName"),
    (
        Attribute::OrganizationalUnit,
        "OU",
        "2.5.4.11",
        "organizationalUnitName",
    ),
    (Attribute::CommonName, "CN", "2.5.4.3", "commonName"),
    (
        Attribute::SerialNumber,
        "SERIALNUMBER",
        "2.5.4.5",
        "serialNumber",
    ),
];

impl Attribute {
    fn entry(self) -> (Attribute, &'static str, &'static str, &'static str) {
        ATTRIBUTES
            .into_iter()
            .find(|a| a.0 == self)
            .unwrap_or(ATTRIBUTES[0])
    }
    /// Short name (`CN`).
    pub fn short(self) -> &'static str {
        self.entry().1
    }
    /// Dotted OID.
    pub fn oid(self) -> &'static str {
        self.entry().2
    }
    /// X.520 name (`commonName`).
    pub fn long(self) -> &'static str {
        self.entry().3
    }
    /// The only string type X.520 allows, if the attribute has one.
    pub fn fixed_string_type(self) -> Option<StringType> {
        matches!(self, Attribute::Country | Attribute::SerialNumber)
            .then_some(StringType::Printable)
    }
    /// X.520 upper bound on the value's length, in characters.
    pub fn max_len(self) -> usize {
        match self {
            Attribute::Country => 2,
            Attribute::SerialNumber
            | Attribute::CommonName
            | Attribute::Organization
            | Attribute::OrganizationalUnit => 64,
            Attribute::StateOrProvince | Attribute::Locality => 128,
        }
    }
}

/// An attribute's value: literal text, or a placeholder filled at issuance.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    /// Text written into every certificate.
    Literal(String),
    /// `{name}`: filled by the runtime (the subscriber name, the HSM token number).
    Placeholder(String),
}

/// One attribute of a name, with where its value sits in the scalar.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rdn {
    /// The attribute.
    pub attribute: Attribute,
    /// The string type written in brackets, if any.
    pub string_type: Option<StringType>,
    /// The value.
    pub value: Value,
    /// Characters from the start of the scalar to the value.
    pub value_offset: usize,
    /// Characters of the value as written.
    pub value_len: usize,
}

/// A distinguished name, most significant attribute first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dn {
    /// Attributes in order, one per RDN.
    pub rdns: Vec<Rdn>,
}

impl fmt::Display for Dn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, rdn) in self.rdns.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            f.write_str(rdn.attribute.short())?;
            if let Some(t) = rdn.string_type {
                write!(f, "[{}]", t.keyword())?;
            }
            f.write_str("=")?;
            match &rdn.value {
                Value::Literal(v) => f.write_str(&v.replace('\\', "\\\\").replace(',', "\\,"))?,
                Value::Placeholder(p) => write!(f, "{{{p}}}")?,
            }
        }
        Ok(())
    }
}

fn char_offset(full: &str, rest: &str) -> usize {
    full.get(..full.len() - rest.len())
        .map_or(0, |s| s.chars().count())
}

/// Parses a distinguished name.
pub fn parse(full: &str) -> Result<Dn, LangError> {
    let mut rdns = Vec::new();
    let mut rest = full;
    loop {
        let (r, _) = step(full, rest, space0, "")?;
        let (r, short) = step(
            full,
            r,
            take_while1(|c: char| c.is_ascii_alphanumeric()),
            "an attribute: C, ST, L, O, OU, CN or SERIALNUMBER",
        )?;
        let attribute = ATTRIBUTES
            .iter()
            .find(|a| a.1 == short)
            .map(|a| a.0)
            .ok_or_else(|| {
                LangError::at(
                    full,
                    rest.trim_start(),
                    "an attribute: C, ST, L, O, OU, CN or SERIALNUMBER",
                )
            })?;
        let (mut r, string_type) = match step(full, r, char('['), "") {
            Ok((after, _)) => {
                let (after, word) = step(
                    full,
                    after,
                    take_while1(|c: char| c.is_ascii_alphanumeric()),
                    "a string type: printable, utf8 or ia5",
                )?;
                let t = StringType::from_keyword(word).ok_or_else(|| {
                    let len = word.chars().count();
                    LangError::span(
                        char_offset(full, after) - len,
                        len,
                        "a string type: printable, utf8 or ia5",
                    )
                })?;
                let (after, _) = step(full, after, char(']'), "`]`")?;
                (after, Some(t))
            }
            Err(_) => (r, None),
        };
        let (after, _) = step(full, r, char('='), "`=` after the attribute name")?;
        r = after;
        // The value runs to the next unescaped comma.
        let mut value = String::new();
        let mut chars = r.char_indices();
        let mut end = r.len();
        while let Some((i, c)) = chars.next() {
            match c {
                '\\' => match chars.next() {
                    Some((_, e @ (',' | '\\'))) => value.push(e),
                    _ => {
                        return Err(LangError::span(
                            char_offset(full, &r[i..]),
                            1,
                            "`\\,` or `\\\\`",
                        ));
                    }
                },
                ',' => {
                    end = i;
                    break;
                }
                _ => value.push(c),
            }
        }
        let raw = &r[..end];
        let leading = raw.len() - raw.trim_start().len();
        let value_offset = char_offset(full, &r[leading..]);
        let trimmed = value.trim().to_string();
        let value_len = raw.trim().chars().count();
        if trimmed.is_empty() {
            return Err(LangError::at(
                full,
                &r[leading..],
                format!("a value for {}", attribute.short()),
            ));
        }
        let value = match trimmed.strip_prefix('{').and_then(|v| v.strip_suffix('}')) {
            Some(p) if !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase() || c == '_') => {
                Value::Placeholder(p.to_string())
            }
            Some(_) => {
                return Err(LangError::span(
                    value_offset,
                    value_len,
                    "a placeholder of lower-case letters and `_`, such as `{name}`",
                ));
            }
            None => Value::Literal(trimmed),
        };
        rdns.push(Rdn {
            attribute,
            string_type,
            value,
            value_offset,
            value_len,
        });
        if end == r.len() {
            break;
        }
        rest = &r[end + 1..];
    }
    Ok(Dn { rdns })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn reads_the_root_name_in_cps_order() {
        let dn = parse("C=jp, O=Japan Computer Emergency Response Team Coordination Center, CN=JPCERT/CC Root CA").unwrap();
        let shorts: Vec<_> = dn.rdns.iter().map(|r| r.attribute.short()).collect();
        assert_eq!(shorts, ["C", "O", "CN"]);
        assert_eq!(dn.rdns[2].value, Value::Literal("JPCERT/CC Root CA".into()));
        assert_eq!(dn.rdns[2].value_offset, 71);
    }

    #[test]
    fn reads_placeholders_types_and_escapes() {
        let dn = parse("O=A\\, B, OU[utf8]=x, CN={name}").unwrap();
        assert_eq!(dn.rdns[0].value, Value::Literal("A, B".into()));
        assert_eq!(dn.rdns[1].string_type, Some(StringType::Utf8));
        assert_eq!(dn.rdns[2].value, Value::Placeholder("name".into()));
    }

    #[test]
    fn points_at_the_bad_part() {
        let cases = [
            (
                "X=1",
                0,
                "an attribute: C, ST, L, O, OU, CN or SERIALNUMBER",
            ),
            ("CN:1", 2, "`=` after the attribute name"),
            ("CN[latin1]=x", 3, "a string type: printable, utf8 or ia5"),
            ("CN=", 3, "a value for CN"),
            (
                "CN={Name}",
                3,
                "a placeholder of lower-case letters and `_`, such as `{name}`",
            ),
            ("CN=a\\b", 4, "`\\,` or `\\\\`"),
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

    #[test]
    fn printable_string_rejects_at_sign() {
        assert_eq!(StringType::Printable.first_invalid("a@b"), Some(1));
        assert_eq!(
            StringType::Printable.first_invalid("JPCERT/CC Root CA"),
            None
        );
    }

    proptest! {
        #[test]
        fn round_trips(values in prop::collection::vec("[A-Za-z0-9 ,./-]{1,20}", 1..5)) {
            let values: Vec<String> = values.into_iter().map(|v| v.trim().to_string()).filter(|v| !v.is_empty() && !v.starts_with('{')).collect();
            prop_assume!(!values.is_empty());
            let dn = Dn { rdns: values.iter().map(|v| Rdn { attribute: Attribute::CommonName, string_type: None, value: Value::Literal(v.clone()), value_offset: 0, value_len: 0 }).collect() };
            let reparsed = parse(&dn.to_string()).unwrap();
            let got: Vec<_> = reparsed.rdns.iter().map(|r| r.value.clone()).collect();
            let want: Vec<_> = dn.rdns.iter().map(|r| r.value.clone()).collect();
            prop_assert_eq!(got, want);
        }

        #[test]
        fn never_panics(s in "\\PC*") {
            let _ = parse(&s);
        }
    }
}
