//! A CRL's DER cut into its parts without decoding its entries, for the relying party
//! (`verify.rs`), which holds a million entries as the bytes they came in. Written on
//! the DER reader of `crl.rs` (`tlv`), as the CRL writer is: the entries are walked,
//! never decoded into values here; `verify.rs` decodes each one once to check it.

use crate::crl::{header, tlv};
use crate::error::{Error, Result};

/// A CRL's DER cut into its parts without decoding its entries, for a relying party that
/// holds a million of them as the bytes they came in (`verify.rs`).
pub struct CrlParts<'a> {
    /// The TBSCertList as signed: its whole TLV.
    pub tbs: &'a [u8],
    /// The TBSCertList's fields without revokedCertificates, wrapped again as a SEQUENCE,
    /// so that its version, issuer, dates and extensions decode as a `TbsCertList`.
    pub head: Vec<u8>,
    /// Where the content of revokedCertificates lies in the CRL (empty when absent).
    pub entries: std::ops::Range<usize>,
    /// The signatureAlgorithm's TLV.
    pub algorithm: &'a [u8],
    /// The signatureValue's TLV.
    pub signature: &'a [u8],
}

/// Cuts a CRL into [`CrlParts`]; refuses anything that is not one SEQUENCE of a
/// TBSCertList, an algorithm and a signature, with nothing after it.
pub fn split(crl: &[u8]) -> Result<CrlParts<'_>> {
    let bad = |what: &str| Error::Encoding(format!("CRL: {what}"));
    let (tag, list, after) = tlv(crl)?;
    // The outer header is the one part the signature does not cover: it must be the
    // shortest encoding, so that a CRL has one form.
    if tag != 0x30
        || !after.is_empty()
        || crl[..crl.len() - list.len()] != header(0x30, list.len())[..]
    {
        return Err(bad("not one SEQUENCE in DER"));
    }
    let (tbs_tag, tbs_value, rest) = tlv(list)?;
    let tbs = &list[..list.len() - rest.len()];
    let (alg_tag, _, sig_rest) = tlv(rest)?;
    let algorithm = &rest[..rest.len() - sig_rest.len()];
    let (sig_tag, _, end) = tlv(sig_rest)?;
    if tbs_tag != 0x30 || alg_tag != 0x30 || sig_tag != 0x03 || !end.is_empty() {
        return Err(bad("not a TBSCertList, an algorithm and a signature"));
    }
    // Offset of the TBS's content within `crl`: the CRL's header, then the TBS's.
    let tbs_start = crl.len() - list.len() + (tbs.len() - tbs_value.len());
    let mut fields = Vec::with_capacity(256);
    let mut entries = 0..0;
    let mut rest = tbs_value;
    // RFC 5280 5.1: ... thisUpdate, nextUpdate (optional), revokedCertificates
    // (optional), crlExtensions ([0], optional). The list is taken only right after the
    // dates, once, before the extensions; anything else after a date is refused.
    let (mut seen_times, mut seen_list, mut seen_extensions) = (0, false, false);
    while !rest.is_empty() {
        let (tag, value, after) = tlv(rest)?;
        let field = &rest[..rest.len() - after.len()];
        match tag {
            0x17 | 0x18 if !seen_list && !seen_extensions && seen_times < 2 => seen_times += 1,
            0x30 if seen_times > 0 && !seen_list && !seen_extensions => {
                seen_list = true;
                let start =
                    tbs_start + (tbs_value.len() - rest.len()) + (field.len() - value.len());
                entries = start..start + value.len();
                rest = after;
                continue;
            }
            0xa0 if seen_times > 0 && !seen_extensions => seen_extensions = true,
            _ if seen_times > 0 => return Err(bad("a field out of place")),
            _ => {}
        }
        fields.extend_from_slice(field);
        rest = after;
    }
    let mut head = header(0x30, fields.len());
    head.extend_from_slice(&fields);
    Ok(CrlParts {
        tbs,
        head,
        entries,
        algorithm,
        signature: sig_rest,
    })
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A TLV made of `tag` and `content`.
    fn tlv_of(tag: u8, content: &[u8]) -> Vec<u8> {
        [header(tag, content.len()), content.to_vec()].concat()
    }

    /// A CRL around the TBSCertList `fields`, unsigned (split does not verify).
    fn crl_of(fields: &[Vec<u8>]) -> Vec<u8> {
        let alg = tlv_of(
            0x30,
            &[
                0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x05, 0x05, 0x00,
            ],
        );
        let body = [
            tlv_of(0x30, &fields.concat()),
            alg,
            tlv_of(0x03, &[0, 1, 2, 3]),
        ]
        .concat();
        tlv_of(0x30, &body)
    }

    #[test]
    fn split_finds_the_entries_and_refuses_any_other_shape() {
        let time = tlv_of(0x17, b"260401000000Z");
        let alg = tlv_of(
            0x30,
            &[
                0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x05, 0x05, 0x00,
            ],
        );
        let issuer = tlv_of(0x30, &[]);
        let entry = |serial: u8| tlv_of(0x30, &[tlv_of(0x02, &[serial]), time.clone()].concat());
        let run = [entry(1), entry(2), entry(3)].concat();
        let list = tlv_of(0x30, &run);
        let extensions = tlv_of(0xa0, &tlv_of(0x30, &[]));

        let good = crl_of(&[
            alg.clone(),
            issuer.clone(),
            time.clone(),
            time.clone(),
            list.clone(),
            extensions.clone(),
        ]);
        let parts = split(&good).unwrap();
        assert_eq!(&good[parts.entries.clone()], &run[..]);
        let serials: Vec<(usize, Vec<u8>)> = entries(&run)
            .map(|e| e.map(|(at, serial, _)| (at, serial.to_vec())).unwrap())
            .collect();
        assert_eq!(serials, [(0, vec![1]), (20, vec![2]), (40, vec![3])]);
        assert_eq!(
            parts.head,
            tlv_of(
                0x30,
                &[
                    alg.clone(),
                    issuer.clone(),
                    time.clone(),
                    time.clone(),
                    extensions.clone()
                ]
                .concat()
            )
        );
        // Without nextUpdate, without entries: both fine.
        assert!(
            split(&crl_of(&[
                alg.clone(),
                issuer.clone(),
                time.clone(),
                list.clone()
            ]))
            .is_ok()
        );
        assert_eq!(
            split(&crl_of(&[
                alg.clone(),
                issuer.clone(),
                time.clone(),
                time.clone()
            ]))
            .unwrap()
            .entries,
            0..0
        );

        // The same CRL with its outer length in four octets where fewer do.
        let outer = if good[1] < 0x80 {
            2
        } else {
            2 + usize::from(good[1] & 0x7f)
        };
        let content = &good[outer..];
        let long_form = [
            vec![0x30, 0x84],
            u32::try_from(content.len()).unwrap().to_be_bytes().to_vec(),
            content.to_vec(),
        ]
        .concat();
        for (what, bad) in [
            (
                "two lists",
                crl_of(&[
                    alg.clone(),
                    issuer.clone(),
                    time.clone(),
                    list.clone(),
                    list.clone(),
                ]),
            ),
            (
                "a list after the extensions",
                crl_of(&[
                    alg.clone(),
                    issuer.clone(),
                    time.clone(),
                    extensions.clone(),
                    list.clone(),
                ]),
            ),
            (
                "a date after the list",
                crl_of(&[
                    alg.clone(),
                    issuer.clone(),
                    time.clone(),
                    list.clone(),
                    time.clone(),
                ]),
            ),
            (
                "three dates",
                crl_of(&[
                    alg.clone(),
                    issuer.clone(),
                    time.clone(),
                    time.clone(),
                    time.clone(),
                ]),
            ),
            (
                "an INTEGER after the dates",
                crl_of(&[
                    alg.clone(),
                    issuer.clone(),
                    time.clone(),
                    tlv_of(0x02, &[1]),
                ]),
            ),
            ("a byte after the CRL", [good.clone(), vec![0]].concat()),
            ("a long form where the short one fits", long_form),
        ] {
            assert!(split(&bad).is_err(), "{what}");
        }
    }
}
