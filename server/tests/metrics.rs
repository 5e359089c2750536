//! `/metrics` scraped as Prometheus would: each series the operator guide lists moves
//! when its event happens (issuance, refusals by meaning, revocations, the CRL's
//! number and age, pending records, overdue revocations, job runs and failures,
//! request durations by route), and only the holder of the configured token reads it
//! when one is set. The lock state is scraped by `locked.rs`, on a real locked CA.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

use std::collections::BTreeMap;

use common::*;
use inkan_runtime::calendar::Timestamp;

/// Polls until `series` reaches `at_least`.
async fn reaches(h: &Harness, series: &str, at_least: f64) -> BTreeMap<String, f64> {
    for _ in 0..200 {
        let m = scrape(h).await;
        if at(&m, series) >= at_least {
            return m;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("{series} never reached {at_least}: {:?}", scrape(h).await);
}

#[tokio::test]
async fn each_series_moves_when_its_event_happens() {
    let t0 = Timestamp::parse_rfc3339("2027-01-08T01:00:00Z").unwrap();
    let h = start_at("jpcert-ssl-client", t0).await;
    let issuer = h.policy.definition().crls[0].issuer;
    let crl_number = format!("inkan_crl_number{{issuer=\"{issuer}\"}}");
    // The scheduler publishes the first CRL once the keys are active.
    let before = reaches(&h, &crl_number, 1.0).await;
    assert!(at(&before, "inkan_job_runs_total{job=\"crl\"}") >= 1.0);
    assert_eq!(at(&before, "inkan_ca_locked"), 0.0);
    assert_eq!(at(&before, "inkan_pending_records"), 0.0);
    let next = format!("inkan_crl_next_update_seconds{{issuer=\"{issuer}\"}}");
    assert!(at(&before, &next) > 3600.0, "{before:?}");

    let p = approved(&h, "971001", "m@metrics.example", &["000001", "000002"]).await;
    let (s, _) = enroll(&h, "not the password", &csr(1)).await;
    assert_eq!(s, 401);
    let (s, v) = enroll(&h, &p[0].1, &csr(1)).await;
    assert_eq!(s, 201, "{v}");
    let serial = v["serial"].as_str().unwrap().to_string();
    let (s, _) = enroll(
        &h,
        &p[1].1,
        "-----BEGIN CERTIFICATE REQUEST-----\nnot one\n",
    )
    .await;
    assert!(s == 400 || s == 422, "{s}");
    let m = scrape(&h).await;
    let profile = h
        .policy
        .definition()
        .certificates
        .iter()
        .find(|c| c.role == inkan_runtime::policy::Role::Subscriber)
        .unwrap()
        .name;
    assert_eq!(
        at(
            &m,
            &format!("inkan_certificates_issued_total{{profile=\"{profile}\"}}")
        ),
        1.0
    );
    assert_eq!(
        at(
            &m,
            "inkan_enrollments_refused_total{reason=\"unauthenticated\"}"
        ),
        1.0,
        "{m:?}"
    );
    let refused: f64 = m
        .iter()
        .filter(|(k, _)| k.starts_with("inkan_enrollments_refused_total"))
        .map(|(_, v)| v)
        .sum();
    assert_eq!(refused, 2.0, "{m:?}");
    // The enrollment worker's turns: the wrong password, refused at its claim with no
    // certificate issued, and the good one (the bad request never reaches it). Each
    // phase of the issuing turn took some time.
    assert_eq!(at(&m, "inkan_enrollment_batch_size_count"), 2.0, "{m:?}");
    assert_eq!(at(&m, "inkan_enrollment_batch_size_sum"), 2.0, "{m:?}");
    for phase in ["waiting", "prepare", "record", "sign", "complete", "ra"] {
        let series = format!("inkan_enrollment_worker_seconds_total{{phase=\"{phase}\"}}");
        assert!(at(&m, &series) > 0.0, "{series}: {m:?}");
    }
    assert_eq!(
        at(
            &m,
            "inkan_http_request_duration_seconds_count{method=\"POST\",route=\"/api/enroll\",status=\"201\"}"
        ),
        1.0,
        "{m:?}"
    );
    assert_eq!(
        at(
            &m,
            "inkan_http_request_duration_seconds_count{method=\"POST\",route=\"/api/enroll\",status=\"401\"}"
        ),
        1.0
    );

    // A path nobody routes is counted as unmatched, never by its own name.
    let r = client()
        .get(format!("{}/no/such/971001", h.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let m = scrape(&h).await;
    assert!(
        at(
            &m,
            "inkan_http_request_duration_seconds_count{method=\"GET\",route=\"unmatched\",status=\"404\"}"
        ) >= 1.0
    );
    assert!(!m.keys().any(|k| k.contains("971001")), "{m:?}");

    // Revocation: counted by reason; the CRL republished at once, so its number
    // moves and its age is that of this instant (the clock stands still here).
    let crl_before = at(&m, &crl_number);
    revoke_confirmed(&h, &serial, "971001", "key-loss").await;
    let m = scrape(&h).await;
    assert_eq!(at(&m, "inkan_revocations_total{reason=\"key-loss\"}"), 1.0);
    assert!(at(&m, &crl_number) > crl_before, "{m:?}");
    assert_eq!(
        at(&m, &format!("inkan_crl_age_seconds{{issuer=\"{issuer}\"}}")),
        0.0
    );
    assert!(at(&m, "inkan_job_runs_total{job=\"mail\"}") >= 1.0);

    // An hour on, the CRL is an hour old and an hour nearer its nextUpdate.
    let state = &h.server.as_ref().unwrap().state;
    state
        .set_clock(Timestamp::from_unix(t0.unix() + 3600).unwrap())
        .await
        .unwrap();
    let later = scrape(&h).await;
    let age = at(
        &later,
        &format!("inkan_crl_age_seconds{{issuer=\"{issuer}\"}}"),
    );
    assert!((3600.0..3700.0).contains(&age), "{age}");
    assert_eq!(at(&later, &next), at(&m, &next) - age);

    // A record left pending between recording and signing (a crash) shows.
    store(&h)
        .execute(
            "UPDATE certificates SET status = 'pending' WHERE serial = ?1",
            &[inkan_runtime::sql::Param::Text(&serial)],
        )
        .unwrap();
    store(&h)
        .execute(
            "UPDATE certificates SET revoked_at = NULL WHERE serial = ?1",
            &[inkan_runtime::sql::Param::Text(&serial)],
        )
        .unwrap();
    assert_eq!(at(&scrape(&h).await, "inkan_pending_records"), 1.0);

    // A revocation form left past its deadline (10 business days) is overdue.
    let p = approved(&h, "971002", "m@metrics.example", &["000001"]).await;
    let (s, v) = enroll(&h, &p[0].1, &csr(2)).await;
    assert_eq!(s, 201, "{v}");
    revocation_form(&h, v["serial"].as_str().unwrap(), "971002", "other").await;
    assert_eq!(at(&scrape(&h).await, "inkan_revocations_overdue"), 0.0);
    state
        .set_clock(Timestamp::from_unix(t0.unix() + 30 * 86_400).unwrap())
        .await
        .unwrap();
    assert_eq!(at(&scrape(&h).await, "inkan_revocations_overdue"), 1.0);
}

/// A mail relay that refuses connections: each delivery attempt is a failed run of the
/// `mail` job, and the message is still waiting.
#[tokio::test]
async fn a_failing_job_is_counted_as_failed() {
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let h = start_with(|c| c.smtp_port = closed).await;
    store(&h)
        .execute(
            "INSERT INTO outbox (to_addr, subject, body, created_at) VALUES ('m@metrics.example', 'test', 'body', 0)",
            &[],
        )
        .unwrap();
    let m = reaches(&h, "inkan_job_failures_total{job=\"mail\"}", 1.0).await;
    assert!(at(&m, "inkan_job_runs_total{job=\"mail\"}") >= 1.0);
    assert_eq!(at(&m, "inkan_mail_waiting"), 1.0);
}

/// With a token configured, only its bearer reads the metrics, loopback or not; the
/// refusal is a problem document.
#[tokio::test]
async fn with_a_token_only_its_bearer_reads_the_metrics() {
    use sha2::Digest as _;
    let hash = hex::encode(sha2::Sha256::digest(b"a scraper's token"));
    let h = start_with(move |c| c.metrics_token_sha256 = Some(hash)).await;
    let url = format!("{}/metrics", h.base);
    let (s, v) = get(&client(), url.clone()).await;
    assert_eq!(s, 401, "{v}");
    assert!(v["detail"].as_str().unwrap().contains("token"), "{v}");
    let wrong = client()
        .get(&url)
        .bearer_auth("another token")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    assert_eq!(wrong.headers()["content-type"], "application/problem+json");
    let right = client()
        .get(&url)
        .bearer_auth("a scraper's token")
        .send()
        .await
        .unwrap();
    assert_eq!(right.status(), 200);
    assert!(right.text().await.unwrap().contains("inkan_ca_locked 0"));
}
