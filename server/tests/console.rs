//! The RA console as a browser uses it, through its HTML forms: staff log in, an
//! operator records a paper application form drawn from the policy's form, the examiner
//! and the supervisor each find it in their queue and take their step, and the
//! supervisor's page shows the passwords once (R-4.2-FLOW, R-5.2-DUAL-CHECK,
//! R-4.2-PASSWORD). Each role sees only the buttons the policy gives it; a form sent
//! from another site, or without the page's token, is refused and changes nothing; the
//! JSON lists the pages read filter and page as documented.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

use common::*;
use serde_json::Value;

/// A browser: keeps cookies, does not follow redirects (so they can be seen), reads
/// HTML.
fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .default_headers(
            [
                (reqwest::header::ACCEPT, "text/html".parse().unwrap()),
                (reqwest::header::ACCEPT_LANGUAGE, "en".parse().unwrap()),
            ]
            .into_iter()
            .collect(),
        )
        .build()
        .unwrap()
}

async fn page(b: &reqwest::Client, url: String) -> (u16, String) {
    let r = b.get(url).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

async fn submit(b: &reqwest::Client, url: String, form: &[(&str, &str)]) -> (u16, String, String) {
    let r = b.post(url).form(form).send().await.unwrap();
    let location = r
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_string())
        .unwrap_or_default();
    (r.status().as_u16(), location, r.text().await.unwrap())
}

/// The form token in a page.
fn csrf(html: &str) -> String {
    html.split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|t| t.split('"').next())
        .unwrap()
        .to_string()
}

async fn logged_in(h: &Harness, login: &str) -> (reqwest::Client, String) {
    let b = browser();
    let (s, html) = page(&b, format!("{}/ra", h.base)).await;
    assert_eq!(s, 303, "to the login form first: {html}");
    let (s, _, html) = submit(
        &b,
        format!("{}/ra/login", h.base),
        &[("login", login), ("password", "wrong")],
    )
    .await;
    assert_eq!(s, 401);
    assert!(html.contains("id=\"error\""), "{html}");
    let (s, to, _) = submit(
        &b,
        format!("{}/ra/login", h.base),
        &[("login", login), ("password", PASSWORD)],
    )
    .await;
    assert_eq!((s, to.as_str()), (303, "/ra"));
    let (s, html) = page(&b, format!("{}/ra", h.base)).await;
    assert_eq!(s, 200, "{html}");
    assert!(html.contains(&format!("{login} (")), "{html}");
    (b, csrf(&html))
}

/// The flow of R-4.2-FLOW and R-5.2-DUAL-CHECK driven from the console's pages.
#[tokio::test]
async fn an_application_goes_from_the_paper_to_the_passwords_at_the_console() {
    let h = start().await;
    let op = staff(&h, "olive").await;
    let (s, v) = post(
        &op,
        format!("{}/api/ra/developers", h.base),
        developer("976001", "m@console.example"),
    )
    .await;
    assert_eq!(s, 201, "{v}");

    // The operator records the paper form, on a page drawn from the policy's form.
    let (olive, _) = logged_in(&h, "olive").await;
    let (s, html) = page(&olive, format!("{}/ra/developers/976001", h.base)).await;
    assert_eq!(s, 200);
    assert!(html.contains("id=\"new-application\""), "{html}");
    let (s, form) = page(
        &olive,
        format!("{}/ra/applications/new?developer=976001", h.base),
    )
    .await;
    assert_eq!(s, 200, "{form}");
    let asked = inkan_runtime::forms::find(
        h.policy.definition().forms,
        inkan_runtime::forms::FormFor::Application,
        "A",
    )
    .unwrap();
    for f in asked.fields {
        assert!(
            form.contains(&format!("name=\"{}\"", f.name)),
            "{}: {form}",
            f.name
        );
    }
    let token = csrf(&form);
    let mut fields: Vec<(&str, &str)> = vec![
        ("csrf", token.as_str()),
        ("developer", "976001"),
        ("holders", "000001\n000002"),
    ];
    let paper = application_form("m@console.example");
    let texts: Vec<(String, String)> = paper
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| {
            let text = match v {
                Value::String(s) => s.clone(),
                Value::Array(a) => a
                    .iter()
                    .map(|x| x.as_str().unwrap())
                    .collect::<Vec<_>>()
                    .join("\n"),
                Value::Bool(true) => "on".into(),
                _ => String::new(),
            };
            (k.clone(), text)
        })
        .collect();
    // Without the seal the operator must tick, the form is refused, values kept.
    let unseen: Vec<(&str, &str)> = fields
        .iter()
        .copied()
        .chain(
            texts
                .iter()
                .filter(|(k, _)| k != "seal-or-signature")
                .map(|(k, v)| (k.as_str(), v.as_str())),
        )
        .collect();
    let (s, _, html) = submit(&olive, format!("{}/ra/applications", h.base), &unseen).await;
    assert_eq!(s, 422, "{html}");
    assert!(
        html.contains("seal-or-signature") && html.contains("Example KK"),
        "{html}"
    );
    fields.extend(texts.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let (s, to, html) = submit(&olive, format!("{}/ra/applications", h.base), &fields).await;
    assert_eq!(s, 303, "{html}");
    let id: i64 = to.rsplit('/').next().unwrap().parse().unwrap();
    let case = format!("{}/ra/applications/{id}", h.base);
    let (_, html) = page(&olive, case.clone()).await;
    assert!(html.contains("Example KK"), "the form as entered: {html}");
    assert!(
        !html.contains("id=\"accept-"),
        "the operator takes no step now: {html}"
    );

    // The examiner finds it in their queue, and examines it.
    let (erin, _) = logged_in(&h, "erin").await;
    let (_, queue) = page(&erin, format!("{}/ra", h.base)).await;
    assert!(
        queue.contains(&format!("href=\"/ra/applications/{id}\"")),
        "{queue}"
    );
    let (_, html) = page(&erin, case.clone()).await;
    assert!(html.contains("id=\"accept-examine-application\""), "{html}");
    assert!(!html.contains("id=\"accept-decide-application\""), "{html}");
    let token = csrf(&html);
    let (s, to, _) = submit(
        &erin,
        format!("{case}/steps"),
        &[
            ("csrf", &token),
            ("action", "examine-application"),
            ("accept", "yes"),
        ],
    )
    .await;
    assert_eq!(
        (s, to.as_str()),
        (303, format!("/ra/applications/{id}").as_str())
    );
    let (_, queue) = page(&erin, format!("{}/ra", h.base)).await;
    assert!(
        !queue.contains(&format!("href=\"/ra/applications/{id}\"")),
        "no longer waits for the examiner: {queue}"
    );

    // The supervisor decides; the passwords are shown once, and work.
    let (sam, _) = logged_in(&h, "sam").await;
    let (_, queue) = page(&sam, format!("{}/ra", h.base)).await;
    assert!(
        queue.contains(&format!("href=\"/ra/applications/{id}\"")),
        "{queue}"
    );
    let (_, html) = page(&sam, case.clone()).await;
    let token = csrf(&html);
    let r = sam
        .post(format!("{case}/steps"))
        .form(&[
            ("csrf", token.as_str()),
            ("action", "decide-application"),
            ("accept", "yes"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["cache-control"], "no-store");
    let html = r.text().await.unwrap();
    let passwords: Vec<String> = html
        .split("<code class=\"password\">")
        .skip(1)
        .map(|p| p.split('<').next().unwrap().to_string())
        .collect();
    assert_eq!(passwords.len(), 2, "{html}");
    let (s, v) = enroll(&h, &passwords[0], &csr(1)).await;
    assert_eq!(s, 201, "{v}");
    let (_, html) = page(&sam, case).await;
    assert!(html.contains("id=\"over\""), "{html}");
    assert!(!html.contains(&passwords[1]), "shown once only");
}

/// A form sent from another site, or without the page's token, is refused with 403
/// and takes no step; a stale session's page goes back to the login form; logging out
/// ends the session in the database.
#[tokio::test]
async fn a_cross_site_or_tokenless_form_is_refused_and_changes_nothing() {
    let h = start().await;
    let passwords = approved(&h, "976002", "m@console.example", &["000001"]).await;
    let (s, v) = enroll(&h, &passwords[0].1, &csr(1)).await;
    assert_eq!(s, 201, "{v}");
    let id = revocation_form(&h, v["serial"].as_str().unwrap(), "976002", "key-loss").await;
    let (erin, token) = logged_in(&h, "erin").await;
    let steps = format!("{}/ra/revocations/{id}/steps", h.base);
    let step = [("action", "examine-revocation-form"), ("accept", "yes")];
    for (csrf, origin) in [
        ("", None),
        ("0000", None),
        (token.as_str(), Some("http://evil.example")),
    ] {
        let mut r = erin
            .post(&steps)
            .form(&[&step[..], &[("csrf", csrf)]].concat());
        if let Some(o) = origin {
            r = r.header("origin", o);
        }
        let r = r.send().await.unwrap();
        assert_eq!(r.status(), 403, "{csrf} {origin:?}");
        let html = r.text().await.unwrap();
        assert!(html.contains("another site"), "{html}");
    }
    let (_, html) = page(&erin, format!("{}/ra/revocations/{id}", h.base)).await;
    assert!(
        html.contains("id=\"accept-examine-revocation-form\""),
        "no step was taken: {html}"
    );
    // The same session's own form goes through.
    let (s, to, _) = submit(
        &erin,
        steps,
        &[&step[..], &[("csrf", token.as_str())]].concat(),
    )
    .await;
    // Post/Redirect/Get: back to the case, which shows the step taken.
    assert_eq!((s, to), (303, format!("/ra/revocations/{id}")));

    // A login form posted from another site is refused too.
    let r = browser()
        .post(format!("{}/ra/login", h.base))
        .header("sec-fetch-site", "cross-site")
        .form(&[("login", "erin"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert!(r.headers().get("set-cookie").is_none());

    let (s, to, _) = submit(&erin, format!("{}/ra/logout", h.base), &[("csrf", &token)]).await;
    assert_eq!((s, to.as_str()), (303, "/ra/login"));
    let (s, _) = page(&erin, format!("{}/ra", h.base)).await;
    assert_eq!(s, 303, "the session is over");
    // A client that does not read HTML gets a problem document, not a redirect.
    let (s, v) = get(&client(), format!("{}/api/ra/applications", h.base)).await;
    assert_eq!(s, 401, "{v}");
}

/// The lists the console reads: the caller's queue, open cases, paging in a stable
/// order, developers by number or name.
#[tokio::test]
async fn the_lists_filter_and_page_as_documented() {
    let h = start().await;
    let op = staff(&h, "olive").await;
    for n in ["976101", "976102", "976103"] {
        let (s, v) = post(
            &op,
            format!("{}/api/ra/developers", h.base),
            developer(n, "m@lists.example"),
        )
        .await;
        assert_eq!(s, 201, "{v}");
        let (s, v) = post(
            &op,
            format!("{}/api/ra/applications", h.base),
            serde_json::json!({ "developer": n, "form": as_the_policy_asks(&h, application_form("m@lists.example")), "holders": ["000001"] }),
        )
        .await;
        assert_eq!(s, 201, "{v}");
    }
    let erin = staff(&h, "erin").await;
    let (s, first) = get(
        &erin,
        format!("{}/api/ra/applications?queue=mine&limit=2", h.base),
    )
    .await;
    assert_eq!(s, 200, "{first}");
    assert_eq!(first["items"].as_array().unwrap().len(), 2);
    let next = first["next"].as_i64().unwrap();
    let (_, second) = get(
        &erin,
        format!(
            "{}/api/ra/applications?queue=mine&limit=2&after={next}",
            h.base
        ),
    )
    .await;
    let ids: Vec<i64> = [&first, &second]
        .iter()
        .flat_map(|p| {
            p["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["id"].as_i64().unwrap())
        })
        .collect();
    assert_eq!(ids.len(), 3, "{first} {second}");
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
    assert!(second["next"].is_null(), "{second}");
    // The supervisor's queue is empty until the examiner has examined.
    let sam = staff(&h, "sam").await;
    let (_, v) = get(&sam, format!("{}/api/ra/applications?queue=mine", h.base)).await;
    assert_eq!(v["items"].as_array().unwrap().len(), 0, "{v}");
    let (s, v) = step(
        &h,
        "erin",
        "applications",
        ids[0],
        "examine-application",
        true,
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let (_, v) = get(&sam, format!("{}/api/ra/applications?queue=mine", h.base)).await;
    assert_eq!(v["items"][0]["id"].as_i64(), Some(ids[0]), "{v}");
    let (_, v) = get(&sam, format!("{}/api/ra/applications?open=true", h.base)).await;
    assert_eq!(v["items"].as_array().unwrap().len(), 3, "{v}");
    let (s, v) = get(
        &sam,
        format!("{}/api/ra/applications?queue=everyone", h.base),
    )
    .await;
    assert_eq!(s, 400, "{v}");
    // Developers by number prefix and by name, LIKE's wildcards taken literally.
    let (_, v) = get(&op, format!("{}/api/ra/developers?q=97610", h.base)).await;
    assert_eq!(v["items"].as_array().unwrap().len(), 3, "{v}");
    let (_, v) = get(
        &op,
        format!("{}/api/ra/developers?q=Developer%20976102", h.base),
    )
    .await;
    assert_eq!(v["items"][0]["number"], "976102", "{v}");
    let (_, v) = get(&op, format!("{}/api/ra/developers?q=%25", h.base)).await;
    assert_eq!(v["items"].as_array().unwrap().len(), 0, "{v}");
    // Reading the lists is the policy's permission, like reading one record.
    let fay = staff(&h, "fay").await;
    let (s, _) = get(&fay, format!("{}/api/ra/applications", h.base)).await;
    assert_eq!(s, 403);
}

/// A developer's removal at the console (R-4.11-LEAVE): the consequences (every
/// unrevoked certificate) are shown before anyone confirms; the supervisor's proposal
/// opens the policy's removal case and revokes nothing; an operator's
/// countersignature, taken from their queue, revokes them all. The developer's and the
/// certificate's audit trails show what happened.
#[tokio::test]
async fn a_removal_shows_its_consequences_first_and_a_second_person_carries_it_out() {
    let h = start().await;
    let passwords = approved(&h, "976201", "m@removal.example", &["000001"]).await;
    let (s, v) = enroll(&h, &passwords[0].1, &csr(1)).await;
    assert_eq!(s, 201, "{v}");
    let serial = v["serial"].as_str().unwrap().to_string();
    let developer = format!("{}/ra/developers/976201", h.base);

    let (olive, _) = logged_in(&h, "olive").await;
    let (_, html) = page(&olive, developer.clone()).await;
    assert!(
        !html.contains("id=\"remove\""),
        "an operator proposes no removal: {html}"
    );
    let (sam, _) = logged_in(&h, "sam").await;
    let (_, html) = page(&sam, developer.clone()).await;
    assert!(
        html.contains("id=\"remove\"") && html.contains("id=\"trail\""),
        "{html}"
    );
    let (s, html) = page(&sam, format!("{developer}/removal")).await;
    assert_eq!(s, 200, "{html}");
    assert!(
        html.contains(&serial),
        "the certificates it will revoke: {html}"
    );
    assert!(
        html.contains("developer-removed"),
        "the policy's reason: {html}"
    );
    let token = csrf(&html);
    let (s, to, _) = submit(&sam, format!("{developer}/removal"), &[("csrf", &token)]).await;
    assert_eq!(s, 303);
    assert!(to.starts_with("/ra/removals/"), "{to}");
    let revoked = |h: &Harness| {
        let ca = inkan_runtime::ca::Ca::open(&dir(h), &lookup).unwrap();
        ca.store()
            .certificate(&serial)
            .unwrap()
            .unwrap()
            .revoked
            .is_some()
    };
    assert!(!revoked(&h), "proposing revokes nothing");

    // The supervisor's page names who countersigns; the operator's queue holds it.
    let (_, html) = page(&sam, format!("{}{to}", h.base)).await;
    assert!(
        !html.contains("id=\"accept-countersign-developer-removal\""),
        "{html}"
    );
    let (_, queue) = page(&olive, format!("{}/ra", h.base)).await;
    assert!(queue.contains(&format!("href=\"{to}\"")), "{queue}");
    let (_, html) = page(&olive, format!("{}{to}", h.base)).await;
    assert!(
        html.contains("id=\"accept-countersign-developer-removal\""),
        "{html}"
    );
    let token = csrf(&html);
    let step = [
        ("csrf", token.as_str()),
        ("action", "countersign-developer-removal"),
        ("accept", "yes"),
    ];
    let (s, _, _) = submit(&olive, format!("{}{to}/steps", h.base), &step).await;
    assert_eq!(s, 303);
    assert!(revoked(&h), "the countersignature revokes");

    // The trails name what happened, in order.
    // An operator reads no trail (the log names every person's actions); the
    // supervisor, who reviews them, does.
    let (s, _) = page(&olive, format!("{}/ra/developers/976201/trail", h.base)).await;
    assert_eq!(s, 403);
    let (_, trail) = page(&sam, format!("{}/ra/developers/976201/trail", h.base)).await;
    let issued = trail.find("certificate-issued").expect("issued");
    let gone = trail.find("certificate-revoked").expect("revoked");
    assert!(issued < gone, "{trail}");
    let (_, trail) = page(&sam, format!("{}/ra/certificates/{serial}/trail", h.base)).await;
    assert!(
        trail.contains("certificate-revoked") && trail.contains("developer-removed"),
        "{trail}"
    );
    let (s, _) = page(&sam, format!("{}/ra/certificates/not-hex/trail", h.base)).await;
    assert_eq!(s, 400);
}

/// The separation of duties at the console (R-5.2-SEPARATION): a key-compromise form
/// is confirmed by telephone twice, by two different people; the operator who took the
/// first confirmation is shown no button for the second, a second operator is.
#[tokio::test]
async fn the_person_who_took_a_step_is_shown_no_button_for_the_step_barred_to_them() {
    let h = start().await;
    let passwords = approved(&h, "976301", "m@separation.example", &["000001"]).await;
    let (s, v) = enroll(&h, &passwords[0].1, &csr(1)).await;
    assert_eq!(s, 201, "{v}");
    let serial = v["serial"].as_str().unwrap();
    let id = revocation_form(&h, serial, "976301", "key-compromise").await;
    let case = format!("{}/ra/revocations/{id}", h.base);
    let (olive, _) = logged_in(&h, "olive").await;
    let (_, html) = page(&olive, case.clone()).await;
    assert!(
        html.contains("id=\"accept-confirm-revocation-by-phone\""),
        "{html}"
    );
    let token = csrf(&html);
    let step = [
        ("csrf", token.as_str()),
        ("action", "confirm-revocation-by-phone"),
        ("accept", "yes"),
    ];
    let (s, _, _) = submit(&olive, format!("{case}/steps"), &step).await;
    assert_eq!(s, 303);
    let (_, html) = page(&olive, case.clone()).await;
    assert!(
        !html.contains("id=\"accept-confirm-revocation-by-phone\""),
        "{html}"
    );
    assert!(html.contains("class=\"separation\""), "{html}");
    // Posted anyway, the step is refused by the workflow, as through the API.
    let (s, _, html) = submit(&olive, format!("{case}/steps"), &step).await;
    assert_eq!(s, 403, "{html}");
    let (otto, _) = logged_in(&h, "otto").await;
    let (_, html) = page(&otto, case).await;
    assert!(
        html.contains("id=\"accept-confirm-revocation-by-phone\""),
        "{html}"
    );
}

/// Changing a developer's registration at the console (R-4.1-ELIGIBLE): an operator
/// turns a fully registered developer into a provisional one the RA has not
/// permitted, and its next application form is refused; the change is in the
/// developer's audit trail.
#[tokio::test]
async fn a_changed_registration_decides_the_next_application() {
    let h = start().await;
    let op = staff(&h, "olive").await;
    let (s, v) = post(
        &op,
        format!("{}/api/ra/developers", h.base),
        developer("976401", "m@change.example"),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    let (olive, _) = logged_in(&h, "olive").await;
    let (_, html) = page(&olive, format!("{}/ra/developers/976401", h.base)).await;
    assert!(html.contains("id=\"change\""), "{html}");
    let (s, html) = page(
        &olive,
        format!("{}/ra/developers/976401/registration", h.base),
    )
    .await;
    assert_eq!(s, 200, "{html}");
    assert!(
        html.contains("JVNVU#00000000"),
        "the evidence on file, kept: {html}"
    );
    let token = csrf(&html);
    let mut form = vec![
        ("csrf", token.as_str()),
        ("class", "A"),
        ("registration", "provisional"),
        ("public-contact", "https://dev.example/contact"),
        ("product-fixed", "JVNVU#00000000"),
    ];
    // Without the evidence the policy's form asks for: refused beside the field.
    let (s, _, html) = submit(
        &olive,
        format!("{}/ra/developers/976401/registration", h.base),
        &form,
    )
    .await;
    assert_eq!(s, 422, "{html}");
    assert!(html.contains("field-registered-mail-error"), "{html}");
    form.push(("registered-mail", "RM 1234-5678-9012"));
    let (s, to, html) = submit(
        &olive,
        format!("{}/ra/developers/976401/registration", h.base),
        &form,
    )
    .await;
    assert_eq!((s, to.as_str()), (303, "/ra/developers/976401"), "{html}");
    let (s, v) = post(
        &op,
        format!("{}/api/ra/applications", h.base),
        serde_json::json!({ "developer": "976401", "form": as_the_policy_asks(&h, application_form("m@change.example")), "holders": ["000001"] }),
    )
    .await;
    assert_eq!(s, 403, "a provisional registrant without permission: {v}");
    let (sam, _) = logged_in(&h, "sam").await;
    let (_, trail) = page(&sam, format!("{}/ra/developers/976401/trail", h.base)).await;
    assert!(
        trail.contains("change-developer") && trail.contains("provisional"),
        "{trail}"
    );
}

/// The API and the console refuse the same roles: the facility administrator, whom the
/// policy gives no reading of revocation requests, is refused by both before anything
/// is read (a missing case is not told from another); the examiner, who examines their
/// forms and so reads them (the compiler's `step-without-read`), sees one through both.
#[tokio::test]
async fn the_api_and_the_console_refuse_the_same_roles_before_reading() {
    let h = start().await;
    let passwords = approved(&h, "976501", "m@sees.example", &["000001"]).await;
    let (s, v) = enroll(&h, &passwords[0].1, &csr(1)).await;
    assert_eq!(s, 201, "{v}");
    let id = revocation_form(&h, v["serial"].as_str().unwrap(), "976501", "key-loss").await;
    for (login, status) in [("erin", 200), ("fay", 403)] {
        let api = staff(&h, login).await;
        let (console, _) = logged_in(&h, login).await;
        for case in [id, 999_999] {
            let expected = if case == id || status == 403 {
                status
            } else {
                404
            };
            let (s, v) = get(&api, format!("{}/api/ra/revocations/{case}", h.base)).await;
            assert_eq!(s, expected, "{login} API {case}: {v}");
            let (s, _) = page(&console, format!("{}/ra/revocations/{case}", h.base)).await;
            assert_eq!(s, expected, "{login} console {case}");
        }
        let (s, _) = get(&api, format!("{}/api/ra/revocations?queue=mine", h.base)).await;
        assert_eq!(s, status, "{login} list");
    }
}
