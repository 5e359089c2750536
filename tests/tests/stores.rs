//! The store's guarantees, on whichever database the run uses: a fresh SQLite file, or a
//! fresh PostgreSQL database when `INKAN_TEST_POSTGRES` names a server (`cargo xtask
//! test` runs this file both ways). Several connections stand for several servers:
//! sequence letters and audit entries written from all of them at once stay unique and
//! in one chain, revocations stream back in the order of their octets past the
//! PostgreSQL portal's chunk size, and migrations apply once.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use inkan_runtime::audit::{self, Audited, Event};
use inkan_runtime::calendar::Timestamp;
use inkan_runtime::sql::{Db, Location};
use inkan_runtime::store::{Completed, Pending, SqlStore, Store};

fn location(tmp: &tempfile::TempDir) -> Location {
    match inkan_tests::test_store() {
        Some(url) => Location::Postgres(url),
        None => Location::Sqlite(tmp.path().join("ca.sqlite")),
    }
}

fn at(unix: i64) -> Timestamp {
    Timestamp::from_unix(unix).unwrap()
}

fn event(actor: &str, i: usize) -> Audited {
    let def = inkan_tests::policy("jpcert-ssl-client").definition();
    Audited::new(
        def,
        Event::new(
            at(1_800_000_000),
            actor,
            "ra-operation",
            &[("n", &i.to_string())],
        ),
    )
}

/// A pending record of a test certificate, valid 2027-2030.
fn pending<'a>(serial: &'a str, subject_cn: Option<&'a str>, tbs: &'a [u8]) -> Pending<'a> {
    Pending {
        serial,
        profile: "ssl-client",
        issuer: Some("ica"),
        subject_cn,
        subject: "CN=test",
        not_before: at(1_800_000_000),
        not_after: at(1_900_000_000),
        tbs,
        created_at: at(1_800_000_000),
    }
}

/// Proves: R-3.1-UNIQUE.
#[test]
fn r_3_1_unique_letters_stay_unique_when_four_servers_allocate_at_once() {
    let tmp = tempfile::tempdir().unwrap();
    let location = location(&tmp);
    drop(SqlStore::open(&location).unwrap());
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let location = location.clone();
            std::thread::spawn(move || {
                let mut store = SqlStore::open(&location).unwrap();
                (0..6)
                    .map(|_| {
                        store
                            .next_sequence("ssl-client", "900001/000001", 2026)
                            .unwrap()
                    })
                    .collect::<Vec<u8>>()
            })
        })
        .collect();
    let mut all: Vec<u8> = threads
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    all.sort_unstable();
    assert_eq!(
        all,
        (0..24).collect::<Vec<u8>>(),
        "each index handed out once"
    );
}

/// A batch's letters come from one upsert per person, however often the batch names
/// one: each gets the next letters in the order asked, and the next batch goes on
/// from there, on both databases.
/// Proves: R-3.1-UNIQUE.
#[test]
fn r_3_1_unique_letters_of_a_batch_that_names_a_person_twice_stay_unique() {
    let tmp = tempfile::tempdir().unwrap();
    let mut store = SqlStore::open(&location(&tmp)).unwrap();
    let (a, b) = ("900001/000001", "900001/000002");
    let wanted = [
        ("ssl-client", a, 2026),
        ("ssl-client", b, 2026),
        ("ssl-client", a, 2026),
        ("ssl-client", a, 2027),
        ("ssl-client", a, 2026),
    ];
    let letters = |store: &mut SqlStore| -> Vec<u8> {
        store
            .next_sequences(&wanted)
            .unwrap()
            .into_iter()
            .map(Result::unwrap)
            .collect()
    };
    assert_eq!(letters(&mut store), [0, 0, 1, 0, 2]);
    assert_eq!(letters(&mut store), [3, 1, 4, 1, 5]);
    assert_eq!(store.next_sequence("ssl-client", a, 2026).unwrap(), 6);
}

/// Proves: R-5.4-PROTECT.
#[test]
fn r_5_4_protect_entries_from_four_servers_form_one_chain() {
    let tmp = tempfile::tempdir().unwrap();
    let location = location(&tmp);
    drop(SqlStore::open(&location).unwrap());
    let threads: Vec<_> = (0..4)
        .map(|server| {
            let location = location.clone();
            std::thread::spawn(move || {
                let mut store = SqlStore::open(&location).unwrap();
                for i in 0..25 {
                    store
                        .audit(&[event(&format!("server-{server}"), i)])
                        .unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let store = SqlStore::open(&location).unwrap();
    let entries = store.audit_entries().unwrap();
    assert_eq!(
        entries.iter().map(|e| e.seq).collect::<Vec<_>>(),
        (1..=100).collect::<Vec<u64>>()
    );
    let mut prev = audit::GENESIS;
    for e in &entries {
        assert_eq!(e.prev, prev, "entry {} links to the one before it", e.seq);
        prev = e.hash;
    }
    assert_eq!(store.audit_head().unwrap(), Some(100));
}

/// Proves: R-7.1-SERIAL.
#[test]
fn revocations_stream_in_octet_order_past_one_chunk() {
    let tmp = tempfile::tempdir().unwrap();
    let location = location(&tmp);
    let mut store = SqlStore::open(&location).unwrap();
    // Serials of different lengths and leading octets, so text order would differ from
    // byte order under a careless collation.
    let serials: Vec<String> = (0..2500u32)
        .map(|i| {
            let mut s = format!("{:02x}{:08x}", (i * 37) % 251, i);
            if i % 3 == 0 {
                s.push_str("ff");
            }
            s
        })
        .collect();
    let tbs = [0u8; 8];
    let pending: Vec<Pending<'_>> = serials.iter().map(|s| pending(s, None, &tbs)).collect();
    assert!(
        store
            .reserve_many(&pending)
            .unwrap()
            .iter()
            .all(Result::is_ok)
    );
    let completed: Vec<Completed<'_>> = serials
        .iter()
        .map(|s| Completed {
            serial: s,
            der: &tbs,
            audit: &[],
        })
        .collect();
    store.complete_many(&completed, &[]).unwrap();
    store
        .revoke_many(&serials, at(1_800_000_100), "keyCompromise", 1, &[])
        .unwrap();
    let mut streamed = Vec::new();
    store
        .each_revoked_unexpired("ica", at(1_850_000_000), &mut |r| {
            streamed.push(r.serial);
            Ok(())
        })
        .unwrap();
    let mut expected = serials.clone();
    expected.sort_by_key(|s| hex::decode(s).unwrap());
    assert_eq!(streamed, expected);
    // A serial already recorded is refused, and only that one.
    let again = store.reserve_many(&pending[..2]).unwrap();
    assert!(again.iter().all(Result::is_err));
}

/// A batch's records go to the store a statement per chunk, and each still gets its own
/// answer: a taken name or serial refuses that record alone, in whichever chunk it
/// falls; the certificates and their audit entries are recorded together, in order,
/// in one chain; and a record that is no longer pending fails its whole commit.
/// Proves: R-3.1-UNIQUE, R-5.4-PROTECT.
#[test]
fn r_3_1_unique_a_batchs_records_are_refused_one_by_one_and_recorded_in_order() {
    let tmp = tempfile::tempdir().unwrap();
    let mut store = SqlStore::open(&location(&tmp)).unwrap();
    // 40 records. Record 5 takes record 2's name, record 30 record 11's serial and
    // record 35 record 10's: each goes in on its own after the batch's shared
    // statements (on SQLite 32, 4 and 1 records, on PostgreSQL one of 37), and is
    // refused. Record 20's subject holds a NUL, text PostgreSQL refuses (SQLite keeps
    // it): on PostgreSQL the shared statement fails, the batch is written again record
    // by record, and only record 20 is refused.
    let serials: Vec<String> = (0..40)
        .map(|i: usize| match i {
            30 => "0b".to_string(),
            35 => "0a".to_string(),
            _ => format!("{i:02x}"),
        })
        .collect();
    let names: Vec<String> = (0..40)
        .map(|i: usize| format!("SSL-900001-{:06}-A", if i == 5 { 2 } else { i }))
        .collect();
    let tbs = [0u8; 8];
    let mut pending: Vec<Pending<'_>> = serials
        .iter()
        .zip(&names)
        .map(|(serial, name)| pending(serial, Some(name), &tbs))
        .collect();
    pending[20].subject = "CN=te\0st";
    let answers = store.reserve_many(&pending).unwrap();
    let refused: Vec<usize> = (0..40).filter(|i| answers[*i].is_err()).collect();
    let postgres = inkan_tests::test_store().is_some();
    let expected: &[usize] = if postgres {
        &[5, 20, 30, 35]
    } else {
        &[5, 30, 35]
    };
    assert_eq!(refused, expected, "{answers:?}");
    assert!(
        matches!(answers[5], Err(inkan_runtime::error::Error::DuplicateName(ref n)) if n == &names[5]),
        "{:?}",
        answers[5]
    );
    // A taken serial is not reported as a taken name.
    assert!(
        !matches!(
            answers[35],
            Err(inkan_runtime::error::Error::DuplicateName(_))
        ),
        "{:?}",
        answers[35]
    );
    // The accepted ones, signed (a DER of its own each) and recorded with an entry each.
    let accepted: Vec<usize> = (0..40).filter(|i| answers[*i].is_ok()).collect();
    let ders: Vec<Vec<u8>> = accepted.iter().map(|i| vec![*i as u8; 3]).collect();
    let audits: Vec<Vec<Audited>> = accepted.iter().map(|i| vec![event("batch", *i)]).collect();
    let completed: Vec<Completed<'_>> = accepted
        .iter()
        .zip(&ders)
        .zip(&audits)
        .map(|((i, der), audit)| Completed {
            serial: &serials[*i],
            der,
            audit,
        })
        .collect();
    // One record no longer pending (already completed on its own) fails the whole
    // commit, and nothing of it is written.
    store.complete(&serials[0], &ders[0], &[]).unwrap();
    let e = store.complete_many(&completed, &[]).unwrap_err();
    assert!(matches!(e, inkan_runtime::error::Error::Corrupt(_)), "{e}");
    assert_eq!(
        store.certificate(&serials[1]).unwrap().unwrap().status,
        "pending"
    );
    assert!(store.audit_entries().unwrap().is_empty());
    store.complete_many(&completed[1..], &[]).unwrap();
    for (k, i) in accepted.iter().enumerate() {
        let record = store.certificate(&serials[*i]).unwrap().unwrap();
        assert_eq!(
            (record.status.as_str(), record.der.as_deref()),
            ("issued", Some(&ders[k][..]))
        );
    }
    let entries = store.audit_entries().unwrap();
    let order: Vec<String> = entries.iter().map(|e| e.details.clone()).collect();
    let expected: Vec<String> = accepted[1..]
        .iter()
        .map(|i| event("batch", *i).event.details)
        .collect();
    assert_eq!(
        order, expected,
        "one entry per certificate, in the batch's order"
    );
    let mut prev = audit::GENESIS;
    for e in &entries {
        assert_eq!(e.prev, prev, "entry {} links to the one before it", e.seq);
        assert_eq!(
            e.hash,
            e.hash_after(&prev),
            "entry {} hashes its own fields",
            e.seq
        );
        prev = e.hash;
    }
}

/// Of two records of a batch with one serial, the first is refused for a name
/// already taken: the second is the one recorded, and the first is not told it was.
/// Proves: R-3.1-UNIQUE.
#[test]
fn r_3_1_unique_a_serial_twice_in_a_batch_is_answered_for_the_record_that_went_in() {
    let tmp = tempfile::tempdir().unwrap();
    let mut store = SqlStore::open(&location(&tmp)).unwrap();
    let tbs = [0u8; 8];
    let taken = pending("a0", Some("SSL-900001-000001-A"), &tbs);
    assert!(store.reserve_many(&[taken]).unwrap()[0].is_ok());
    let mut batch = [
        pending("b0", Some("SSL-900001-000001-A"), &tbs),
        pending("b0", Some("SSL-900001-000002-A"), &tbs),
        pending("c0", Some("SSL-900001-000003-A"), &tbs),
    ];
    batch[1].subject = "CN=second";
    let answers = store.reserve_many(&batch).unwrap();
    assert!(
        matches!(answers[0], Err(inkan_runtime::error::Error::DuplicateName(ref n)) if n == "SSL-900001-000001-A"),
        "{answers:?}"
    );
    assert!(answers[1].is_ok() && answers[2].is_ok(), "{answers:?}");
    let record = store.certificate("b0").unwrap().unwrap();
    assert_eq!(record.subject, "CN=second");
}

#[test]
fn migrations_apply_once_however_often_the_store_is_opened() {
    let tmp = tempfile::tempdir().unwrap();
    let location = location(&tmp);
    for _ in 0..3 {
        drop(SqlStore::open(&location).unwrap());
    }
    let db = Db::open(&location).unwrap();
    let rows = db
        .query(
            "SELECT component, version FROM schema_migrations ORDER BY component, version",
            &[],
        )
        .unwrap();
    let applied: Vec<(String, i64)> = rows
        .iter()
        .map(|r| (r.get(0).unwrap(), r.get(1).unwrap()))
        .collect();
    assert_eq!(applied, vec![("ca".to_string(), 1)]);
}

/// Two servers publish at once: A reads the revocations and the previous CRL, then B
/// revokes a certificate and publishes CRL 2 before A takes a number. A's CRL, made
/// from stale reads, must not be signed: it is made again, as CRL 3, and lists B's
/// revocation. (Without the check, CRL 3 would silently drop what CRL 2 listed.)
/// Proves: R-7.2-CRL.
#[test]
fn r_7_2_crl_a_publication_raced_by_another_server_is_made_again() {
    let now = at(1_775_000_000); // 2026-04-01
    let (tmp, mut a, shares) =
        inkan_tests::fixture_ca_with_shares(&std::env::temp_dir(), "jpcert-ssl-client", now);
    let csr = inkan_tests::fixture("sub1-1024.csr.pem");
    let first = a.issue(&inkan_tests::request(&csr, 1, 1), now).unwrap();
    let second = a.issue(&inkan_tests::request(&csr, 1, 2), now).unwrap();
    a.revoke(&first.serial, "key-loss", now, "a").unwrap();
    assert_eq!(a.crl(None, now, "a").unwrap().number, 1);

    let mut b = inkan_runtime::ca::Ca::open(&tmp.path().join("ca"), &inkan_tests::lookup).unwrap();
    for share in &shares[..2] {
        b.enter_share(&share.to_text(), now, "custodian").unwrap();
    }
    let raced = second.serial.clone();
    let (tx, rx) = std::sync::mpsc::channel();
    a.pause_before_crl_number(move || {
        b.revoke(&raced, "key-loss", now, "b").unwrap();
        tx.send(b.crl(None, now, "b").unwrap().number).unwrap();
    })
    .unwrap();
    let published = a.crl(None, now, "a").unwrap();
    assert_eq!(rx.recv().unwrap(), 2, "B published CRL 2 in between");
    assert_eq!(published.number, 3);
    let (_, crl) = x509_parser::parse_x509_crl(&published.der).unwrap();
    let listed: Vec<String> = crl
        .iter_revoked_certificates()
        .map(|r| hex::encode(r.raw_serial()))
        .collect();
    assert!(
        listed.contains(&first.serial) && listed.contains(&second.serial),
        "{listed:?}"
    );
}
