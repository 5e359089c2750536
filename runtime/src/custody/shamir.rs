//! M-of-N activation data (R-6.2-M-OF-N): Shamir's secret sharing over GF(2^8).
//!
//! A secret (the HSM PIN) is split into N shares, any M of which rebuild it and
//! M-1 of which reveal nothing. Each share is written for a custodian as
//! `<index>-<hex in groups of four>-<check>`, where the check (two bytes of a hash)
//! catches a mistyped share. The CA keeps a commitment (a hash) of every share, so a
//! share that is well-typed but not the one issued to its index is named by index.
//! Shares and secrets live only in memory and are zeroed when dropped.
//!
//! Written here rather than taken from a crate: the maintained Shamir crates either
//! work over elliptic-curve scalars (a different share format, a much larger
//! dependency) or multiply in GF(2^8) through log tables, whose lookups depend on the
//! secret. This field arithmetic runs the same steps whatever the bytes are: eight
//! rounds per product, masks instead of branches, no tables. Known-answer vectors
//! (FIPS-197's worked products) hold it to the field.

use sha2::{Digest, Sha256};
use zeroize::Zeroize;

use crate::error::{Error, Result};

/// Multiplication in GF(2^8) with the AES polynomial x^8 + x^4 + x^3 + x + 1, in
/// constant time: always eight rounds, each bit of `b` and the carry of `a` turned
/// into a mask, never into a branch.
fn mul(mut a: u8, mut b: u8) -> u8 {
    let mut p = 0u8;
    for _ in 0..8 {
        p ^= a & (b & 1).wrapping_neg();
        let carry = (a >> 7).wrapping_neg();
        a = (a << 1) ^ (0x1b & carry);
        b >>= 1;
    }
    p
}

/// The multiplicative inverse (a^254); `inv(0)` is 0 and never used. The exponent is
/// public, so its loop may branch; the products are [`mul`]'s.
fn inv(a: u8) -> u8 {
    let mut result = 1u8;
    let mut base = a;
    let mut e = 254u8;
    while e > 0 {
        if e & 1 != 0 {
            result = mul(result, base);
        }
        base = mul(base, base);
        e >>= 1;
    }
    result
}

/// One share: its index (1..=255) and one byte per secret byte.
#[derive(Clone, PartialEq, Eq)]
pub struct Share {
    /// 1-based index; the x coordinate.
    pub index: u8,
    /// The y coordinates.
    pub bytes: Vec<u8>,
}

impl std::fmt::Debug for Share {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Share {{ index: {}, .. }}", self.index)
    }
}

impl Drop for Share {
    fn drop(&mut self) {
        self.bytes.zeroize();
    }
}

fn check(index: u8, bytes: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(b"inkan-share-check-v1");
    h.update([index]);
    h.update(bytes);
    hex::encode(&h.finalize()[..2])
}

/// The commitment the CA keeps for a share: it identifies, it does not reveal.
pub fn commitment(share: &Share) -> String {
    let mut h = Sha256::new();
    h.update(b"inkan-share-commitment-v1");
    h.update([share.index]);
    h.update(&share.bytes);
    hex::encode(h.finalize())
}

impl Share {
    /// The text a custodian keeps: `3-9f2a-7c01-...-4be2`.
    pub fn to_text(&self) -> String {
        let hex = hex::encode(&self.bytes);
        let groups: Vec<&str> = hex
            .as_bytes()
            .chunks(4)
            .map(|c| std::str::from_utf8(c).unwrap_or(""))
            .collect();
        format!(
            "{}-{}-{}",
            self.index,
            groups.join("-"),
            check(self.index, &self.bytes)
        )
    }

    /// Reads a share's text, refusing a mistyped one.
    pub fn parse(text: &str) -> Result<Self> {
        let cleaned: String = text.trim().chars().filter(|c| !c.is_whitespace()).collect();
        let parts: Vec<&str> = cleaned.split('-').collect();
        let bad = |why: &str| Error::Activation(format!("this is not a share ({why})"));
        let (Some(first), Some(last)) = (parts.first(), parts.last()) else {
            return Err(bad("empty"));
        };
        if parts.len() < 3 {
            return Err(bad("expected index-hex-...-check"));
        }
        let index: u8 = first
            .parse()
            .ok()
            .filter(|i| *i > 0)
            .ok_or_else(|| bad("the index is not 1..255"))?;
        let hex: String = parts[1..parts.len() - 1].concat().to_ascii_lowercase();
        let bytes = hex::decode(&hex).map_err(|_| {
            Error::Activation(format!(
                "share {index} is mistyped: it has characters that are not hexadecimal"
            ))
        })?;
        if check(index, &bytes) != last.to_ascii_lowercase() {
            return Err(Error::Activation(format!(
                "share {index} is mistyped: its check characters do not match"
            )));
        }
        Ok(Share { index, bytes })
    }
}

/// Splits `secret` into `n` shares, any `m` of which rebuild it.
pub fn split(secret: &[u8], n: u8, m: u8) -> Result<Vec<Share>> {
    if m < 2 || n < m {
        return Err(Error::Activation(format!(
            "need 2 <= threshold <= shares, got {m} of {n}"
        )));
    }
    let mut coefficients = zeroize::Zeroizing::new(vec![0u8; secret.len() * usize::from(m - 1)]);
    getrandom::fill(&mut coefficients)
        .map_err(|e| Error::Activation(format!("no randomness: {e}")))?;
    Ok(evaluate(secret, n, m, &coefficients))
}

/// The `n` shares of `secret` under the polynomial whose other coefficients are
/// `coefficients` (`m - 1` per secret byte).
fn evaluate(secret: &[u8], n: u8, m: u8, coefficients: &[u8]) -> Vec<Share> {
    (1..=n)
        .map(|x| {
            let bytes = secret
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    // Horner: s + c1 x + c2 x^2 + ... over GF(2^8).
                    let cs = &coefficients[i * usize::from(m - 1)..(i + 1) * usize::from(m - 1)];
                    let mut acc = 0u8;
                    for c in cs.iter().rev() {
                        acc = mul(acc, x) ^ c;
                    }
                    mul(acc, x) ^ s
                })
                .collect();
            Share { index: x, bytes }
        })
        .collect()
}

/// Rebuilds the secret from shares (Lagrange interpolation at 0). The caller checks
/// that enough distinct, committed shares were given.
pub fn combine(shares: &[Share]) -> Result<Vec<u8>> {
    let len = shares.first().map_or(0, |s| s.bytes.len());
    if shares.iter().any(|s| s.bytes.len() != len) {
        return Err(Error::Activation(
            "the shares are of different lengths: they come from different ceremonies".into(),
        ));
    }
    let mut secret = vec![0u8; len];
    for (i, si) in shares.iter().enumerate() {
        // Lagrange basis at x = 0: prod_j x_j / (x_j - x_i); subtraction is xor.
        let mut basis = 1u8;
        for (j, sj) in shares.iter().enumerate() {
            if i != j {
                basis = mul(basis, mul(sj.index, inv(sj.index ^ si.index)));
            }
        }
        for (k, b) in si.bytes.iter().enumerate() {
            secret[k] ^= mul(*b, basis);
        }
    }
    Ok(secret)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// FIPS-197's worked products (section 4.2) and inverses from the AES S-box
    /// derivation, against the constant-time multiplication.
    #[test]
    fn the_field_arithmetic_matches_known_answers() {
        assert_eq!(mul(0x57, 0x83), 0xc1);
        assert_eq!(mul(0x57, 0x13), 0xfe);
        assert_eq!(mul(0x57, 0x02), 0xae);
        assert_eq!(mul(0x57, 0x04), 0x47);
        assert_eq!(mul(0x57, 0x08), 0x8e);
        assert_eq!(mul(0x57, 0x10), 0x07);
        assert_eq!(mul(0x00, 0xff), 0x00);
        assert_eq!(mul(0x01, 0xab), 0xab);
        assert_eq!(inv(0x53), 0xca);
        assert_eq!(inv(0x01), 0x01);
        for a in 1..=255u8 {
            assert_eq!(mul(a, inv(a)), 1, "{a:#x}");
        }
    }

    /// Shares of a known polynomial, worked by hand: secret 0x42, 0x10 with the
    /// coefficients 0x07, 0x03 (threshold 2): f(x) = s + c x.
    #[test]
    fn shares_of_a_known_polynomial_are_known() {
        let shares = evaluate(&[0x42, 0x10], 3, 2, &[0x07, 0x03]);
        // f(1) = 42^07, 10^03; f(2) = 42^0e, 10^06; f(3) = 42^09, 10^05.
        let got: Vec<(u8, Vec<u8>)> = shares.iter().map(|s| (s.index, s.bytes.clone())).collect();
        assert_eq!(
            got,
            [
                (1, vec![0x45, 0x13]),
                (2, vec![0x4c, 0x16]),
                (3, vec![0x4b, 0x15])
            ]
        );
        assert_eq!(combine(&shares[1..]).unwrap(), [0x42, 0x10]);
    }

    /// Proves: R-6.2-M-OF-N.
    #[test]
    fn r_6_2_m_of_n_any_m_shares_rebuild_the_secret_and_m_minus_1_do_not() {
        let secret = b"0123456789abcdef0123456789abcdef".to_vec();
        let shares = split(&secret, 5, 3).unwrap();
        for combo in [[0, 1, 2], [0, 2, 4], [4, 3, 1], [1, 2, 3]] {
            let picked: Vec<Share> = combo.iter().map(|i| shares[*i].clone()).collect();
            assert_eq!(combine(&picked).unwrap(), secret);
        }
        let two: Vec<Share> = shares[..2].to_vec();
        assert_ne!(combine(&two).unwrap(), secret);
    }

    #[test]
    fn a_mistyped_share_is_caught_and_named() {
        let shares = split(b"pin-1234-5678", 3, 2).unwrap();
        let text = shares[1].to_text();
        assert_eq!(Share::parse(&text).unwrap(), shares[1]);
        // Change one hex digit.
        let mut chars: Vec<char> = text.chars().collect();
        let pos = text.find('-').unwrap() + 1;
        chars[pos] = if chars[pos] == '0' { '1' } else { '0' };
        let typo: String = chars.into_iter().collect();
        let err = Share::parse(&typo).unwrap_err().to_string();
        assert!(err.contains("share 2 is mistyped"), "{err}");
    }

    #[test]
    fn gf256_inverse() {
        for a in 1..=255u8 {
            assert_eq!(mul(a, inv(a)), 1);
        }
    }
}
