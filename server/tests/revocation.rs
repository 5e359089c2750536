//! Revocation through the service over real HTTP: who may ask, the manager's mailed
//! confirmation, two staff confirming a compromise by telephone, a developer's removal,
//! deadlines; each revocation checked on the CRL the repository serves. Each test names
//! the CPS rule it proves.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

use common::*;
use serde_json::json;
use x509_parser::prelude::*;

async fn revoked_serials(h: &Harness) -> Vec<(String, Option<u8>)> {
    let bytes = get_bytes(format!("{}/ca-info/crl-list.crl", h.base)).await;
    let (_, crl) = CertificateRevocationList::from_der(&bytes).unwrap();
    crl.iter_revoked_certificates()
        .map(|r| (hex(r.raw_serial()), r.reason_code().map(|(_, c)| c.0)))
        .collect()
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Removes a developer as the faithful policy has it: the supervisor decides, an
/// operator countersigns (R-4.11-LEAVE, R-5.2-SEPARATION).
async fn remove(h: &Harness, developer: &str) {
    let (s, v) = post(
        &staff(h, "sam").await,
        format!("{}/api/ra/developers/{developer}/removal", h.base),
        json!({}),
    )
    .await;
    assert_eq!((s, v["status"].as_str()), (201, Some("proposed")), "{v}");
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
    assert_eq!((s, v["status"].as_str()), (200, Some("carried-out")), "{v}");
}

/// Proves: R-4.9-WHO.
#[tokio::test]
async fn r_4_9_who_a_manager_cannot_revoke_another_organisations_certificate() {
    let h = start().await;
    let a = approved(&h, "700001", "a@a.example", &["000001"]).await;
    approved(&h, "700002", "b@b.example", &["000001"]).await;
    let (_, v) = enroll(&h, &a[0].1, &csr(1)).await;
    let serial = v["serial"].as_str().unwrap();
    let (s, v) = post(&staff(&h, "olive").await, format!("{}/api/ra/revocations", h.base), json!({ "serial": serial, "developer": "700002", "reason": "cessation-of-use", "requested_by": "applicant-manager", "form": revocation_paper() })).await;
    assert_eq!(s, 403, "{v}");
    assert!(v["detail"].as_str().unwrap().contains("R-4.9-WHO"));
}

/// Proves: R-3.4-REVOKE-CONFIRM, R-4.9-REASONS.
#[tokio::test]
async fn r_3_4_revoke_confirm_only_the_managers_confirmation_revokes() {
    let h = start().await;
    let p = approved(&h, "800001", "manager@org.example", &["000001"]).await;
    let (_, v) = enroll(&h, &p[0].1, &csr(1)).await;
    let serial = v["serial"].as_str().unwrap().to_string();
    let id = revocation_form(&h, &serial, "800001", "cessation-of-use").await;
    // R-3.4-REVOKE-FORM: the form's content is recorded with the request.
    let olive = staff(&h, "olive").await;
    let (_, form) = get(&olive, format!("{}/api/ra/revocations/{id}", h.base)).await;
    assert_eq!(
        (
            form["serial"].as_str(),
            form["developer"].as_str(),
            form["reason"].as_str(),
            form["requested_by"].as_str()
        ),
        (
            Some(serial.as_str()),
            Some("800001"),
            Some("cessation-of-use"),
            Some("applicant-manager")
        )
    );
    // The form is checked twice (R-5.2-DUAL-CHECK); only its acceptance mails the
    // confirmation, to the address on file, and nothing is revoked yet.
    let (s, v) = step(
        &h,
        "erin",
        "revocations",
        id,
        "examine-revocation-form",
        true,
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let (s, v) = step(&h, "sam", "revocations", id, "accept-revocation-form", true).await;
    assert_eq!(
        (s, v["status"].as_str()),
        (200, Some("awaiting-confirmation")),
        "{v}"
    );
    let mail = h.sink.wait_for("revocation/confirm?token=").await;
    assert!(mail.contains("manager@org.example"));
    tokio::time::sleep(std::time::Duration::from_millis(1200)).await; // a scheduler tick may publish a CRL
    assert!(
        !revoked_serials(&h).await.iter().any(|(s, _)| *s == serial),
        "unconfirmed: not revoked"
    );
    let token = token_in(&mail);
    let page = client()
        .get(format!("{}/revocation/confirm?token={token}", h.base))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert_eq!(confirm_revocation(&h, &token).await, 200);
    let list = revoked_serials(&h).await;
    assert!(
        list.iter()
            .any(|(s, code)| *s == serial && *code == Some(5)),
        "cessationOfOperation on the republished CRL: {list:?}"
    );
    // The link works once.
    assert_eq!(confirm_revocation(&h, &token).await, 404);
    // The log says who revoked: the developer's manager, through the link.
    let actor: String = store(&h)
        .query_opt(
            "SELECT actor FROM audit WHERE event = 'certificate-revoked'",
            &[],
        )
        .unwrap()
        .unwrap()
        .get(0)
        .unwrap();
    assert_eq!(actor, "manager:800001");
}

/// Proves: R-4.9-COMPROMISE, R-5.7-COMPROMISE, R-5.2-SEPARATION, R-4.9-REASONS.
#[tokio::test]
async fn r_4_9_compromise_two_staff_confirm_by_phone_and_the_crl_follows_at_once() {
    let h = start().await;
    let p = approved(&h, "900001", "m@c.example", &["000001"]).await;
    let (_, v) = enroll(&h, &p[0].1, &csr(1)).await;
    let serial = v["serial"].as_str().unwrap().to_string();
    let id = revocation_form(&h, &serial, "900001", "key-compromise").await;
    let phone = "confirm-revocation-by-phone";
    let (s, v) = step(&h, "olive", "revocations", id, phone, true).await;
    assert_eq!(s, 200, "{v}");
    let (s, v) = step(&h, "olive", "revocations", id, phone, true).await;
    assert_eq!(s, 403, "the same person cannot confirm twice: {v}");
    assert!(
        v["detail"].as_str().unwrap().contains("R-5.2-SEPARATION"),
        "{v}"
    );
    let (s, v) = step(&h, "sam", "revocations", id, phone, true).await;
    assert_eq!((s, v["status"].as_str()), (200, Some("revoked")), "{v}");
    assert!(
        revoked_serials(&h).await.contains(&(serial, Some(1))),
        "keyCompromise on the CRL at once"
    );
}

/// Proves: R-4.11-LEAVE, R-4.1-ELIGIBLE.
#[tokio::test]
async fn r_4_11_leave_removing_a_developer_revokes_all_its_certificates() {
    let h = start().await;
    let p = approved(&h, "910001", "m@leave.example", &["000001", "000002"]).await;
    let mut serials = Vec::new();
    for (i, (_, pw)) in p.iter().enumerate() {
        let (s, v) = enroll(&h, pw, &csr(i as u32 + 1)).await;
        assert_eq!(s, 201);
        serials.push(v["serial"].as_str().unwrap().to_string());
    }
    remove(&h, "910001").await;
    let list = revoked_serials(&h).await;
    for serial in &serials {
        assert!(
            list.iter().any(|(s, code)| s == serial && *code == Some(3)),
            "{serial} revoked as affiliationChanged"
        );
    }
    let (s, _) = post(
        &staff(&h, "olive").await,
        format!("{}/api/ra/applications", h.base),
        json!({ "developer": "910001", "form": application_form("m@leave.example"), "holders": ["000003"] }),
    )
    .await;
    assert_eq!(s, 403, "a removed developer can no longer apply");
}

/// The deadline is 10 business days in the policy's calendar (R-4.9-DEADLINE): Japan
/// time, Saturdays and Sundays off, and Japan's public holidays. A form accepted on
/// Friday 8 January 2027 at 10:00 in Tokyo skips the weekend and Coming of Age Day
/// (Monday 11 January): the tenth business day is Monday 25 January, so the request is
/// due by midnight that day in Tokyo (15:00 UTC), and overdue from that instant, not a
/// second before. Worked out on a printed calendar; counting Monday to Friday in UTC
/// would give Friday 22 January.
/// Proves: R-4.9-DEADLINE.
#[tokio::test]
async fn r_4_9_deadline_counts_business_days_in_the_policys_calendar() {
    let at = |s: &str| inkan_runtime::calendar::Timestamp::parse_rfc3339(s).unwrap();
    let h = start_at("jpcert-ssl-client", at("2027-01-08T01:00:00Z")).await;
    let p = approved(&h, "921001", "m@deadline.example", &["000001"]).await;
    let (s, v) = enroll(&h, &p[0].1, &csr(1)).await;
    assert_eq!(s, 201, "{v}");
    let olive = staff(&h, "olive").await;
    let (s, v) = post(&olive, format!("{}/api/ra/revocations", h.base), json!({ "serial": v["serial"], "developer": "921001", "reason": "other", "requested_by": "applicant-manager", "form": revocation_paper() })).await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["deadline"], "2027-01-25T15:00:00Z", "{v}");
    for (t, overdue) in [("2027-01-25T14:59:59Z", 0), ("2027-01-25T15:00:00Z", 1)] {
        let state = &h.server.as_ref().unwrap().state;
        state.set_clock(at(t)).await.unwrap();
        // Weeks later, the morning's session has expired: log in again.
        let olive = staff(&h, "olive").await;
        let (s, list) = get(&olive, format!("{}/api/ra/revocations/overdue", h.base)).await;
        assert_eq!(s, 200, "{list}");
        assert_eq!(
            list["overdue"].as_array().unwrap().len(),
            overdue,
            "at {t}: {list}"
        );
    }
}

/// After a revocation a new certificate is a new issuance with the whole procedure
/// (R-3.3-REISSUE): the subscriber's spent password does not enroll again; a new
/// application, examined and decided, gives a new password and a new name (the next
/// letter of the fiscal year), never the revoked certificate back.
/// Proves: R-3.3-REISSUE.
#[tokio::test]
async fn r_3_3_reissue_a_revoked_subscriber_needs_a_new_application() {
    let h = start().await;
    let first = approved(&h, "434343", "m@d.example", &["000001"]).await;
    let (s, issued) = enroll(&h, &first[0].1, &csr(1)).await;
    assert_eq!(s, 201, "{issued}");
    let serial = issued["serial"].as_str().unwrap().to_string();
    revoke_confirmed(&h, &serial, "434343", "key-loss").await;
    let (s, again) = enroll(&h, &first[0].1, &csr(1)).await;
    assert_eq!(s, 401, "a spent password does not issue again: {again}");
    let second = approved(&h, "434343", "m@d.example", &["000001"]).await;
    assert_ne!(second[0].1, first[0].1);
    let (s, renewed) = enroll(&h, &second[0].1, &csr(1)).await;
    assert_eq!(s, 201, "{renewed}");
    assert_ne!(renewed["serial"], issued["serial"]);
    let cn = |v: &serde_json::Value| {
        v["subject"]
            .as_str()
            .unwrap()
            .split(',')
            .find_map(|p| p.strip_prefix("CN=").map(str::to_string))
            .unwrap()
    };
    let (old, new) = (cn(&issued), cn(&renewed));
    assert_eq!(&old[..old.len() - 1], &new[..new.len() - 1]);
    assert_eq!(
        (old.chars().last(), new.chars().last()),
        (Some('a'), Some('b')),
        "a new name: {old} then {new}"
    );
}

/// Who may revoke (R-4.9-WHO): an applicant manager's form, recorded by whoever the
/// policy lets record forms (the operator), or the CA itself, decided by whoever the
/// policy lets revoke as the CA (the supervisor); neither may do the other's. The CA's
/// own decision revokes once another person countersigns it (CPS 5.2.4), and is then
/// on the CRL at once.
/// Proves: R-4.9-WHO, R-5.2-RA-ROLES.
#[tokio::test]
async fn r_4_9_who_forms_and_the_cas_own_revocations_are_each_for_their_role() {
    let h = start().await;
    let passwords = approved(&h, "525252", "m@who.example", &["000001"]).await;
    let (s, issued) = enroll(&h, &passwords[0].1, &csr(1)).await;
    assert_eq!(s, 201, "{issued}");
    let serial = issued["serial"].as_str().unwrap();
    let form = |by: &str| json!({ "serial": serial, "developer": "525252", "reason": "other", "requested_by": by });
    let url = format!("{}/api/ra/revocations", h.base);
    let (operator, supervisor) = (staff(&h, "olive").await, staff(&h, "sam").await);
    let (s, v) = post(&operator, url.clone(), form("ca")).await;
    assert_eq!(s, 403, "the operator revoked as the CA: {v}");
    assert!(
        v["detail"].as_str().unwrap().contains("revoke-as-ca"),
        "{v}"
    );
    let (s, v) = post(&supervisor, url.clone(), form("applicant-manager")).await;
    assert_eq!(s, 403, "the supervisor recorded a manager's form: {v}");
    assert!(
        v["detail"]
            .as_str()
            .unwrap()
            .contains("record-revocation-form"),
        "{v}"
    );
    assert!(revoked_serials(&h).await.is_empty(), "nothing was revoked");
    let (s, v) = post(&supervisor, url, form("ca")).await;
    assert_eq!(s, 201, "{v}");
    let id = v["id"].as_i64().unwrap();
    let (s, v) = step(
        &h,
        "olive",
        "revocations",
        id,
        "countersign-ca-revocation",
        true,
    )
    .await;
    assert_eq!((s, v["status"].as_str()), (200, Some("revoked")), "{v}");
    assert!(
        revoked_serials(&h).await.iter().any(|(s, _)| s == serial),
        "on the CRL at once"
    );
}

/// A developer removed from the list takes its unredeemed passwords with it (the
/// faithful policy's `void_when: [developer-removed]`; R-4.11-LEAVE, R-4.1-ELIGIBLE):
/// a holder who had not enrolled yet cannot enroll after the removal.
/// Proves: R-4.11-LEAVE, R-4.1-ELIGIBLE.
#[tokio::test]
async fn r_4_11_leave_a_removed_developers_unredeemed_passwords_are_void() {
    let h = start().await;
    let passwords = approved(&h, "626262", "m@leave.example", &["000001", "000002"]).await;
    let (s, v) = enroll(&h, &passwords[0].1, &csr(1)).await;
    assert_eq!(s, 201, "{v}");
    remove(&h, "626262").await;
    let (s, v) = enroll(&h, &passwords[1].1, &csr(2)).await;
    assert_eq!(s, 401, "a removed developer's password still enrolled: {v}");
    let audited: Vec<String> = audit_details(&h, "certificate-application");
    assert!(
        audited.iter().any(|d| d.contains("removed from the list")),
        "the refusal is audited with its reason: {audited:?}"
    );
}
