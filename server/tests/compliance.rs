//! The compliance report (issue 18) on a CA made with `--allow-clock-override`: a
//! clean period is reported met rule by rule, and a period in which the CPS was broken
//! on purpose (a day without a CRL, a revocation confirmed after its deadline, an
//! application decided by its own examiner through a database edit, an activation
//! recorded with too few shares, a certificate and a CRL edited in the store, a CRL
//! deleted from it, a password used after its lockout or its developer's removal) has each breach
//! named, with the audit entries involved.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

use common::*;
use inkan_runtime::audit::Event;
use inkan_runtime::calendar::Timestamp;
use inkan_runtime::sql::Param;
use inkan_server::compliance::{self, Period, Report, Verdict};

/// Monday 2026-11-30, 09:53 in Tokyo.
const T0: i64 = 1_796_000_000;
const HOUR: i64 = 3600;
const DAY: i64 = 86_400;

fn at(s: i64) -> Timestamp {
    Timestamp::from_unix(s).unwrap()
}

/// A service whose scheduler runs only when the test ticks it (or once when the
/// keys are activated, at the same instant): the first CRL is published at T0.
async fn service() -> Harness {
    let h = start_at_with("jpcert-ssl-client", at(T0), |c| c.tick_seconds = 86_400).await;
    tick(&h, T0).await;
    h
}

async fn tick(h: &Harness, t: i64) {
    let state = h.server.as_ref().unwrap().state.clone();
    state.set_clock(at(t)).await.unwrap();
    inkan_server::jobs::tick(&state, "test", at(t))
        .await
        .unwrap();
}

async fn clock(h: &Harness, t: i64) {
    h.server
        .as_ref()
        .unwrap()
        .state
        .set_clock(at(t))
        .await
        .unwrap();
}

async fn report(h: &Harness, from: i64, to: i64) -> Report {
    let period = Period {
        from: at(from),
        to: at(to),
    };
    h.server
        .as_ref()
        .unwrap()
        .state
        .with_both(move |ca, ra| compliance::report(ca, ra, period, at(to)))
        .await
        .unwrap()
}

fn verdict(r: &Report, rule: &str) -> Verdict {
    r.rules.iter().find(|x| x.id == rule).unwrap().verdict
}

/// The findings that read `rule`.
fn findings<'a>(r: &'a Report, rule: &str) -> Vec<&'a compliance::Finding> {
    r.findings
        .iter()
        .filter(|f| f.rules.iter().any(|x| x == rule))
        .collect()
}

/// Opens a revocation of `serial` by form and takes it to the mailed link; returns
/// the request's id and the link's token.
async fn revocation_to_link(h: &Harness, serial: &str, developer: &str) -> (i64, String) {
    let (id, mail) = revocation_mailed(h, serial, developer, "key-loss").await;
    (id, token_in(&mail))
}

/// A period in which the CA did what its CPS says: every rule judged is met, but for
/// the keys: the test CA runs on software keys under its recorded waiver, which the
/// report names as the departure it is. (No rule marker: these tests prove the
/// report's judgement of the rules, which other tests prove the CA enforces.)
#[tokio::test]
async fn a_clean_period_is_reported_met_rule_by_rule() {
    let h = service().await;
    let p = approved(&h, "717171", "m@clean.example", &["000001"]).await;
    let (s, v) = enroll(&h, &p[0].1, &csr(1)).await;
    assert_eq!(s, 201, "{v}");
    let serial = v["serial"].as_str().unwrap().to_string();
    // A CRL every 24 hours to the second (the longest gap the policy allows), and
    // one more at the revocation.
    tick(&h, T0 + 24 * HOUR).await;
    clock(&h, T0 + 30 * HOUR).await;
    let (_, token) = revocation_to_link(&h, &serial, "717171").await;
    clock(&h, T0 + 40 * HOUR).await;
    assert_eq!(confirm_revocation(&h, &token).await, 200);
    tick(&h, T0 + 48 * HOUR).await;
    let r = report(&h, T0, T0 + 60 * HOUR).await;
    let keys = h.policy.definition().ca_keys.unwrap().cps;
    for rule in &r.rules {
        if keys.contains(&rule.id.as_str()) {
            assert_eq!(rule.verdict, Verdict::Violated, "{}", rule.id);
        } else {
            assert_ne!(rule.verdict, Verdict::Violated, "{}: {r:#?}", rule.id);
        }
    }
    for met in [
        "R-4.9-CRL-24H",
        "R-4.9-DEADLINE",
        "R-5.2-DUAL-CHECK",
        "R-3.4-REVOKE-CONFIRM",
        "R-5.4-PROTECT",
        "R-7.1-SUB",
        "R-7.2-CRL",
        "R-4.2-PASSWORD",
    ] {
        assert_eq!(verdict(&r, met), Verdict::Met, "{met}: {r:#?}");
    }
    assert_eq!(
        verdict(&r, "R-5.4-RETENTION"),
        Verdict::Met,
        "nothing purged"
    );
    assert_eq!(verdict(&r, "R-5.5-ARCHIVE"), Verdict::Met, "nothing purged");
    assert_eq!(
        verdict(&r, "R-5.4-CA-EVENTS"),
        Verdict::CannotJudge,
        "room entries only the room's book can vouch for"
    );
    let custody = findings(&r, "R-6.2-HSM");
    assert_eq!(custody.len(), 1);
    assert!(
        custody[0].evidence[0].contains("software keys"),
        "{custody:#?}"
    );
    let crl = &findings(&r, "R-4.9-CRL-24H")[0];
    assert!(
        crl.worst
            .as_deref()
            .unwrap()
            .starts_with("longest gap: 24 h 00 min"),
        "{crl:#?}"
    );
}

/// Each breach of the CPS made on purpose is named, with the entries involved: the
/// CRL gap, the late revocation, the examiner's own decision, the activation short of
/// shares, the edited certificate.
#[tokio::test]
async fn each_breach_is_named_with_its_entries() {
    let h = service().await;
    let p = approved(&h, "727272", "m@breach.example", &["000001"]).await;
    let (s, v) = enroll(&h, &p[0].1, &csr(1)).await;
    assert_eq!(s, 201, "{v}");
    let serial = v["serial"].as_str().unwrap().to_string();
    let db = store(&h);
    // The application decided by its own examiner, through a database edit.
    db.execute(
        "UPDATE workflow_steps SET login = 'erin', person = (SELECT person FROM ra_staff WHERE login = 'erin') WHERE subject = 'application' AND action = 'decide-application'",
        &[],
    )
    .unwrap();
    // A password the service let through after the attempts that lock it.
    db.execute("UPDATE holders SET failures = 5", &[]).unwrap();
    // A developer removed from the list, whose unused password is then marked used
    // (a database edit: the service refuses it).
    let gone = approved(&h, "767676", "m@gone.example", &["000001"]).await;
    assert_eq!(gone.len(), 1);
    remove_developer(&h, "767676").await;
    db.execute(
        &format!(
            "UPDATE holders SET used_at = {} WHERE used_at IS NULL",
            T0 + 2 * HOUR
        ),
        &[],
    )
    .unwrap();
    // A day without a CRL: the next comes three days later.
    tick(&h, T0 + 3 * DAY).await;
    // A revocation recorded on Thursday, confirmed 20 days later.
    let (revocation, token) = revocation_to_link(&h, &serial, "727272").await;
    clock(&h, T0 + 23 * DAY).await;
    assert_eq!(confirm_revocation(&h, &token).await, 200);
    // An activation recorded with one share of the two the policy asks.
    h.server
        .as_ref()
        .unwrap()
        .state
        .with_both(|ca, _| {
            ca.audit(Event::new(
                at(T0 + 23 * DAY),
                "custodian",
                "key-activated",
                &[("shares", "1")],
            ))
            .map_err(inkan_server::ra::error::RaError::from)
        })
        .await
        .unwrap();
    // The certificate edited in the store: one byte of its signature.
    let rows = db
        .query(
            "SELECT der FROM certificates WHERE serial = ?1",
            &[Param::Text(&serial)],
        )
        .unwrap();
    let mut der: Vec<u8> = rows[0].get(0).unwrap();
    let last = der.len() - 1;
    der[last] ^= 1;
    db.execute(
        "UPDATE certificates SET der = ?2 WHERE serial = ?1",
        &[Param::Text(&serial), Param::Blob(&der)],
    )
    .unwrap();

    // The first CRL edited in the store: one byte of its signature.
    let rows = db
        .query("SELECT number, der FROM crls ORDER BY number LIMIT 1", &[])
        .unwrap();
    let number: i64 = rows[0].get(0).unwrap();
    let mut crl: Vec<u8> = rows[0].get(1).unwrap();
    let last = crl.len() - 1;
    crl[last] ^= 1;
    db.execute(
        "UPDATE crls SET der = ?2 WHERE number = ?1",
        &[Param::Int(number), Param::Blob(&crl)],
    )
    .unwrap();

    // The CRL after it deleted from the store: the numbering breaks.
    db.execute(
        "DELETE FROM crls WHERE number = ?1",
        &[Param::Int(number + 1)],
    )
    .unwrap();
    // The one after that renumbered in the store: its signed cRLNumber says otherwise.
    db.execute(
        "UPDATE crls SET number = 50 WHERE number = ?1",
        &[Param::Int(number + 2)],
    )
    .unwrap();

    let r = report(&h, T0, T0 + 24 * DAY).await;
    for rule in [
        "R-4.9-CRL-24H",
        "R-4.9-DEADLINE",
        "R-5.2-DUAL-CHECK",
        "R-6.2-M-OF-N",
        "R-7.1-SUB",
        "R-7.2-CRL",
        "R-4.2-PASSWORD",
    ] {
        assert_eq!(verdict(&r, rule), Verdict::Violated, "{rule}: {r:#?}");
    }
    assert_eq!(
        verdict(&r, "R-5.4-PROTECT"),
        Verdict::Met,
        "the log itself was not touched"
    );
    let entries = |event: &str| audit_seqs(&h, event);
    let crl = findings(&r, "R-4.9-CRL-24H")[0];
    assert!(
        crl.evidence.iter().any(|e| e.contains("72 h 00 min")),
        "{crl:#?}"
    );
    let created = entries("crl-created");
    assert!(crl.entries.iter().any(|s| created.contains(s)), "{crl:#?}");
    let due = findings(&r, "R-4.9-DEADLINE")[0];
    assert!(
        due.evidence
            .iter()
            .any(|e| e.starts_with(&format!("revocation {revocation} of certificate {serial}"))),
        "{due:#?}"
    );
    let revoked = entries("certificate-revoked");
    assert!(due.entries.iter().any(|s| revoked.contains(s)), "{due:#?}");
    let application = r
        .findings
        .iter()
        .find(|f| f.check.contains("workflow `application`"))
        .unwrap();
    assert_eq!(application.verdict, Verdict::Violated);
    assert!(
        application.evidence[0].contains("`decide-application` by Erin Endo")
            && application.evidence[0].contains("also took `examine-application`"),
        "{application:#?}"
    );
    let activation = findings(&r, "R-6.2-M-OF-N")[0];
    let activated = entries("key-activated");
    assert!(
        activation.entries.contains(activated.last().unwrap()),
        "{activation:#?}"
    );
    assert!(
        activation
            .evidence
            .iter()
            .any(|e| e.contains("with 1 share(s)"))
    );
    let subscriber = r
        .findings
        .iter()
        .find(|f| f.check == "certificates of profile `ssl-client`")
        .unwrap();
    assert!(
        subscriber
            .evidence
            .iter()
            .any(|e| e.contains(&serial) && e.contains("signature")),
        "{subscriber:#?}"
    );
    let password = findings(&r, "R-4.2-PASSWORD")[0];
    let named = |what: &str| password.evidence.iter().any(|e| e.contains(what));
    assert!(
        named("after 5 wrong attempts (it locks at 5)"),
        "{password:#?}"
    );
    assert!(named("after developer 767676 was removed"), "{password:#?}");
    let attempts = entries("certificate-application");
    assert!(
        !password.entries.is_empty() && password.entries.iter().all(|s| attempts.contains(s)),
        "{password:#?}"
    );
    let crls = r
        .findings
        .iter()
        .find(|f| f.check.starts_with("CRLs of"))
        .unwrap();
    assert_eq!(
        crls.evidence,
        [
            format!("CRL {number}: the signature does not verify with the issuer's key"),
            // Numbers 1, 3 (renumbered 50) and 4 remain, in number order.
            format!(
                "CRL {} does not follow the CRL before it by one",
                number + 3
            ),
            "CRL 50 does not follow the CRL before it by one".to_string(),
            format!("CRL 50: its signed cRLNumber is {}", number + 2),
        ],
        "the edited CRL and the renumbered one after the deleted one: {crls:#?}"
    );
}

/// Removes a developer from the list as the faithful policy has it: the supervisor
/// proposes, an operator countersigns (which revokes its certificates).
async fn remove_developer(h: &Harness, number: &str) {
    let (s, v) = post(
        &staff(h, "sam").await,
        format!("{}/api/ra/developers/{number}/removal", h.base),
        serde_json::json!({}),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    let id = v["id"].as_i64().unwrap();
    let (s, v) = step(
        h,
        "olive",
        "developer-removals",
        id,
        "countersign-developer-removal",
        true,
    )
    .await;
    assert_eq!(s, 200, "{v}");
}

/// The sequence numbers of one event's audit entries.
fn audit_seqs(h: &Harness, event: &str) -> Vec<u64> {
    store(h)
        .query(
            "SELECT seq FROM audit WHERE event = ?1 ORDER BY seq",
            &[Param::Text(event)],
        )
        .unwrap()
        .iter()
        .map(|r| r.get::<i64>(0).unwrap() as u64)
        .collect()
}

/// The breach period's report as the auditor prints it: rendered by headless
/// Chromium into `target/screenshots/compliance-report.png` to be looked at.
#[tokio::test]
async fn the_html_report_renders_in_a_browser() {
    let h = service().await;
    let p = approved(&h, "737373", "m@print.example", &["000001"]).await;
    let (s, v) = enroll(&h, &p[0].1, &csr(1)).await;
    assert_eq!(s, 201, "{v}");
    tick(&h, T0 + 3 * DAY).await;
    let r = report(&h, T0, T0 + 4 * DAY).await;
    let html = compliance::render::html(&r);
    assert!(
        html.contains("<td class=\"violated\">VIOLATED</td>"),
        "the CRL gap is shown"
    );
    let page = h.tmp.path().join("report.html");
    std::fs::write(&page, &html).unwrap();
    let shots = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    let png = shots.join("compliance-report.png");
    let _ = std::fs::remove_file(&png);
    let out = std::process::Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--window-size=1100,2600",
        ])
        .arg(format!("--screenshot={}", png.display()))
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium is installed (apt-get install chromium)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        std::fs::metadata(&png).unwrap().len() > 20_000,
        "a page was drawn"
    );
}

/// A renewal notice the RA never posted is named once its latest day has passed
/// (CPS 4.6.3: 60 days before April 30, that is by the end of March 1 in Tokyo); before
/// then, nothing is due.
#[tokio::test]
async fn an_unsent_renewal_notice_is_named_after_its_day() {
    let ts = |s: &str| Timestamp::parse_rfc3339(s).unwrap().unix();
    let h = start_at_with("jpcert-ssl-client", at(ts("2026-12-10T01:00:00Z")), |c| {
        c.tick_seconds = 86_400
    })
    .await;
    let p = approved(&h, "747474", "m@renew.example", &["000001"]).await;
    let (s, v) = enroll(&h, &p[0].1, &csr(1)).await;
    assert_eq!(s, 201, "{v}");
    tick(&h, ts("2027-02-01T00:00:00Z")).await;
    let renewal = |r: &Report| findings(r, "R-4.6-RENEWAL")[0].clone();
    let early = report(&h, ts("2027-02-01T00:00:00Z"), ts("2027-02-20T00:00:00Z")).await;
    assert_eq!(
        renewal(&early).verdict,
        Verdict::NotApplicable,
        "{early:#?}"
    );
    let late = report(&h, ts("2027-02-01T00:00:00Z"), ts("2027-03-10T00:00:00Z")).await;
    let f = renewal(&late);
    assert_eq!(f.verdict, Verdict::Violated, "{f:#?}");
    assert!(
        f.evidence[0].contains("developer 747474 for the expiry of 2027-04-30: due before 2027-03-01T15:00:00Z, not sent"),
        "{f:#?}"
    );
}

/// The revocation deadline's verdict on one request whose manager confirms at
/// `confirm` seconds after its deadline (negative: before it).
async fn deadline_verdict(confirm: i64) -> Verdict {
    let h = service().await;
    let p = approved(&h, "777777", "m@due.example", &["000001"]).await;
    let (s, v) = enroll(&h, &p[0].1, &csr(1)).await;
    assert_eq!(s, 201, "{v}");
    let serial = v["serial"].as_str().unwrap().to_string();
    let (_, token) = revocation_to_link(&h, &serial, "777777").await;
    let due = inkan_server::ra::revocation::deadline(h.policy, at(T0))
        .at
        .unix();
    clock(&h, due + confirm).await;
    assert_eq!(confirm_revocation(&h, &token).await, 200);
    let r = report(&h, T0, due + DAY).await;
    findings(&r, "R-4.9-DEADLINE")[0].verdict
}

/// The deadline is the midnight after its tenth business day: a confirmation a second
/// before it is in time, one at it is late, as the service's overdue list has it.
#[tokio::test]
async fn the_deadline_ends_at_its_midnight() {
    assert_eq!(deadline_verdict(-1).await, Verdict::Met);
    assert_eq!(deadline_verdict(0).await, Verdict::Violated);
}

/// A request whose certificate was revoked another way (its developer removed from
/// the list) is judged by when the certificate was revoked, not left open for ever.
#[tokio::test]
async fn a_request_overtaken_by_a_removal_is_judged_by_the_revocation() {
    let h = service().await;
    let p = approved(&h, "787878", "m@removed.example", &["000001"]).await;
    let (s, v) = enroll(&h, &p[0].1, &csr(1)).await;
    assert_eq!(s, 201, "{v}");
    let serial = v["serial"].as_str().unwrap().to_string();
    revocation_form(&h, &serial, "787878", "key-loss").await;
    clock(&h, T0 + HOUR).await;
    remove_developer(&h, "787878").await;
    let r = report(&h, T0, T0 + 30 * DAY).await;
    let due = findings(&r, "R-4.9-DEADLINE")[0];
    assert_eq!(due.verdict, Verdict::Met, "{due:#?}");
}

/// A purge of the RA's archive in the period cannot be re-checked from the record (what
/// it removed is gone): the report says so, with the purge's entry, rather than met.
#[tokio::test]
async fn an_archive_purge_is_named_and_not_called_met() {
    let h = service().await;
    approved(&h, "797979", "m@archive.example", &["000001"]).await;
    let year = 400 * DAY;
    clock(&h, T0 + year).await;
    let purged = h
        .server
        .as_ref()
        .unwrap()
        .state
        .with_ra(move |ra| ra.purge_archive(at(T0 + year), "test"))
        .await
        .unwrap();
    let r = report(&h, T0 + year - DAY, T0 + year + DAY).await;
    let archive = findings(&r, "R-5.5-ARCHIVE")[0];
    assert_eq!(
        archive.verdict,
        Verdict::CannotJudge,
        "{archive:#?} after {purged:?}"
    );
    assert_eq!(
        archive.entries,
        audit_seqs(&h, "archive-purged"),
        "{archive:#?}"
    );
}
