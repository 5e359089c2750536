//! The service's permissions are the policy's (issue 12): the same server code, run
//! under the faithful policy and under a test variant that differs only in what its
//! roles may do (`tests/policies/jpcert-ssl-client-variant.yaml`: the examiner may also
//! register developers, the operator may not list overdue revocations, the examiner's
//! actions are reviewed too), behaves as each policy says, over real HTTP.

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
