//! The RA's cases move as the policy's workflows say, over real HTTP: a revocation
//! form is checked by the examiner and then the supervisor before the manager is asked
//! to confirm (CPS 5.2.2: every form); the CA's own revocation and a developer's
//! removal each take a second person (CPS 5.2.4); and under the test variant, whose
//! workflows differ, the same server code does what the variant says.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

use common::*;
use serde_json::json;

/// A developer with one enrolled certificate; returns its serial.
async fn certificate(h: &Harness, developer: &str) -> String {
    let p = approved(h, developer, "m@flow.example", &["000001"]).await;
    let (s, v) = enroll(h, &p[0].1, &csr(1)).await;
    assert_eq!(s, 201, "{v}");
    v["serial"].as_str().unwrap().to_string()
}

/// The serials on the CRL the repository serves.
async fn on_crl(h: &Harness) -> Vec<String> {
    use x509_parser::prelude::*;
    let bytes = get_bytes(format!("{}/ca-info/crl-list.crl", h.base)).await;
    let (_, crl) = CertificateRevocationList::from_der(&bytes).unwrap();
    crl.iter_revoked_certificates()
        .map(|r| r.raw_serial().iter().map(|b| format!("{b:02x}")).collect())
        .collect()
}

/// Confirmation links queued so far.
fn links_queued(h: &Harness) -> i64 {
    store(h)
        .query_opt(
            "SELECT count(*) FROM outbox WHERE body LIKE '%revocation/confirm?token=%'",
            &[],
        )
        .unwrap()
        .unwrap()
        .get(0)
        .unwrap()
}

/// CPS 5.2.2: the examiner and the supervisor check every form, a revocation form
/// too, before it is accepted; only an accepted form mails the manager the link. A form
/// the examiner refuses is over: no mail, not overdue, nothing revoked.
/// Proves: R-5.2-DUAL-CHECK.
#[tokio::test]
async fn r_5_2_dual_check_a_revocation_form_is_checked_twice_before_the_manager_is_asked() {
    let now = inkan_runtime::calendar::Timestamp::now();
    let h = start_at("jpcert-ssl-client", now).await;
    let serial = certificate(&h, "740001").await;
    let id = revocation_form(&h, &serial, "740001", "key-loss").await;
    let form = async |id: i64, login: &str, action: &str, accept: bool| {
        step(&h, login, "revocations", id, action, accept).await
    };
    assert_eq!(links_queued(&h), 0, "recording a form mails nothing");
    let (s, v) = form(id, "sam", "accept-revocation-form", true).await;
    assert_eq!(s, 409, "the supervisor accepted an unexamined form: {v}");
    assert!(
        v["detail"]
            .as_str()
            .unwrap()
            .contains("examine-revocation-form"),
        "{v}"
    );
    let (s, _) = form(id, "olive", "examine-revocation-form", true).await;
    assert_eq!(s, 403, "the operator is not the examiner");
    let (s, v) = form(id, "erin", "examine-revocation-form", true).await;
    assert_eq!((s, v["status"].as_str()), (200, Some("examined")), "{v}");
    // The answer says the case is open and what comes next, by whom, as the policy has it.
    assert_eq!(v["over"], json!(false), "{v}");
    assert_eq!(
        v["next"],
        json!([{ "by": "accept-revocation-form", "roles": ["supervisor"], "refusable": true, "not_by": ["examine-revocation-form"] }]),
        "{v}"
    );
    assert_eq!(links_queued(&h), 0, "an examined form mails nothing yet");
    let (s, _) = form(id, "erin", "accept-revocation-form", true).await;
    assert_eq!(s, 403, "the examiner cannot accept");
    let (s, v) = form(id, "sam", "accept-revocation-form", true).await;
    assert_eq!(
        (s, v["status"].as_str()),
        (200, Some("awaiting-confirmation")),
        "{v}"
    );
    assert_eq!(links_queued(&h), 1, "the accepted form mails the link");

    // Another form, refused by the examiner: over, never mailed, never overdue.
    let serial2 = certificate(&h, "740002").await;
    let id2 = revocation_form(&h, &serial2, "740002", "other").await;
    let (s, v) = form(id2, "erin", "examine-revocation-form", false).await;
    assert_eq!(
        (s, v["status"].as_str(), v["over"].as_bool()),
        (200, Some("rejected"), Some(true)),
        "{v}"
    );
    let (s, v) = form(id2, "sam", "accept-revocation-form", true).await;
    assert_eq!(s, 409, "a rejected form cannot be accepted: {v}");
    assert_eq!(links_queued(&h), 1);
    let state = &h.server.as_ref().unwrap().state;
    let later = now.unix() + 40 * 86_400;
    state
        .set_clock(inkan_runtime::calendar::Timestamp::from_unix(later).unwrap())
        .await
        .unwrap();
    let (_, overdue) = get(
        &staff(&h, "olive").await,
        format!("{}/api/ra/revocations/overdue", h.base),
    )
    .await;
    let ids: Vec<i64> = overdue["overdue"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [id], "only the open request is overdue: {overdue}");
    assert!(on_crl(&h).await.is_empty(), "nothing revoked");
}

/// CPS 5.2.4: each revocation is checked by more than one person. The supervisor's
/// decision to revoke as the CA revokes nothing until an operator countersigns it; the
/// countersigning operator may also refuse it.
/// Proves: R-5.2-SEPARATION, R-4.9-WHO.
#[tokio::test]
async fn r_5_2_separation_the_cas_own_revocation_takes_a_second_person() {
    let h = start().await;
    let serial = certificate(&h, "750001").await;
    let sam = staff(&h, "sam").await;
    let form =
        json!({ "serial": serial, "developer": "750001", "reason": "other", "requested_by": "ca" });
    let (s, v) = post(&sam, format!("{}/api/ra/revocations", h.base), form.clone()).await;
    assert_eq!((s, v["status"].as_str()), (201, Some("proposed")), "{v}");
    let id = v["id"].as_i64().unwrap();
    assert!(
        on_crl(&h).await.is_empty(),
        "a decision alone revokes nothing"
    );
    let (s, _) = step(
        &h,
        "sam",
        "revocations",
        id,
        "countersign-ca-revocation",
        true,
    )
    .await;
    assert_eq!(s, 403, "the supervisor countersigned their own decision");
    let (s, v) = step(
        &h,
        "olive",
        "revocations",
        id,
        "countersign-ca-revocation",
        false,
    )
    .await;
    assert_eq!((s, v["status"].as_str()), (200, Some("withdrawn")), "{v}");
    assert!(
        on_crl(&h).await.is_empty(),
        "a refused decision revokes nothing"
    );
    let (s, v) = post(&sam, format!("{}/api/ra/revocations", h.base), form).await;
    assert_eq!(s, 201, "{v}");
    let id = v["id"].as_i64().unwrap();
    let (s, v) = step(
        &h,
        "otto",
        "revocations",
        id,
        "countersign-ca-revocation",
        true,
    )
    .await;
    assert_eq!((s, v["status"].as_str()), (200, Some("revoked")), "{v}");
    assert_eq!(on_crl(&h).await, [serial], "on the CRL at once");
    let (_, req) = get(&sam, format!("{}/api/ra/revocations/{id}", h.base)).await;
    let by: Vec<&str> = req["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["by"].as_str().unwrap())
        .collect();
    assert_eq!(by, ["sam", "otto"], "{req}");
}

/// R-4.11-LEAVE under CPS 5.2.4: removing a developer is decided by the supervisor and
/// carried out only when another person countersigns; until then the developer is
/// listed, its certificates valid, and it may still apply.
/// Proves: R-4.11-LEAVE, R-5.2-SEPARATION.
#[tokio::test]
async fn r_4_11_leave_a_removal_takes_effect_only_when_countersigned() {
    let h = start().await;
    let serial = certificate(&h, "760001").await;
    let sam = staff(&h, "sam").await;
    let (s, v) = post(
        &sam,
        format!("{}/api/ra/developers/760001/removal", h.base),
        json!({}),
    )
    .await;
    assert_eq!((s, v["status"].as_str()), (201, Some("proposed")), "{v}");
    let id = v["id"].as_i64().unwrap();
    assert!(on_crl(&h).await.is_empty(), "a proposal revokes nothing");
    let (s, v) = post(
        &staff(&h, "olive").await,
        format!("{}/api/ra/applications", h.base),
        json!({ "developer": "760001", "form": application_form("m@flow.example"), "holders": ["000002"] }),
    )
    .await;
    assert_eq!(s, 201, "still listed while the removal waits: {v}");
    let (s, v) = step(
        &h,
        "olive",
        "developer-removals",
        id,
        "countersign-developer-removal",
        true,
    )
    .await;
    assert_eq!((s, v["status"].as_str()), (200, Some("carried-out")), "{v}");
    assert_eq!(v["revoked_serials"], json!([serial]), "{v}");
    let (_, removal) = get(&sam, format!("{}/api/ra/developer-removals/{id}", h.base)).await;
    assert_eq!(removal["status"], "carried-out", "{removal}");
}

/// The variant's workflows, run by the same server: key compromise too takes the dual
/// check and the e-mailed confirmation (there is no telephone path), and the supervisor,
/// who may countersign a CA revocation there, still may not countersign their own.
/// Proves: R-5.2-DUAL-CHECK, R-5.2-SEPARATION.
#[tokio::test]
async fn the_variants_workflows_change_the_service_without_changing_its_code() {
    let h = start_for("jpcert-ssl-client-variant", |_| {}).await;
    let serial = certificate(&h, "770001").await;
    let id = revocation_form(&h, &serial, "770001", "key-compromise").await;
    let (s, v) = step(
        &h,
        "olive",
        "revocations",
        id,
        "confirm-revocation-by-phone",
        true,
    )
    .await;
    assert_eq!(s, 409, "no telephone path in the variant: {v}");
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
    assert_eq!(confirm_revocation(&h, &token_in(&mail)).await, 200);
    assert_eq!(on_crl(&h).await, std::slice::from_ref(&serial));

    let serial2 = certificate(&h, "770002").await;
    let sam = staff(&h, "sam").await;
    let (s, v) = post(
        &sam,
        format!("{}/api/ra/revocations", h.base),
        json!({ "serial": serial2, "developer": "770002", "reason": "other", "requested_by": "ca" }),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    let id = v["id"].as_i64().unwrap();
    let (s, v) = step(
        &h,
        "sam",
        "revocations",
        id,
        "countersign-ca-revocation",
        true,
    )
    .await;
    assert_eq!(s, 403, "{v}");
    assert!(
        v["detail"].as_str().unwrap().contains("someone other than"),
        "not the role, the person: {v}"
    );
}

/// A step whose revocation went through but whose recording did not (a crash, a lost
/// connection between the CA's records and the RA's) is taken again: the certificate
/// is found revoked, the step is recorded, and the manager's confirmation succeeds.
#[tokio::test]
async fn a_confirmation_retried_after_its_revocation_went_through_is_recorded() {
    let h = start().await;
    let serial = certificate(&h, "780001").await;
    let id = revocation_form(&h, &serial, "780001", "key-loss").await;
    let (s, _) = step(
        &h,
        "erin",
        "revocations",
        id,
        "examine-revocation-form",
        true,
    )
    .await;
    assert_eq!(s, 200);
    let (s, _) = step(&h, "sam", "revocations", id, "accept-revocation-form", true).await;
    assert_eq!(s, 200);
    let mail = h.sink.wait_for("revocation/confirm?token=").await;
    // The CA revokes, as the first attempt did before it failed.
    let state = &h.server.as_ref().unwrap().state;
    let s2 = serial.clone();
    state
        .with_both(move |ca, _| {
            let now = inkan_runtime::calendar::Timestamp::now();
            Ok::<_, inkan_server::ra::RaError>(ca.revoke(&s2, "key-loss", now, "first-attempt")?)
        })
        .await
        .unwrap();
    assert_eq!(confirm_revocation(&h, &token_in(&mail)).await, 200);
    let (_, req) = get(
        &staff(&h, "olive").await,
        format!("{}/api/ra/revocations/{id}", h.base),
    )
    .await;
    assert_eq!(req["status"], "revoked", "{req}");
    assert_eq!(on_crl(&h).await, [serial]);
}
