//! Scheduled jobs at chosen instants: the CRL at least every 24 hours (R-4.9-CRL-24H),
//! the renewal notices before April 30 (R-4.6-RENEWAL), the policy's backups and
//! monthly compliance reports, and leases that keep a job from running twice at once.

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
    // Two ticks (a minute each, this state's configuration) and five minutes before
    // the 24 hours are up, the job is due: waiting for the exact second, a drifting tick
    // would publish after it, and the gap between CRLs would pass the policy's.
    tick(
        &s2,
        "b",
        Timestamp::from_unix(day0.unix() + 2 * 86_400 - 400).unwrap(),
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

/// The renewal notices still to send, as the operator's list shows them (a new session
/// each time: sessions expire as the clock moves).
async fn renewal_notices(h: &Harness) -> Vec<serde_json::Value> {
    let op = staff(h, "olive").await;
    let (s, v) = get(&op, format!("{}/api/ra/renewal-notices", h.base)).await;
    assert_eq!(s, 200, "{v}");
    v["notices"].as_array().unwrap().clone()
}

/// The renewal notice as the faithful policy says it (CPS 4.6.1, 4.6.3, 3.3.1): to the
/// developers holding a certificate that expires on April 30 (not one whose only
/// certificate was revoked, not one without a certificate), by registered mail at least
/// 60 days before April 30. April 30, 2027 less 60 days is March 1; the RA's list
/// opens 90 days before, on January 30, Tokyo time. A posting is recorded once; a
/// notice that could only open after March 1 (a certificate issued in March) is
/// recorded late, not sent as if on time, and the operator is told by an error logged
/// once.
/// Proves: R-4.6-RENEWAL, R-3.3-RENEW-NOTICE.
#[tokio::test]
async fn r_4_6_renewal_notices_go_to_last_years_holders_at_least_60_days_ahead() {
    // The only test of this binary that opens a notice after its due date.
    let log = logs::capture();
    let late_opened = "renewal notices opened after their due date";
    let h = start_at("jpcert-ssl-client", at("2026-12-10T01:00:00Z")).await;
    let state = h.server.as_ref().unwrap().state.clone();
    let holder = approved(&h, "950001", "holder@renew.example", &["000001"]).await;
    let (s, v) = enroll(&h, &holder[0].1, &csr(1)).await;
    assert_eq!(s, 201, "{v}");
    let revoked = approved(&h, "950002", "revoked@renew.example", &["000001"]).await;
    let (_, v) = enroll(&h, &revoked[0].1, &csr(2)).await;
    revoke_confirmed(
        &h,
        v["serial"].as_str().unwrap(),
        "950002",
        "cessation-of-use",
    )
    .await;
    let op = staff(&h, "olive").await;
    let (s, _) = post(
        &op,
        format!("{}/api/ra/developers", h.base),
        developer("950003", "none@renew.example"),
    )
    .await;
    assert_eq!(s, 201);
    // 23:30 on January 29 in Tokyo: the list is not open.
    tick(&state, "t", at("2027-01-29T14:30:00Z")).await.unwrap();
    assert!(renewal_notices(&h).await.is_empty());
    // January 30 in Tokyo: one notice, for the holder only.
    tick(&state, "t", at("2027-01-29T15:40:00Z")).await.unwrap();
    let list = renewal_notices(&h).await;
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!(list[0]["developer"], "950001");
    assert_eq!(list[0]["expiry"], "2027-04-30");
    assert_eq!(
        list[0]["due_by"], "2027-03-01T15:00:00Z",
        "the end of March 1 in Tokyo"
    );
    assert_eq!(list[0]["manager_address"], "1-1 Chiyoda, Tokyo");
    assert_eq!(list[0]["late"], false);
    // Ticks later in the window open nothing twice.
    tick(&state, "t", at("2027-02-05T00:00:00Z")).await.unwrap();
    assert_eq!(renewal_notices(&h).await.len(), 1);
    // Posted on February 10 and recorded: no longer to send; twice is a conflict.
    state.set_clock(at("2027-02-10T02:00:00Z")).await.unwrap();
    let op = staff(&h, "olive").await;
    let url = format!("{}/api/ra/renewal-notices/{}/sent", h.base, list[0]["id"]);
    let (s, v) = post(
        &op,
        url.clone(),
        serde_json::json!({ "reference": "RM 1234 5678 9JP" }),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["late"], false);
    assert_eq!(v["sent_at"], "2027-02-10T02:00:00Z");
    let (s, _) = post(&op, url, serde_json::json!({ "reference": "again" })).await;
    assert_eq!(s, 409);
    assert!(renewal_notices(&h).await.is_empty());
    // A certificate issued on March 10 also expires on April 30: its notice opens after
    // March 1 and is late from the start, and so is its posting.
    state.set_clock(at("2027-03-10T02:00:00Z")).await.unwrap();
    let late = approved(&h, "950004", "late@renew.example", &["000001"]).await;
    let (s, v) = enroll(&h, &late[0].1, &csr(3)).await;
    assert_eq!(s, 201, "{v}");
    tick(&state, "t", at("2027-03-10T03:00:00Z")).await.unwrap();
    let list = renewal_notices(&h).await;
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!(list[0]["developer"], "950004");
    assert_eq!(list[0]["late"], true);
    assert_eq!(list[0]["overdue"], true);
    let audited: Vec<String> = audit_details(&h, "ra-operation");
    assert!(
        audited.iter().any(|d| d.contains("renewal-notice-opened")
            && d.contains("950004")
            && d.contains("opened after its due date")),
        "{audited:?}"
    );
    // The operator is told, once, as an error; a later tick that opens nothing new is
    // not another alarm.
    assert_eq!(log.lines_with(late_opened).len(), 1, "{}", log.text());
    tick(&state, "t", at("2027-03-20T03:00:00Z")).await.unwrap();
    let told = log.lines_with(late_opened);
    assert_eq!(told.len(), 1, "{}", log.text());
    assert!(
        told[0].contains("ERROR") && told[0].contains("count=1"),
        "{told:?}"
    );
    // After April 30 the window is closed, and next year's is not open.
    tick(&state, "t", at("2027-05-01T00:00:00Z")).await.unwrap();
    assert_eq!(renewal_notices(&h).await.len(), 1, "nothing new");
}

/// A policy with a `backup` schedule (the test variant's: daily) has the service take a
/// backup into `backup_dir` once a day, audited, that restores; without a `backup_dir`
/// the service does not start.
#[tokio::test]
async fn the_policys_backup_schedule_takes_a_backup_each_day_that_restores() {
    let h = start_for("jpcert-ssl-client-variant", |c| c.tick_seconds = 3600).await;
    h.server
        .unwrap_or_else(|| unreachable!())
        .stop()
        .await
        .unwrap();
    let h = Harness { server: None, ..h };
    let mut config = inkan_server::Config::load(&dir(&h)).unwrap();
    config.listen = "127.0.0.1:0".parse().unwrap();
    match inkan_server::start(config.clone(), &lookup).await {
        Err(inkan_server::ServeError::Config(why)) => assert!(why.contains("backup_dir"), "{why}"),
        Err(e) => panic!("{e}"),
        Ok(_) => panic!("started without a backup_dir"),
    }
    let backups = h.tmp.path().join("scheduled");
    std::fs::create_dir(&backups).unwrap();
    config.backup_dir = Some(backups.clone());
    config.smtp_host = None;
    let s = inkan_server::AppState::open(config, &lookup).unwrap();
    activate(&s, &h.shares).await;
    let files = || {
        let mut names: Vec<std::path::PathBuf> = std::fs::read_dir(&backups)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        names.sort();
        names
    };
    let day0 = Timestamp::now().unix();
    let at = |seconds: i64| Timestamp::from_unix(day0 + seconds).unwrap();
    tick(&s, "a", at(86_400)).await.unwrap();
    assert_eq!(files().len(), 1, "{:?}", files());
    tick(&s, "a", at(86_400 + 3600)).await.unwrap();
    assert_eq!(files().len(), 1, "not twice in a day: {:?}", files());
    tick(&s, "a", at(2 * 86_400)).await.unwrap();
    assert_eq!(files().len(), 2, "{:?}", files());
    let audited: Vec<String> = audit_details(&h, "ca-backup")
        .into_iter()
        .filter(|d| d.contains("scheduled"))
        .collect();
    assert_eq!(audited.len(), 2, "{audited:?}");
    // The newest restores, reconciled with the newest CRL the service published.
    let crl = s
        .with_both(|ca, _| {
            Ok::<_, inkan_server::RaError>(
                inkan_runtime::store::Store::latest_crl(ca.store(), "ssl-clients")?.map(|(_, d)| d),
            )
        })
        .await
        .unwrap();
    let crls: Vec<Vec<u8>> = crl.into_iter().collect();
    let restored = h.tmp.path().join("restored");
    let target = inkan_tests::test_store();
    let components = [("ra", inkan_server::ra::MIGRATIONS)];
    inkan_runtime::backup::restore(&inkan_runtime::backup::RestoreOptions {
        from: &files()[1],
        dir: &restored,
        store: target.as_deref(),
        lookup: &lookup,
        components: &components,
        published_crls: &crls,
        never_published: crls.is_empty(),
        certificates: &[],
        witnessed: &[],
        audit_public_key: None,
        now: at(2 * 86_400 + 60),
        clock_overridden: false,
        actor: "test",
    })
    .unwrap();
    let ra = inkan_server::ra::Ra::open(&restored, h.policy.definition()).unwrap();
    drop(ra);
}

/// Under a policy with a `compliance-report` schedule (the variant's), once a month
/// has ended in Tokyo the service writes its report into the CA directory's
/// `reports/`, HTML and JSON, once, and audits it with the HTML's SHA-256; the faithful
/// policy, which has no such schedule, writes none.
#[tokio::test]
async fn the_policys_monthly_compliance_report_is_written_once_a_month_has_ended() {
    use sha2::Digest;
    let made = at("2026-11-20T01:00:00Z");
    for (id, writes) in [
        ("jpcert-ssl-client-variant", true),
        ("jpcert-ssl-client", false),
    ] {
        let h = start_at_with(id, made, |c| c.tick_seconds = 86_400).await;
        let s = h.server.as_ref().unwrap().state.clone();
        let reports = dir(&h).join("reports");
        // November 30, 23:59 in Tokyo: November has not ended.
        tick(&s, "a", at("2026-11-30T14:59:00Z")).await.unwrap();
        assert!(!reports.exists(), "{id}: written before the month ended");
        // December 1, 00:30 in Tokyo.
        tick(&s, "a", at("2026-11-30T15:30:00Z")).await.unwrap();
        tick(&s, "b", at("2026-11-30T17:00:00Z")).await.unwrap();
        assert_eq!(reports.join("2026-11.html").exists(), writes, "{id}");
        let audited = audit_details(&h, "compliance-report");
        if !writes {
            assert!(audited.is_empty(), "{audited:?}");
            continue;
        }
        assert_eq!(audited.len(), 1, "once: {audited:?}");
        let json: serde_json::Value =
            serde_json::from_slice(&std::fs::read(reports.join("2026-11.json")).unwrap()).unwrap();
        assert_eq!(json["period"]["from"], "2026-10-31T15:00:00Z");
        assert_eq!(json["period"]["to"], "2026-11-30T15:00:00Z");
        let html = std::fs::read(reports.join("2026-11.html")).unwrap();
        let digest = hex::encode(sha2::Sha256::digest(&html));
        assert!(
            audited[0].contains("\"month\":\"2026-11\"") && audited[0].contains(&digest),
            "{audited:?}"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&reports).unwrap().permissions().mode();
            assert_eq!(mode & 0o077, 0, "the reports are the CA owner's alone");
        }
        // December's, 31 days later, is in time for "every month".
        tick(&s, "a", at("2026-12-31T15:30:00Z")).await.unwrap();
        assert!(reports.join("2026-12.html").exists());
        let json: serde_json::Value =
            serde_json::from_slice(&std::fs::read(reports.join("2026-12.json")).unwrap()).unwrap();
        let monthly = json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| {
                f["check"]
                    .as_str()
                    .unwrap()
                    .starts_with("schedule `compliance-report`")
            })
            .unwrap();
        assert_eq!(monthly["verdict"], "met", "{monthly}");
    }
}
