//! The RA's archive is kept as the policy says (R-5.5-ARCHIVE): under the faithful
//! policy the RA's electronic records stay at least one year after they are closed.
//! A day before that nothing goes; a day after, the closed cases go and the open ones
//! stay, a developer off the list goes once nothing refers to it, the certificates
//! stay for ever, and each purge is audited. Each kind of record keeps its own
//! period, and a developer's removal, its record of leaving, also the developers'.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

use common::*;
use inkan_runtime::archive::Records;
use inkan_runtime::calendar::Timestamp;
use serde_json::json;

fn at(s: &str) -> Timestamp {
    Timestamp::parse_rfc3339(s).unwrap()
}

fn count(h: &Harness, sql: &str) -> i64 {
    store(h)
        .query_opt(sql, &[])
        .unwrap()
        .unwrap()
        .get(0)
        .unwrap()
}

/// The application `id` refused at its examination.
async fn refuse(h: &Harness, id: i64) {
    let (s, v) = step(h, "erin", "applications", id, "examine-application", false).await;
    assert_eq!((s, v["status"].as_str()), (200, Some("rejected")), "{v}");
}

/// The developer `number` taken off the list: asked by the supervisor and
/// countersigned by the operator; the removal's id.
async fn remove(h: &Harness, number: &str) -> i64 {
    let (s, v) = post(
        &staff(h, "sam").await,
        format!("{}/api/ra/developers/{number}/removal", h.base),
        json!({}),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    let removal = v["id"].as_i64().unwrap();
    let (s, v) = step(
        h,
        "olive",
        "developer-removals",
        removal,
        "countersign-developer-removal",
        true,
    )
    .await;
    assert_eq!(s, 200, "{v}");
    removal
}

/// Proves: R-5.5-ARCHIVE.
#[tokio::test]
async fn r_5_5_archive_closed_records_stay_their_period_and_open_ones_stay() {
    let h = start_at("jpcert-ssl-client", at("2026-06-01T01:00:00Z")).await;
    let op = staff(&h, "olive").await;
    // Closed: an application the examiner refused, and one approved and enrolled.
    register(&h, "810001", "m@a.example").await;
    let form = json!({ "developer": "810001", "form": application_form("m@a.example"), "holders": ["000009"] });
    let (_, v) = post(&op, format!("{}/api/ra/applications", h.base), form.clone()).await;
    let refused = v["id"].as_i64().unwrap();
    refuse(&h, refused).await;
    let passwords = approved(&h, "810001", "m@a.example", &["000001"]).await;
    let (s, issued) = enroll(&h, &passwords[0].1, &csr(1)).await;
    assert_eq!(s, 201, "{issued}");
    let serial = issued["serial"].as_str().unwrap().to_string();
    // Open: an application nobody examined, and a revocation form nobody checked.
    let (_, v) = post(&op, format!("{}/api/ra/applications", h.base), form).await;
    let open = v["id"].as_i64().unwrap();
    let pending = revocation_form(&h, &serial, "810001", "key-loss").await;
    // Closed: a developer removed from the list, with no certificate.
    register(&h, "820002", "m@b.example").await;
    remove(&h, "820002").await;

    let ca = inkan_runtime::ca::Ca::open(&dir(&h), &|id| inkan_policies::by_id(id)).unwrap();
    let mut ra = inkan_server::ra::Ra::open(&dir(&h), ca.policy().definition()).unwrap();
    let before = ra
        .purge_archive(at("2027-05-31T01:00:00Z"), "archivist")
        .unwrap();
    assert!(
        before.removed.iter().all(|(_, n)| *n == 0),
        "a day early: {before:?}"
    );
    assert_eq!(count(&h, "SELECT count(*) FROM applications"), 3);

    let after = ra
        .purge_archive(at("2027-06-02T01:00:00Z"), "archivist")
        .unwrap();
    assert_eq!(after.of(Records::Applications), 2, "{after:?}");
    assert_eq!(
        after.of(Records::RevocationRequests),
        0,
        "the open form stays: {after:?}"
    );
    assert_eq!(after.of(Records::DeveloperRemovals), 1, "{after:?}");
    let left: Vec<i64> = store(&h)
        .query("SELECT id FROM applications ORDER BY id", &[])
        .unwrap()
        .iter()
        .map(|r| r.get(0).unwrap())
        .collect();
    assert_eq!(left, [open], "only the open application stays");
    assert_eq!(
        count(
            &h,
            &format!("SELECT count(*) FROM revocation_requests WHERE id = {pending}")
        ),
        1
    );
    assert_eq!(
        count(
            &h,
            &format!(
                "SELECT count(*) FROM workflow_steps WHERE subject = 'application' AND case_id = {refused}"
            )
        ),
        0,
        "a purged case's steps go with it"
    );
    // The removed developer goes at the next purge, once nothing refers to it; the
    // listed one stays.
    let again = ra
        .purge_archive(at("2027-06-02T02:00:00Z"), "archivist")
        .unwrap();
    assert_eq!(again.of(Records::Developers), 1, "{again:?}");
    assert_eq!(
        count(
            &h,
            "SELECT count(*) FROM developers WHERE number = '820002'"
        ),
        0
    );
    assert_eq!(
        count(
            &h,
            "SELECT count(*) FROM developers WHERE number = '810001'"
        ),
        1
    );
    // Certificates are never purged.
    assert!(ca.store().certificate(&serial).unwrap().is_some());
    let audited = audit_details(&h, "archive-purged");
    assert_eq!(audited.len(), 3, "{audited:?}");
    assert!(audited[1].contains("applications=2"), "{audited:?}");
}

/// Proves: R-5.5-ARCHIVE.
/// Under the test variant, whose developers' records stay 2 years and the others 1:
/// a refused application goes when its own year has run, while a developer's removal,
/// closed the same day, stays until the developers' two years have run from it too,
/// and the developer goes after it.
#[tokio::test]
async fn r_5_5_archive_a_removal_stays_the_developers_period_and_an_application_its_own() {
    let id = "jpcert-ssl-client-variant";
    let h = start_at(id, at("2026-06-01T01:00:00Z")).await;
    register(&h, "830003", "m@c.example").await;
    let form = json!({ "developer": "830003", "form": as_the_policy_asks(&h, application_form("m@c.example")), "holders": ["000009"] });
    let (s, v) = post(
        &staff(&h, "olive").await,
        format!("{}/api/ra/applications", h.base),
        form,
    )
    .await;
    assert_eq!(s, 201, "{v}");
    let application = v["id"].as_i64().unwrap();
    refuse(&h, application).await;
    let removal = remove(&h, "830003").await;

    let ca = inkan_runtime::ca::Ca::open(&dir(&h), &|id| lookup(id)).unwrap();
    let mut ra = inkan_server::ra::Ra::open(&dir(&h), ca.policy().definition()).unwrap();
    let a_year_on = ra
        .purge_archive(at("2027-06-02T01:00:00Z"), "archivist")
        .unwrap();
    assert_eq!(a_year_on.of(Records::Applications), 1, "{a_year_on:?}");
    assert_eq!(
        a_year_on.of(Records::DeveloperRemovals),
        0,
        "the removal stays the developers' period: {a_year_on:?}"
    );
    assert_eq!(a_year_on.of(Records::Developers), 0, "{a_year_on:?}");
    assert_eq!(
        count(
            &h,
            &format!("SELECT count(*) FROM applications WHERE id = {application}")
        ),
        0
    );

    let two_years_on = ra
        .purge_archive(at("2028-06-02T01:00:00Z"), "archivist")
        .unwrap();
    assert_eq!(
        two_years_on.of(Records::DeveloperRemovals),
        1,
        "{two_years_on:?}"
    );
    assert_eq!(
        count(
            &h,
            &format!("SELECT count(*) FROM developer_removals WHERE id = {removal}")
        ),
        0
    );
    // The developer goes at the next purge: a purge picks the developers to remove
    // before it removes the removal that still referred to this one.
    let then = ra
        .purge_archive(at("2028-06-02T02:00:00Z"), "archivist")
        .unwrap();
    assert_eq!(then.of(Records::Developers), 1, "{then:?}");
}
