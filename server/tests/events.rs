//! The CA events of R-5.4-CA-EVENTS that happen outside software (room entry and exit,
//! access to CA systems, security file operations) are recorded through the service
//! by the role the policy gives `record-ca-event`, into the CA's audit log; nobody else
//! may, and no event the software records itself can be entered by hand.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

use common::*;
use serde_json::json;

/// Proves: R-5.4-CA-EVENTS, R-5.2-RA-ROLES.
#[tokio::test]
async fn r_5_4_ca_events_the_policys_role_records_what_happens_outside_software() {
    let h = start().await;
    let url = format!("{}/api/ra/ca-events", h.base);
    let entry =
        json!({ "event": "ca-room-entry", "person": "Kei Kato", "note": "door 2, 09:10-09:40" });
    let (s, v) = post(&staff(&h, "fay").await, url.clone(), entry.clone()).await;
    assert_eq!(s, 201, "{v}");
    let (s, v) = post(&staff(&h, "olive").await, url.clone(), entry).await;
    assert_eq!(s, 403, "the operator records CA events: {v}");
    assert!(
        v["detail"].as_str().unwrap().contains("record-ca-event"),
        "{v}"
    );
    let forged = json!({ "event": "certificate-issued", "person": "Kei Kato" });
    let (s, v) = post(&staff(&h, "fay").await, url.clone(), forged).await;
    assert!(
        s == 400 || s == 422,
        "an event the software records was entered: {s} {v}"
    );
    assert!(
        v["detail"].as_str().unwrap().contains("R-5.4-CA-EVENTS"),
        "{v}"
    );
    let nobody = json!({ "event": "ca-system-access", "person": " " });
    let (s, v) = post(&staff(&h, "fay").await, url, nobody).await;
    assert!(s == 400 || s == 422, "an entry about no one: {s} {v}");
    let entries = audit_details(&h, "ca-room-entry");
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert!(
        entries[0].contains("Kei Kato") && entries[0].contains("door 2"),
        "{entries:?}"
    );
    let issued_by_fay: i64 = store(&h)
        .query_opt(
            "SELECT count(*) FROM audit WHERE event = 'certificate-issued' AND actor = 'fay'",
            &[],
        )
        .unwrap()
        .unwrap()
        .get(0)
        .unwrap();
    assert_eq!(issued_by_fay, 0);
}
