//! M-of-N activation data (R-6.2-M-OF-N): Shamir's secret sharing over GF(2^8).
//!
//! A secret (the HSM PIN) is split into N shares, any M of which rebuild it and
//! M-1 of which reveal nothing. Each share is written for a custodian as
//! `<index>-<hex in groups of four>-<check>`, where the check (two bytes of a hash)
//! catches a mistyped share. The CA keeps a commitment (a hash) of every share, so a
//! share that is well-typed but not the one issued to its index is named by index.
//! Shares and secrets live only in memory and are zeroed when dropped.

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// Multiplication in GF(2^8) with the AES polynomial x^8 + x^4 + x^3 + x + 1.
fn mul(mut a: u8, mut b: u8) -> u8 {
    let mut p = 0u8;
    while b != 0 {
        if b & 1 != 0 {
            p ^= a;
        }
        let carry = a & 0x80;
        a <<= 1;
        if carry != 0 {
            a ^= 0x1b;
        }
        b >>= 1;
    }
    p
}

/// The multiplicative inverse (a^254); `inv(0)` is 0 and never used.
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
        for b in &mut self.bytes {
            wipe(b);
        }
    }
}

/// Zeroes a byte in a way the optimiser keeps.
#[inline(never)]
fn wipe(b: &mut u8) {
    *std::hint::black_box(b) = 0;
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
    let mut coefficients = vec![0u8; secret.len() * usize::from(m - 1)];
    getrandom::fill(&mut coefficients)
        .map_err(|e| Error::Activation(format!("no randomness: {e}")))?;
    let shares = (1..=n)
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
        .collect();
    for c in &mut coefficients {
        wipe(c);
    }
    Ok(shares)
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
