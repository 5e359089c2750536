//! Signing. One trait, [`Signer`], several backends; this module holds the software
//! RSA backend (development only: its key lives in a file).
//!
//! A signer only ever signs a [`ToBeSigned`]: a TBSCertificate or TBSCertList that
//! the issuance pipeline built and checked against the policy. Its constructor is
//! private to this crate, so there is no "sign these bytes" path (R-6.1-CA-KEY-USE).

use rsa::pkcs8::{DecodePrivateKey, EncodePrivateKey, EncodePublicKey};
use rsa::{Pkcs1v15Sign, PrivateKey, PublicKey};
use sha2::Digest;
use spki::{DecodePublicKey, SubjectPublicKeyInfoOwned};

use crate::error::{Error, Result};
use crate::policy::SignatureAlgorithm;

/// What a to-be-signed value is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TbsKind {
    /// A TBSCertificate.
    Certificate,
    /// A TBSCertList.
    CertList,
}

/// DER of a TBSCertificate or TBSCertList that passed the pre-signing checks.
///
/// R-6.1-CA-KEY-USE: CA keys sign only certificates and CRLs the pipeline built and
/// checked. Nothing outside the runtime can make one, so no caller can have a CA key
/// sign arbitrary bytes:
///
/// ```compile_fail
/// use inkan_runtime::signer::{TbsKind, ToBeSigned};
/// use inkan_runtime::policy::SignatureAlgorithm;
/// // R-6.1-CA-KEY-USE: `new` is private to the runtime.
/// let anything = ToBeSigned::new(b"any bytes".to_vec(), TbsKind::Certificate, SignatureAlgorithm::Sha256WithRsa);
/// ```
#[derive(Debug)]
pub struct ToBeSigned {
    buf: Vec<u8>,
    range: std::ops::Range<usize>,
    kind: TbsKind,
    algorithm: SignatureAlgorithm,
}

impl ToBeSigned {
    /// Only the pipeline makes these, after its checks.
    pub(crate) fn new(der: Vec<u8>, kind: TbsKind, algorithm: SignatureAlgorithm) -> Self {
        let range = 0..der.len();
        Self::within(der, range, kind, algorithm)
    }
    /// The DER at `range` of a larger buffer (a CRL signed where it is assembled, so a
    /// large one is never copied); `range` must lie inside `buf`.
    pub(crate) fn within(
        buf: Vec<u8>,
        range: std::ops::Range<usize>,
        kind: TbsKind,
        algorithm: SignatureAlgorithm,
    ) -> Self {
        let end = range.end.min(buf.len());
        let range = range.start.min(end)..end;
        ToBeSigned {
            buf,
            range,
            kind,
            algorithm,
        }
    }
    /// The buffer back, once signed.
    pub(crate) fn into_buffer(self) -> Vec<u8> {
        self.buf
    }
    /// The DER to sign.
    pub fn der(&self) -> &[u8] {
        &self.buf[self.range.clone()]
    }
    /// Certificate or CRL.
    pub fn kind(&self) -> TbsKind {
        self.kind
    }
    /// The algorithm the TBS names.
    pub fn algorithm(&self) -> SignatureAlgorithm {
        self.algorithm
    }
}

/// A CA's signing key.
pub trait Signer: Send + Sync {
    /// The public key, as certified.
    fn public_key(&self) -> &SubjectPublicKeyInfoOwned;
    /// Signs the value with the algorithm it names.
    fn sign(&self, tbs: &ToBeSigned) -> Result<Vec<u8>>;
}

/// The DigestInfo-prefixed PKCS #1 v1.5 scheme and the hash of `msg` for an algorithm.
fn scheme_and_hash(algorithm: SignatureAlgorithm, msg: &[u8]) -> (Pkcs1v15Sign, Vec<u8>) {
    match algorithm {
        SignatureAlgorithm::Sha1WithRsa => (
            Pkcs1v15Sign::new::<sha1::Sha1>(),
            sha1::Sha1::digest(msg).to_vec(),
        ),
        SignatureAlgorithm::Sha256WithRsa => (
            Pkcs1v15Sign::new::<sha2::Sha256>(),
            sha2::Sha256::digest(msg).to_vec(),
        ),
        SignatureAlgorithm::Sha384WithRsa => (
            Pkcs1v15Sign::new::<sha2::Sha384>(),
            sha2::Sha384::digest(msg).to_vec(),
        ),
        SignatureAlgorithm::Sha512WithRsa => (
            Pkcs1v15Sign::new::<sha2::Sha512>(),
            sha2::Sha512::digest(msg).to_vec(),
        ),
    }
}

/// Verifies an RSA PKCS #1 v1.5 signature over `msg` with the key in `spki`.
///
/// A public-key operation needs no constant time, so this is ring's (about ten times
/// the rsa crate's speed at RSA-2048, and it runs for every request's proof of
/// possession, every signature before it is released, and every relying party's check).
/// The one combination ring does not verify, SHA-384 with a key under 2048 bits, goes to
/// the rsa crate.
pub fn verify(
    spki: &SubjectPublicKeyInfoOwned,
    algorithm: SignatureAlgorithm,
    msg: &[u8],
    signature: &[u8],
) -> Result<()> {
    use ring::signature as ring_rsa;
    let key = rsa_key(spki)?;
    let params = match algorithm {
        SignatureAlgorithm::Sha1WithRsa => &ring_rsa::RSA_PKCS1_1024_8192_SHA1_FOR_LEGACY_USE_ONLY,
        SignatureAlgorithm::Sha256WithRsa => {
            &ring_rsa::RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY
        }
        SignatureAlgorithm::Sha384WithRsa if key.bits >= 2048 => {
            &ring_rsa::RSA_PKCS1_2048_8192_SHA384
        }
        SignatureAlgorithm::Sha384WithRsa => {
            let (scheme, hash) = scheme_and_hash(algorithm, msg);
            return rsa_public_key(spki)?
                .verify(scheme, &hash, signature)
                .map_err(|_| Error::ProofOfPossession);
        }
        SignatureAlgorithm::Sha512WithRsa => {
            &ring_rsa::RSA_PKCS1_1024_8192_SHA512_FOR_LEGACY_USE_ONLY
        }
    };
    ring_rsa::RsaPublicKeyComponents { n: key.n, e: key.e }
        .verify(params, msg, signature)
        .map_err(|_| Error::ProofOfPossession)
}

/// The integers of an RSA public key that passed the cheap checks.
#[derive(Debug)]
pub struct RsaKey<'a> {
    /// The modulus, big-endian, no leading zero.
    pub n: &'a [u8],
    /// The public exponent, big-endian, no leading zero.
    pub e: &'a [u8],
    /// The modulus's size in bits.
    pub bits: usize,
}

/// The RSA key in an SPKI, read without any big-number arithmetic; refuses other
/// algorithms and keys no RSA implementation here accepts (modulus even, below
/// [`MIN_RSA_BITS`] or above [`MAX_RSA_BITS`], exponent out of range), so a hostile key
/// costs nothing.
pub fn rsa_key(spki: &SubjectPublicKeyInfoOwned) -> Result<RsaKey<'_>> {
    use der::Decode as _;
    if spki.algorithm.oid != const_oid::db::rfc5912::RSA_ENCRYPTION {
        return Err(Error::KeyRefused(format!(
            "algorithm {} is not rsaEncryption",
            spki.algorithm.oid
        )));
    }
    // RFC 3279 2.3.1: the parameters are NULL. Anything else would carry bytes the
    // requester chose into the certificate with the key.
    if spki.algorithm.parameters != Some(der::asn1::Null.into()) {
        return Err(Error::KeyRefused(
            "rsaEncryption parameters must be NULL (RFC 3279)".into(),
        ));
    }
    let raw = spki
        .subject_public_key
        .as_bytes()
        .ok_or_else(|| Error::KeyRefused("the key BIT STRING has unused bits".into()))?;
    let parts = RsaKeyDer::from_der(raw)
        .map_err(|e| Error::KeyRefused(format!("not an RSAPublicKey: {e}")))?;
    let n = parts.n.as_bytes();
    let bits = n.len() * 8 - n.first().map_or(8, |b| b.leading_zeros() as usize);
    if bits > MAX_RSA_BITS {
        return Err(Error::KeyRefused(format!(
            "the modulus has {bits} bits; more than {MAX_RSA_BITS} is refused"
        )));
    }
    if bits < MIN_RSA_BITS || n.last().is_none_or(|b| b % 2 == 0) {
        return Err(Error::KeyRefused(format!(
            "not a usable RSA public key: the modulus must be odd and at least {MIN_RSA_BITS} bits"
        )));
    }
    // An exponent that is odd, at least 3 and at most 2^32 + 1 (every real key uses
    // 65537 or 3).
    let e = parts.e.as_bytes();
    let e_value = (e.len() <= 8).then(|| e.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b)));
    match e_value {
        Some(v) if v >= 3 && v % 2 == 1 && v <= (1 << 32) + 1 => {}
        _ => {
            return Err(Error::KeyRefused(
                "the public exponent must be odd, at least 3 and at most 2^32 + 1".into(),
            ));
        }
    }
    Ok(RsaKey { n, e, bits })
}

/// The RSA key in an SPKI as the rsa crate's key, after [`rsa_key`]'s checks; its
/// construction does big-number work (Montgomery parameters), so callers that need only
/// the size or a verification use [`rsa_key`] or [`verify`].
pub fn rsa_public_key(spki: &SubjectPublicKeyInfoOwned) -> Result<PublicKey> {
    rsa_key(spki)?;
    let der = der::Encode::to_der(spki)?;
    PublicKey::from_public_key_der(&der)
        .map_err(|e| Error::KeyRefused(format!("not a usable RSA public key: {e}")))
}

/// Smallest RSA modulus accepted anywhere, in bits.
pub const MIN_RSA_BITS: usize = 1024;

/// Largest RSA modulus accepted in a request, in bits.
pub const MAX_RSA_BITS: usize = 8192;

/// PKCS #1 RSAPublicKey, read without big-number arithmetic.
#[derive(der::Sequence)]
struct RsaKeyDer<'a> {
    n: der::asn1::UintRef<'a>,
    e: der::asn1::UintRef<'a>,
}

/// The modulus size in bits.
pub fn rsa_bits(key: &PublicKey) -> u32 {
    use rsa::traits::PublicKeyParts;
    key.n().bit_width()
}

/// A software RSA key: in memory while the CA runs, encrypted at rest in the CA
/// directory (an HSM holds production keys; see `pkcs11`).
///
/// Two constant-time implementations sign: ring, about 3.6 times faster, for SHA-2
/// with keys of 2048 to 8192 bits (what ring supports); the rsa crate for the rest
/// (SHA-1, RSA-1024: the faithful JPCERT profile). PKCS #1 v1.5 is deterministic, so
/// both give the same signature for the same key and message.
pub struct SoftwareSigner {
    key: PrivateKey,
    public: SubjectPublicKeyInfoOwned,
    fast: Option<ring::signature::RsaKeyPair>,
}

impl SoftwareSigner {
    /// Wraps an RSA private key.
    pub fn new(key: PrivateKey) -> Result<Self> {
        let der = key
            .to_public_key()
            .to_public_key_der()
            .map_err(|e| Error::Encoding(e.to_string()))?;
        let public = <SubjectPublicKeyInfoOwned as der::Decode>::from_der(der.as_bytes())?;
        let bits = rsa_bits(&key.to_public_key());
        let fast = if (2048..=8192).contains(&bits) {
            let pkcs8 = key
                .to_pkcs8_der()
                .map_err(|e| Error::Encoding(e.to_string()))?;
            ring::signature::RsaKeyPair::from_pkcs8(pkcs8.as_bytes()).ok()
        } else {
            None
        };
        Ok(SoftwareSigner { key, public, fast })
    }

    /// Which implementation signs with `algorithm`: `ring` or `rsa`.
    pub fn backend(&self, algorithm: SignatureAlgorithm) -> &'static str {
        if self.ring_scheme(algorithm).is_some() {
            "ring"
        } else {
            "rsa"
        }
    }

    fn ring_scheme(
        &self,
        algorithm: SignatureAlgorithm,
    ) -> Option<(
        &ring::signature::RsaKeyPair,
        &'static dyn ring::signature::RsaEncoding,
    )> {
        let scheme: &'static dyn ring::signature::RsaEncoding = match algorithm {
            SignatureAlgorithm::Sha1WithRsa => return None,
            SignatureAlgorithm::Sha256WithRsa => &ring::signature::RSA_PKCS1_SHA256,
            SignatureAlgorithm::Sha384WithRsa => &ring::signature::RSA_PKCS1_SHA384,
            SignatureAlgorithm::Sha512WithRsa => &ring::signature::RSA_PKCS1_SHA512,
        };
        self.fast.as_ref().map(|k| (k, scheme))
    }

    /// A fresh key of `bits` bits from the operating system's CSPRNG.
    pub fn generate(bits: u32) -> Result<Self> {
        let mut rng = getrandom::SysRng;
        let key = PrivateKey::new(&mut rng, bits as usize)
            .map_err(|e| Error::Signer(format!("key generation failed: {e}")))?;
        Self::new(key)
    }

    /// Reads a PKCS #8 PEM private key.
    pub fn from_pkcs8_pem(pem: &str) -> Result<Self> {
        Self::new(
            PrivateKey::from_pkcs8_pem(pem)
                .map_err(|e| Error::Signer(format!("cannot read the CA key: {e}")))?,
        )
    }

    /// The key as encrypted PKCS #8 PEM: scrypt (N = 2^15, r = 8, p = 1) derives an
    /// AES-256-CBC key from `passphrase` (PBES2). This is the only form a software CA key
    /// takes on disk.
    pub fn to_encrypted_pem(&self, passphrase: &str) -> Result<zeroize::Zeroizing<String>> {
        self.key
            .to_pkcs8_encrypted_pem(passphrase, rsa::pkcs8::LineEnding::LF)
            .map_err(|e| Error::Encoding(e.to_string()))
    }

    /// Reads an encrypted PKCS #8 PEM key.
    pub fn from_encrypted_pem(pem: &str, passphrase: &str) -> Result<Self> {
        let key = PrivateKey::from_pkcs8_encrypted_pem(pem, passphrase)
            .map_err(|_| Error::Activation("the shares do not decrypt the CA key".into()))?;
        Self::new(key)
    }
}

impl Signer for SoftwareSigner {
    fn public_key(&self) -> &SubjectPublicKeyInfoOwned {
        &self.public
    }

    fn sign(&self, tbs: &ToBeSigned) -> Result<Vec<u8>> {
        if let Some((key, scheme)) = self.ring_scheme(tbs.algorithm) {
            let mut signature = vec![0; key.public().modulus_len()];
            key.sign(
                scheme,
                &ring::rand::SystemRandom::new(),
                tbs.der(),
                &mut signature,
            )
            .map_err(|_| Error::Signer("ring could not sign".into()))?;
            return Ok(signature);
        }
        let (scheme, hash) = scheme_and_hash(tbs.algorithm, tbs.der());
        self.key
            .sign(scheme, &hash)
            .map_err(|e| Error::Signer(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    //! Hostile public keys are refused when read, before any signature is verified
    //! or any certificate is built.

    use super::*;
    use der::Encode;
    use der::asn1::{BitString, UintRef};

    fn spki(n: &[u8], e: &[u8]) -> SubjectPublicKeyInfoOwned {
        let key = RsaKeyDer {
            n: UintRef::new(n).unwrap(),
            e: UintRef::new(e).unwrap(),
        }
        .to_der()
        .unwrap();
        SubjectPublicKeyInfoOwned {
            algorithm: spki::AlgorithmIdentifierOwned {
                oid: const_oid::db::rfc5912::RSA_ENCRYPTION,
                parameters: Some(der::asn1::Null.into()),
            },
            subject_public_key: BitString::from_bytes(&key).unwrap(),
        }
    }

    /// An odd modulus of `bits` bits.
    fn modulus(bits: usize) -> Vec<u8> {
        let mut n = vec![0xffu8; bits / 8];
        n[0] = 0xc1;
        n
    }

    /// Both software implementations give the same (deterministic) signature, and it
    /// verifies; RSA-1024 and SHA-1 stay with the rsa crate.
    #[test]
    fn ring_and_the_rsa_crate_sign_alike() {
        let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures");
        let read = |bits: u32| {
            let pem =
                std::fs::read_to_string(fixtures.join(format!("ca-root-{bits}.key.pem"))).unwrap();
            SoftwareSigner::from_pkcs8_pem(&pem).unwrap()
        };
        let big = read(2048);
        let small = read(1024);
        let tbs = ToBeSigned::new(
            vec![0x30, 0x03, 0x02, 0x01, 0x07],
            TbsKind::Certificate,
            SignatureAlgorithm::Sha256WithRsa,
        );
        assert_eq!(big.backend(SignatureAlgorithm::Sha256WithRsa), "ring");
        assert_eq!(big.backend(SignatureAlgorithm::Sha1WithRsa), "rsa");
        assert_eq!(small.backend(SignatureAlgorithm::Sha256WithRsa), "rsa");
        let fast = big.sign(&tbs).unwrap();
        let (scheme, hash) = scheme_and_hash(SignatureAlgorithm::Sha256WithRsa, tbs.der());
        let slow = big.key.sign(scheme, &hash).unwrap();
        assert_eq!(fast, slow);
        verify(
            big.public_key(),
            SignatureAlgorithm::Sha256WithRsa,
            tbs.der(),
            &fast,
        )
        .unwrap();
    }

    /// `verify` (ring, or the rsa crate for SHA-384 under 2048 bits) accepts exactly
    /// the signatures the rsa crate accepts: every algorithm and both fixture sizes, a
    /// signature with one bit flipped, another message, and the wrong hash.
    #[test]
    fn verify_agrees_with_the_rsa_crate() {
        let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures");
        let all = [
            SignatureAlgorithm::Sha1WithRsa,
            SignatureAlgorithm::Sha256WithRsa,
            SignatureAlgorithm::Sha384WithRsa,
            SignatureAlgorithm::Sha512WithRsa,
        ];
        for bits in [1024, 2048] {
            let pem =
                std::fs::read_to_string(fixtures.join(format!("ca-root-{bits}.key.pem"))).unwrap();
            let signer = SoftwareSigner::from_pkcs8_pem(&pem).unwrap();
            let public = rsa_public_key(signer.public_key()).unwrap();
            let msg = b"a TBSCertificate, as far as this test cares";
            for algorithm in all {
                let (scheme, hash) = scheme_and_hash(algorithm, msg);
                let good = signer.key.sign(scheme, &hash).unwrap();
                let mut flipped = good.clone();
                flipped[17] ^= 0x04;
                for (what, m, sig, other) in [
                    ("the signature", &msg[..], &good, algorithm),
                    ("a flipped bit", &msg[..], &flipped, algorithm),
                    ("another message", &b"another"[..], &good, algorithm),
                    (
                        "the wrong hash",
                        &msg[..],
                        &good,
                        all[(all.iter().position(|a| *a == algorithm).unwrap() + 1) % 4],
                    ),
                ] {
                    let (scheme, hash) = scheme_and_hash(other, m);
                    let theirs = public.verify(scheme, &hash, sig).is_ok();
                    let ours = verify(signer.public_key(), other, m, sig).is_ok();
                    assert_eq!(ours, theirs, "RSA-{bits} {algorithm:?}: {what}");
                    assert_eq!(
                        ours,
                        what == "the signature",
                        "RSA-{bits} {algorithm:?}: {what}"
                    );
                }
            }
        }
    }

    /// Proves: R-3.1-PSEUDONYM.
    ///
    /// The key is copied into the certificate as the request gave it, so parameters
    /// other than NULL would put the requester's bytes in a CA-signed certificate.
    #[test]
    fn rsa_parameters_other_than_null_are_refused() {
        let good = spki(&modulus(2048), &[1, 0, 1]);
        assert!(rsa_key(&good).is_ok());
        let any = |bytes: &[u8]| <der::asn1::Any as der::Decode>::from_der(bytes).unwrap();
        for parameters in [
            None,
            Some(any(&[0x04, 0x03, b'B', b'o', b'b'])),
            Some(any(&[0x30, 0x00])),
        ] {
            let mut bad = good.clone();
            bad.algorithm.parameters = parameters.clone();
            for refused in [rsa_key(&bad).err(), rsa_public_key(&bad).err()] {
                match refused {
                    Some(Error::KeyRefused(m)) => assert!(m.contains("NULL"), "{m}"),
                    other => panic!("{parameters:?}: {other:?}"),
                }
            }
        }
    }

    #[test]
    fn an_ordinary_key_is_read() {
        let key = rsa_public_key(&spki(&modulus(2048), &[1, 0, 1])).unwrap();
        assert_eq!(rsa_bits(&key), 2048);
    }

    #[test]
    fn keys_above_8192_bits_are_refused() {
        for bits in [8192 + 64, 65_536] {
            match rsa_public_key(&spki(&modulus(bits), &[1, 0, 1])) {
                Err(Error::KeyRefused(m)) => assert!(m.contains("more than 8192"), "{m}"),
                other => panic!("{bits} bits: {other:?}"),
            }
        }
    }

    /// The public exponent is odd, at least 3 and at most 2^32 + 1: 1, 2, 2^16, a
    /// nine-octet value and 2^32 + 3 are refused; 3 and 2^32 + 1 are read.
    #[test]
    fn exponents_are_odd_from_3_to_2_32_plus_1() {
        for e in [&[1u8][..], &[2], &[1, 0, 0], &[1, 0, 0, 0, 0, 0, 0, 0, 1]] {
            match rsa_public_key(&spki(&modulus(2048), e)) {
                Err(Error::KeyRefused(m)) => assert!(m.contains("public exponent"), "{m}"),
                other => panic!("exponent {e:?}: {other:?}"),
            }
        }
        // The bounds themselves: 3 and 2^32 + 1 are read, 2^32 + 3 is not.
        for e in [&[3u8][..], &[1, 0, 0, 0, 1]] {
            assert!(rsa_key(&spki(&modulus(2048), e)).is_ok(), "exponent {e:?}");
        }
        assert!(matches!(
            rsa_key(&spki(&modulus(2048), &[1, 0, 0, 0, 3])),
            Err(Error::KeyRefused(_))
        ));
    }

    /// The size is the modulus's bit length (its top octet need not be full), from
    /// 1024 to 8192 bits both included; the modulus must be odd.
    #[test]
    fn the_modulus_is_measured_to_the_bit_and_must_be_odd() {
        // A modulus whose top octet holds `top`, `octets` long, ending in `last`.
        let n = |octets: usize, top: u8, last: u8| {
            let mut n = vec![0xa5u8; octets];
            n[0] = top;
            n[octets - 1] = last;
            n
        };
        for (modulus, bits) in [
            (n(128, 0x80, 0x01), 1024),
            (n(129, 0x01, 0x01), 1025),
            (n(256, 0x7f, 0x01), 2047),
            (n(1024, 0xff, 0x01), 8192),
        ] {
            let key = spki(&modulus, &[1, 0, 1]);
            assert_eq!(rsa_key(&key).unwrap().bits, bits);
        }
        for (why, modulus) in [
            ("1023 bits", n(128, 0x7f, 0x01)),
            ("even", n(256, 0xc1, 0x02)),
            ("even, and the smallest size", n(128, 0x80, 0x00)),
        ] {
            match rsa_key(&spki(&modulus, &[1, 0, 1])) {
                Err(Error::KeyRefused(m)) => {
                    assert!(m.contains("odd and at least 1024"), "{why}: {m}")
                }
                other => panic!("{why}: {other:?}"),
            }
        }
    }
}
