//! The CA service over real HTTP: the whole RA flow and its refusals, enrollment with
//! one-time passwords, the repository, the audit trail (revocation is in
//! `revocation.rs`).
//! Each test names the CPS rule it proves.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

use common::*;
use serde_json::json;

/// Proves: R-4.2-FLOW, R-4.2-PROMPT, R-6.1-CA-CERT-DELIVERY, R-4.4-RECEIPT, R-5.4-RA-EVENTS.
#[tokio::test]
async fn r_4_2_flow_application_to_certificate_with_receipt() {
    let h = start().await;
    let passwords = approved(&h, "123456", "manager@dev.example", &["000001", "000002"]).await;
    assert_eq!(passwords.len(), 2, "one password per named holder");
    let (s, v) = enroll(&h, &passwords[0].1, &csr(1)).await;
    assert_eq!(s, 201, "{v}");
    assert!(
        v["subject"]
            .as_str()
            .unwrap()
            .contains("CN=SSL-123456-000001-"),
        "{v}"
    );
    assert_eq!(
        v["chain"]
            .as_str()
            .unwrap()
            .matches("BEGIN CERTIFICATE")
            .count(),
        2,
        "R-6.1-CA-CERT-DELIVERY: the chain comes with it"
    );
    let serial = v["serial"].as_str().unwrap().to_string();
    let received = |serial: &str| {
        let ca = inkan_runtime::ca::Ca::open(&dir(&h), &|id| inkan_policies::by_id(id)).unwrap();
        let ra = inkan_server::ra::Ra::open(&dir(&h), ca.policy().definition()).unwrap();
        ra.received_at(serial).unwrap()
    };
    assert_eq!(received(&serial), None, "issued, not yet received");
    let before_download = inkan_runtime::calendar::Timestamp::now().unix();
    // R-4.4-RECEIPT: the download is recorded as receipt.
    let r = client()
        .get(format!(
            "{}{}&what=chain",
            h.base,
            v["download"].as_str().unwrap()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.text().await.unwrap().matches("BEGIN CERTIFICATE").count(),
        3
    );
    let ca = inkan_runtime::ca::Ca::open(&dir(&h), &|id| inkan_policies::by_id(id)).unwrap();
    let at = received(&serial).unwrap_or(0);
    assert!(
        (before_download..=inkan_runtime::calendar::Timestamp::now().unix()).contains(&at),
        "received when downloaded: {at}"
    );
    let events: Vec<String> = inkan_runtime::store::Store::audit_entries(ca.store())
        .unwrap()
        .into_iter()
        .map(|e| e.event)
        .collect();
    for e in [
        "ra-login",
        "ra-operation",
        "form-received",
        "certificate-application",
        "certificate-issued",
        "certificate-received",
    ] {
        assert!(
            events.iter().any(|x| x == e),
            "R-5.4-RA-EVENTS: {e} audited"
        );
    }
    assert!(ca.verify_audit().unwrap().ok());
}

/// Proves: R-3.2-EMAIL-MATCH.
#[tokio::test]
async fn r_3_2_email_match_form_email_must_be_the_managers() {
    let h = start().await;
    let op = staff(&h, "olive").await;
    post(
        &op,
        format!("{}/api/ra/developers", h.base),
        developer("111111", "boss@dev.example"),
    )
    .await;
    let (s, v) = post(&op, format!("{}/api/ra/applications", h.base), json!({ "developer": "111111", "form": application_form("someone@else.example"), "holders": ["000001"] })).await;
    assert_eq!(s, 422, "{v}");
    assert!(v["detail"].as_str().unwrap().contains("R-3.2-EMAIL-MATCH"));
}

/// An application names one or more holders, each by a six-digit person number (the
/// number the subscriber name carries, R-3.1-PSEUDONYM); anything else is refused.
#[tokio::test]
async fn an_application_names_its_holders_by_six_digit_numbers() {
    let h = start().await;
    let op = staff(&h, "olive").await;
    post(
        &op,
        format!("{}/api/ra/developers", h.base),
        developer("111112", "boss@dev.example"),
    )
    .await;
    for holders in [
        json!([]),
        json!(["12345"]),
        json!(["000001", "00000x"]),
        json!(["0000001"]),
    ] {
        let (s, v) = post(
            &op,
            format!("{}/api/ra/applications", h.base),
            json!({ "developer": "111112", "form": application_form("boss@dev.example"), "holders": holders }),
        )
        .await;
        assert_eq!(s, 400, "{holders}: {v}");
        assert!(v["detail"].as_str().unwrap().contains("6-digit"), "{v}");
    }
    let (s, v) = post(&op, format!("{}/api/ra/applications", h.base), json!({ "developer": "111112", "form": application_form("boss@dev.example"), "holders": ["000001", "000002"] })).await;
    assert_eq!(s, 201, "{v}");
}

/// Proves: R-4.1-ELIGIBLE.
#[tokio::test]
async fn r_4_1_eligible_provisional_developers_need_permission() {
    let h = start().await;
    let op = staff(&h, "olive").await;
    let mut d = developer("222222", "m@prov.example");
    d["registration"] = json!("provisional");
    post(&op, format!("{}/api/ra/developers", h.base), d).await;
    let (s, v) = post(
        &op,
        format!("{}/api/ra/applications", h.base),
        json!({ "developer": "222222", "form": application_form("m@prov.example"), "holders": ["000001"] }),
    )
    .await;
    assert_eq!(s, 403, "{v}");
    assert!(v["detail"].as_str().unwrap().contains("R-4.1-ELIGIBLE"));
}

/// R-3.2-CLASSES: a developer is class A or class B, nothing else.
/// Proves: R-3.2-CLASSES.
#[tokio::test]
async fn r_3_2_classes_a_developer_is_class_a_or_b() {
    let h = start().await;
    let op = staff(&h, "olive").await;
    let mut d = developer("222223", "m@c.example");
    d["class"] = json!("C");
    let (s, v) = post(&op, format!("{}/api/ra/developers", h.base), d).await;
    assert_eq!(s, 400, "{v}");
    assert!(v["detail"].as_str().unwrap().contains("R-3.2-CLASSES"));
    let mut d = developer("222224", "m@c.example");
    d["class"] = json!("B");
    d.as_object_mut().unwrap().remove("registration_form");
    assert_eq!(
        post(&op, format!("{}/api/ra/developers", h.base), d)
            .await
            .0,
        201
    );
}

/// Proves: R-5.2-DUAL-CHECK, R-5.2-RA-ROLES.
#[tokio::test]
async fn r_5_2_dual_check_the_examiner_checks_before_the_supervisor_decides() {
    let h = start().await;
    let op = staff(&h, "olive").await;
    post(
        &op,
        format!("{}/api/ra/developers", h.base),
        developer("333333", "m@d.example"),
    )
    .await;
    let (_, v) = post(
        &op,
        format!("{}/api/ra/applications", h.base),
        json!({ "developer": "333333", "form": application_form("m@d.example"), "holders": ["000001"] }),
    )
    .await;
    assert_eq!(v["status"], "received", "{v}");
    let id = v["id"].as_i64().unwrap();
    let (s, v) = step(&h, "sam", "applications", id, "decide-application", true).await;
    assert_eq!(
        s, 409,
        "the supervisor cannot decide before the examiner: {v}"
    );
    let (s, _) = step(&h, "sam", "applications", id, "examine-application", true).await;
    assert_eq!(s, 403, "the supervisor is not the examiner");
    let (s, v) = step(&h, "erin", "applications", id, "examine-application", true).await;
    assert_eq!((s, v["status"].as_str()), (200, Some("examined")), "{v}");
    let (s, _) = step(&h, "erin", "applications", id, "decide-application", true).await;
    assert_eq!(s, 403, "the examiner cannot approve");
    let (s, v) = step(&h, "sam", "applications", id, "decide-application", true).await;
    assert_eq!((s, v["status"].as_str()), (200, Some("approved")), "{v}");
    assert_eq!(v["passwords"].as_array().map(Vec::len), Some(1), "{v}");
    // The record shows who took each step.
    let (_, app) = get(
        &staff(&h, "olive").await,
        format!("{}/api/ra/applications/{id}", h.base),
    )
    .await;
    let by: Vec<(&str, &str)> = app["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["action"].as_str().unwrap(), s["by"].as_str().unwrap()))
        .collect();
    assert_eq!(
        by,
        [
            ("receive-application", "olive"),
            ("examine-application", "erin"),
            ("decide-application", "sam")
        ]
    );
}

/// Proves: R-5.2-SEPARATION.
#[tokio::test]
async fn r_5_2_separation_one_person_holds_one_role() {
    let h = start().await;
    let ca = inkan_runtime::ca::Ca::open(&dir(&h), &|id| inkan_policies::by_id(id)).unwrap();
    let mut ra = inkan_server::ra::Ra::open(&dir(&h), ca.policy().definition()).unwrap();
    let err = ra
        .add_staff(
            "olive2",
            "Olive Ono",
            "examiner",
            PASSWORD,
            inkan_runtime::calendar::Timestamp::now(),
            "test",
        )
        .unwrap_err();
    assert!(matches!(err, inkan_server::RaError::Conflict(_)), "{err:?}");
    assert!(err.to_string().contains("R-5.2-SEPARATION"));
}

/// A stranger who guesses what names a password (row numbers, as the ids once were,
/// and strings shaped like the handles) and sends wrong secrets locks nobody's: each
/// holder's password still enrolls afterwards. Only the holder, who has the handle,
/// can use up its attempts.
/// Proves: R-4.2-PASSWORD.
#[tokio::test]
async fn r_4_2_password_a_stranger_cannot_lock_a_holders_password() {
    let h = start().await;
    let passwords = approved(&h, "454545", "m@lock.example", &["000001", "000002"]).await;
    for guess in (1..=20)
        .map(|n| n.to_string())
        .chain(["abcdefghijkmn".to_string()])
    {
        for _ in 0..6 {
            let (s, _) = enroll(&h, &format!("{guess}-wrong"), &csr(1)).await;
            assert_eq!(s, 401);
        }
    }
    for (n, (_, password)) in passwords.iter().enumerate() {
        let (s, v) = enroll(&h, password, &csr(n as u32 + 1)).await;
        assert_eq!(s, 201, "holder {n}: {v}");
    }
    let (handle, secret) = passwords[0].1.split_once('-').unwrap();
    assert!(
        handle.len() >= 12 && secret.len() >= 25,
        "{handle}-{secret}"
    );
}

/// A password made before handles existed (schema migration 6) is still named by its
/// holder's row id, and still enrolls until it expires.
#[tokio::test]
async fn a_password_made_before_handles_still_enrolls() {
    use inkan_runtime::sql::Param;
    let h = start().await;
    let passwords = approved(&h, "464646", "m@old.example", &["000001"]).await;
    let (handle, _) = passwords[0].1.split_once('-').unwrap();
    let db = store(&h);
    let id: i64 = db
        .query_opt(
            "SELECT id FROM holders WHERE password_handle = ?1",
            &[Param::Text(handle)],
        )
        .unwrap()
        .unwrap()
        .get(0)
        .unwrap();
    let old = format!("{id}-oldstylesecretoldstylesecret");
    let hash = inkan_server::ra::secrets::token_hash(&old);
    db.execute(
        "UPDATE holders SET password_handle = NULL, password_hash = ?2 WHERE id = ?1",
        &[Param::Int(id), Param::Blob(&hash)],
    )
    .unwrap();
    let (s, v) = enroll(&h, &old, &csr(1)).await;
    assert_eq!(s, 201, "{v}");
}

/// Proves: R-4.2-PASSWORD.
#[tokio::test]
async fn r_4_2_password_wrong_reused_and_brute_forced_passwords_are_refused() {
    let h = start().await;
    let passwords = approved(&h, "444444", "m@d.example", &["000001", "000002"]).await;
    let (id_prefix, _) = passwords[0].1.split_once('-').unwrap();
    // Wrong.
    let (s, v) = enroll(&h, &format!("{id_prefix}-wrong"), &csr(1)).await;
    assert_eq!(s, 401, "{v}");
    // Right, then reused.
    let (s, _) = enroll(&h, &passwords[0].1, &csr(1)).await;
    assert_eq!(s, 201);
    let (s, _) = enroll(&h, &passwords[0].1, &csr(2)).await;
    assert_eq!(s, 401, "a password is single use");
    // Brute force against the second holder locks it, even for the right password.
    let (id2, _) = passwords[1].1.split_once('-').unwrap();
    for _ in 0..5 {
        let (s, _) = enroll(&h, &format!("{id2}-guess"), &csr(2)).await;
        assert_eq!(s, 401);
    }
    let (s, _) = enroll(&h, &passwords[1].1, &csr(2)).await;
    assert_eq!(s, 401, "locked after repeated failures");
    // Each wrong attempt is audited with the count so far.
    let audited: Vec<String> = audit_details(&h, "certificate-application");
    for n in 1..=5 {
        assert!(
            audited
                .iter()
                .any(|d| d.contains(&format!("\"failures\":\"{n}\""))),
            "attempt {n} audited: {audited:?}"
        );
    }
}

/// A password is claimed once however it arrives. Three times in one batch (one
/// claiming commit): the first is claimed, the other two refused, and all three
/// audited. Sent by eight subscribers at once over HTTP: one enrolls, seven are
/// refused, and every refusal audited.
/// Proves: R-4.2-PASSWORD.
#[tokio::test]
async fn a_password_sent_several_times_at_once_is_claimed_once_and_each_refusal_audited() {
    let h = start().await;
    let passwords = approved(&h, "464646", "m@d.example", &["000001", "000002"]).await;
    let count = |outcome: &str| {
        audit_details(&h, "certificate-application")
            .iter()
            .filter(|d| d.contains(&format!("\"outcome\":\"{outcome}\"")))
            .count()
    };
    // One batch.
    let mut ra = inkan_server::ra::Ra::open(&dir(&h), h.policy.definition()).unwrap();
    let now = inkan_runtime::calendar::Timestamp::now();
    let first = passwords[0].1.as_str();
    let claims = ra.redeem_many(&[first, first, first], now);
    assert!(claims[0].is_ok(), "{claims:?}");
    assert!(claims[1..].iter().all(|c| c.is_err()), "{claims:?}");
    // Lost in the claiming commit: refused, and audited as such.
    let lost = "used, locked or void by then";
    assert_eq!((count("password accepted"), count(lost)), (1, 2));
    let refused = || count("already used") + count(lost);
    // Eight subscribers at once.
    let mut sent = tokio::task::JoinSet::new();
    for i in 0..8 {
        let (url, body) = (
            format!("{}/api/enroll", h.base),
            json!({ "password": passwords[1].1, "csr": csr(i % 3 + 1) }),
        );
        sent.spawn(async move { post(&client(), url, body).await.0 });
    }
    let statuses: Vec<u16> = sent.join_all().await;
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 401).count(),
        7,
        "{statuses:?}"
    );
    // Each refusal audited, whether its lookup found the password used or its claim
    // lost in the batch's commit.
    assert_eq!((count("password accepted"), refused()), (2, 9));
}

/// Wrong guesses for one holder within one batch each count towards the lockout, and
/// each audit entry gives the count its own guess reached: five in a batch lock the
/// holder, even against its right password later in the same batch.
/// Proves: R-4.2-PASSWORD.
#[tokio::test]
async fn r_4_2_password_wrong_guesses_in_one_batch_each_count_and_lock() {
    let h = start().await;
    let passwords = approved(&h, "474747", "m@d.example", &["000001"]).await;
    let (handle, _) = passwords[0].1.split_once('-').unwrap();
    let wrong = format!("{handle}-wrong");
    let mut ra = inkan_server::ra::Ra::open(&dir(&h), h.policy.definition()).unwrap();
    let now = inkan_runtime::calendar::Timestamp::now();
    let batch = [wrong.as_str(); 5];
    let batch: Vec<&str> = batch.into_iter().chain([passwords[0].1.as_str()]).collect();
    let answers = ra.redeem_many(&batch, now);
    assert!(answers.iter().all(|a| a.is_err()), "{answers:?}");
    let audited = audit_details(&h, "certificate-application");
    for n in 1..=5 {
        assert!(
            audited
                .iter()
                .any(|d| d.contains(&format!("\"failures\":\"{n}\""))),
            "guess {n} audited with its own count: {audited:?}"
        );
    }
    assert!(
        !audited.iter().any(|d| d.contains("password accepted")),
        "{audited:?}"
    );
}

/// A batch's passwords are looked up in one query, and a stranger's text goes into it:
/// one the database cannot take (PostgreSQL refuses a NUL in text) is refused alone,
/// and the rest of the batch enrolls.
/// Proves: R-4.2-PASSWORD.
#[tokio::test]
async fn r_4_2_password_text_the_database_refuses_fails_only_its_own_enrollment() {
    let h = start().await;
    let passwords = approved(&h, "484848", "m@d.example", &["000001"]).await;
    let mut ra = inkan_server::ra::Ra::open(&dir(&h), h.policy.definition()).unwrap();
    let now = inkan_runtime::calendar::Timestamp::now();
    let answers = ra.redeem_many(&["ab\u{0}c-x", passwords[0].1.as_str()], now);
    assert!(answers[0].is_err(), "{answers:?}");
    assert!(answers[1].is_ok(), "{answers:?}");
}

/// A password lives the policy's 14 days from the decision (R-4.2-PASSWORD): with the
/// service's clock one second short of that, one enrolls; at the 14 days, its sibling
/// from the same decision is refused.
#[tokio::test]
async fn passwords_expire_after_the_policys_lifetime() {
    let at = |u: i64| inkan_runtime::calendar::Timestamp::from_unix(u).unwrap();
    let t0 = 1_796_000_000; // 2026-11-30T00:53:20Z
    let h = start_at("jpcert-ssl-client", at(t0)).await;
    let passwords = approved(&h, "555555", "m@d.example", &["000001", "000002"]).await;
    let state = &h.server.as_ref().unwrap().state;
    state.set_clock(at(t0 + 14 * 86_400 - 1)).await.unwrap();
    let (s, v) = enroll(&h, &passwords[0].1, &csr(1)).await;
    assert_eq!(s, 201, "{v}");
    state.set_clock(at(t0 + 14 * 86_400)).await.unwrap();
    let (s, _) = enroll(&h, &passwords[1].1, &csr(2)).await;
    assert_eq!(s, 401, "expired");
}

#[tokio::test]
async fn a_bad_request_does_not_spend_the_password() {
    let h = start().await;
    let passwords = approved(&h, "565656", "m@d.example", &["000001"]).await;
    let (s, v) = enroll(&h, &passwords[0].1, "garbage").await;
    assert_eq!(s, 422, "{v}");
    let (s, _) = enroll(&h, &passwords[0].1, &csr(1)).await;
    assert_eq!(s, 201);
}

/// Proves: R-4.2-PASSWORD, R-4.2-FLOW.
#[tokio::test]
async fn r_4_2_password_fifty_parallel_uses_make_exactly_one_certificate() {
    let h = start().await;
    let passwords = approved(&h, "666666", "m@d.example", &["000001"]).await;
    let password = passwords[0].1.clone();
    let mut tasks = Vec::new();
    for _ in 0..50 {
        let (base, password, csr) = (h.base.clone(), password.clone(), csr(1));
        tasks.push(tokio::spawn(async move {
            let r = reqwest::Client::new()
                .post(format!("{base}/api/enroll"))
                .json(&json!({ "password": password, "csr": csr }))
                .send()
                .await
                .unwrap();
            r.status().as_u16()
        }));
    }
    let mut codes = Vec::new();
    for t in tasks {
        codes.push(t.await.unwrap());
    }
    assert_eq!(codes.iter().filter(|c| **c == 201).count(), 1, "{codes:?}");
    assert!(codes.iter().all(|c| *c == 201 || *c == 401), "{codes:?}");
    let ca = inkan_runtime::ca::Ca::open(&dir(&h), &|id| inkan_policies::by_id(id)).unwrap();
    assert_eq!(
        inkan_runtime::store::Store::certificates(ca.store(), "ssl-client")
            .unwrap()
            .len(),
        1
    );
}

/// R-5.2-RA-ROLES: every RA route refuses without a session, and with each wrong role.
/// Proves: R-5.2-RA-ROLES, R-5.2-OPERATOR-AUTH, R-6.5-ACCESS-LOG.
#[tokio::test]
async fn r_5_2_ra_roles_every_route_checks_session_and_role() {
    let h = start().await;
    // (method, path, the action a step route's body names, roles allowed)
    // (method, path, the action a step route's body names, roles allowed)
    let routes: [(&str, &str, &str, &[&str]); 17] = [
        ("POST", "/api/ra/developers", "", &["operator"]),
        (
            "GET",
            "/api/ra/developers/000000",
            "",
            &["operator", "examiner", "supervisor"],
        ),
        (
            "POST",
            "/api/ra/developers/000000/removal",
            "",
            &["supervisor"],
        ),
        (
            "POST",
            "/api/ra/developer-removals/1/steps",
            "countersign-developer-removal",
            &["operator"],
        ),
        ("POST", "/api/ra/applications", "", &["operator"]),
        (
            "GET",
            "/api/ra/applications/1",
            "",
            &["operator", "examiner", "supervisor"],
        ),
        (
            "POST",
            "/api/ra/applications/1/steps",
            "examine-application",
            &["examiner"],
        ),
        (
            "POST",
            "/api/ra/applications/1/steps",
            "decide-application",
            &["supervisor"],
        ),
        (
            "GET",
            "/api/ra/revocations/1",
            "",
            &["operator", "supervisor", "examiner"],
        ),
        (
            "POST",
            "/api/ra/revocations/1/steps",
            "confirm-revocation-by-phone",
            &["operator", "supervisor"],
        ),
        (
            "POST",
            "/api/ra/revocations/1/steps",
            "examine-revocation-form",
            &["examiner"],
        ),
        (
            "POST",
            "/api/ra/revocations/1/steps",
            "accept-revocation-form",
            &["supervisor"],
        ),
        (
            "GET",
            "/api/ra/revocations/overdue",
            "",
            &["operator", "supervisor"],
        ),
        (
            "POST",
            "/api/ra/room-entries",
            "",
            &["facility-administrator"],
        ),
        ("POST", "/api/ra/ca-events", "", &["facility-administrator"]),
        ("GET", "/api/ra/operator-actions", "", &["supervisor"]),
        (
            "GET",
            "/api/ra/me",
            "",
            &[
                "operator",
                "examiner",
                "supervisor",
                "facility-administrator",
            ],
        ),
    ];
    let body = json!({ "developer": "000000", "form": application_form("x@y"), "holders": ["000001"], "approve": true, "person": "x", "number": "000000", "name": "n", "class": "A", "registration": "full", "manager_name": "m", "manager_address": "a", "manager_email": "m@x", "manager_phone": "1" });
    let anonymous = client();
    for (method, path, action, allowed) in routes {
        let url = format!("{}{path}", h.base);
        let body = if action.is_empty() {
            body.clone()
        } else {
            json!({ "action": action })
        };
        let req = if method == "GET" {
            anonymous.get(&url)
        } else {
            anonymous.post(&url).json(&body)
        };
        let r = req.send().await.unwrap();
        assert_eq!(r.status(), 401, "{method} {path} without a session");
        assert_eq!(r.headers()["content-type"], "application/problem+json");
        for (login, _, role) in STAFF.iter().take(4) {
            if allowed.contains(role) {
                continue;
            }
            let c = staff(&h, login).await;
            let req = if method == "GET" {
                c.get(&url)
            } else {
                c.post(&url).json(&body)
            };
            let r = req.send().await.unwrap();
            assert_eq!(r.status(), 403, "{method} {path} as {role}");
        }
    }
}

/// Proves: R-2.4-ACCESS, R-2.2-PUBLISH.
#[tokio::test]
async fn r_2_4_access_the_repository_is_public_and_read_only() {
    let h = start().await;
    let anyone = client();
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    for path in [
        "/repository",
        "/repository/ca-certs.pem",
        "/repository/cps",
        "/ca-info/crl-list.crl",
        "/healthz",
        "/openapi.json",
    ] {
        let r = anyone
            .get(format!("{}{path}", h.base))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{path}");
        if path.ends_with(".crl") {
            assert_eq!(r.headers()["content-type"], "application/pkix-crl");
        }
    }
    for path in [
        "/repository/ca-certs.pem",
        "/ca-info/crl-list.crl",
        "/repository/cps",
    ] {
        let r = anyone
            .post(format!("{}{path}", h.base))
            .body("x")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 405, "{path} cannot be written");
    }
    let cps = anyone
        .get(format!("{}/repository/cps", h.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        cps.contains("Certificate profiles") && cps.contains("1.2.392.200212.1.1.1"),
        "the CPS rendered from the policy"
    );
    let spec: serde_json::Value = anyone
        .get(format!("{}/openapi.json", h.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(spec["paths"]["/api/enroll"]["post"].is_object());
}

#[tokio::test]
async fn oversized_bodies_are_refused() {
    let h = start().await;
    let big = "x".repeat(200_000);
    let r = client()
        .post(format!("{}/api/enroll", h.base))
        .header("content-type", "application/json")
        .body(format!("{{\"password\":\"{big}\",\"csr\":\"\"}}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
}

/// R-5.2-DUAL-CHECK: the supervisor sees what the operators did; R-5.4-RA-EVENTS: logins,
/// failed logins and every operation are audited; R-9.3-CONFIDENTIAL: no secret is.
/// Proves: R-5.4-RA-EVENTS, R-5.2-DUAL-CHECK, R-6.5-ACCESS-LOG, R-9.3-CONFIDENTIAL.
#[tokio::test]
async fn r_5_4_ra_events_are_audited_without_secrets_and_reviewed_by_the_supervisor() {
    let h = start().await;
    let bad = client()
        .post(format!("{}/api/ra/login", h.base))
        .json(&json!({ "login": "olive", "password": "not the password" }))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 401);
    let passwords = approved(&h, "950001", "m@audit.example", &["000001"]).await;
    let (s, _) = enroll(&h, &passwords[0].1, &csr(1)).await;
    assert_eq!(s, 201);
    let (s, v) = get(
        &staff(&h, "sam").await,
        format!("{}/api/ra/operator-actions", h.base),
    )
    .await;
    assert_eq!(s, 200);
    let actions = v["actions"].as_array().unwrap();
    assert!(
        actions
            .iter()
            .any(|a| a["actor"] == "olive" && a["details"]["operation"] == "add-developer"),
        "{v}"
    );
    assert!(
        actions
            .iter()
            .any(|a| a["actor"] == "olive" && a["event"] == "form-received"),
        "{v}"
    );
    let ca = inkan_runtime::ca::Ca::open(&dir(&h), &|id| inkan_policies::by_id(id)).unwrap();
    let entries = ca.store().audit_entries().unwrap();
    assert!(
        entries
            .iter()
            .any(|e| e.event == "ra-login" && e.actor == "olive" && e.details.contains("failed"))
    );
    let secret = passwords[0].1.split_once('-').unwrap().1;
    for e in &entries {
        assert!(
            !e.details.contains(secret)
                && !e.details.contains(PASSWORD)
                && !e.details.contains("not the password"),
            "a secret in {e:?}"
        );
    }
    assert!(ca.verify_audit().unwrap().ok());
}
