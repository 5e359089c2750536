//! Unit tests of the CRL builder and reader: the DER length reader and headers, the
//! entries' count and serials, the continuity walk over a previous CRL, and the
//! assembly of a CRL in place whatever its issuer's name.

use super::*;

#[test]
fn headers_use_the_shortest_definite_length() {
    assert_eq!(header(0x30, 0), [0x30, 0]);
    assert_eq!(header(0x30, 127), [0x30, 127]);
    assert_eq!(header(0x30, 128), [0x30, 0x81, 128]);
    assert_eq!(header(0x30, 256), [0x30, 0x82, 1, 0]);
    assert_eq!(
        header(0x30, 50_000_000),
        [0x30, 0x84, 0x02, 0xfa, 0xf0, 0x80]
    );
}

#[test]
fn tlv_refuses_truncated_and_odd_input_without_panic() {
    for bad in [
        &[][..],
        &[0x30],
        &[0x30, 0x05, 1, 2],
        &[0x30, 0x80],
        &[0x30, 0x85, 1, 1, 1, 1, 1],
        &[0x1f, 0x01, 0x00],
    ] {
        assert!(tlv(bad).is_err(), "{bad:?}");
    }
    // The indefinite length (0x80) is refused even with 128 bytes behind it: DER
    // has none, and read as a short length it would swallow them.
    let indefinite = [&[0x30, 0x80][..], &[0u8; 128][..]].concat();
    assert!(tlv(&indefinite).is_err());
    // Lengths of up to four octets read; five are refused even when the value fits.
    assert!(tlv(&[0x30, 0x84, 0, 0, 0, 1, 0xaa]).is_ok_and(|(_, v, _)| v == [0xaa]));
    assert!(tlv(&[0x30, 0x85, 0, 0, 0, 0, 1, 0xaa]).is_err());
    // A length whose octets end the input reads (an empty value); one cut short
    // is refused, not indexed past.
    assert!(tlv(&[0x30, 0x81, 0x00]).is_ok_and(|(_, v, rest)| v.is_empty() && rest.is_empty()));
    assert!(tlv(&[0x30, 0x82, 0x01]).is_err());
    assert!(revoked_serials(&[0x30, 0x03, 0x30, 0x01, 0xff]).is_err());
    let serials: Vec<_> = Serials {
        rest: &[0x30, 0x03, 0x02, 0x01],
    }
    .collect();
    assert!(matches!(serials.as_slice(), [Err(_)]));
}

fn profile() -> &'static CrlProfile {
    let policy = inkan_policies::by_id("jpcert-ssl-client");
    let crls = policy.map_or(&[][..], |p| p.definition().crls);
    crls.first()
        .unwrap_or_else(|| unreachable!("the faithful policy has a CRL profile"))
}

fn revoked(serial: &str) -> Revoked {
    Revoked {
        serial: serial.into(),
        revoked_at: Timestamp::from_unix(1_796_000_000).unwrap_or(crate::calendar::MIN),
        reason_code: 1,
    }
}

/// What `len` says is what the CRL lists; the count goes into the `crl-created`
/// audit entry.
#[test]
#[allow(clippy::len_zero, reason = "len itself is under test")]
fn entries_count_what_they_hold() {
    let none = Entries::collect(profile(), |_| Ok(()));
    assert!(none.as_ref().is_ok_and(|e| e.is_empty() && e.len() == 0));
    let two = Entries::collect(profile(), |each| {
        each(revoked("0a"))?;
        each(revoked("0b"))
    });
    assert!(two.as_ref().is_ok_and(|e| !e.is_empty() && e.len() == 2));
}

/// `content` under one DER header.
fn tlv_of(tag: u8, content: &[u8]) -> Vec<u8> {
    [header(tag, content.len()), content.to_vec()].concat()
}

/// A CertificateList whose TBS holds `fields`, as the continuity check reads a
/// previous CRL from the store (its signature is not what is read).
fn list_with(fields: &[Vec<u8>]) -> Vec<u8> {
    let tbs = tlv_of(0x30, &fields.concat());
    tlv_of(0x30, &[tbs, tlv_of(0x30, &[]), tlv_of(0x03, &[0])].concat())
}

fn time() -> Vec<u8> {
    tlv_of(0x17, b"260401000000Z")
}

/// A revokedCertificates entry for `serial`.
fn entry(serial: u8) -> Vec<u8> {
    tlv_of(0x30, &[tlv_of(0x02, &[serial]), time()].concat())
}

/// Version, signature algorithm, issuer, thisUpdate and nextUpdate.
fn head() -> Vec<Vec<u8>> {
    vec![
        tlv_of(0x02, &[1]),
        tlv_of(0x30, &[]),
        tlv_of(0x30, &[]),
        time(),
        time(),
    ]
}

fn listing(serials: &[u8]) -> Vec<u8> {
    let mut fields = head();
    fields.push(tlv_of(
        0x30,
        &serials
            .iter()
            .map(|&s| entry(s))
            .collect::<Vec<_>>()
            .concat(),
    ));
    list_with(&fields)
}

fn now_revoked(serials: &[&str]) -> Entries {
    Entries::collect(profile(), |each| {
        serials.iter().try_for_each(|s| each(revoked(s)))
    })
    .unwrap_or_else(|e| unreachable!("fixture entries: {e}"))
}

/// A previous CRL in serial order (every CRL inkan makes) is walked beside the new
/// entries, holding neither as a set; one out of order is not, and the set that
/// then holds the new serials gives the same answer (R-7.2-CRL continuity).
#[test]
fn an_ordered_previous_crl_is_walked_beside_the_new_entries() {
    let new = now_revoked(&["0a", "0c"]);
    let ordered = listing(&[0x0a, 0x0b, 0x0c, 0x0d]);
    assert_eq!(
        dropped_in_order(&ordered, &new).ok(),
        Some(Some(vec!["0b".to_string(), "0d".to_string()]))
    );
    let unordered = listing(&[0x0d, 0x0a, 0x0b, 0x0c]);
    assert_eq!(dropped_in_order(&unordered, &new).ok(), Some(None));
    assert_eq!(
        dropped_serials(&unordered, &new).ok(),
        Some(vec!["0d".to_string(), "0b".to_string()])
    );
}

/// crlExtensions ends a TBSCertList: nothing after it is read as entries, and a
/// CRL without a revokedCertificates list lists no serial.
#[test]
fn serials_are_read_only_before_the_crl_extensions() {
    let mut fields = head();
    fields.push(tlv_of(0xa0, &tlv_of(0x30, &[])));
    fields.push(tlv_of(0x30, &entry(0x0c)));
    let after_extensions = list_with(&fields);
    let serials = revoked_serials(&after_extensions).map(|s| s.count());
    assert_eq!(serials.ok(), Some(0));
    assert_eq!(
        revoked_serials(&listing(&[0x0a])).map(|s| s.count()).ok(),
        Some(1)
    );
}

/// The CRL is assembled in place after `ROOM` bytes left for what precedes the
/// entries, and moved when the issuer's name leaves too little of that room for
/// the CRL's own header. Across issuer names from well inside that room to beyond
/// it, each CRL decodes whole, names its issuer and verifies: a name that leaves
/// a few bytes too few is moved, not cut short.
#[test]
fn a_crl_is_whole_whatever_the_length_of_its_issuers_name() {
    use std::str::FromStr as _;
    let profile = profile();
    let policy = inkan_policies::by_id("jpcert-ssl-client");
    let issuer_profile = policy
        .and_then(|p| {
            p.definition()
                .certificates
                .iter()
                .find(|c| c.name == profile.issuer)
        })
        .unwrap();
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures");
    let pem = std::fs::read_to_string(fixtures.join("ca-ssl-clients-1024.key.pem")).unwrap();
    let signer = signer::SoftwareSigner::from_pkcs8_pem(&pem).unwrap();
    for len in ROOM - 200..ROOM + 20 {
        let issuer = Name::from_str(&format!("O={}", "a".repeat(len))).unwrap();
        let spec = CrlSpec {
            profile,
            issuer_profile,
            issuer: &issuer,
            issuer_key_id: &[7; 20],
            number: 1,
            this_update: Timestamp::from_unix(1_796_000_000).unwrap(),
        };
        let (_, der) = build(&spec, now_revoked(&["0a"]), &signer)
            .unwrap_or_else(|e| panic!("an issuer name of {len} octets: {e}"));
        let crl = x509_cert::crl::CertificateList::<Rfc5280>::from_der(&der).unwrap();
        assert_eq!(crl.tbs_cert_list.issuer, issuer);
        let signature = crl.signature.as_bytes().unwrap();
        signer::verify(
            signer.public_key(),
            profile.signature,
            &crl.tbs_cert_list.to_der().unwrap(),
            signature,
        )
        .unwrap();
    }
}

/// The last check before a CRL is stored refuses each way the assembly could
/// depart from what was signed: another outer tag, bytes after the CRL, a TBS of
/// another length.
#[test]
fn an_assembled_crl_must_be_the_signed_tbs_and_nothing_else() {
    let tbs = tlv_of(0x30, &[tlv_of(0x02, &[1]), time()].concat());
    let crl = |tag: u8| {
        tlv_of(
            tag,
            &[tbs.clone(), tlv_of(0x30, &[]), tlv_of(0x03, &[0])].concat(),
        )
    };
    assert!(check_assembled(&crl(0x30), tbs.len()).is_ok());
    assert!(check_assembled(&crl(0x31), tbs.len()).is_err());
    assert!(check_assembled(&[crl(0x30), vec![0]].concat(), tbs.len()).is_err());
    assert!(check_assembled(&crl(0x30), tbs.len() + 1).is_err());
    assert!(check_assembled(&crl(0x30), tbs.len() - 1).is_err());
}

/// A stored serial that is empty or not whole bytes of hexadecimal is corrupt: it
/// is refused, never written as an empty or truncated INTEGER.
#[test]
fn a_serial_that_is_not_whole_hex_bytes_is_refused() {
    for bad in ["", "a", "abc", "zz"] {
        let got = Entries::collect(profile(), |each| each(revoked(bad)));
        assert!(matches!(got, Err(Error::Corrupt(_))), "`{bad}`");
    }
}
