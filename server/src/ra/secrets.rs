//! The RA's secrets, and how they are kept: staff passwords as argon2id hashes (slow,
//! salted), session tokens, one-time passwords and confirmation tokens (128 random bits
//! each) as SHA-256, compared in constant time. Nothing here is ever logged or audited.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use sha2::{Digest, Sha256};

use super::error::{RaError, Result};

/// SHA-256, for high-entropy secrets (tokens and one-time passwords).
pub fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// `n` random bytes from the operating system, as a token: lower-case base32 without
/// the letters and digits people confuse (no l, o, 0, 1), no padding.
pub fn random_token(bytes: usize) -> Result<String> {
    const ALPHABET: &[u8; 32] = b"abcdefghijkmnpqrstuvwxyz23456789";
    let mut raw = vec![0u8; bytes];
    getrandom::fill(&mut raw).map_err(|e| RaError::Internal(format!("no randomness: {e}")))?;
    let mut out = String::new();
    let mut acc = 0u32;
    let mut bits = 0;
    for b in raw {
        acc = (acc << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(ALPHABET[((acc >> bits) & 31) as usize]));
        }
    }
    if bits > 0 {
        out.push(char::from(ALPHABET[((acc << (5 - bits)) & 31) as usize]));
    }
    Ok(out)
}

/// Compares two byte strings in time independent of where they differ.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A real argon2id hash of a random string, made once, checked against for unknown
/// logins so that their timing matches known ones.
pub fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| hash_password("no such login, no such password").unwrap_or_default())
}

/// Hashes a staff password with argon2id and a random salt.
pub fn hash_password(password: &str) -> Result<String> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| RaError::Internal(format!("no randomness: {e}")))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| RaError::Internal(e.to_string()))?;
    Ok(Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| RaError::Internal(e.to_string()))?
        .to_string())
}

/// Checks a password against its hash.
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}
