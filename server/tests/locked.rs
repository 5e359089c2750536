//! A CA whose keys are in a SoftHSM2 token starts locked (R-6.2-M-OF-N): signing
//! answers 503 and spends nothing, custodians enter shares through an authenticated
//! endpoint, a wrong share is named by index, and at the threshold the service issues
//! through the token. Runs in its own process: it loads the PKCS #11 module.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

use common::*;
use inkan_runtime::calendar::Timestamp;
use serde_json::json;

/// A locked CA's 503s are expected, answered with Retry-After, and logged as
/// warnings, never as errors: an operator alerting on errors is not woken by
/// custodians who have not come yet.
/// Proves: R-6.2-M-OF-N.
#[tokio::test]
async fn r_6_2_m_of_n_the_service_starts_locked_and_custodians_unlock_it() {
    let log = logs::capture();
    let run = inkan_tests::softhsm::make_tokens(&["locked"]);
    let (module, label) = (inkan_tests::softhsm::module(), format!("{run}-locked"));

    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("ca");
    let options = inkan_runtime::custody::CeremonyOptions {
        module,
        token: label,
        pin: zeroize::Zeroizing::new("87654321".into()),
        so_pin: zeroize::Zeroizing::new(inkan_tests::softhsm::SO_PIN.into()),
        witnesses: vec!["W One".into(), "W Two".into()],
        allow_clock_override: false,
        progress: &|_| {},
        store: None,
    };
    let inkan_runtime::custody::Ceremony { ca, shares, .. } = inkan_runtime::ca::Ca::ceremony(
        &dir,
        inkan_policies::by_id("jpcert-ssl-client").unwrap(),
        Timestamp::now(),
        &options,
    )
    .unwrap();
    let mut ra = inkan_server::ra::Ra::open(&dir, ca.policy().definition()).unwrap();
    for (login, person, role) in STAFF {
        ra.add_staff(login, person, role, PASSWORD, Timestamp::now(), "test")
            .unwrap();
    }
    drop((ra, ca));
    let mut config = inkan_server::Config::load(&dir).unwrap();
    config.listen = "127.0.0.1:0".parse().unwrap();
    let started_with = config.clone();
    let server = inkan_server::start(config, &|id| inkan_policies::by_id(id))
        .await
        .unwrap();
    let h = Harness {
        policy: inkan_policies::by_id("jpcert-ssl-client").unwrap(),
        config: started_with,
        tmp,
        base: format!("http://{}", server.addr),
        sink: Sink::default(),
        server: Some(server),
        shares: Vec::new(),
    };

    // What an operator's monitoring sees (the alert the operator guide sets).
    let metrics = format!("{}/metrics", h.base);
    let scraped = || async { get_text(metrics.clone()).await };
    assert!(scraped().await.contains("\ninkan_ca_locked 1\n"));

    let passwords = approved(&h, "960001", "m@locked.example", &["000001"]).await;
    let (s, v) = enroll(&h, &passwords[0].1, &csr(1)).await;
    assert_eq!(s, 503, "{v}");
    assert!(
        scraped()
            .await
            .contains("\ninkan_enrollments_refused_total{reason=\"unavailable\"} 1\n")
    );
    assert!(v["detail"].as_str().unwrap().contains("locked"));
    let logged = log.text();
    assert!(
        logged.contains("WARN") && logged.contains("answered 503"),
        "{logged}"
    );
    assert!(
        !logged.contains("ERROR"),
        "a locked CA is not an error: {logged}"
    );

    let fay = staff(&h, "fay").await;
    let url = format!("{}/api/ra/activation", h.base);
    assert_eq!(
        client()
            .post(&url)
            .json(&json!({ "share": shares[0].to_text() }))
            .send()
            .await
            .unwrap()
            .status(),
        401,
        "shares need a session"
    );
    let (s, v) = post(&fay, url.clone(), json!({ "share": shares[0].to_text() })).await;
    assert_eq!(
        (s, v["active"].as_bool(), v["entered"].as_u64()),
        (200, Some(false), Some(1)),
        "{v}"
    );
    let other = inkan_runtime::custody::shamir::split(b"not this CA's pin", 3, 2).unwrap();
    let (s, v) = post(&fay, url.clone(), json!({ "share": other[1].to_text() })).await;
    assert_eq!(s, 422, "{v}");
    assert!(
        v["detail"]
            .as_str()
            .unwrap()
            .contains("share 2 is not the share issued to custodian 2"),
        "{v}"
    );
    let (s, v) = post(
        &staff(&h, "sam").await,
        url,
        json!({ "share": shares[1].to_text() }),
    )
    .await;
    assert_eq!((s, v["active"].as_bool()), (200, Some(true)), "{v}");
    assert!(scraped().await.contains("\ninkan_ca_locked 0\n"));

    // The password was not spent while locked: it works now, through the token.
    let (s, v) = enroll(&h, &passwords[0].1, &csr(1)).await;
    assert_eq!(s, 201, "{v}");
}
