//! Scheduled jobs at chosen instants: the CRL at least every 24 hours (R-4.9-CRL-24H),
//! the renewal notice once a year before April 30 (R-4.6-RENEWAL), and leases that keep
//! a job from running twice at once.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

use common::*;
use inkan_runtime::calendar::Timestamp;
use inkan_server::jobs::tick;

fn at(s: &str) -> Timestamp {
    Timestamp::parse_rfc3339(s).unwrap()
}

async fn state(h: &Harness) -> inkan_server::AppState {
    let mut config = inkan_server::Config::load(&dir(h)).unwrap();
    config.smtp_host = None; // keep mail in the outbox, to read it
    let state = inkan_server::AppState::open(config, &|id| inkan_policies::by_id(id)).unwrap();
    activate(&state, &h.shares).await;
    state
}

async fn crl_numbers(s: &inkan_server::AppState) -> Option<u64> {
    s.with_both(|ca, _| {
        Ok::<_, inkan_server::RaError>(
            inkan_runtime::store::Store::latest_crl(ca.store(), "ssl-clients")?.map(|(n, _)| n),
        )
    })
    .await
    .unwrap()
}

/// Proves: R-4.9-CRL-24H, R-2.3-CRL-FREQ.
#[tokio::test]
async fn r_4_9_crl_24h_the_crl_job_runs_once_a_day_and_survives_restarts() {
    let h = start_with(|c| c.tick_seconds = 3600).await;
    // Stop the server's own loop so only this test's ticks run.
    h.server
        .unwrap_or_else(|| unreachable!())
        .stop()
        .await
        .unwrap();
    let h = Harness { server: None, ..h };
    let s = state(&h).await;
    let before = crl_numbers(&s).await.unwrap_or(0);
    let day0 = Timestamp::now();
    tick(&s, "a", Timestamp::from_unix(day0.unix() + 86_400).unwrap())
        .await
        .unwrap();
    assert_eq!(crl_numbers(&s).await, Some(before + 1));
    tick(
        &s,
        "a",
        Timestamp::from_unix(day0.unix() + 86_400 + 3600).unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(
        crl_numbers(&s).await,
        Some(before + 1),
        "not again within 24 hours"
    );
    // A new process (a restart) sees the last run in the database.
    let s2 = state(&h).await;
    tick(
        &s2,
        "b",
        Timestamp::from_unix(day0.unix() + 86_400 + 7200).unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(crl_numbers(&s2).await, Some(before + 1));
    tick(
        &s2,
        "b",
        Timestamp::from_unix(day0.unix() + 2 * 86_400 + 1).unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(crl_numbers(&s2).await, Some(before + 2));
}

#[tokio::test]
async fn jobs_are_leased_so_two_processes_never_run_one_at_once() {
    let h = start().await;
    let s = state(&h).await;
    let now = Timestamp::from_unix(Timestamp::now().unix() + 10 * 86_400).unwrap();
    let (a, b) = s
        .with_ra(move |ra| {
            let a = ra.lease_job("exclusive", 60, "one", now, 300)?;
            let b = ra.lease_job("exclusive", 60, "two", now, 300)?;
            Ok::<_, inkan_server::RaError>((a, b))
        })
        .await
        .unwrap();
    assert!(a && !b, "the second process finds the lease held");
}

#[tokio::test]
async fn the_renewal_notice_job_mails_each_listed_manager_once_a_year() {
    let h = start().await;
    let op = staff(&h, "olive").await;
    post(
        &op,
        format!("{}/api/ra/developers", h.base),
        developer("940001", "renew@dev.example"),
    )
    .await;
    let s = state(&h).await;
    let outbox = |s: &inkan_server::AppState| {
        let s = s.clone();
        async move { s.with_ra(|ra| ra.unsent(100)).await.unwrap() }
    };
    // January: too early (the notice goes 60 days before April 30, i.e. from March 1).
    tick(&s, "t", at("2027-01-15T00:00:00Z")).await.unwrap();
    assert!(outbox(&s).await.iter().all(|m| !m.2.contains("Renewal")));
    tick(&s, "t", at("2027-03-02T00:00:00Z")).await.unwrap();
    let mails: Vec<_> = outbox(&s)
        .await
        .into_iter()
        .filter(|m| m.2.contains("Renewal"))
        .collect();
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].1, "renew@dev.example");
    tick(&s, "t", at("2027-03-20T00:00:00Z")).await.unwrap();
    assert_eq!(
        outbox(&s)
            .await
            .iter()
            .filter(|m| m.2.contains("Renewal"))
            .count(),
        1,
        "once a year"
    );
}
