//! The RA's secrets, and how they are kept: staff passwords as argon2id hashes (slow,
//! salted), session tokens, one-time passwords and confirmation tokens (128 random bits
//! each) as SHA-256, compared in constant time (subtle); tokens are written in base32
//! of an unambiguous alphabet (data-encoding). Nothing here is ever logged or audited.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use sha2::{Digest, Sha256};

use super::error::{RaError, Result};

/// SHA-256, for high-entropy secrets (tokens and one-time passwords).
pub fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// The tokens' alphabet: lower-case base32 without the letters and digits people
/// confuse (no l, o, 0, 1).
const ALPHABET: &str = "abcdefghijkmnpqrstuvwxyz23456789";

/// Base32 in [`ALPHABET`], most significant bit first, no padding (data-encoding).
fn token_encoding() -> Result<&'static data_encoding::Encoding> {
    static ENCODING: std::sync::LazyLock<
        std::result::Result<data_encoding::Encoding, data_encoding::SpecificationError>,
    > = std::sync::LazyLock::new(|| {
        let mut spec = data_encoding::Specification::new();
        spec.symbols.push_str(ALPHABET);
        spec.encoding()
    });
    ENCODING
        .as_ref()
        .map_err(|e| RaError::Internal(format!("the token alphabet: {e}")))
}

/// `n` random bytes from the operating system, as a token in [`ALPHABET`].
pub fn random_token(bytes: usize) -> Result<String> {
    let mut raw = vec![0u8; bytes];
    getrandom::fill(&mut raw).map_err(|e| RaError::Internal(format!("no randomness: {e}")))?;
    Ok(token_encoding()?.encode(&raw))
}

/// Compares two byte strings in time independent of where they differ (subtle, as far
/// as the compiler lets it); a difference of length is not hidden, and the hashes
/// compared here are all 32 bytes.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    a.ct_eq(b).into()
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The encoding is the one tokens were always written in: five bits a symbol,
    /// most significant first, the last symbol's missing bits zero, no padding.
    #[test]
    fn tokens_are_base32_in_the_unambiguous_alphabet() {
        let enc = token_encoding().expect("a valid alphabet");
        assert_eq!(enc.encode(&[0x00; 5]), "aaaaaaaa");
        assert_eq!(enc.encode(&[0xff; 5]), "99999999");
        // 0x81 = 10000 001(00): symbol 16, then 4, its last two bits zeros.
        assert_eq!(enc.encode(&[0x81]), "se");
        // 00001 00010 00011 ... : the symbols 1 to 8 in order.
        assert_eq!(enc.encode(&[0x08, 0x86, 0x42, 0x98, 0xe8]), "bcdefghi");
        let token = random_token(16).expect("randomness");
        assert_eq!(token.len(), 26);
        assert!(token.chars().all(|c| ALPHABET.contains(c)), "{token}");
    }

    #[test]
    fn equal_only_when_every_byte_and_the_length_are() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
        assert!(constant_time_eq(b"", b""));
    }
}
