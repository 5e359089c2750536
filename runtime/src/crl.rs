//! Building a CRL (RFC 5280 5, RFC 3647 7.2) from the store's revocations:
//! v2, the policy's signature algorithm, thisUpdate now, nextUpdate per the policy,
//! one entry per revoked unexpired certificate with its reasonCode, cRLNumber
//! (and authorityKeyIdentifier when the policy lists it), all non-critical.
//!
//! x509-cert's `CrlBuilder` always adds authorityKeyIdentifier, which the faithful
//! JPCERT profile (Table 9) does not have, so the TBSCertList is built directly.
//!
//! A CRL can list a million entries. They stream out of the store one at a time into
//! [`Entries`]: each is encoded, decoded back and checked against the profile as it
//! arrives, and kept only as its DER. The rest of the TBSCertList (a skeleton without
//! entries) is checked whole; the TBS is then assembled in the buffer that becomes the
//! CRL and signed there, so a CRL is held about twice at most, never as a million
//! structures.

use der::asn1::{BitString, OctetString, Uint};
use der::{Decode, Encode};
use x509_cert::certificate::Rfc5280;
use x509_cert::certificate::Version;
use x509_cert::crl::{RevokedCert, TbsCertList};
use x509_cert::ext::Extension as X509Extension;
use x509_cert::ext::pkix::{AuthorityKeyIdentifier, CrlNumber};
use x509_cert::name::Name;

use crate::calendar::Timestamp;
use crate::conformance::{self, IssuerFacts};
use crate::error::{Error, Result};
use crate::policy::{CertificateProfile, CrlProfile};
use crate::signer::{self, Signer, TbsKind, ToBeSigned};
use crate::store::Revoked;
use crate::x509;

/// RFC 5280 5.3.1 CRLReason unspecified(0).
const UNSPECIFIED: u8 = 0;

/// Inputs of one CRL.
pub struct CrlSpec<'a> {
    /// The profile.
    pub profile: &'static CrlProfile,
    /// The issuing CA's certificate profile.
    pub issuer_profile: &'static CertificateProfile,
    /// The issuing CA's subject.
    pub issuer: &'a Name,
    /// The issuing CA's key identifier.
    pub issuer_key_id: &'a [u8],
    /// cRLNumber.
    pub number: u64,
    /// thisUpdate.
    pub this_update: Timestamp,
}

/// The revokedCertificates of one CRL: the DER of each entry, back to back, every one
/// checked against the profile when it was added. They are written after `ROOM`
/// bytes left free for the headers and fields that precede them, so the buffer
/// becomes the CRL without being copied.
pub struct Entries {
    der: Vec<u8>,
    count: usize,
}

/// Room in front of the entries for the CRL's and TBS's headers, version, signature
/// algorithm, issuer, thisUpdate, nextUpdate and the entries' own header. An issuer
/// name too long for it costs one copy, nothing else.
const ROOM: usize = 2048;

impl Entries {
    /// Encodes and checks each revocation `source` hands over, in its order.
    pub fn collect(
        profile: &CrlProfile,
        source: impl FnOnce(&mut dyn FnMut(Revoked) -> Result<()>) -> Result<()>,
    ) -> Result<Entries> {
        let mut entries = Entries {
            der: vec![0; ROOM],
            count: 0,
        };
        source(&mut |e: Revoked| {
            let at = entries.der.len();
            encode_entry(profile, &e, &mut entries.der)?;
            // What is checked is what was encoded: decoded back by x509-cert.
            let back = RevokedCert::<Rfc5280>::from_der(&entries.der[at..])?;
            let findings = conformance::check_crl_entry(profile, entries.count, &back);
            if !findings.is_empty() {
                let text: Vec<String> = findings.iter().map(ToString::to_string).collect();
                return Err(Error::NonConformant(text.join("; ")));
            }
            entries.count += 1;
            Ok(())
        })?;
        Ok(entries)
    }

    /// How many entries.
    pub fn len(&self) -> usize {
        self.count
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The serials' bytes, in order.
    pub fn serials(&self) -> Serials<'_> {
        Serials {
            rest: self.der.get(ROOM..).unwrap_or_default(),
        }
    }
}

/// Appends one revokedCertificates entry (RFC 5280 5.1): userCertificate,
/// revocationDate and, when the profile lists it, the reasonCode entry extension
/// (non-critical, so `critical` is omitted as DER requires). Written directly: a CRL
/// encodes a million of these, and each is decoded back and checked after.
fn encode_entry(profile: &CrlProfile, e: &Revoked, out: &mut Vec<u8>) -> Result<()> {
    let mut serial = [0u8; 21];
    let len = e.serial.len() / 2;
    let serial = serial
        .get_mut(..len)
        .filter(|_| len > 0 && e.serial.len().is_multiple_of(2))
        .ok_or_else(|| {
            Error::Corrupt(format!("stored serial `{}` is not hexadecimal", e.serial))
        })?;
    hex::decode_to_slice(&e.serial, serial)
        .map_err(|err| Error::Corrupt(format!("stored serial `{}`: {err}", e.serial)))?;
    let time = x509::time(e.revoked_at)?.to_der()?;
    // Extensions ::= SEQUENCE { SEQUENCE { OID 2.5.29.21, OCTET STRING { ENUMERATED } } }
    let reason: Option<[u8; 14]> = (profile.reason_code
        && (e.reason_code != UNSPECIFIED || profile.unspecified_reason_code))
        .then_some([
            0x30,
            0x0c,
            0x30,
            0x0a,
            0x06,
            0x03,
            0x55,
            0x1d,
            0x15,
            0x04,
            0x03,
            0x0a,
            0x01,
            e.reason_code,
        ]);
    let serial_header = header(0x02, serial.len());
    let body = serial_header.len() + serial.len() + time.len() + reason.map_or(0, |r| r.len());
    out.extend_from_slice(&header(0x30, body));
    out.extend_from_slice(&serial_header);
    out.extend_from_slice(serial);
    out.extend_from_slice(&time);
    if let Some(r) = reason {
        out.extend_from_slice(&r);
    }
    Ok(())
}

/// One DER TLV (single-octet tag, definite length) at the start of `input`: the tag,
/// the value and what follows.
pub(crate) fn tlv(input: &[u8]) -> Result<(u8, &[u8], &[u8])> {
    let bad = |what: &str| Error::Encoding(format!("CRL: {what}"));
    let (&tag, rest) = input.split_first().ok_or_else(|| bad("truncated tag"))?;
    if tag & 0x1f == 0x1f {
        return Err(bad("multi-octet tag"));
    }
    let (&first, rest) = rest.split_first().ok_or_else(|| bad("truncated length"))?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || rest.len() < n {
            return Err(bad("bad length"));
        }
        let len = rest[..n]
            .iter()
            .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
        (len, &rest[n..])
    };
    if rest.len() < len {
        return Err(bad("truncated value"));
    }
    Ok((tag, &rest[..len], &rest[len..]))
}

/// A DER header: `tag` and a definite length in the shortest form.
pub(crate) fn header(tag: u8, len: usize) -> Vec<u8> {
    if len < 0x80 {
        return vec![tag, len as u8];
    }
    let bytes = len.to_be_bytes();
    let skip = bytes.iter().take_while(|&&b| b == 0).count();
    let mut h = vec![tag, 0x80 | (bytes.len() - skip) as u8];
    h.extend_from_slice(&bytes[skip..]);
    h
}

/// The revokedCertificates entries of `run` (the content of that SEQUENCE), in order:
/// each entry's offset in `run`, its serial's bytes and its whole TLV.
pub fn entries(run: &[u8]) -> impl Iterator<Item = Result<(usize, &[u8], &[u8])>> {
    let mut rest = run;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let offset = run.len() - rest.len();
        let step = tlv(rest).and_then(|(tag, entry, after)| {
            let (itag, serial, _) = tlv(entry)?;
            if tag != 0x30 || itag != 0x02 {
                return Err(Error::Encoding("CRL: malformed revoked entry".into()));
            }
            Ok((serial, &rest[..rest.len() - after.len()], after))
        });
        Some(match step {
            Ok((serial, whole, after)) => {
                rest = after;
                Ok((offset, serial, whole))
            }
            Err(e) => {
                rest = &[];
                Err(e)
            }
        })
    })
}

/// The serials of a run of revokedCertificates entries, in order, without decoding
/// the entries into values.
pub struct Serials<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for Serials<'a> {
    type Item = Result<&'a [u8]>;

    fn next(&mut self) -> Option<Self::Item> {
        let (_, serial, whole) = match entries(self.rest).next()? {
            Ok(entry) => entry,
            Err(e) => {
                self.rest = &[];
                return Some(Err(e));
            }
        };
        self.rest = &self.rest[whole.len()..];
        Some(Ok(serial))
    }
}

/// The serials a CRL lists, read straight from its DER (a previous CRL of a million
/// entries is walked, not decoded).
pub fn revoked_serials(crl: &[u8]) -> Result<Serials<'_>> {
    let (_, list, _) = tlv(crl)?;
    let (_, tbs, _) = tlv(list)?;
    let mut rest = tbs;
    // version (optional INTEGER), signature, issuer, thisUpdate, nextUpdate (optional),
    // then revokedCertificates (optional SEQUENCE) and crlExtensions ([0]).
    let mut seen_times = 0;
    while !rest.is_empty() {
        let (tag, value, after) = tlv(rest)?;
        match tag {
            0x17 | 0x18 => seen_times += 1,
            0x30 if seen_times > 0 => return Ok(Serials { rest: value }),
            0xa0 => break,
            _ => {}
        }
        rest = after;
    }
    Ok(Serials { rest: &[] })
}

/// The serials (hex) a previous CRL `der` lists that `entries` do not.
///
/// Both lists are in ascending order when inkan made them, so they are walked side by
/// side without holding either as a set; a previous CRL out of order (not made by
/// inkan) falls back to a set of the new serials.
pub fn dropped_serials(der: &[u8], entries: &Entries) -> Result<Vec<String>> {
    if let Some(gone) = dropped_in_order(der, entries)? {
        return Ok(gone);
    }
    let still = entries
        .serials()
        .collect::<Result<std::collections::HashSet<&[u8]>>>()?;
    let mut gone = Vec::new();
    for s in revoked_serials(der)? {
        let s = s?;
        if !still.contains(s) {
            gone.push(hex::encode(s));
        }
    }
    Ok(gone)
}

/// As [`dropped_serials`] by a merge walk; `None` when `der` is not in ascending order.
fn dropped_in_order(der: &[u8], entries: &Entries) -> Result<Option<Vec<String>>> {
    let mut new = entries.serials();
    let mut current = new.next().transpose()?;
    let mut last: Option<&[u8]> = None;
    let mut gone = Vec::new();
    for old in revoked_serials(der)? {
        let old = old?;
        if last.is_some_and(|l| l >= old) {
            return Ok(None);
        }
        last = Some(old);
        while current.is_some_and(|c| c < old) {
            current = new.next().transpose()?;
        }
        if current != Some(old) {
            gone.push(hex::encode(old));
        }
    }
    Ok(Some(gone))
}

/// The extensions of the CRL.
fn crl_extensions(spec: &CrlSpec<'_>) -> Result<Vec<X509Extension>> {
    use const_oid::db::rfc5280 as r;
    let mut extensions = vec![X509Extension {
        extn_id: r::ID_CE_CRL_NUMBER,
        critical: false,
        extn_value: OctetString::new(CrlNumber(Uint::new(&spec.number.to_be_bytes())?).to_der()?)?,
    }];
    if spec.profile.authority_key_identifier {
        let aki = AuthorityKeyIdentifier {
            key_identifier: Some(OctetString::new(spec.issuer_key_id)?),
            authority_cert_issuer: None,
            authority_cert_serial_number: None,
        };
        extensions.push(X509Extension {
            extn_id: r::ID_CE_AUTHORITY_KEY_IDENTIFIER,
            critical: false,
            extn_value: OctetString::new(aki.to_der()?)?,
        });
    }
    Ok(extensions)
}

/// Room left in front of the TBS for the CRL's own header (tag and up to 4 length octets).
const OUTER: usize = 6;

/// Builds, checks, signs and verifies a CRL; returns (nextUpdate, DER).
pub fn build(
    spec: &CrlSpec<'_>,
    entries: Entries,
    signer: &dyn Signer,
) -> Result<(Timestamp, Vec<u8>)> {
    let p = spec.profile;
    let next_update = (p.next_update)(spec.this_update).ok_or_else(|| Error::Validity {
        profile: "crl",
        at: spec.this_update.to_string(),
        rule: p.next_update_text,
    })?;
    // The TBSCertList without its entries, checked whole.
    let skeleton = TbsCertList {
        version: Version::V2,
        signature: p.signature.identifier(),
        issuer: spec.issuer.clone(),
        this_update: x509::time(spec.this_update)?,
        next_update: Some(x509::time(next_update)?),
        revoked_certificates: None,
        crl_extensions: Some(crl_extensions(spec)?),
    };
    let (skeleton_der, back) = conformance::reparse_crl(&skeleton)?;
    let facts = IssuerFacts {
        name: Some(spec.issuer),
        key_id: Some(spec.issuer_key_id),
    };
    let findings = conformance::check_crl(p, Some(spec.issuer_profile), &back, &facts);
    if !findings.is_empty() {
        let text: Vec<String> = findings.iter().map(ToString::to_string).collect();
        return Err(Error::NonConformant(text.join("; ")));
    }
    // Split the skeleton's content at crlExtensions, the last field: the entries go
    // between (RFC 5280 5.1: revokedCertificates precedes crlExtensions; absent, not
    // empty, when nothing is revoked, 5.1.2.6).
    let (_, content, _) = tlv(&skeleton_der)?;
    let mut at = 0;
    let mut extensions_at = None;
    while at < content.len() {
        let (tag, _, rest) = tlv(&content[at..])?;
        if tag == 0xa0 {
            extensions_at = Some(at);
        }
        at = content.len() - rest.len();
    }
    let split = extensions_at
        .ok_or_else(|| Error::Encoding("CRL skeleton without crlExtensions".into()))?;
    let (prefix, extensions) = content.split_at(split);
    let listed = entries.der.len() - ROOM;
    let list_header = if entries.is_empty() {
        Vec::new()
    } else {
        header(0x30, listed)
    };
    let tbs_len = prefix.len() + list_header.len() + listed + extensions.len();
    let head = [header(0x30, tbs_len), prefix.to_vec(), list_header].concat();
    let mut buf = entries.der;
    // The TBS starts `start` bytes in, with at least OUTER bytes before it.
    let start = match ROOM.checked_sub(head.len()) {
        Some(start) if start >= OUTER => {
            buf[start..ROOM].copy_from_slice(&head);
            start
        }
        _ => {
            let mut moved = Vec::with_capacity(OUTER + head.len() + listed + 1024);
            moved.resize(OUTER, 0);
            moved.extend_from_slice(&head);
            moved.extend_from_slice(&buf[ROOM..]);
            buf = moved;
            OUTER
        }
    };
    buf.extend_from_slice(extensions);
    let tbs = start..buf.len();
    let to_sign = ToBeSigned::within(buf, tbs.clone(), TbsKind::CertList, p.signature);
    let signature = signer.sign(&to_sign)?;
    signer::verify(signer.public_key(), p.signature, to_sign.der(), &signature)
        .map_err(|_| Error::Signer("the CRL signature does not verify".into()))?;
    let mut buf = to_sign.into_buffer();
    p.signature.identifier().encode_to_vec(&mut buf)?;
    BitString::from_bytes(&signature)?.encode_to_vec(&mut buf)?;
    let outer = header(0x30, buf.len() - tbs.start);
    let first = tbs
        .start
        .checked_sub(outer.len())
        .ok_or_else(|| Error::Encoding("CRL too large".into()))?;
    buf[first..tbs.start].copy_from_slice(&outer);
    buf.drain(..first);
    check_assembled(&buf, tbs.len())?;
    Ok((next_update, buf))
}

/// What is stored is what was signed: the CRL is one SEQUENCE, nothing after it,
/// whose first element is the signed TBS of `tbs_len` bytes, followed by the
/// algorithm and the signature.
fn check_assembled(crl: &[u8], tbs_len: usize) -> Result<()> {
    let (tag, list, rest) = tlv(crl)?;
    let (_, _, after_tbs) = tlv(list)?;
    let tbs_bytes = &list[..list.len() - after_tbs.len()];
    if tag != 0x30 || !rest.is_empty() || tbs_bytes.len() != tbs_len {
        return Err(Error::Encoding(
            "assembled CRL differs from the signed TBS".into(),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
