//! Several servers, one CA (issue 7, item 2): three `inkan serve` instances, each with
//! its own connections and its own copy of the CA, on one store (the CA directory's
//! SQLite file, or one PostgreSQL database when `INKAN_TEST_POSTGRES` is set), under
//! concurrent enrollments spread across them. Checked: every password issues exactly
//! one certificate whichever server takes it (one is tried on two at once), serials
//! and names are unique, exactly one server publishes the scheduled CRL; then each
//! server removes a developer at the same moment, so three servers revoke and publish
//! CRLs at once: CRL numbers go up by one with none skipped or taken twice, each CRL
//! lists every serial the one before it listed, the last lists all sixty, and the
//! audit chain written by all three verifies.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

use common::*;

/// Proves: R-7.1-SERIAL, R-4.11-LEAVE, R-4.2-PASSWORD.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_servers_on_one_ca_keep_serials_names_passwords_and_crls_unique() {
    let h = start().await;
    let mut others = Vec::new();
    for _ in 0..2 {
        let mut config = h.config.clone();
        config.listen = "127.0.0.1:0".parse().unwrap();
        let server = inkan_server::start(config, &|id| inkan_policies::by_id(id))
            .await
            .unwrap();
        activate(&server.state, &h.shares).await;
        others.push(server);
    }
    let bases: Vec<String> = std::iter::once(h.base.clone())
        .chain(others.iter().map(|s| format!("http://{}", s.addr)))
        .collect();
    let passwords = passwords(&h, 60, 20).await;
    let csrs: Vec<String> = (1..=3).map(csr).collect();

    // Every password once, spread over the three servers, all at once; the first
    // password also goes to a second server at the same time.
    let mut tasks = Vec::new();
    for (i, password) in passwords.iter().enumerate() {
        let mut targets = vec![bases[i % 3].clone()];
        if i == 0 {
            targets.push(bases[1].clone());
        }
        for base in targets {
            let (password, csr) = (password.clone(), csrs[i % 3].clone());
            tasks.push(tokio::spawn(async move {
                let r = reqwest::Client::new()
                    .post(format!("{base}/api/enroll"))
                    .json(&serde_json::json!({ "password": password, "csr": csr }))
                    .send()
                    .await
                    .unwrap();
                let status = r.status().as_u16();
                let body: serde_json::Value = r.json().await.unwrap_or_default();
                (status, body)
            }));
        }
    }
    let mut serials = Vec::new();
    let mut names = Vec::new();
    let mut refused = 0;
    for t in tasks {
        let (status, body) = t.await.unwrap();
        match status {
            201 => {
                serials.push(body["serial"].as_str().unwrap().to_string());
                names.push(body["subject"].as_str().unwrap().to_string());
            }
            401 => refused += 1,
            other => panic!("unexpected {other}: {body}"),
        }
    }
    assert_eq!(serials.len(), 60, "one certificate per password");
    assert_eq!(refused, 1, "the password sent twice issued once");
    let total = serials.len();
    serials.sort();
    serials.dedup();
    names.sort();
    names.dedup();
    assert_eq!(
        (serials.len(), names.len()),
        (total, total),
        "serials and names unique"
    );

    // The scheduled CRL: published once (the job is leased), numbers consecutive.
    let db = store(&h);
    let numbers = || -> Vec<i64> {
        db.query("SELECT number FROM crls ORDER BY number", &[])
            .unwrap()
            .iter()
            .map(|r| r.get(0).unwrap())
            .collect()
    };
    for _ in 0..100 {
        if !numbers().is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    let published = numbers();
    assert_eq!(published, vec![1], "one server published the day's CRL");
    let holders: i64 = db
        .query_opt(
            "SELECT COUNT(DISTINCT serial) FROM holders WHERE serial IS NOT NULL",
            &[],
        )
        .unwrap()
        .unwrap()
        .get(0)
        .unwrap();
    assert_eq!(holders, 60, "each holder linked to its own certificate");

    // The supervisor decides three removals; then each server countersigns one at the
    // same moment: each revokes that developer's twenty certificates and publishes a
    // CRL at once.
    let sam = staff(&h, "sam").await;
    let mut ids = Vec::new();
    for (i, base) in bases.iter().enumerate() {
        let url = format!("{base}/api/ra/developers/{}/removal", 900_001 + i);
        let (status, body) = post(&sam, url, serde_json::json!({})).await;
        assert_eq!(status, 201, "{body}");
        ids.push(body["id"].as_i64().unwrap());
    }
    let olive = staff(&h, "olive").await;
    let removals: Vec<_> = bases
        .iter()
        .zip(ids)
        .map(|(base, id)| {
            let olive = olive.clone();
            let url = format!("{base}/api/ra/developer-removals/{id}/steps");
            let body = serde_json::json!({ "action": "countersign-developer-removal" });
            tokio::spawn(async move { post(&olive, url, body).await })
        })
        .collect();
    for removal in removals {
        let (status, body) = removal.await.unwrap();
        assert_eq!(status, 200, "{body}");
    }
    assert_eq!(
        numbers(),
        vec![1, 2, 3, 4],
        "CRL numbers go up by one, none skipped or taken twice"
    );
    let mut listed_before = std::collections::BTreeSet::new();
    for row in db
        .query("SELECT number, der FROM crls ORDER BY number", &[])
        .unwrap()
    {
        let (number, der): (i64, Vec<u8>) = (row.get(0).unwrap(), row.get(1).unwrap());
        let (_, crl) = x509_parser::parse_x509_crl(&der).unwrap();
        let listed: std::collections::BTreeSet<String> = crl
            .iter_revoked_certificates()
            .map(|r| hex::encode(r.raw_serial()))
            .collect();
        assert!(
            listed.is_superset(&listed_before),
            "CRL {number} drops serials its predecessor listed"
        );
        listed_before = listed;
    }
    let all: std::collections::BTreeSet<String> = serials.iter().cloned().collect();
    assert_eq!(
        listed_before, all,
        "the last CRL lists every revoked certificate"
    );

    for server in others {
        server.stop().await.unwrap();
    }
    let ca = inkan_runtime::ca::Ca::open(&dir(&h), &|id| inkan_policies::by_id(id)).unwrap();
    let report = ca.verify_audit().unwrap();
    assert!(report.ok(), "{:?}", report.problems);
}
