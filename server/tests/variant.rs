//! The service's permissions are the policy's (issue 12): the same server code, run
//! under the faithful policy and under a test variant that differs only in what its
//! roles may do (`tests/policies/jpcert-ssl-client-variant.yaml`: the examiner may also
//! register developers, the operator may not list overdue revocations, the examiner's
//! actions are reviewed too, a one-time password lives 3 days, not 14, and locks after
//! 3 wrong attempts, not 5, the renewal notice is e-mailed 75 days ahead to every
//! listed developer, not posted to last year's holders),
//! behaves as each policy says, over real HTTP.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

use common::*;

/// What the three calls return under one policy: the examiner registering a
/// developer, the operator listing overdue revocations, and whether the examiner's
/// actions are among those the supervisor reviews.
async fn behaviour(id: &str) -> (u16, u16, bool) {
    let h = start_for(id, |_| {}).await;
    let (register, v) = post(
        &staff(&h, "erin").await,
        format!("{}/api/ra/developers", h.base),
        developer("616161", "m@variant.example"),
    )
    .await;
    if register == 403 {
        assert!(
            v["detail"].as_str().unwrap().contains("register-developer"),
            "the refusal names the action: {v}"
        );
    }
    let (overdue, _) = get(
        &staff(&h, "olive").await,
        format!("{}/api/ra/revocations/overdue", h.base),
    )
    .await;
    let (s, reviewed) = get(
        &staff(&h, "sam").await,
        format!("{}/api/ra/operator-actions", h.base),
    )
    .await;
    assert_eq!(s, 200, "{reviewed}");
    let examiner_reviewed = reviewed["actions"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a["actor"] == "erin");
    (register, overdue, examiner_reviewed)
}

/// Proves: R-5.2-RA-ROLES.
#[tokio::test]
async fn r_5_2_ra_roles_the_service_does_what_the_policy_gives_each_role() {
    assert_eq!(
        behaviour("jpcert-ssl-client").await,
        (403, 200, false),
        "the faithful policy: the operator registers, the examiner does not"
    );
    assert_eq!(
        behaviour("jpcert-ssl-client-variant").await,
        (201, 403, true),
        "the variant: the examiner registers (and is reviewed), the operator no longer lists overdue requests"
    );
}

/// The OpenAPI document and the rendered CPS say the same as the service: the roles of
/// each action come from the policy.
#[tokio::test]
async fn the_documents_follow_the_policy_too() {
    let h = start_for("jpcert-ssl-client-variant", |_| {}).await;
    let (s, api) = get(&client(), format!("{}/openapi.json", h.base)).await;
    assert_eq!(s, 200);
    let register = api["paths"]["/api/ra/developers"]["post"]["description"]
        .as_str()
        .unwrap();
    assert!(
        register.contains("examiner") && register.contains("operator"),
        "{register}"
    );
    let cps = client()
        .get(format!("{}/repository/cps", h.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        cps.contains("examines application forms, and registers developers"),
        "the CPS page renders the variant's roles"
    );
}

/// The days a decision gives each password, and how many wrong attempts lock one, under
/// one policy.
async fn passwords(id: &str) -> (i64, usize) {
    let h = start_for(id, |_| {}).await;
    let before = inkan_runtime::calendar::Timestamp::now().unix();
    let issued = approved(&h, "636363", "m@pw.example", &["000001", "000002"]).await;
    let (hid, _) = issued[0].1.split_once('-').unwrap();
    let expires: i64 = store(&h)
        .query_opt(
            "SELECT expires_at FROM holders WHERE password_handle = ?1",
            &[inkan_runtime::sql::Param::Text(hid)],
        )
        .unwrap()
        .unwrap()
        .get(0)
        .unwrap();
    let days = (expires - before + 60) / 86_400;
    // Wrong attempts against the second password until it locks: the right one is then
    // refused too.
    let (hid2, _) = issued[1].1.split_once('-').unwrap();
    let mut wrong = 0;
    loop {
        let (s, _) = enroll(&h, &format!("{hid2}-guess"), &csr(2)).await;
        assert_eq!(s, 401);
        wrong += 1;
        if wrong > 10 {
            panic!("never locked");
        }
        // Probe with the right password only at the counts that matter, so a probe
        // never spends it: 3 and 5.
        if wrong == 3 || wrong == 5 {
            let store = store(&h);
            let failures: i64 = store
                .query_opt(
                    "SELECT failures FROM holders WHERE password_handle = ?1",
                    &[inkan_runtime::sql::Param::Text(hid2)],
                )
                .unwrap()
                .unwrap()
                .get(0)
                .unwrap();
            assert_eq!(failures, wrong as i64);
            let (s, _) = enroll(&h, &issued[1].1, &csr(2)).await;
            if s == 401 {
                return (days, wrong);
            }
            assert_eq!(s, 201, "the right password before the lock");
            return (days, 0);
        }
    }
}

/// Proves: R-4.2-PASSWORD.
#[tokio::test]
async fn r_4_2_password_lifetime_and_lockout_are_the_policys() {
    assert_eq!(
        passwords("jpcert-ssl-client-variant").await,
        (3, 3),
        "3 days, locked after 3 wrong attempts"
    );
    let (days, locked) = passwords("jpcert-ssl-client").await;
    assert_eq!(days, 14);
    assert_eq!(
        locked, 0,
        "not locked after 3 wrong attempts under the faithful policy"
    );
}

/// Renewal mail queued under policy `id` after a tick at each instant, for a holder's
/// manager and for a listed developer's with no certificate; and the notices still to
/// send at the end.
async fn renewal_mail(id: &str, ticks: &[&str]) -> (Vec<(usize, usize)>, usize) {
    let at = |s: &str| inkan_runtime::calendar::Timestamp::parse_rfc3339(s).unwrap();
    let h = start_at(id, at("2026-12-10T01:00:00Z")).await;
    let p = approved(&h, "626262", "m@renewal.example", &["000001"]).await;
    let (s, v) = enroll(&h, &p[0].1, &csr(1)).await;
    assert_eq!(s, 201, "{v}");
    register(&h, "636363", "none@renewal.example").await;
    let state = h.server.as_ref().unwrap().state.clone();
    let mails_to = |to: &str| {
        store(&h)
            .query(
                &format!(
                    "SELECT id FROM outbox WHERE to_addr = '{to}' AND subject LIKE 'Renewal%'"
                ),
                &[],
            )
            .unwrap()
            .len()
    };
    let mut mails = Vec::new();
    for t in ticks {
        inkan_server::jobs::tick(&state, "t", at(t)).await.unwrap();
        mails.push((
            mails_to("m@renewal.example"),
            mails_to("none@renewal.example"),
        ));
    }
    let unsent = state
        .with_ra(|ra| ra.unsent_renewal_notices())
        .await
        .unwrap()
        .len();
    (mails, unsent)
}

/// The variant e-mails the renewal notice when its list opens, 75 days before April 30
/// (February 14, Tokyo time), to every listed developer, and records each sent; the
/// faithful policy's notice goes by registered mail to last year's holders only, so the
/// service mails nothing and the RA has one notice to post.
/// Proves: R-4.6-RENEWAL.
#[tokio::test]
async fn r_4_6_renewal_delivery_timing_and_recipients_are_the_policys() {
    let ticks = [
        "2027-02-13T14:00:00Z",
        "2027-02-13T15:30:00Z",
        "2027-02-20T00:00:00Z",
    ];
    assert_eq!(
        renewal_mail("jpcert-ssl-client-variant", &ticks).await,
        (vec![(0, 0), (1, 1), (1, 1)], 0),
        "mailed once to each listed developer, when February 14 began in Tokyo"
    );
    assert_eq!(
        renewal_mail("jpcert-ssl-client", &ticks).await,
        (vec![(0, 0); 3], 1),
        "nothing mailed: one notice to post, to the holder"
    );
}

/// Under one policy: whether a provisionally registered developer with permission may
/// apply, and whether a form whose e-mail is not the manager's on file is accepted.
async fn eligibility(id: &str) -> (u16, u16) {
    let h = start_for(id, |_| {}).await;
    let op = staff(&h, "olive").await;
    let mut d = developer("646464", "m@prov.example");
    d["registration"] = serde_json::json!("provisional");
    d["permitted"] = serde_json::json!(true);
    let (s, v) = post(&op, format!("{}/api/ra/developers", h.base), d).await;
    assert_eq!(s, 201, "{v}");
    let (provisional, _) = post(
        &op,
        format!("{}/api/ra/applications", h.base),
        serde_json::json!({ "developer": "646464", "form": as_the_policy_asks(&h, application_form("m@prov.example")), "holders": ["000001"] }),
    )
    .await;
    let (s, v) = post(
        &op,
        format!("{}/api/ra/developers", h.base),
        developer("656565", "m@full.example"),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    let (mismatch, _) = post(
        &op,
        format!("{}/api/ra/applications", h.base),
        serde_json::json!({ "developer": "656565", "form": as_the_policy_asks(&h, application_form("someone@else.example")), "holders": ["000001"] }),
    )
    .await;
    (provisional, mismatch)
}

/// Who may apply is the policy's (`ra.applicants`): the faithful policy lets a
/// provisionally registered developer apply with the CA's permission and refuses a form
/// whose e-mail is not the manager's on file; the variant never lets provisional
/// registrants apply and only records the form's e-mail.
/// Proves: R-4.1-ELIGIBLE, R-3.2-EMAIL-MATCH.
#[tokio::test]
async fn r_4_1_eligible_who_may_apply_is_the_policys() {
    assert_eq!(eligibility("jpcert-ssl-client").await, (201, 422));
    assert_eq!(eligibility("jpcert-ssl-client-variant").await, (403, 201));
}

/// Under one policy: the statuses of the manager's confirmation page and of its
/// confirmation, `after` seconds past its mailing, and whether the certificate is then
/// revoked.
async fn late_link(id: &str, after: i64) -> (u16, u16, bool) {
    let at = |s: i64| inkan_runtime::calendar::Timestamp::from_unix(s).unwrap();
    let t0 = 1_796_000_000; // 2026-11-30, a Monday
    let h = start_at(id, at(t0)).await;
    let p = approved(&h, "676767", "m@link.example", &["000001"]).await;
    let (s, v) = enroll(&h, &p[0].1, &csr(1)).await;
    assert_eq!(s, 201, "{v}");
    let serial = v["serial"].as_str().unwrap().to_string();
    let (_, mail) = revocation_mailed(&h, &serial, "676767", "key-loss").await;
    let token = token_in(&mail);
    let state = h.server.as_ref().unwrap().state.clone();
    state.set_clock(at(t0 + after)).await.unwrap();
    let page = client()
        .get(format!("{}/revocation/confirm?token={token}", h.base))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16();
    let status = confirm_revocation(&h, &token).await;
    let revoked = store(&h)
        .query(
            "SELECT 1 FROM certificates WHERE serial = ?1 AND revoked_at IS NOT NULL",
            &[inkan_runtime::sql::Param::Text(&serial)],
        )
        .unwrap()
        .len()
        == 1;
    (page, status, revoked)
}

/// The variant's confirmation link lives 3 days from its mailing: one used a minute
/// before then revokes, one used at 3 days is refused, its page too, and revokes
/// nothing; the faithful policy gives its link no lifetime, so the same late use still
/// revokes.
/// Proves: R-3.4-REVOKE-CONFIRM.
#[tokio::test]
async fn r_3_4_revoke_confirm_the_links_lifetime_is_the_policys() {
    let three_days = 3 * 86_400;
    let variant = "jpcert-ssl-client-variant";
    assert_eq!(late_link(variant, three_days - 60).await, (200, 200, true));
    assert_eq!(late_link(variant, three_days).await, (422, 422, false));
    assert_eq!(
        late_link("jpcert-ssl-client", three_days).await,
        (200, 200, true)
    );
}
