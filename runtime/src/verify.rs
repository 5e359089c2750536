//! The relying party's check (R-9.6-RP-CHECK): a subscriber certificate is trusted
//! only if it chains to the configured root, is within its validity period, has the
//! key usage and purpose the policy gives subscribers, and is not on the newest CRL,
//! whose signature, issuer, freshness and cRLNumber are checked first.
//!
//! [`Verifier`] keeps the newest CRL it has accepted (until its nextUpdate) and the
//! highest cRLNumber seen, so a replayed older CRL is refused. Every refusal is a
//! [`Refusal`] that says why.

use std::fmt;
use std::sync::Mutex;

use der::asn1::BitString;
use der::{Decode, Encode};
use x509_cert::certificate::Certificate;
use x509_cert::certificate::Rfc5280;
use x509_cert::crl::{RevokedCert, TbsCertList};
use x509_cert::ext::pkix::{BasicConstraints, ExtendedKeyUsage, KeyUsage, KeyUsages};

use crate::calendar::Timestamp;
use crate::conformance::{self, IssuerFacts};
use crate::lifecycle::RpCheck;
use crate::policy::{Policy, Role, SignatureAlgorithm};
use crate::x509;
use crate::{crl, crl_parts};

/// How far ahead of the relying party's clock a CRL's thisUpdate may be: a CRL
/// published a moment ago by a CA whose clock runs slightly fast is still taken.
pub const CLOCK_SKEW_SECONDS: i64 = 300;

/// Why a certificate or CRL is not trusted.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Refusal {
    /// Not DER the parser accepts.
    Malformed(String),
    /// No path to the configured root.
    NotChained(String),
    /// Past notAfter.
    Expired {
        /// The certificate's notAfter.
        not_after: String,
    },
    /// Before notBefore.
    NotYetValid {
        /// The certificate's notBefore.
        not_before: String,
    },
    /// Key usage or purpose (or another profile field) is not the policy's.
    WrongUsage(String),
    /// On the CRL.
    Revoked {
        /// Serial, hex.
        serial: String,
        /// revocationDate.
        at: String,
        /// RFC 5280 reason code, if given.
        reason: Option<u8>,
    },
    /// No CRL has been loaded, so revocation cannot be checked.
    NoCrl,
    /// The CRL is past its nextUpdate.
    StaleCrl {
        /// Its nextUpdate.
        next_update: String,
    },
    /// The CRL is not the issuing CA's, or its signature does not verify.
    BadCrl(String),
    /// An older CRL than one already seen.
    CrlNumberWentBack {
        /// Highest number seen.
        seen: u64,
        /// The number offered.
        offered: u64,
    },
}

impl Refusal {
    /// The relying party's check of CPS 9.6 this refusal failed (R-9.6-RP-CHECK), if
    /// it is one of them: a profile or chain failure is none.
    pub fn check(&self) -> Option<RpCheck> {
        match self {
            Refusal::Expired { .. } | Refusal::NotYetValid { .. } => Some(RpCheck::ValidityPeriod),
            Refusal::Revoked { .. }
            | Refusal::NoCrl
            | Refusal::StaleCrl { .. }
            | Refusal::BadCrl(_)
            | Refusal::CrlNumberWentBack { .. } => Some(RpCheck::LatestCrl),
            Refusal::Malformed(_) | Refusal::NotChained(_) | Refusal::WrongUsage(_) => None,
        }
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::Malformed(m) => write!(f, "malformed: {m}"),
            Refusal::NotChained(m) => write!(f, "not issued by this CA: {m}"),
            Refusal::Expired { not_after } => write!(f, "expired: notAfter was {not_after}"),
            Refusal::NotYetValid { not_before } => {
                write!(f, "not yet valid: notBefore is {not_before}")
            }
            Refusal::WrongUsage(m) => write!(f, "not a certificate for this use: {m}"),
            Refusal::Revoked { serial, at, reason } => {
                write!(f, "revoked: serial {serial} on the CRL since {at}")?;
                if let Some(r) = reason {
                    write!(f, " (reason code {r})")?;
                }
                Ok(())
            }
            Refusal::NoCrl => write!(f, "no CRL: revocation cannot be checked (R-9.6-RP-CHECK)"),
            Refusal::StaleCrl { next_update } => {
                write!(f, "stale CRL: its nextUpdate {next_update} has passed")
            }
            Refusal::BadCrl(m) => write!(f, "CRL refused: {m}"),
            Refusal::CrlNumberWentBack { seen, offered } => write!(
                f,
                "CRL refused: cRLNumber {offered} is older than {seen}, already seen"
            ),
        }
    }
}

/// A certificate the verifier accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// The subscriber's distinguished name, RFC 4514 form.
    pub subject: String,
    /// Serial, hex.
    pub serial: String,
    /// The subscriber profile it conforms to.
    pub profile: &'static str,
}

/// The newest accepted CRL. Its entries are kept as the DER they came in, with the
/// offset of each entry sorted by serial: a lookup is a binary search, and a
/// million-entry CRL costs its own size and four bytes per entry.
struct LoadedCrl {
    number: u64,
    next_update: Timestamp,
    /// The content of revokedCertificates.
    entries: Vec<u8>,
    /// Each entry's offset in `entries`, ordered by its serial's bytes.
    index: Vec<u32>,
}

impl LoadedCrl {
    /// Holds `entries` (the content of a revokedCertificates), each entry decoded and
    /// checked once, then indexed by serial.
    fn new(number: u64, next_update: Timestamp, entries: Vec<u8>) -> Result<Self, Refusal> {
        let mut held = LoadedCrl {
            number,
            next_update,
            entries,
            index: Vec::new(),
        };
        let mut index = Vec::new();
        for entry in crl::entries(&held.entries) {
            let (offset, _, whole) = entry.map_err(not_a_crl)?;
            RevokedCert::<Rfc5280>::from_der(whole).map_err(not_a_crl)?;
            index.push(
                u32::try_from(offset)
                    .map_err(|_| Refusal::BadCrl("the CRL is larger than 4 GiB".into()))?,
            );
        }
        // inkan writes entries in ascending order, so this sort usually only confirms it.
        index.sort_unstable_by(|a, b| held.serial_at(*a).cmp(held.serial_at(*b)));
        if index
            .windows(2)
            .any(|w| held.serial_at(w[0]) == held.serial_at(w[1]))
        {
            return Err(Refusal::BadCrl("a serial is listed twice".into()));
        }
        held.index = index;
        Ok(held)
    }

    /// The serial's bytes of the entry at `offset` (checked when the CRL was loaded).
    fn serial_at(&self, offset: u32) -> &[u8] {
        let run = self.entries.get(offset as usize..).unwrap_or_default();
        match crl::entries(run).next() {
            Some(Ok((_, serial, _))) => serial,
            _ => &[],
        }
    }

    /// The revocation date and reason of `serial`, if the CRL lists it.
    fn revoked(&self, serial: &[u8]) -> Result<Option<(Timestamp, Option<u8>)>, Refusal> {
        let Ok(at) = self
            .index
            .binary_search_by(|o| self.serial_at(*o).cmp(serial))
        else {
            return Ok(None);
        };
        // Every entry was decoded when the CRL was loaded; failing now means the held
        // bytes are not what was checked.
        let unreadable = || Refusal::BadCrl("a held entry no longer reads".into());
        let run = self
            .entries
            .get(self.index[at] as usize..)
            .ok_or_else(unreadable)?;
        let (_, _, whole) = crl::entries(run)
            .next()
            .and_then(Result::ok)
            .ok_or_else(unreadable)?;
        let entry = RevokedCert::<Rfc5280>::from_der(whole).map_err(|_| unreadable())?;
        Ok(Some(entry_facts(&entry)))
    }
}

/// A CRL that does not read, and why.
fn not_a_crl(e: impl fmt::Display) -> Refusal {
    Refusal::BadCrl(format!("not a CRL: {e}"))
}

/// An entry's revocation date and reasonCode.
fn entry_facts(entry: &RevokedCert<Rfc5280>) -> (Timestamp, Option<u8>) {
    let at = x509::timestamp(&entry.revocation_date).unwrap_or(crate::calendar::MIN);
    let reason = entry
        .crl_entry_extensions
        .iter()
        .flatten()
        .find(|e| e.extn_id == const_oid::db::rfc5280::ID_CE_CRL_REASONS)
        .and_then(|e| e.extn_value.as_bytes().get(2).copied());
    (at, reason)
}

/// A relying party's verifier for one CA.
pub struct Verifier {
    policy: &'static dyn Policy,
    /// CA certificates, root first.
    cas: Vec<Certificate>,
    crl: Mutex<Option<LoadedCrl>>,
    highest: Mutex<Option<u64>>,
}

/// Checks that `issuer`'s key made `signature` over `tbs_der` with `alg`.
pub fn verify_signed(
    tbs_der: &[u8],
    alg: &spki::AlgorithmIdentifierOwned,
    signature: &[u8],
    issuer: &Certificate,
) -> Result<(), String> {
    let algorithm = SignatureAlgorithm::from_oid(&alg.oid)
        .ok_or_else(|| format!("unsupported signature algorithm {}", alg.oid))?;
    crate::signer::verify(
        issuer.tbs_certificate().subject_public_key_info(),
        algorithm,
        tbs_der,
        signature,
    )
    .map_err(|_| "the signature does not verify with the issuer's key".to_string())
}

/// Checks that `issuer`'s key signed `cert`; the error says why not.
pub fn check_signature(cert: &Certificate, issuer: &Certificate) -> Result<(), String> {
    let tbs = cert.tbs_certificate().to_der().map_err(|e| e.to_string())?;
    let sig = cert
        .signature()
        .as_bytes()
        .ok_or("the signature has unused bits")?;
    verify_signed(&tbs, cert.signature_algorithm(), sig, issuer)
}

fn is_ca(cert: &Certificate) -> bool {
    let bc = cert
        .tbs_certificate()
        .get_extension::<BasicConstraints>()
        .ok()
        .flatten()
        .is_some_and(|(_, b)| b.ca);
    let ku = cert
        .tbs_certificate()
        .get_extension::<KeyUsage>()
        .ok()
        .flatten()
        .is_none_or(|(_, k)| k.0.contains(KeyUsages::KeyCertSign));
    bc && ku
}

impl Verifier {
    /// A verifier trusting `cas` (root first) under `policy`.
    pub fn new(policy: &'static dyn Policy, cas: Vec<Certificate>) -> Result<Self, Refusal> {
        let root = cas
            .first()
            .ok_or_else(|| Refusal::NotChained("no CA certificates configured".into()))?;
        if root.tbs_certificate().issuer() != root.tbs_certificate().subject() {
            return Err(Refusal::NotChained(
                "the first CA certificate is not a root".into(),
            ));
        }
        check_signature(root, root).map_err(|e| Refusal::NotChained(format!("root: {e}")))?;
        for pair in cas.windows(2) {
            check_signature(&pair[1], &pair[0]).map_err(|e| {
                Refusal::NotChained(format!("{}: {e}", pair[1].tbs_certificate().subject()))
            })?;
        }
        Ok(Verifier {
            policy,
            cas,
            crl: Mutex::new(None),
            highest: Mutex::new(None),
        })
    }

    /// A verifier from DER CA certificates, root first (as `inkan ca-certs` and the
    /// repository publish them).
    pub fn from_der(policy: &'static dyn Policy, cas: &[Vec<u8>]) -> Result<Self, Refusal> {
        let cas = cas
            .iter()
            .map(|d| {
                Certificate::from_der(d)
                    .map_err(|e| Refusal::Malformed(format!("CA certificate: {e}")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Self::new(policy, cas)
    }

    /// The issuing CA (the last CA certificate), which signs subscribers and CRLs.
    fn issuing(&self) -> &Certificate {
        &self.cas[self.cas.len() - 1]
    }

    /// Accepts a CRL if the issuing CA signed it, it is fresh at `now`, and its number
    /// is not below one already seen. Keeps it until its nextUpdate.
    ///
    /// The TBSCertList's fields and every entry are decoded and checked (each entry on
    /// its own, then dropped); the entries are kept as their DER (see `LoadedCrl`).
    pub fn load_crl(&self, der: &[u8], now: Timestamp) -> Result<u64, Refusal> {
        let parts = crl_parts::split(der).map_err(not_a_crl)?;
        let tbs = &TbsCertList::<Rfc5280>::from_der(&parts.head).map_err(not_a_crl)?;
        let algorithm =
            spki::AlgorithmIdentifierOwned::from_der(parts.algorithm).map_err(not_a_crl)?;
        let signature = BitString::from_der(parts.signature).map_err(not_a_crl)?;
        let issuer = self.issuing();
        if &tbs.issuer != issuer.tbs_certificate().subject() {
            return Err(Refusal::BadCrl(format!(
                "issued by {}, not by {}",
                tbs.issuer,
                issuer.tbs_certificate().subject()
            )));
        }
        if tbs.signature != algorithm {
            return Err(Refusal::BadCrl(
                "the TBSCertList names another algorithm than the CRL".into(),
            ));
        }
        let sig = signature
            .as_bytes()
            .ok_or_else(|| Refusal::BadCrl("the signature has unused bits".into()))?;
        verify_signed(parts.tbs, &algorithm, sig, issuer).map_err(Refusal::BadCrl)?;
        let this_update = x509::timestamp(&tbs.this_update)
            .ok_or_else(|| Refusal::BadCrl("thisUpdate out of range".into()))?;
        let next_update = tbs
            .next_update
            .as_ref()
            .and_then(x509::timestamp)
            .ok_or_else(|| Refusal::BadCrl("no nextUpdate".into()))?;
        if this_update.unix() > now.unix().saturating_add(CLOCK_SKEW_SECONDS) {
            return Err(Refusal::BadCrl(format!(
                "thisUpdate {this_update} is in the future"
            )));
        }
        if next_update < now {
            return Err(Refusal::StaleCrl {
                next_update: next_update.to_string(),
            });
        }
        let number = x509::crl_number(tbs).ok_or_else(|| Refusal::BadCrl("no cRLNumber".into()))?;
        let mut highest = self
            .highest
            .lock()
            .map_err(|_| Refusal::BadCrl("verifier lock poisoned".into()))?;
        if let Some(seen) = *highest
            && number < seen
        {
            return Err(Refusal::CrlNumberWentBack {
                seen,
                offered: number,
            });
        }
        let entries = der.get(parts.entries.clone()).unwrap_or_default().to_vec();
        let held = LoadedCrl::new(number, next_update, entries)?;
        *highest = Some(number);
        *self
            .crl
            .lock()
            .map_err(|_| Refusal::BadCrl("verifier lock poisoned".into()))? = Some(held);
        Ok(number)
    }

    /// Whether a CRL is held that is still fresh at `now`: while it is, there is no
    /// need to fetch another (the CRL is cached until its nextUpdate).
    pub fn has_fresh_crl(&self, now: Timestamp) -> bool {
        self.crl_state().is_some_and(|(_, next)| next >= now)
    }

    /// The http(s) URIs of a certificate's cRLDistributionPoints, in order.
    pub fn distribution_points(der: &[u8]) -> Result<Vec<String>, Refusal> {
        use x509_cert::ext::pkix::CrlDistributionPoints;
        use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};
        let cert = Certificate::from_der(der).map_err(|e| Refusal::Malformed(e.to_string()))?;
        let points = cert
            .tbs_certificate()
            .get_extension::<CrlDistributionPoints>()
            .map_err(|e| Refusal::Malformed(format!("cRLDistributionPoints: {e}")))?
            .map(|(_, p)| p.0)
            .unwrap_or_default();
        Ok(points
            .into_iter()
            .filter_map(|p| match p.distribution_point {
                Some(DistributionPointName::FullName(names)) => Some(names),
                _ => None,
            })
            .flatten()
            .filter_map(|n| match n {
                GeneralName::UniformResourceIdentifier(uri) => Some(uri.to_string()),
                _ => None,
            })
            .filter(|u| u.starts_with("http://") || u.starts_with("https://"))
            .collect())
    }

    /// The loaded CRL's number and nextUpdate, if any.
    pub fn crl_state(&self) -> Option<(u64, Timestamp)> {
        self.crl
            .lock()
            .ok()?
            .as_ref()
            .map(|c| (c.number, c.next_update))
    }

    /// Checks a subscriber certificate at `now`.
    pub fn verify(&self, der: &[u8], now: Timestamp) -> Result<Verified, Refusal> {
        let cert = Certificate::from_der(der).map_err(|e| Refusal::Malformed(e.to_string()))?;
        let tbs = cert.tbs_certificate();
        let issuer = self.issuing();
        if tbs.issuer() != issuer.tbs_certificate().subject() {
            return Err(Refusal::NotChained(format!(
                "issued by {}, not by {}",
                tbs.issuer(),
                issuer.tbs_certificate().subject()
            )));
        }
        check_signature(&cert, issuer).map_err(Refusal::NotChained)?;
        let v = tbs.validity();
        let (nb, na) = (
            x509::timestamp(&v.not_before),
            x509::timestamp(&v.not_after),
        );
        if let Some(na) = na.filter(|na| *na < now) {
            return Err(Refusal::Expired {
                not_after: na.to_string(),
            });
        }
        if let Some(nb) = nb.filter(|nb| *nb > now) {
            return Err(Refusal::NotYetValid {
                not_before: nb.to_string(),
            });
        }
        for ca in &self.cas {
            if !is_ca(ca) {
                return Err(Refusal::NotChained(format!(
                    "{} is not a CA certificate",
                    ca.tbs_certificate().subject()
                )));
            }
            let v = ca.tbs_certificate().validity();
            if x509::timestamp(&v.not_after).is_some_and(|t| t < now)
                || x509::timestamp(&v.not_before).is_some_and(|t| t > now)
            {
                return Err(Refusal::NotChained(format!(
                    "the CA certificate {} is not valid now",
                    ca.tbs_certificate().subject()
                )));
            }
        }
        // Key usage and purpose: the certificate must be the policy's subscriber certificate.
        let profile = self
            .policy
            .definition()
            .certificates
            .iter()
            .filter(|p| {
                p.role == Role::Subscriber
                    && p.issuer
                        .is_some_and(|i| self.policy.certificate(i).is_some())
            })
            .find(|p| {
                conformance::check_certificate(
                    self.policy,
                    p,
                    tbs,
                    &IssuerFacts {
                        name: Some(issuer.tbs_certificate().subject()),
                        key_id: None,
                    },
                )
                .is_empty()
            })
            .ok_or_else(|| {
                let why = self
                    .policy
                    .definition()
                    .certificates
                    .iter()
                    .filter(|p| p.role == Role::Subscriber)
                    .flat_map(|p| {
                        conformance::check_certificate(
                            self.policy,
                            p,
                            tbs,
                            &IssuerFacts {
                                name: None,
                                key_id: None,
                            },
                        )
                    })
                    .map(|f| f.to_string())
                    .next()
                    .unwrap_or_else(|| "no subscriber profile matches".into());
                Refusal::WrongUsage(why)
            })?;
        if cert
            .tbs_certificate()
            .get_extension::<KeyUsage>()
            .ok()
            .flatten()
            .is_some_and(|(_, k)| !k.0.contains(KeyUsages::DigitalSignature))
        {
            return Err(Refusal::WrongUsage(
                "keyUsage lacks digitalSignature, which TLS client authentication needs".into(),
            ));
        }
        if let Some((_, eku)) = cert
            .tbs_certificate()
            .get_extension::<ExtendedKeyUsage>()
            .ok()
            .flatten()
            && !eku.0.contains(&const_oid::db::rfc5280::ID_KP_CLIENT_AUTH)
        {
            return Err(Refusal::WrongUsage(
                "extendedKeyUsage does not allow TLS client authentication".into(),
            ));
        }
        // Revocation, against the newest accepted CRL.
        let serial = hex::encode(tbs.serial_number().as_bytes());
        let guard = self.crl.lock().map_err(|_| Refusal::NoCrl)?;
        let crl = guard.as_ref().ok_or(Refusal::NoCrl)?;
        if crl.next_update < now {
            return Err(Refusal::StaleCrl {
                next_update: crl.next_update.to_string(),
            });
        }
        if let Some((at, reason)) = crl.revoked(tbs.serial_number().as_bytes())? {
            return Err(Refusal::Revoked {
                serial,
                at: at.to_string(),
                reason,
            });
        }
        Ok(Verified {
            subject: tbs.subject().to_string(),
            serial,
            profile: profile.name,
        })
    }
}

impl std::error::Error for Refusal {}

#[cfg(test)]
mod tests {
    //! The held CRL's index, on entries in no particular order (inkan writes them in
    //! ascending order, so the end-to-end tests never see another).

    use super::*;
    use x509_cert::serial_number::SerialNumber;

    fn entry(serial: &[u8], at: i64) -> Vec<u8> {
        RevokedCert::<Rfc5280> {
            serial_number: SerialNumber::new(serial).unwrap(),
            revocation_date: x509::time(Timestamp::from_unix(at).unwrap()).unwrap(),
            crl_entry_extensions: None,
        }
        .to_der()
        .unwrap()
    }

    #[test]
    fn entries_out_of_order_are_found_and_absent_serials_are_not() {
        // Sixty serials in scrambled order, of one and two octets.
        let serials: Vec<Vec<u8>> = (1u8..=60)
            .map(|k| match k % 4 {
                0 => vec![k],
                _ => vec![k.wrapping_mul(37) % 97 + 1, k],
            })
            .collect();
        let mut run = Vec::new();
        for (k, s) in serials.iter().enumerate() {
            run.extend(entry(s, 1_000_000 + k as i64));
        }
        let held = LoadedCrl::new(1, Timestamp::from_unix(2_000_000).unwrap(), run).unwrap();
        for (k, s) in serials.iter().enumerate() {
            assert_eq!(
                held.revoked(s).unwrap().map(|(at, _)| at.unix()),
                Some(1_000_000 + k as i64),
                "{s:?}"
            );
        }
        for absent in [&[0x7f, 0x7f][..], &[0x63], &[]] {
            assert_eq!(held.revoked(absent), Ok(None), "{absent:?}");
        }
        // The same serial twice is refused: which of the two a lookup found would be
        // arbitrary.
        let twice = [entry(&[5], 1), entry(&[6], 2), entry(&[5], 3)].concat();
        assert!(matches!(
            LoadedCrl::new(1, Timestamp::from_unix(0).unwrap(), twice),
            Err(Refusal::BadCrl(m)) if m.contains("twice")
        ));
        assert!(
            LoadedCrl::new(1, Timestamp::from_unix(0).unwrap(), vec![0x30, 0x05, 0x02]).is_err()
        );
    }
}
