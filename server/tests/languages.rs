//! Every page in each language the policy offers (issue 17): Japanese first under the
//! JPCERT policies, English on request, chosen by `Accept-Language` or by the switch,
//! which a cookie remembers; a policy that names no language speaks English. No page
//! shows a message missing from the catalogue, in either language, and the mail the
//! service sends speaks every language of the policy.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

use common::*;

/// The page at `path` as a browser asking for `accept` (and holding `cookie`) sees it.
async fn page(h: &Harness, path: &str, accept: &str, cookie: Option<&str>) -> (u16, String) {
    let mut r = reqwest::Client::new()
        .get(format!("{}{path}", h.base))
        .header("accept-language", accept);
    if let Some(c) = cookie {
        r = r.header("cookie", c);
    }
    let r = r.send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

fn assert_whole(path: &str, lang: &str, html: &str) {
    assert!(
        html.contains(&format!("<html lang=\"{lang}\">")),
        "{path} in {lang}: {html}"
    );
    assert!(
        !html.contains(inkan_server::i18n::MISSING),
        "{path} in {lang} shows a missing message: {html}"
    );
}

#[tokio::test]
async fn every_page_speaks_each_language_of_the_policy_and_none_has_a_hole() {
    let h = start().await;
    let passwords = approved(&h, "975001", "m@lang.example", &["000001", "000002"]).await;
    let (_, mail) = {
        let (s, v) = enroll(&h, &passwords[0].1, &csr(1)).await;
        assert_eq!(s, 201, "{v}");
        revocation_mailed(&h, v["serial"].as_str().unwrap(), "975001", "key-loss").await
    };
    let confirm = format!("/revocation/confirm?token={}", token_in(&mail));
    let pages = [
        "/",
        "/repository",
        "/repository/notices",
        "/enroll",
        confirm.as_str(),
    ];
    for (accept, lang, word) in [
        ("ja,en;q=0.5", "ja", "リポジトリ"),
        ("en-US,en;q=0.9", "en", "Repository"),
        // Neither offered: the policy's default, Japanese.
        ("fr-FR,de;q=0.5", "ja", "リポジトリ"),
        ("", "ja", "リポジトリ"),
    ] {
        for path in pages {
            let (s, html) = page(&h, path, accept, None).await;
            assert_eq!(s, 200, "{path}: {html}");
            assert_whole(path, lang, &html);
        }
        let (_, home) = page(&h, "/", accept, None).await;
        assert!(home.contains(word), "{accept}: {home}");
    }
    // A failed enrollment's page, in both languages.
    for (accept, lang, title) in [
        ("ja", "ja", "証明書は発行されませんでした"),
        ("en", "en", "Your certificate was not issued"),
    ] {
        let r = reqwest::Client::new()
            .post(format!("{}/enroll", h.base))
            .header("accept-language", accept)
            .form(&[("password", "wrong"), ("csr", csr(2).as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401);
        let html = r.text().await.unwrap();
        assert_whole("POST /enroll", lang, &html);
        assert!(html.contains(title), "{html}");
    }
    // A successful one, and the confirmation, in English for a browser that asks.
    let r = reqwest::Client::new()
        .post(format!("{}/enroll", h.base))
        .header("accept-language", "en")
        .form(&[
            ("password", passwords[1].1.as_str()),
            ("csr", csr(2).as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert_whole("POST /enroll", "en", &html);
    assert!(html.contains("Issued to <code>"), "{html}");
    let r = reqwest::Client::new()
        .post(format!("{}/revocation/confirm", h.base))
        .header("accept-language", "ja")
        .form(&[("token", token_in(&mail).as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert_whole("POST /revocation/confirm", "ja", &html);
    assert!(html.contains("失効させ、CRL を再発行しました"), "{html}");

    // The confirmation mail speaks both, Japanese first.
    let ja = mail.find("様").expect("a Japanese salutation");
    let en = mail.find("Dear ").expect("an English salutation");
    assert!(ja < en, "{mail}");
}

#[tokio::test]
async fn the_switch_remembers_the_choice_and_goes_back_only_to_this_site() {
    let h = start().await;
    let (_, ja) = page(&h, "/repository?x=1", "ja", None).await;
    let link = "/language?to=en&amp;back=%2Frepository%3Fx%3D1";
    assert!(
        ja.contains(link),
        "the switch names the page it is on: {ja}"
    );
    let no_redirects = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = no_redirects
        .get(format!("{}{}", h.base, link.replace("&amp;", "&")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/repository?x=1");
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(cookie.starts_with("inkan_lang=en;"), "{cookie}");
    let jar = cookie.split(';').next().unwrap();
    // The choice beats the browser's language.
    let (_, en) = page(&h, "/repository", "ja", Some(jar)).await;
    assert_whole("/repository", "en", &en);
    assert!(en.contains("Latest CRL"), "{en}");
    // Another site, a scheme-relative URL, a backslash: back to the front page.
    for back in [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example",
        // Browsers drop tab, CR and LF from a URL: `/\t/evil` would become `//evil`.
        "/\t/evil.example",
        "/\r\n/evil.example",
        "/ /evil.example",
    ] {
        let r = no_redirects
            .get(format!("{}/language", h.base))
            .query(&[("to", "ja"), ("back", back)])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        assert_eq!(r.headers()["location"], "/", "{back}");
    }
    // A language the policy does not offer sets nothing.
    let r = no_redirects
        .get(format!("{}/language?to=fr&back=/", h.base))
        .send()
        .await
        .unwrap();
    assert!(r.headers().get("set-cookie").is_none());
}

/// The variant policy names no language: its pages are English, with no switch.
#[tokio::test]
async fn a_policy_that_names_no_language_speaks_english() {
    let h = start_for("jpcert-ssl-client-variant", |_| {}).await;
    let (_, html) = page(&h, "/", "ja", None).await;
    assert_whole("/", "en", &html);
    assert!(!html.contains("/language?"), "{html}");
}

/// Every console page, in each language, for the roles that see it: no missing
/// message anywhere, and the page speaks the language asked for.
#[tokio::test]
async fn every_console_page_speaks_each_language_without_a_hole() {
    let h = start().await;
    let passwords = approved(&h, "975101", "m@lang.example", &["000001"]).await;
    let (s, v) = enroll(&h, &passwords[0].1, &csr(1)).await;
    assert_eq!(s, 201, "{v}");
    let serial = v["serial"].as_str().unwrap().to_string();
    let revocation = revocation_form(&h, &serial, "975101", "key-compromise").await;
    let (s, v) = post(
        &staff(&h, "sam").await,
        format!("{}/api/ra/developers/975101/removal", h.base),
        serde_json::json!({}),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    let removal = v["id"].as_i64().unwrap();
    let pages = [
        ("olive", "/ra".to_string()),
        ("olive", "/ra/developers?q=975".to_string()),
        ("olive", "/ra/developers/new".to_string()),
        ("olive", "/ra/developers/new?class=A".to_string()),
        ("olive", "/ra/developers/975101".to_string()),
        ("olive", "/ra/developers/975101/registration".to_string()),
        ("sam", "/ra/developers/975101/trail".to_string()),
        ("sam", format!("/ra/certificates/{serial}/trail")),
        ("olive", "/ra/applications/new?developer=975101".to_string()),
        ("olive", "/ra/applications/1".to_string()),
        (
            "olive",
            format!("/ra/revocations/new?developer=975101&serial={serial}"),
        ),
        ("olive", format!("/ra/revocations/{revocation}")),
        ("olive", format!("/ra/removals/{removal}")),
        ("sam", "/ra".to_string()),
        ("sam", "/ra/developers/975101/removal".to_string()),
        ("erin", "/ra".to_string()),
        ("fay", "/ra".to_string()),
    ];
    for lang in ["ja", "en"] {
        let (_, login) = page(&h, "/ra/login", lang, None).await;
        assert_whole("/ra/login", lang, &login);
        for who in ["olive", "sam", "erin", "fay"] {
            let c = reqwest::Client::builder()
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap();
            let r = c
                .post(format!("{}/ra/login", h.base))
                .form(&[("login", who), ("password", PASSWORD)])
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 303, "{who}");
            for (_, path) in pages.iter().filter(|(w, _)| *w == who) {
                let r = c
                    .get(format!("{}{path}", h.base))
                    .header("accept-language", lang)
                    .header("accept", "text/html")
                    .send()
                    .await
                    .unwrap();
                let status = r.status();
                let html = r.text().await.unwrap();
                assert_eq!(status, 200, "{who} {path}: {html}");
                assert_whole(path, lang, &html);
            }
        }
    }
}
