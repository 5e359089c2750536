//! The paper forms over real HTTP (R-3.2-FORM-A, R-3.2-FORM-B, R-3.4-REVOKE-FORM,
//! R-3.2-ORG-CHECK): the fields each form must carry are transcribed here from the
//! CPS (3.2.2, 3.4), not read from the policy, so a policy or a server that drops one
//! fails these tests. A form lacking any of them, holding the wrong thing in one, or
//! carrying a field the policy does not name is refused before anything is stored;
//! a complete one is kept with its case. The variant policy asks less of the class A
//! form, and the same server follows it.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

use common::*;
use serde_json::{Value, json};

/// Posts `body` to `path` as `login`.
async fn send(h: &Harness, login: &str, path: &str, body: Value) -> (u16, Value) {
    post(&staff(h, login).await, format!("{}{path}", h.base), body).await
}

/// Each of `fields` dropped from `complete` in turn is refused, naming the field and
/// `rule`.
async fn each_field_is_required(
    h: &Harness,
    complete: &Value,
    fields: &[&str],
    rule: &str,
    attempt: impl Fn(Value) -> (String, Value),
) {
    for field in fields {
        let mut form = complete.clone();
        assert!(
            form.as_object_mut().unwrap().remove(*field).is_some(),
            "the test's complete form has `{field}`"
        );
        let (path, body) = attempt(form);
        let (s, v) = send(h, "olive", &path, body).await;
        assert_eq!(s, 422, "without `{field}`: {v}");
        let detail = v["detail"].as_str().unwrap();
        assert!(
            detail.contains(&format!("`{field}`")) && detail.contains(rule),
            "{detail}"
        );
    }
}

/// Proves: R-3.2-FORM-A.
#[tokio::test]
async fn r_3_2_form_a_a_class_a_application_carries_every_field_of_the_cps() {
    let h = start().await;
    let (s, v) = send(
        &h,
        "olive",
        "/api/ra/developers",
        developer("131313", "boss@a.example"),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    let complete = application_form("boss@a.example");
    let apply = |form: Value| {
        (
            "/api/ra/applications".to_string(),
            json!({ "developer": "131313", "form": form, "holders": ["000001"] }),
        )
    };
    // CPS 3.2.2 (class A): organisation name, title, manager name, address, manager
    // e-mail, telephone, the names of those who need certificates, seal or signature.
    each_field_is_required(
        &h,
        &complete,
        &[
            "organisation",
            "title",
            "manager-name",
            "address",
            "manager-email",
            "phone",
            "holder-names",
            "seal-or-signature",
        ],
        "R-3.2-FORM-A",
        apply,
    )
    .await;
    for (field, bad) in [
        ("seal-or-signature", json!(false)),
        ("holder-names", json!([])),
        ("title", json!("  ")),
        ("manager-email", json!(7)),
    ] {
        let mut form = complete.clone();
        form[field] = bad.clone();
        let (path, body) = apply(form);
        let (s, v) = send(&h, "olive", &path, body).await;
        assert_eq!(s, 422, "`{field}` = {bad}: {v}");
    }
    let mut form = complete.clone();
    form["favourite-colour"] = json!("blue");
    let (path, body) = apply(form);
    let (s, v) = send(&h, "olive", &path, body).await;
    assert_eq!(s, 422, "{v}");
    assert!(
        v["detail"].as_str().unwrap().contains("favourite-colour"),
        "{v}"
    );
    let stored = store(&h)
        .query("SELECT id FROM applications", &[])
        .unwrap()
        .len();
    assert_eq!(stored, 0, "nothing refused was stored");
    let (path, body) = apply(complete.clone());
    let (s, v) = send(&h, "olive", &path, body).await;
    assert_eq!(s, 201, "{v}");
    let id = v["id"].as_i64().unwrap();
    let (s, v) = get(
        &staff(&h, "erin").await,
        format!("{}/api/ra/applications/{id}", h.base),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["form"], complete, "the form is kept as entered");
}

/// Proves: R-3.2-FORM-B.
#[tokio::test]
async fn r_3_2_form_b_a_class_b_application_carries_every_field_of_the_cps() {
    let h = start().await;
    let mut d = developer("141414", "me@b.example");
    d["class"] = json!("B");
    d.as_object_mut().unwrap().remove("registration_form");
    let (s, v) = send(&h, "olive", "/api/ra/developers", d).await;
    assert_eq!(s, 201, "{v}");
    let complete = application_form_b("me@b.example");
    let apply = |form: Value| {
        (
            "/api/ra/applications".to_string(),
            json!({ "developer": "141414", "form": form, "holders": ["000001"] }),
        )
    };
    // CPS 3.2.2 (class B): name, address, e-mail, telephone, seal or signature.
    each_field_is_required(
        &h,
        &complete,
        &[
            "applicant-name",
            "address",
            "email",
            "phone",
            "seal-or-signature",
        ],
        "R-3.2-FORM-B",
        apply,
    )
    .await;
    let (path, body) = apply(application_form("me@b.example"));
    let (s, v) = send(&h, "olive", &path, body).await;
    assert_eq!(s, 422, "a class B developer's form is not class A's: {v}");
    let (path, body) = apply(complete);
    let (s, v) = send(&h, "olive", &path, body).await;
    assert_eq!(s, 201, "{v}");
}

/// Proves: R-3.4-REVOKE-FORM.
#[tokio::test]
async fn r_3_4_revoke_form_a_managers_request_carries_every_field_of_the_cps() {
    let h = start().await;
    let passwords = approved(&h, "151515", "boss@r.example", &["000001"]).await;
    let (s, issued) = enroll(&h, &passwords[0].1, &csr(1)).await;
    assert_eq!(s, 201, "{issued}");
    let serial = issued["serial"].as_str().unwrap().to_string();
    let request = |by: &str, form: Value| json!({ "serial": serial, "developer": "151515", "reason": "other", "requested_by": by, "form": form });
    // CPS 3.4: manager name, subscriber name, manager e-mail, seal or signature.
    each_field_is_required(
        &h,
        &revocation_paper(),
        &[
            "manager-name",
            "subscriber-name",
            "manager-email",
            "seal-or-signature",
        ],
        "R-3.4-REVOKE-FORM",
        |form| {
            (
                "/api/ra/revocations".to_string(),
                request("applicant-manager", form),
            )
        },
    )
    .await;
    let (s, v) = send(
        &h,
        "sam",
        "/api/ra/revocations",
        request("ca", revocation_paper()),
    )
    .await;
    assert_eq!(s, 422, "the CA's own revocation has no form: {v}");
    let (s, v) = send(
        &h,
        "olive",
        "/api/ra/revocations",
        request("applicant-manager", revocation_paper()),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    let id = v["id"].as_i64().unwrap();
    let (s, v) = get(
        &staff(&h, "sam").await,
        format!("{}/api/ra/revocations/{id}", h.base),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["form"], revocation_paper(), "the form is kept as entered");
}

/// Proves: R-3.2-ORG-CHECK.
#[tokio::test]
async fn r_3_2_org_check_a_class_a_developer_is_registered_with_the_evidence_of_its_check() {
    let h = start().await;
    let complete = developer("161616", "boss@o.example");
    // CPS 3.2.2: the organisation's public contact, a product fix it took part in,
    // and the registered mail that confirmed its name and address.
    each_field_is_required(
        &h,
        &complete["registration_form"],
        &["public-contact", "product-fixed", "registered-mail"],
        "R-3.2-ORG-CHECK",
        |form| {
            let mut d = complete.clone();
            d["registration_form"] = form;
            ("/api/ra/developers".to_string(), d)
        },
    )
    .await;
    let mut without = complete.clone();
    without.as_object_mut().unwrap().remove("registration_form");
    let (s, v) = send(&h, "olive", "/api/ra/developers", without).await;
    assert_eq!(s, 422, "no evidence, no registration: {v}");
    let (s, v) = send(&h, "olive", "/api/ra/developers", complete.clone()).await;
    assert_eq!(s, 201, "{v}");
    let (s, v) = get(
        &staff(&h, "olive").await,
        format!("{}/api/ra/developers/161616", h.base),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["registration_form"], complete["registration_form"]);
}

/// The variant policy's class A form has no `title`: the same server accepts a form
/// without one there, and refuses it under the faithful policy.
#[tokio::test]
async fn the_form_is_the_policys() {
    let mut answers = Vec::new();
    for id in ["jpcert-ssl-client", "jpcert-ssl-client-variant"] {
        let h = start_for(id, |_| {}).await;
        let (s, v) = send(
            &h,
            "olive",
            "/api/ra/developers",
            developer("171717", "m@v.example"),
        )
        .await;
        assert_eq!(s, 201, "{id}: {v}");
        let mut form = application_form("m@v.example");
        form.as_object_mut().unwrap().remove("title");
        let (s, v) = send(
            &h,
            "olive",
            "/api/ra/applications",
            json!({ "developer": "171717", "form": form, "holders": ["000001"] }),
        )
        .await;
        answers.push((
            s,
            v["detail"].as_str().unwrap_or_default().contains("`title`"),
        ));
    }
    assert_eq!(answers, [(422, true), (201, false)]);
}
