//! A CRL's DER cut into its parts without decoding its entries, for the relying party
//! (`verify.rs`), which holds a million entries as the bytes they came in. Written on
//! the DER reader of `crl.rs` (`tlv`, `entries`), as the CRL writer is; `verify.rs`
//! decodes each entry once to check it.

#[cfg(test)]
use crate::crl::entries;
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
    // The outer header is the one part the signature does not cover: its length
    // octets must be the shortest encoding, so that a CRL has one form.
    let shortest = header(0x30, list.len());
    if !crl
        .get(1..)
        .is_some_and(|rest| rest.starts_with(&shortest[1..]))
    {
        return Err(bad("its length is not in the shortest form"));
    }
    if tag != 0x30 || !after.is_empty() {
        return Err(bad("not one SEQUENCE"));
    }
    let outer = shortest.len();
    let (tbs_tag, tbs_value, rest) = tlv(list)?;
    let tbs = &list[..list.len() - rest.len()];
    let (alg_tag, _, sig_rest) = tlv(rest)?;
    let algorithm = &rest[..rest.len() - sig_rest.len()];
    let (sig_tag, _, end) = tlv(sig_rest)?;
    if tbs_tag != 0x30 || alg_tag != 0x30 || sig_tag != 0x03 || !end.is_empty() {
        return Err(bad("not a TBSCertList, an algorithm and a signature"));
    }
    // Offset of the TBS's content within `crl`: the CRL's header, then the TBS's.
    let tbs_start = outer + (tbs.len() - tbs_value.len());
    let mut fields = Vec::with_capacity(256);
    let mut entries = 0..0;
    let mut rest = tbs_value;
    // RFC 5280 5.1: version (INTEGER, optional), signature, issuer (SEQUENCEs), then
    // thisUpdate, nextUpdate (optional), revokedCertificates (SEQUENCE, optional),
    // crlExtensions ([0], optional), in that order and each at most once.
    let (mut dates, mut list, mut extensions) = (0, false, false);
    while !rest.is_empty() {
        let (tag, value, after) = tlv(rest)?;
        let field = &rest[..rest.len() - after.len()];
        match (tag, dates) {
            (0x02 | 0x30, 0) => {}
            (0x17 | 0x18, 0 | 1) if !list && !extensions => dates += 1,
            (0x30, 1 | 2) if !list && !extensions => {
                list = true;
                let start =
                    tbs_start + (tbs_value.len() - rest.len()) + (field.len() - value.len());
                entries = start..start + value.len();
                rest = after;
                continue;
            }
            (0xa0, 1 | 2) if !extensions => extensions = true,
            _ => return Err(bad("a field out of place")),
        }
        fields.extend_from_slice(field);
        rest = after;
    }
    if dates == 0 {
        return Err(bad("no thisUpdate"));
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A TLV made of `tag` and `content`.
    fn tlv_of(tag: u8, content: &[u8]) -> Vec<u8> {
        [header(tag, content.len()), content.to_vec()].concat()
    }

    /// sha1WithRSAEncryption, with its NULL parameters.
    fn sha1_with_rsa() -> Vec<u8> {
        tlv_of(
            0x30,
            &[
                0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x05, 0x05, 0x00,
            ],
        )
    }

    /// A CRL around the TBSCertList `fields`, unsigned (split does not verify).
    fn crl_of(fields: &[Vec<u8>]) -> Vec<u8> {
        let alg = sha1_with_rsa();
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
        let alg = sha1_with_rsa();
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

        let tbs_fields = [alg.clone(), issuer.clone(), time.clone()].concat();
        let signature = tlv_of(0x03, &[0, 1, 2, 3]);
        let outer = |parts: &[Vec<u8>]| tlv_of(0x30, &parts.concat());
        // The same CRL with its outer length in four octets where fewer do.
        let outer_len = if good[1] < 0x80 {
            2
        } else {
            2 + usize::from(good[1] & 0x7f)
        };
        let content = &good[outer_len..];
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
            ("no dates", crl_of(&[alg.clone(), issuer.clone()])),
            (
                "a date after the extensions",
                crl_of(&[
                    alg.clone(),
                    issuer.clone(),
                    time.clone(),
                    extensions.clone(),
                    time.clone(),
                ]),
            ),
            (
                "extensions twice",
                crl_of(&[
                    alg.clone(),
                    issuer.clone(),
                    time.clone(),
                    extensions.clone(),
                    extensions.clone(),
                ]),
            ),
            (
                "extensions before the dates",
                crl_of(&[
                    alg.clone(),
                    issuer.clone(),
                    extensions.clone(),
                    time.clone(),
                ]),
            ),
            (
                "a BOOLEAN before the dates",
                crl_of(&[
                    tlv_of(0x01, &[0xff]),
                    alg.clone(),
                    issuer.clone(),
                    time.clone(),
                ]),
            ),
            ("not a SEQUENCE", [vec![0x31], good[1..].to_vec()].concat()),
            (
                "a TBSCertList that is a SET",
                outer(&[tlv_of(0x31, &tbs_fields), alg.clone(), signature.clone()]),
            ),
            (
                "an algorithm that is a SET",
                outer(&[
                    tlv_of(0x30, &tbs_fields),
                    tlv_of(0x31, &[]),
                    signature.clone(),
                ]),
            ),
            (
                "a signature that is an OCTET STRING",
                outer(&[tlv_of(0x30, &tbs_fields), alg.clone(), tlv_of(0x04, &[1])]),
            ),
            (
                "a fourth element",
                outer(&[
                    tlv_of(0x30, &tbs_fields),
                    alg.clone(),
                    signature.clone(),
                    tlv_of(0x05, &[]),
                ]),
            ),
            ("a long form where the short one fits", long_form),
        ] {
            assert!(split(&bad).is_err(), "{what}");
        }
    }

    #[test]
    fn entries_refuse_what_is_not_a_sequence_starting_with_an_integer() {
        let time = tlv_of(0x17, b"260401000000Z");
        let good = tlv_of(0x30, &[tlv_of(0x02, &[7]), time.clone()].concat());
        assert_eq!(entries(&good).count(), 1);
        for bad in [
            tlv_of(0x31, &[tlv_of(0x02, &[7]), time.clone()].concat()),
            tlv_of(0x30, &[tlv_of(0x04, &[7]), time.clone()].concat()),
            vec![0x30, 0x05, 0x02],
        ] {
            let run = [good.clone(), bad].concat();
            let read: Vec<_> = entries(&run).collect();
            assert!(
                read[0].is_ok() && read.len() == 2 && read[1].is_err(),
                "{read:?}"
            );
        }
    }
}
